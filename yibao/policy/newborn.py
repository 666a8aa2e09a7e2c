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
    """ "出生90天内": pay (or register) within ``days`` after birth to be covered from birth."""

    days: int = Field(ge=1, le=366)


class EnrolWithin(Ref):
    """眉山 二(二)4 "新生儿出生一年内可随时办理参保缴费"."""

    months: int = Field(ge=1, le=60)


class Effective(Ref):
    """The clause applies from ``start`` on, to babies born (``on = "birth"``) or paid for then."""

    start: date
    on: Literal["birth", "payment"]


class Fee(Ref):
    """``standard``: the personal contribution standard of ``[contribution]``; ``none``: free."""

    kind: Literal["standard", "none"]


class Late(Ref):
    """Paid after the window but still as a newborn.

    ``next_month_in_birth_year``: 商南 四(二)2(1), from the month after payment to 31 Dec of the
    birth year, only while still in the birth year. ``next_day``: 眉山 二(二)4, from the day
    after payment (within ``enrol_within``).
    """

    start: Literal["next_month_in_birth_year", "next_day"]


class YearEndChoice(Ref):
    """商南 四(二)2(2): fewer than ``days`` days from birth to 31 Dec → birth year or next year."""

    days: int = Field(ge=1, le=366)
    late: Ref  # "未在90天内缴纳相应年度医疗保险费，按一般人员…执行"


class NewbornRules(Strict):
    silent: Ref | None = None  # the document has no newborn rule (晋城)
    window: Window | None = None
    coverage: Ref | None = None  # "待遇享受期为出生之日起至出生当年12月31日"
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
            and self.enrol_within.months * 28 < self.window.days
        ):
            raise ValueError("newborn.enrol_within：参保期限短于 window.days，请检查。")
        return self
