"""The Policy aggregate: one jurisdiction, one benefit year, one document."""

from __future__ import annotations

from pydantic import Field

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

    def clause(self, ref: Ref) -> Clause:
        """The citable clause for a rule entry of this policy."""
        section = None if ref.silent else ref.clause
        return Clause(document=self.document.number, section=section, quote=ref.text)

    def silent(self, what: str) -> Clause:
        """A clause for a matter this document does not address at all."""
        return Clause(document=self.document.number, section=None, quote=what)
