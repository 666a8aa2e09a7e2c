"""Policy section ``[contribution]``: the standard fee, subsidies by identity, import order, extras.

Each subsidy entry repeats the figures as printed (fixed amount, personal share,
percentage) so that a typo in one of them fails validation instead of reaching
a receipt.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum
from typing import Any, Literal

from pydantic import Field, model_validator

from yibao.identities import Identity
from yibao.policy.base import Fen, Ref, Strict
from yibao.policy.vocabulary import Category


class SubsidyKind(StrEnum):
    FULL = "full"  # 全额资助: subsidy = the standard fee
    FIXED = "fixed"  # 定额资助: subsidy_fen as printed
    NONE = "none"  # the document says this identity gets no subsidy (山阴 稳定脱贫)
    DEFERRED = "deferred"  # the document refers elsewhere: the clerk confirms, we compute nothing
    PERCENT = "percent"  # 按个人缴费标准的 N% 资助: computed, rounded by ``[contribution.rounding]``


class Condition(Strict):
    """Extra conditions on an identity; every field given must hold."""

    label: str  # e.g. 60周岁以上老年人
    min_age: int | None = Field(default=None, ge=0)  # 年满（含）
    below_age: int | None = Field(default=None, ge=1)  # 未满
    disability_grades: tuple[int, ...] | None = None  # 残疾等级 1–4
    with_identity: Identity | None = None  # must also hold this identity (山阴 低保户中的残疾人)

    @model_validator(mode="after")
    def _something(self) -> Condition:
        if (
            self.min_age is None
            and self.below_age is None
            and self.disability_grades is None
            and self.with_identity is None
        ):
            raise ValueError(
                "条件至少要有 min_age、below_age、disability_grades、with_identity 之一"
            )
        if self.disability_grades and not set(self.disability_grades) <= {1, 2, 3, 4}:
            raise ValueError("disability_grades 只能是 1–4 级")
        return self


class Subsidy(Ref):
    """资助参保: one line of the document's subsidy list."""

    identities: tuple[Identity, ...] = Field(min_length=1)  # holding any one qualifies
    label: str  # as the document names the group
    kind: SubsidyKind
    subsidy_fen: Fen | None = None  # FIXED: the amount; FULL: optional, must equal the standard
    personal_fen: Fen | None = None  # the personal share if the document prints it
    percent: int | None = Field(default=None, ge=0, le=100)  # 资助比例 if printed
    conditions: tuple[Condition, ...] = ()  # any one suffices; empty = no condition
    excludes: tuple[Identity, ...] = ()  # 不含已纳入…范围人员: holders of these do not qualify here
    department: str | None = None  # 认定部门

    @model_validator(mode="after")
    def _amount_given(self) -> Subsidy:
        if self.kind is SubsidyKind.FIXED and self.subsidy_fen is None:
            raise ValueError("定额资助（kind = fixed）必须写 subsidy_fen")
        if self.kind is SubsidyKind.PERCENT and self.percent is None:
            raise ValueError("按比例资助（kind = percent）必须写 percent（资助比例，如 50）")
        if self.kind in (SubsidyKind.NONE, SubsidyKind.DEFERRED) and self.subsidy_fen:
            raise ValueError(f"kind = {self.kind.value} 时不应写资助金额")
        if self.kind is SubsidyKind.DEFERRED and not (self.defers_to or self.unavailable):
            raise ValueError(
                "kind = deferred 必须写 defers_to（转引的文件或政策），"
                "或 unavailable = true（该部分原文未能取得）"
            )
        return self


