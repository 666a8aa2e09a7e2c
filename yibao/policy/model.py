"""The Policy aggregate: one jurisdiction, one benefit year, one document."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from functools import lru_cache
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from yibao.policy.base import Document, Ref, Strict
from yibao.policy.contribution import ContributionRules
from yibao.policy.coverage import CoverageRules
from yibao.policy.enrolment import EnrolmentRules
from yibao.policy.family_aid import FamilyAidRules
from yibao.policy.newborn import NewbornRules
from yibao.policy.periods import DayCounting, PeriodRules
from yibao.policy.refunds import RefundRules
from yibao.policy.vocabulary import Clause

PolicyStatus = Literal["confirmed", "draft"]


class Policy(Strict):
    id: str = Field(pattern=r"^[a-z]+-\d{4}$")  # <jurisdiction key>-<benefit year>
    jurisdiction: str  # 商南县
    region_code: str = Field(pattern=r"^\d{6}$")  # GB/T 2260
    benefit_year: int = Field(ge=2000, le=2100)
    # "draft": made by ``yibao policy new`` from last year's file; quoted on screen, never
    # takes money. "confirmed": every entry checked against the notice (``policy confirm``).
    status: PolicyStatus = "confirmed"
    document: Document
    day_counting: DayCounting
    enrolment: EnrolmentRules
    contribution: ContributionRules
    periods: PeriodRules
    newborn: NewbornRules
    family_aid: FamilyAidRules
    refunds: RefundRules
    coverage: CoverageRules | None = None  # the drive: goals, targets, subsidy sources

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
    def _confirmed_means_checked(self) -> Policy:
        if self.status == "confirmed":
            left = [path for path, _ref in self.entries() if not _ref.confirmed]
            if left:
                shown = "、".join(left[:5]) + ("……" if len(left) > 5 else "")
                raise ValueError(
                    f"文件标为已确认（status = \"confirmed\"），但有 {len(left)} 条未确认：{shown}。"
                    "请逐条核对新通知后运行 yibao policy confirm，或把 status 改回 \"draft\"。"
                )
            if not self.document.date.strip():
                raise ValueError(
                    "文件标为已确认，但 document.date（发文日期）为空。请按通知填写发文日期。"
                )
        return self

    @property
    def key(self) -> str:
        """The jurisdiction's key: the id without its year (``shangnan`` of ``shangnan-2025``)."""
        return self.id.rsplit("-", 1)[0]

    @property
    def is_draft(self) -> bool:
        return self.status == "draft"

    def entries(self) -> Iterator[tuple[str, Ref]]:
        """Every rule entry (a clause with its sentence) in the file, with its dotted path."""
        yield from _entries(self, "")

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

    @model_validator(mode="after")
    def _newborn_year_end_is_the_benefit_end(self) -> Policy:
        # "至出生当年12月31日" is data ([newborn.year_end]) and must be where the benefit period
        # ends: the newborn rules take the year's end from [periods.benefit].
        benefit = getattr(self.periods, "benefit", None)
        nb = getattr(self, "newborn", None)
        end = getattr(benefit, "end", None)
        if nb is None or end is None:
            return self
        said = [path for path, ref in _entries(nb, "newborn") if "12月31日" in ref.text]
        if nb.year_end is None and said and (end.month, end.day) != (12, 31):
            raise ValueError(
                f"{said[0]} 的原文写有“12月31日”，而待遇享受期末为 {end}：请填写 [newborn.year_end]"
                "（条款、原文与月、日）写明新生儿待遇截止的年末，并核对两处原文。"
            )
        if nb.year_end is not None and (nb.year_end.month, nb.year_end.day) != (end.month, end.day):
            raise ValueError(
                f"newborn.year_end（{nb.year_end.month}月{nb.year_end.day}日）与待遇享受期末"
                f"（periods.benefit.end = {end}）不一致，请核对原文。"
            )
        return self

    def benefit_period(self, year: int) -> tuple[date, date]:
        """待遇享受期 of benefit year ``year``: ``[periods.benefit]`` moved by whole years (the
        dates of another year are that year's own file's; this is how this file repeats)."""
        return self.periods.benefit.shifted(year - self.benefit_year)

    def benefit_year_on(self, day: date) -> int | None:
        """The benefit year whose 待遇享受期 (as this file's period repeats) holds ``day``."""
        k = self.periods.benefit.offset_of(day)
        return None if k is None else self.benefit_year + k

    def clause(self, ref: Ref) -> Clause:
        """The citable clause for a rule entry of this policy."""
        return _clause(self.document.citation, None if ref.silent else ref.clause, ref.text, ref.unavailable)

    def silent(self, what: str) -> Clause:
        """A clause for a matter this document does not address at all."""
        return Clause(document=self.document.citation, section=None, quote=what)

    @property
    def citation(self) -> str:
        """How decisions cite the document: its number, or (none printed) issuer, title, date."""
        return self.document.citation


@lru_cache(maxsize=4096)
def _clause(document: str, section: str | None, quote: str, unavailable: bool) -> Clause:
    # A policy cites the same few dozen clauses on every decision (a quote builds about ten);
    # a Clause is frozen, so one instance per citation serves them all.
    return Clause(document=document, section=section, quote=quote, unavailable=unavailable)


def _entries(model: BaseModel, prefix: str) -> Iterator[tuple[str, Ref]]:
    for name in type(model).model_fields:
        value = getattr(model, name)
        path = f"{prefix}.{name}" if prefix else name
        yield from _walk(value, path)


def _walk(value: object, path: str) -> Iterator[tuple[str, Ref]]:
    if isinstance(value, Ref):
        yield path, value
    if isinstance(value, BaseModel):
        yield from _entries(value, path)
    elif isinstance(value, tuple | list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{path}[{i}]")
    elif isinstance(value, dict):
        for k, item in value.items():
            yield from _walk(item, f"{path}.{k}")
