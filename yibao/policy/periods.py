"""Policy sections: day counting, payment windows, coverage and waiting periods.

The documents state their periods in words ("出生90天内", "补缴期内…等待期3个月",
"每月1日至25日"). These models hold those periods as dates and numbers, each with
the clause and sentence it comes from, plus the *reading* we use where the document
leaves the counting open, so a supervisor can see it in the TOML and change it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import Field, model_validator

from yibao.identities import Identity
from yibao.policy.base import Ref, Strict
from yibao.policy.vocabulary import Category

# --------------------------------------------------------------------------- day counting


class WorkingDays(Ref):
    """A delay counted in working days (山阴 三(一)1 "登记成功后1至2个工作日可以进行缴费").

    ``applies_to``: whom the sentence names — ``new_enrolees`` (山阴 "新参保人员": a person on
    record as insured in an earlier year, by this registry's payments or an imported payer
    list, does not wait) or ``everyone`` (the default, so that a file written before this
    entry existed keeps its reading: every registration waits)."""

    applies_to: Literal["new_enrolees", "everyone"] = "everyone"
    min_days: int = Field(ge=0, le=30)
    max_days: int = Field(ge=0, le=30)

    @model_validator(mode="after")
    def _ordered(self) -> WorkingDays:
        if self.min_days > self.max_days:
            raise ValueError(
                f"working_days.min_days（{self.min_days}）大于 max_days（{self.max_days}），请改正。"
            )
        return self


class DayCounting(Strict):
    """How "N天内" / "N个月" are counted where the document gives no rule of its own.

    ``days_after = "start_excluded"``: an N-day period after day D ends on D+N
    (《民法典》第二百零一条：开始的当日不计入). ``"start_included"`` counts D as day 1
    (ends on D+N−1). ``months_after = "same_day"``: an N-month period after D ends on the
    same day N months later, or the month's last day if that day does not exist (第二百零二条).
    """

    days_after: Literal["start_excluded", "start_included"] = "start_excluded"
    months_after: Literal["same_day"] = "same_day"
    basis: str  # the law or clause the reading rests on, in Chinese
    note: str  # the reading in words, for the supervisor
    working_days: WorkingDays | None = (
        None  # registration → payment delay, if the document sets one
    )


# --------------------------------------------------------------------------- windows


def shift_date(day: date, years: int) -> date:
    """``day`` moved by whole years; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


class BenefitYear(Ref):
    """待遇享受期 of the benefit year the document is about.

    It need not be the calendar year. Other benefit years (a newborn's next year, the year
    a date falls in) are read as this period moved by whole years (``shifted``): the rules
    never assume 1 January to 31 December.
    """

    start: date
    end: date
    note: str | None = None  # where the document does not state the period in so many words

    def shifted(self, years: int) -> tuple[date, date]:
        """This period moved by ``years`` whole years (first and last day)."""
        return shift_date(self.start, years), shift_date(self.end, years)

    def offset_of(self, day: date) -> int | None:
        """How many years after this period the one holding ``day`` is (0: this one, −1: the
        year before); None when ``day`` falls in the gap between two periods."""
        guess = day.year - self.end.year
        for k in (guess - 1, guess, guess + 1):
            start, end = self.shifted(k)
            if start <= day <= end:
                return k
        return None

    @property
    def length_days(self) -> int:
        return (self.end - self.start + timedelta(days=1)).days


class MonthlyDays(Ref):
    """Only days ``first``..``last`` of each month are open (晋城 二, 山阴 三(一))."""

    first: int = Field(ge=1, le=31)
    last: int = Field(ge=1, le=31)
    holidays_extend: bool = False  # 山阴 "节假日不顺延"

    @model_validator(mode="after")
    def _ordered(self) -> MonthlyDays:
        if self.first > self.last:
            raise ValueError(
                f"monthly_days.first（{self.first}）晚于 last（{self.last}），请改正。"
            )
        return self


class Centralized(Ref):
    """集中缴费期: paying inside it gives the whole benefit year."""

    start: date
    end: date
    # 商南 四: "缴费起征受理时间以税务部门公告为准" — the first month is not certain.
    start_deferred: Ref | None = None
    monthly_days: MonthlyDays | None = None
    note: str | None = None  # e.g. 眉山's 9/1–12/20 organising target inside the period


