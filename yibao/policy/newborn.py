"""Policy section ``[newborn]``: the newborn's window, fee, coverage and year choice.

Each entry is a ``Ref`` (clause + original sentence). A document that says nothing
about newborns (晋城) has only ``silent``; the rule then asks the clerk to confirm.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field, model_validator

from yibao.policy.base import Ref, Strict


class Window(Ref):
    """ "出生90天内": pay (or register) within ``days`` after birth to be covered from birth.

    A notice may give the window in months ("出生一年内": ``months = 12``) or set none at all
    ("新生儿不受参保时间限制": ``no_deadline = true``). Exactly one of the three.
    """

    days: int | None = Field(default=None, ge=1, le=366)
    months: int | None = Field(default=None, ge=1, le=60)
    no_deadline: bool = False

    @model_validator(mode="after")
    def _one_length(self) -> Window:
        given = [self.days is not None, self.months is not None, self.no_deadline]
        if sum(given) != 1:
            raise ValueError(
                "newborn.window：days（天）、months（月）、no_deadline（不限期限）须且只能写一个。"
            )
        return self

    @property
    def words(self) -> str:
        """"出生90天内" / "出生12个月内" / "出生后不限期限"."""
        if self.days is not None:
            return f"出生{self.days}天内"
        if self.months is not None:
            return "出生一年内" if self.months == 12 else f"出生{self.months}个月内"
        return "出生后不限期限"

    @property
    def span(self) -> str:
        """"90天" / "一年" / "18个月" (no deadline: "不限期限")."""
        if self.days is not None:
            return f"{self.days}天"
        if self.months is not None:
            return "一年" if self.months == 12 else f"{self.months}个月"
        return "不限期限"

    @property
    def approx_days(self) -> int:
        """The window's length in days, for comparisons (a month counted as 28 days)."""
        if self.days is not None:
            return self.days
        if self.months is not None:
            return self.months * 28
        return 100_000


class EnrolWithin(Ref):
    """眉山 二(二)4 "新生儿出生一年内可随时办理参保缴费"."""

    months: int = Field(ge=1, le=60)


class Effective(Ref):
    """The clause applies from ``start`` on, to babies born (``on = "birth"``) or paid for then."""

    start: date
    on: Literal["birth", "payment"]


class Fee(Ref):
    """``standard``: the personal contribution standard of ``[contribution]``; ``none``: free;
    ``none_if_parent_insured``: free when a parent is insured in this place for the baby's
    benefit year (a condition on another person's facts, ``PersonFacts.parents``), else the
    standard. ``parent_schemes``: which insurance of the parent counts."""

    kind: Literal["standard", "none", "none_if_parent_insured"]
    parent_schemes: tuple[Literal["resident", "employee"], ...] = ("resident",)


class Late(Ref):
    """Paid after the window but still as a newborn.

    ``next_month_in_birth_year``: 商南 四(二)2(1), from the month after payment to 31 Dec of the
    birth year, only while still in the birth year. ``next_day``: 眉山 二(二)4, from the day
    after payment (within ``enrol_within``).
    """

    start: Literal["next_month_in_birth_year", "next_day"]


class YearEnd(Ref):
    """Where the document names the newborn's year end ("待遇享受期为出生之日起至出生当年12月31日"):
    the month and day it names, which must be where ``[periods.benefit]`` ends (checked on
    load). The rules take the end of the birth's benefit year from the benefit period; this
    entry is the sentence they cite for it. Without it the benefit period's clause is cited."""

    month: int = Field(ge=1, le=12)
    day: int = Field(ge=1, le=31)

    @model_validator(mode="after")
    def _in_the_sentence(self) -> YearEnd:
        if f"{self.month}月{self.day}日" not in self.text:
            raise ValueError(
                f"newborn.year_end：原文中没有“{self.month}月{self.day}日”，请核对 month、day 与原文。"
            )
        return self


class YearEndChoice(Ref):
    """商南 四(二)2(2): fewer than ``days`` days from birth to the end of its benefit year
    ("距离当年12月31日不足90天") → the birth year or the next benefit year."""

    days: int = Field(ge=1, le=366)
    late: Ref  # "未在90天内缴纳相应年度医疗保险费，按一般人员…执行"


class NewbornRules(Strict):
    # The document has no newborn rule (晋城); with ``unavailable = true`` and a clause: it has
    # one, in a part whose text we could not read.
    silent: Ref | None = None
    window: Window | None = None
    coverage: Ref | None = None  # "待遇享受期为出生之日起至出生当年12月31日"
    year_end: YearEnd | None = None  # "至出生当年12月31日": the year end the document names
    fee: Fee | None = None
    effective: Effective | None = None
    local_hukou_only: Ref | None = None  # 山阴 "本县户籍新生儿"
    enrol_within: EnrolWithin | None = None
    late: Late | None = None  # None: the document does not say (→ confirm)
    year_end_choice: YearEndChoice | None = None
    death: Ref | None = None  # 商南 四(二)2(3)

    @model_validator(mode="after")
    def _silent_or_rules(self) -> NewbornRules:
        if self.silent is None and self.window is None:
            raise ValueError("newborn：须填写 window（新生儿缴费期限），文件未规定时填写 silent。")
        if self.silent is not None and self.window is not None:
            raise ValueError("newborn：silent 与 window 不能同时填写。")
        if self.window is not None and (self.coverage is None or self.fee is None):
            raise ValueError("newborn：填写 window 时须同时填写 coverage 与 fee。")
        if (
            self.enrol_within is not None
            and self.window is not None
            and self.enrol_within.months * 28 < self.window.approx_days
        ):
            raise ValueError("newborn.enrol_within：参保期限短于 window.days，请检查。")
        return self