class Rounding(Ref):
    """How a percentage subsidy is rounded (``kind = percent``), as the document says.

    ``unit``: 分 / 角 / 元; ``mode``: ``half_up`` 四舍五入, ``down`` 舍去, ``up`` 进位. Where the
    document does not say (``silent = true``), an amount that needs rounding asks to confirm.
    """

    unit: Literal["fen", "jiao", "yuan"]
    mode: Literal["half_up", "down", "up"]

    @property
    def unit_fen(self) -> int:
        return {"fen": 1, "jiao": 10, "yuan": 100}[self.unit]

    def apply(self, numerator: int, denominator: int) -> tuple[int, bool]:
        """``numerator / denominator`` fen rounded to the unit: (fen, whether it was exact)."""
        step = denominator * self.unit_fen
        units, rest = divmod(numerator, step)
        if rest and (self.mode == "up" or (self.mode == "half_up" and 2 * rest >= step)):
            units += 1
        return units * self.unit_fen, rest == 0


def percent_amount(
    standard_fen: int, percent: int, rounding: Rounding | None
) -> tuple[int, bool]:
    """N% of the standard in fen, rounded by ``rounding`` (half-up to the fen when None)."""
    if rounding is None:
        units, rest = divmod(standard_fen * percent, 100)
        return units + (1 if 2 * rest >= 100 else 0), rest == 0
    return rounding.apply(standard_fen * percent, 100)


class ImportStep(Strict):
    """眉山 三(二) 导盘顺序: one identity with its department code, in document order."""

    step: int = Field(ge=1)  # groups the document joins with the same arrow step
    department: str
    identity: Identity
    label: str
    code: str = Field(pattern=r"^\d{2,6}$")