class MakeUp(Ref):
    """A period after the centralized one in which general people may still pay, with its own
    waiting period: 商南 四's 补缴期. Other notices give it another name ("集中缴费期后",
    "非集中缴费期"): ``name`` holds the notice's own words and is what the desk shows. The
    waiting is in calendar months (``waiting_months``) or in days where the notice counts
    days ("3个月（按90天计算）": ``waiting_days = 90``); none at all is ``waiting_months = 0``.
    """

    name: str = "补缴期"  # the notice's word for the period
    start: date
    end: date
    waiting_months: int = Field(default=0, ge=0, le=12)
    waiting_days: int | None = Field(default=None, ge=1, le=366)
    waiting: Ref  # the sentence that sets the waiting period

    @model_validator(mode="after")
    def _months_or_days(self) -> MakeUp:
        if self.waiting_days is not None and self.waiting_months:
            raise ValueError(
                "periods.make_up：waiting_months 与 waiting_days 只能写一个"
                "（文件按天计算等待期时写 waiting_days）。"
            )
        return self

    @property
    def waiting_words(self) -> str:
        if self.waiting_days is not None:
            return f"{self.waiting_days}天"
        return f"{self.waiting_months}个月"


class Outside(Ref):
    """What the document says about general people paying outside every window."""

    effect: Literal["refused", "confirm"]


# ``after_days``: the day after ``days`` days counted from payment ("缴费之日起90天后");
# ``group_start``: a fixed first day for the whole group (``benefit_start``), e.g. newly
# enrolled university students covered from 1 September of the year before the benefit year.
StartRule = Literal[
    "payment_day", "next_day", "next_month", "nth_month", "after_days", "group_start"
]


class Bridge(Ref):
    """商南 五(六): continuous insurance ≥ N years and a gap ≤ M months → no waiting period."""

    min_continuous_years: int = Field(ge=0)
    max_gap_months: int = Field(ge=0)


class Special(Ref):
    """A group that may pay outside the centralized period, with its own coverage start.

    A person matches when their category is in ``categories`` or they hold one of
    ``identities`` on the payment date, and every condition holds.
    """

    name: str  # stable key, e.g. "special_persons"
    label: str  # Chinese, shown to the clerk
    categories: tuple[Category, ...] = ()
    identities: tuple[Identity, ...] = ()
    # Which recognitions of ``identities`` count (商南 三(三) "自然年度内…动态新增人员纳入下一年度
    # 参保资助范围"): "any"; "before_benefit_year" (四(二)4(2) 原认定身份); "in_benefit_year"
    # (一(四) "相关部门新认定的下一年度可享受参保资助的人员", paying as 四(二)4(1) 特殊人员).
    identities_recognised: Literal["any", "before_benefit_year", "in_benefit_year"] = "any"
    # Conditions.
    require_not_insured_this_year: bool = False  # 眉山 二(二)2 "当年度未参加过任何基本医保"
    exit_within_months: int | None = Field(default=None, ge=0)  # pay within N months of leaving
    exit_ref: Ref | None = None  # sentence of the N-month condition, if different
    # Which dates: "centralized" = any day after the centralized period (to the end of the
    # benefit year); "make_up" = only after the make-up period too (商南 四(二)4(1)).
    opens_after: Literal["centralized", "make_up"] = "centralized"
    also_in_centralized: bool = (
        False  # the start rule applies to centralized payments too (students)
    )
    # Coverage.
    start: StartRule
    nth_month: int | None = Field(default=None, ge=1, le=12)  # 眉山 "缴费当月的第4个月"
    days: int | None = Field(default=None, ge=1, le=366)  # start = "after_days"
    # The group's coverage may start before the benefit year (start = "group_start"): the
    # first day the document names. The benefit year's end still ends it.
    benefit_start: date | None = None
    # Only people the facts mark as newly enrolled university students (新入学大学生).
    new_students_only: bool = False
    # The sentence speaks only of payments inside the centralized period ("在集中缴费期内参保缴费
    # 的，自…起享受"): outside it the group is not special and the general rules apply.
    only_in_centralized: bool = False
    retroactive_from_exit: bool = False  # 眉山 "中断期间待遇可追溯享受"
    coverage: Ref | None = None  # sentence of the start rule, if different from the group's
    bridge: Bridge | None = None
    # A sentence that contradicts this group's start rule for a payment inside the make-up
    # period (商南 四(一) "补缴期内…设置固定待遇等待期3个月" against 四(二)4(2) "次月"): the
    # coverage keeps the group's start, names the other reading's start, and asks to confirm.
    make_up_conflict: Ref | None = None

    @model_validator(mode="after")
    def _complete(self) -> Special:
        if not self.categories and not self.identities:
            raise ValueError(f"special “{self.name}”：categories 与 identities 不能都为空。")
        if self.start == "nth_month" and self.nth_month is None:
            raise ValueError(f'special “{self.name}”：start = "nth_month" 时须填写 nth_month。')
        if self.start == "after_days" and self.days is None:
            raise ValueError(f'special “{self.name}”：start = "after_days" 时须填写 days。')
        if (self.start == "group_start") != (self.benefit_start is not None):
            raise ValueError(
                f'special “{self.name}”：start = "group_start" 时须填写 benefit_start（该群体待遇起始日），'
                "其他起始规则不写。"
            )
        if self.retroactive_from_exit and self.exit_within_months is None:
            raise ValueError(
                f"special “{self.name}”：retroactive_from_exit 需要同时填写 exit_within_months。"
            )
        return self


