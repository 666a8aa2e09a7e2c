"""The Policy aggregate: one jurisdiction, one benefit year, one document."""

from __future__ import annotations

from pydantic import Field, model_validator

from yibao.policy.base import Document, Ref, Strict
from yibao.policy.contribution import ContributionRules
from yibao.policy.enrolment import EnrolmentRules
from yibao.policy.family_aid import FamilyAidRules
from yibao.policy.newborn import NewbornRules
from yibao.policy.periods import DayCounting, PeriodRules
from yibao.policy.refunds import RefundRules
from yibao.rules.decision import Clause


class Policy(Strict):
    id: str = Field(pattern=r"^[a-z]+-\d{4}$")
    jurisdiction: str  # 商南县
    region_code: str = Field(pattern=r"^\d{6}$")  # GB/T 2260
    benefit_year: int = Field(ge=2000, le=2100)
    document: Document
    day_counting: DayCounting
    enrolment: EnrolmentRules
    contribution: ContributionRules
    periods: PeriodRules
    newborn: NewbornRules
    family_aid: FamilyAidRules
    refunds: RefundRules

    @model_validator(mode="after")
    def _one_centralized_period(self) -> Policy:
        # [contribution.centralized] repeats the dates of [periods.centralized] so the subsidy,
        # extras, family-aid and refund rules can cite their own clause; the two must agree.
        central = getattr(self.periods, "centralized", None)
        start, end = getattr(central, "start", None), getattr(central, "end", None)
        mine = self.contribution.centralized
        if start is not None and end is not None and (start, end) != (mine.start, mine.end):
            raise ValueError(
                f"contribution.centralized（{mine.start}至{mine.end}）与 periods.centralized"
                f"（{start}至{end}）的集中缴费期不一致，请改成同一起止日。"
            )
        return self

    @model_validator(mode="after")
    def _benefit_period_names_the_year(self) -> Policy:
        # The benefit period is data ([periods.benefit]); it need not be the calendar year, but
        # it must be the year the file is for (begin or end in it).
        benefit = getattr(self.periods, "benefit", None)
        start, end = getattr(benefit, "start", None), getattr(benefit, "end", None)
        if start is not None and end is not None and self.benefit_year not in (start.year, end.year):
            raise ValueError(
                f"periods.benefit（{start}至{end}）不在待遇年度 {self.benefit_year} 内，"
                "请核对 benefit_year 与待遇享受期。"
            )
        return self

    def clause(self, ref: Ref) -> Clause:
        """The citable clause for a rule entry of this policy."""
        section = None if ref.silent else ref.clause
        return Clause(
            document=self.document.citation,
            section=section,
            quote=ref.text,
            unavailable=ref.unavailable,
        )

    def silent(self, what: str) -> Clause:
        """A clause for a matter this document does not address at all."""
        return Clause(document=self.document.citation, section=None, quote=what)