class ImportOrder(Ref):
    steps: tuple[ImportStep, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _ascending(self) -> ImportOrder:
        numbers = [s.step for s in self.steps]
        if numbers != sorted(numbers):
            raise ValueError("导盘顺序 steps 的 step 必须按文件顺序递增")
        codes = [s.code for s in self.steps]
        if len(set(codes)) != len(codes):
            raise ValueError("导盘顺序中有重复的部门代码")
        return self

    def rank(self, identity: Identity) -> int:
        """Later steps are imported later and overwrite earlier marks; 0 when not listed."""
        return max((s.step for s in self.steps if s.identity is identity), default=0)

    def entries(self, identity: Identity) -> tuple[ImportStep, ...]:
        return tuple(s for s in self.steps if s.identity is identity)


class Period(Ref):
    """A date range stated by the document, both ends included."""

    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.start > self.end:
            raise ValueError(f"起始日 {self.start} 晚于截止日 {self.end}")
        return self

    def contains(self, day: date) -> bool:
        return self.start <= day <= self.end


class OutsideCentralized(Ref):
    """Whether a subsidy applies to a payment made outside the centralized period.

    ``none``: the document says no (商南 四(二)4(2)); ``silent``: it does not say → confirm;
    ``full_cost``: the payer bears the whole cost, personal share plus the government's
    (e.g. "集中缴费期外参保的按1100元缴费，不享受财政补助"): the standard becomes
    ``full_cost_fen`` and no subsidy applies, except for the ``exempt`` categories.
    """

    subsidy: Literal["none", "silent", "full_cost"]
    full_cost_fen: Fen | None = None
    exempt: tuple[Category, ...] = ()  # categories the sentence does not reach (e.g. newborn)

    @model_validator(mode="after")
    def _full_cost(self) -> OutsideCentralized:
        if (self.subsidy == "full_cost") != (self.full_cost_fen is not None):
            raise ValueError(
                "outside_centralized：subsidy = \"full_cost\" 时须写 full_cost_fen（全额缴费金额，分），"
                "其他取值不写"
            )
        return self


class AgeReading(Ref):
    """Which day an age condition (60周岁以上, 未成年人) is read on. A reading, not a quote."""

    on: Literal["paid_on", "benefit_year_start", "benefit_year_end"]


class PersonalShareDeadline(Ref):
    """A day by which subsidised people of ``kinds`` should pay their own share (眉山 三(三)3(2)
    "定额资助对象于2023年12月20日前完成个人缴费剩余部分的缴费"). The document sets the day but
    not what happens after it: a later payment is confirmed, the subsidy still shown."""

    last_day: date
    kinds: tuple[SubsidyKind, ...] = (SubsidyKind.FIXED,)


class NewIdentities(Ref):
    """Identities recognised during the benefit year count from the next year's subsidy
    (商南 三(三) "自然年度内相关部门动态新增人员纳入下一年度参保资助范围", 一(四)).

    An identity whose ``recognised_on`` falls inside the benefit year gives no subsidy this
    year and does not make the person one of the "原认定身份" late payers (四(二)4(2)).
    ``note`` says how the natural year was read.

    ``cutoff`` is where the notice draws the line, an identity recognised after it counting
    from the next year: ``benefit_year`` — recognised inside the benefit year (商南 三(三), i.e.
    from the start of the year); ``centralized_end`` — after the end of the centralized period
    ("同缴同补": recognised while the period runs, paid and subsidised like everyone else);
    ``fixed_date`` — after ``cutoff_date``.
    """

    cutoff: Literal["benefit_year", "centralized_end", "fixed_date"] = "benefit_year"
    cutoff_date: date | None = None

    @model_validator(mode="after")
    def _cutoff_date(self) -> NewIdentities:
        if (self.cutoff == "fixed_date") != (self.cutoff_date is not None):
            raise ValueError(
                "new_identities：cutoff = \"fixed_date\" 时须写 cutoff_date，其他取值不写"
            )
        return self


class RecognitionCutoff(Ref):
    """Which recognition dates count for a payment, where the document says so.

    ``payment_year_end`` (商南 三(一) “认定时间以缴费当年12月31日前各相关部门认定结果为准”):
    an identity recognised (认定) on or before the day ``month``/``day`` of the year of payment
    (the day the sentence names: 12月31日) counts for that payment even when it was recognised,
    or marked in the system, after the payment day — the office then settles the subsidy
    (``yibao.rules.settlement``). ``new_identities`` still applies: one recognised inside the
    benefit year counts from the next year.
    """

    until: Literal["payment_year_end"] = "payment_year_end"
    # The day the sentence names, in the year of payment. A file written before these were
    # data leaves them out: they are then read from the sentence itself ("12 月 31 日前").
    month: int | None = Field(default=None, ge=1, le=12)
    day: int | None = Field(default=None, ge=1, le=31)

    @model_validator(mode="before")
    @classmethod
    def _day_from_the_sentence(cls, data: Any) -> Any:
        if isinstance(data, dict) and (data.get("month") is None or data.get("day") is None):
            found = re.search(r"(\d{1,2})月(\d{1,2})日", "".join(str(data.get("text", "")).split()))
            if found is not None:
                data = {**data, "month": int(found.group(1)), "day": int(found.group(2))}
        return data

    @model_validator(mode="after")
    def _in_the_sentence(self) -> RecognitionCutoff:
        if self.month is None or self.day is None:
            raise ValueError("contribution.recognition：原文中没有认定截止的月、日，请填写 month、day。")
        if f"{self.month}月{self.day}日" not in "".join(self.text.split()):
            raise ValueError(
                f"contribution.recognition：原文中没有“{self.month}月{self.day}日”，"
                "请核对 month、day 与原文。"
            )
        return self

    def last_day(self, paid_on: date) -> date:
        """The last recognition day that counts for a payment made on ``paid_on``."""
        assert self.month is not None and self.day is not None  # filled in on load
        return date(paid_on.year, self.month, self.day)


class Included(Ref):
    """Cover that comes with the basic insurance at no personal fee (眉山 二(一) 大病医疗保险)."""

    label: str  # e.g. 大病医疗保险


class Extra(Ref):
    """An optional add-on the clerk may collect with the fee (山阴 意外伤害补充保险)."""

    code: str = Field(pattern=r"^[a-z][a-z_]*$")
    label: str
    fee_fen: Fen
    centralized_only: bool = False


class ContributionRules(Strict):
    standard_fen: Fen
    standard: Ref  # the sentence that sets the personal contribution standard
    centralized: Period  # the centralized period, as the subsidy and extras rules need it
    outside_centralized: OutsideCentralized
    stacking: Ref  # 就高不就低、不重复享受; silent where the document does not say
    age_reading: AgeReading
    subsidies: tuple[Subsidy, ...] = ()
    import_order: ImportOrder | None = None
    extras: tuple[Extra, ...] = ()
    # 晋城 一 "由参保人员按年度一次性足额缴纳": the year's personal share in one payment, in full
    # (no instalments, no part payment). Services read ``lump_sum_only``.
    lump_sum: Ref | None = None
    personal_share_deadline: PersonalShareDeadline | None = None
    new_identities: NewIdentities | None = None
    recognition: RecognitionCutoff | None = None  # 商南 三(一): recognition date cut-off
    included: tuple[Included, ...] = ()
    rounding: Rounding | None = None  # required when a subsidy is a percentage

    def subsidy_of(self, entry: Subsidy) -> int:
        """The subsidy ``entry`` gives against the standard, in fen (0 for none/deferred)."""
        if entry.kind is SubsidyKind.FULL:
            return self.standard_fen
        if entry.kind is SubsidyKind.FIXED:
            return entry.subsidy_fen or 0
        if entry.kind is SubsidyKind.PERCENT:
            assert entry.percent is not None
            return percent_amount(self.standard_fen, entry.percent, self.rounding)[0]
        return 0

    @property
    def lump_sum_only(self) -> bool:
        """True when the document requires the year's personal share in one full payment."""
        return self.lump_sum is not None and self.lump_sum.settled

    @model_validator(mode="after")
    def _consistent(self) -> ContributionRules:
        standard = self.standard_fen
        if self.rounding is None and any(s.kind is SubsidyKind.PERCENT for s in self.subsidies):
            raise ValueError(
                "有按比例资助（kind = percent）时须写 [contribution.rounding]（取整方法；"
                "文件未规定写 silent = true 并选一种读法）"
            )
        for i, s in enumerate(self.subsidies):
            where = f"subsidies[{i}]（{s.label}）"
            if s.kind is SubsidyKind.PERCENT:
                computed = self.subsidy_of(s)
                if s.subsidy_fen is not None and s.subsidy_fen != computed:
                    raise ValueError(
                        f"{where}：标准 {standard} 分的 {s.percent}% 按取整规则为 {computed} 分，"
                        f"与写明的 subsidy_fen {s.subsidy_fen} 分不一致"
                    )
                if s.personal_fen is not None and computed + s.personal_fen != standard:
                    raise ValueError(
                        f"{where}：资助 {computed} 分 + 个人 {s.personal_fen} 分 ≠ 标准 {standard} 分"
                    )
                continue
            amount = standard if s.kind is SubsidyKind.FULL else (s.subsidy_fen or 0)
            if s.kind is SubsidyKind.FULL and s.subsidy_fen not in (None, standard):
                raise ValueError(f"{where}：全额资助金额应等于个人缴费标准 {standard} 分")
            if amount > standard:
                raise ValueError(f"{where}：资助 {amount} 分超过个人缴费标准 {standard} 分")
            if s.kind is SubsidyKind.DEFERRED:
                continue
            if s.personal_fen is not None and amount + s.personal_fen != standard:
                raise ValueError(
                    f"{where}：资助 {amount} 分 + 个人 {s.personal_fen} 分 ≠ 标准 {standard} 分"
                )
            if s.percent is not None and amount * 100 != standard * s.percent:
                raise ValueError(
                    f"{where}：资助 {amount} 分不等于标准 {standard} 分的 {s.percent}%"
                )
        # The same identity in two unconditional entries would make the amount ambiguous.
        seen: dict[Identity, int] = {}
        for i, s in enumerate(self.subsidies):
            if s.conditions or s.excludes:
                continue
            for identity in s.identities:
                if identity in seen:
                    raise ValueError(
                        f"身份 {identity.value} 同时出现在 subsidies[{seen[identity]}] 与 "
                        f"subsidies[{i}] 中且都无条件，资助金额不明确"
                    )
                seen[identity] = i
        codes = [e.code for e in self.extras]
        if len(set(codes)) != len(codes):
            raise ValueError("extras 中有重复的 code")
        return self