class Repair(Ref):
    """Paying back lapsed years shortens the variable waiting period (商南 四(二)4(8))."""

    months_per_year: int = Field(ge=0)


class Waiting(Ref):
    """待遇等待期 for people who pay outside the centralized period or did not stay insured.

    ``free_lapsed_years``: our reading of "每多断保1年…增加1个月": the number of lapsed years
    that add no variable month (variable = (lapsed_years − free_lapsed_years) ×
    ``variable_months_per_year``). The files use 0: every lapsed year, the first included,
    adds a month, so that the "连续断缴4年及以上…不少于6个月" floor means something for a
    4-year lapse (see the note in each file). ``counted_from``: "参保后" read as from the
    payment date, or from the later of payment and the start of the benefit year.
    """

    fixed_months: int = Field(ge=0, le=12)
    variable_months_per_year: int = Field(ge=0, le=12)
    free_lapsed_years: int = Field(ge=0)
    repair: Repair | None = None  # None: the document says nothing about repairing
    floor_months: int | None = Field(default=None, ge=0)
    floor_from_lapsed_years: int | None = Field(default=None, ge=1)
    counted_from: Literal["payment", "later_of_payment_and_benefit_start"]
    note: str

    @model_validator(mode="after")
    def _floor_pair(self) -> Waiting:
        if (self.floor_months is None) != (self.floor_from_lapsed_years is None):
            raise ValueError(
                "waiting.floor_months 与 floor_from_lapsed_years 须同时填写或同时省略。"
            )
        return self


class IllnessCap(Ref):
    """商南 四(二)4(7): 大病保险最高支付限额 incentives. Figures in fen; None = not stated."""

    lapse_change_fen: int | None = None  # 断保再参保
    continuous_from_years: int | None = None  # 连续参保满 N 年后
    per_continuous_year_fen: int | None = None
    zero_claims_fen: int | None = None
    limit: Ref | None = None  # "累计提高总额不超过…封顶线的20%" — the base is not in the document
    limit_percent: int | None = Field(default=None, ge=1, le=100)  # that 20%, as printed

    @model_validator(mode="after")
    def _limit_percent(self) -> IllnessCap:
        if self.limit_percent is not None and self.limit is None:
            raise ValueError("periods.illness_cap：写 limit_percent 时须同时写 [periods.illness_cap.limit] 原文。")
        return self


class PeriodRules(Strict):
    benefit: BenefitYear
    centralized: Centralized
    make_up: MakeUp | None = None
    outside: Outside
    special: tuple[Special, ...] = ()
    waiting: Waiting | None = None
    illness_cap: IllnessCap | None = None

    @model_validator(mode="after")
    def _dates(self) -> PeriodRules:
        b, c, m = self.benefit, self.centralized, self.make_up
        if b.start > b.end:
            raise ValueError(f"periods.benefit：start（{b.start}）晚于 end（{b.end}）。")
        if (b.end - b.start).days > 365:
            raise ValueError("periods.benefit：待遇享受期不能超过一年。")
        if c.start > c.end:
            raise ValueError(f"periods.centralized：start（{c.start}）晚于 end（{c.end}）。")
        if c.start > b.end:
            raise ValueError("periods.centralized：集中缴费期不能晚于待遇享受期结束。")
        if m is not None:
            if m.start > m.end:
                raise ValueError(f"periods.make_up：start（{m.start}）晚于 end（{m.end}）。")
            if m.start <= c.end and c.start <= m.end:
                raise ValueError(
                    f"periods.make_up（{m.start}至{m.end}）与 periods.centralized"
                    f"（{c.start}至{c.end}）重叠。"
                )
            if m.start < c.end:
                raise ValueError(f"periods.make_up：{m.name}须在集中缴费期之后。")
            if m.end > b.end:
                raise ValueError(f"periods.make_up：{m.name}不能晚于待遇享受期结束。")
        names = [s.name for s in self.special]
        if len(names) != len(set(names)):
            raise ValueError("periods.special：name 有重复。")
        return self
