"""参保历史: the waiting-period facts from the registry's own records, and the clerk's declarations.

The waiting period (商南 四(二)4(8), 山阴 三(二)1), the major-illness cap (商南 四(二)4(7))
and the employee-insurance bridge (商南 五(六)) depend on the years a person was insured.
``known`` derives them from what the registry holds — its own payments and the rows of
imported payer lists (``yibao import enrolments``, table ``prior_enrolment``) — and says for
every year where it comes from (``HistoryView.years``, ``HistoryView.facts``). The registry's
derivation is the default: ``enrolment.assess`` / ``enrol_and_pay`` use it with no
declaration at all. Where the person's history lives elsewhere (another 统筹区, years before
the lists), the clerk declares it with a mandatory reason (``validate_declared``), which
returns the ``overrides`` those services take::

    known = services.history.known(person_id)            # HistoryView: facts with sources
    overrides = services.history.validate_declared(
        person_id, previous_year="not_enrolled", lapsed_years=2, repaid_years=0,
        reason="在外县参保，持参保缴费证明",
    )
    services.enrolment.enrol_and_pay(person_id, channel="cash", received_fen=..., overrides=overrides)

``validate_declared`` returns only what differs from the registry's derivation (plus the
reason), so an unchanged form declares nothing. A payment taken with overrides writes an
audit row ``enrolment.history_declared`` (``describe`` gives its Chinese summary, with the
reason) in the same transaction; a payment taken with a declaration and no reason is refused.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any, TypedDict

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict

from yibao.models import Person
from yibao.rules.facts import Category
from yibao.services.base import ServiceBase
from yibao.services.errors import InvalidInput
from yibao.services.facts import DECLARATION_REASON, YearRecord, derive, year_records

# 上年度参保: as the registry has it, or declared by the clerk.
PREVIOUS_YEAR_CHOICES: dict[str, str] = {
    "registry": "按登记库记录",
    "enrolled": "已参保",
    "not_enrolled": "未参保",
}
MAX_LAPSED_YEARS = 50
MAX_CONTINUOUS_YEARS = 100

# Chinese names of the facts a declaration may set (for messages and the audit summary).
FIELD_LABELS: dict[str, str] = {
    "enrolled_previous_year": "上年度参保",
    "first_enrolment": "首次参保",
    "lapsed_years": "连续断保年数",
    "repaid_years": "已补缴年数",
    "resident_insurance_years_continuous": "连续参加居民医保年数",
    "basic_insurance_years_continuous": "连续参加基本医保年数",
    "other_scheme_exit_on": "职工医保停保日期",
    DECLARATION_REASON: "申报理由",
}
MAX_REASON_CHARS = 200


class DeclaredHistory(TypedDict, total=False):
    """What the clerk declared of a person's 参保历史 on F2, as typed: the keyword arguments
    of ``HistoryService.validate_declared`` (``counter.quote`` / ``counter.pay`` take it).
    A stop date typed that is not a date comes as its text and is refused with the field
    named."""

    previous_year: str  # registry / enrolled / not_enrolled
    lapsed_years: int | None
    repaid_years: int | None
    continuous_years: int | None
    employee_exit_on: date | str | None
    reason: str | None


class HistoryYear(BaseModel):
    """One benefit year before the year being collected, as the registry has it."""

    model_config = ConfigDict(frozen=True)

    year: int
    status: str  # insured 已参保 / repaid 断保（已缴费修复） / lapsed 断保 / none 无记录
    source: str  # Chinese: which record, or that none is held

    @property
    def status_label(self) -> str:
        return YEAR_STATUS_LABELS[self.status]


YEAR_STATUS_LABELS = {
    "insured": "已参保",
    "repaid": "断保·已缴费修复",
    "lapsed": "断保",
    "none": "无记录",
}


class HistoryFact(BaseModel):
    """One waiting-period fact, its value in Chinese and where it came from."""

    model_config = ConfigDict(frozen=True)

    key: str
    label: str
    value: str
    source: str


class HistoryView(BaseModel):
    """What the registry itself knows of a person's history before ``benefit_year``."""

    model_config = ConfigDict(frozen=True)

    person_id: str
    benefit_year: int
    paid_years: tuple[int, ...]  # benefit years insured on record, before benefit_year
    last_paid_year: int | None  # last year enrolled
    enrolled_previous_year: bool
    previous_year_receipt_no: str | None  # this registry's payment for benefit_year − 1, if any
    previous_year_source: str | None  # where the record of benefit_year − 1 comes from
    lapsed_years: int  # consecutive uninsured years up to benefit_year − 1 (0 with no record)
    repaid_years: int  # lapsed years of the current break paid back afterwards (缴费修复)
    continuous_years: int  # consecutive insured years up to benefit_year − 1
    no_record: bool  # no year on record: first enrolment, or a history kept elsewhere
    other_scheme_exit_on: date | None  # 职工医保 / 现役 / 羁押 结束日期 on the person's record
    imported_years: tuple[int, ...] = ()  # years known only from an imported payer list
    years: tuple[HistoryYear, ...] = ()  # last year first, back to the earliest record
    facts: tuple[HistoryFact, ...] = ()  # the derived facts with their sources

    @property
    def summary(self) -> str:
        """One line for the form: what the registry has, in Chinese."""
        if self.no_record:
            return (
                "登记库无本人以往年度缴费记录（本库缴费和导入的参保缴费名单均无）："
                "首次参保，或在外地参保，请询问；有证明的可申报并写明理由"
            )
        years = "、".join(str(y) for y in self.paid_years)
        imported = (
            f"（其中{'、'.join(str(y) for y in self.imported_years)}年度来自导入名单）"
            if self.imported_years
            else ""
        )
        if self.enrolled_previous_year:
            return f"登记库记录：{years}年度已参保{imported}，连续参保{self.continuous_years}年"
        repaid = f"，其中已缴费修复{self.repaid_years}年" if self.repaid_years else ""
        return (
            f"登记库记录：{years}年度已参保{imported}，最后参保{self.last_paid_year}年度，"
            f"至{self.benefit_year - 1}年度已断保{self.lapsed_years}年{repaid}"
        )


def describe(overrides: Mapping[str, Any]) -> str:
    """The declared facts in Chinese, e.g. ``上年度参保：否；连续断保年数：2``."""
    parts: list[str] = []
    for key, value in overrides.items():
        label = FIELD_LABELS.get(key, key)
        if isinstance(value, bool):
            shown = "是" if value else "否"
        elif isinstance(value, date):
            shown = value.isoformat()
        else:
            shown = str(value)
        parts.append(f"{label}：{shown}")
    return "；".join(parts)


def _count(value: Any, *, field: str, label: str, high: int) -> int | None:
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        try:
            value = int(str(value).strip())
        except ValueError:
            raise InvalidInput(f"{label}应为整数（年），请重新填写。", field=field) from None
    if value < 0 or value > high:
        raise InvalidInput(f"{label}应在0至{high}年之间，现为{value}年，请核实后重新填写。", field=field)
    return value


def _receipt(known: HistoryView) -> str:
    where = known.previous_year_source
    return f"（{where}）" if where else ""


def _years(records: list[YearRecord], benefit_year: int) -> list[HistoryYear]:
    """Each year from last year back to the earliest record, with its source."""
    by_year = {r.year: r for r in records if r.year < benefit_year}
    if not by_year:
        return []
    out: list[HistoryYear] = []
    for year in range(benefit_year - 1, min(by_year) - 1, -1):
        record = by_year.get(year)
        if record is None:
            out.append(HistoryYear(year=year, status="lapsed", source="本登记库和导入名单均无该年度缴费记录"))
        elif record.repaid:
            out.append(
                HistoryYear(
                    year=year,
                    status="repaid",
                    source=f"{record.where}：在该年度结束后缴费，按缴费修复计，不算参保",
                )
            )
        else:
            out.append(HistoryYear(year=year, status="insured", source=record.where))
    return out


def _facts(view_years: list[HistoryYear], benefit_year: int, derived: dict[str, Any]) -> list[HistoryFact]:
    last = benefit_year - 1
    if not view_years:
        none = "本登记库和导入名单均无以往年度记录"
        return [
            HistoryFact(key="enrolled_previous_year", label="上年度参保", value="无记录", source=none),
            HistoryFact(key="lapsed_years", label="连续断保年数", value="0", source=none),
        ]
    insured = [y for y in view_years if y.status == "insured"]
    lapse = view_years[: derived["lapsed_years"]]
    streak = view_years[derived["lapsed_years"] :][: derived["basic_insurance_years_continuous"]]
    repaid = [y for y in lapse if y.status == "repaid"]

    def years_of(items: list[HistoryYear]) -> str:
        return "、".join(str(y.year) for y in sorted(items, key=lambda i: i.year)) or "无"

    previous = view_years[0]
    facts = [
        HistoryFact(
            key="last_year_enrolled",
            label="最后参保年度",
            value=f"{insured[0].year}年度" if insured else "无",
            source=insured[0].source if insured else "无参保年度记录",
        ),
        HistoryFact(
            key="enrolled_previous_year",
            label=f"上年度（{last}年度）参保",
            value="是" if derived["enrolled_previous_year"] else "否",
            source=previous.source,
        ),
        HistoryFact(
            key="lapsed_years",
            label="连续断保年数",
            value=str(derived["lapsed_years"]),
            source=f"断保年度：{years_of(lapse)}" if lapse else "上年度已参保",
        ),
        HistoryFact(
            key="repaid_years",
            label="已缴费修复年数",
            value=str(derived["repaid_years"]),
            source=f"修复年度：{years_of(repaid)}" if repaid else "无修复缴费记录",
        ),
        HistoryFact(
            key="continuous_years",
            label="连续参保年数",
            value=str(derived["basic_insurance_years_continuous"]),
            source=f"连续参保年度：{years_of(streak)}" if streak else "上年度未参保，断保后重新计算",
        ),
    ]
    return facts


def known_of(person: Person | sa.Row[Any], records: list[YearRecord], year: int) -> HistoryView:
    """``HistoryView`` of ``person`` before ``year`` from the years on record (``records_of``)."""
    derived = derive(records, year)
    before = tuple(sorted(r.year for r in records if r.year < year and not r.repaid))
    previous = next((r for r in records if r.year == year - 1 and not r.repaid), None)
    view_years = _years(records, year)
    return HistoryView(
        person_id=person.id,
        benefit_year=year,
        paid_years=before,
        last_paid_year=before[-1] if before else None,
        enrolled_previous_year=derived["enrolled_previous_year"],
        previous_year_receipt_no=previous.receipt_no if previous is not None else None,
        previous_year_source=previous.where if previous is not None else None,
        lapsed_years=derived["lapsed_years"],
        repaid_years=derived["repaid_years"],
        continuous_years=derived["basic_insurance_years_continuous"],
        no_record=derived["first_enrolment"],
        other_scheme_exit_on=person.other_scheme_exit_on,
        imported_years=tuple(
            sorted(
                r.year
                for r in records
                if r.year < year and r.source == "imported" and not r.repaid
            )
        ),
        years=tuple(view_years),
        facts=tuple(_facts(view_years, year, derived)),
    )


class HistoryService(ServiceBase):
    def known(self, person_id: str, benefit_year: int | None = None) -> HistoryView:
        """What the registry knows of ``person_id``'s history before ``benefit_year``
        (default: the policy's benefit year): its own payments and imported payer lists,
        each year with its source. Writes nothing."""
        year = benefit_year if benefit_year is not None else self._services.benefit_year
        with self.reading() as session:
            person = self.person_or_404(session, person_id)
            return known_of(person, year_records(session, person.id), year)

    def validate_declared(
        self,
        person_id: str,
        *,
        previous_year: str = "registry",
        lapsed_years: int | None = None,
        repaid_years: int | None = None,
        continuous_years: int | None = None,
        employee_exit_on: date | None = None,
        category: Category | str | None = None,
        reason: str | None = None,
        require_reason: bool = True,
        known: HistoryView | None = None,
    ) -> dict[str, Any]:
        """Check what the clerk declared against itself and the registry; return ``overrides``.

        ``previous_year``: ``registry`` (按登记库记录), ``enrolled`` (已参保) or ``not_enrolled``
        (未参保). ``None`` for a number means "not declared" (the registry's value stands).
        ``continuous_years`` counts years insured without a break up to last year: 连续参加
        基本医保年数 for ``category`` 职工医保断保 (商南 五(六)), else 连续参加居民医保年数
        (商南 四(二)4(7); basic-insurance years are then at least as many).
        ``employee_exit_on`` is the 职工医保停保日期 (not in the future; required for
        ``category`` 职工医保断保 unless the person's record has it).

        ``reason`` (申报理由: what the person showed or said, e.g. 外县参保缴费证明) is
        required whenever the declaration changes a fact the registry derived
        (``require_reason=False`` for a quote while the clerk is still typing; the payment
        itself is refused without one).

        Raises ``InvalidInput`` (Chinese message, ``field`` = the argument) when a value is
        out of range, contradicts another, contradicts a record in this registry, or a
        declaration has no reason. Returns only the facts that differ from the registry's
        own derivation, with ``declaration_reason``. ``known``: the person's ``known`` view
        when the caller has just read it (the F2 quote), so it is not read twice.
        """
        if previous_year not in PREVIOUS_YEAR_CHOICES:
            raise InvalidInput(
                f"上年度参保情况“{previous_year}”不对。可选："
                + "、".join(f"{k}（{v}）" for k, v in PREVIOUS_YEAR_CHOICES.items()),
                field="previous_year",
            )
        lapsed = _count(lapsed_years, field="lapsed_years", label="连续断保年数", high=MAX_LAPSED_YEARS)
        repaid = _count(repaid_years, field="repaid_years", label="已补缴年数", high=MAX_LAPSED_YEARS)
        continuous = _count(
            continuous_years, field="continuous_years", label="连续参保年数", high=MAX_CONTINUOUS_YEARS
        )
        try:
            cat = Category(category) if category else None
        except ValueError:
            raise InvalidInput(f"参保类别“{category}”不对。", field="category") from None
        if known is None:
            known = self.known(person_id)
        last_year = known.benefit_year - 1

        # 上年度参保 and 连续断保年数 together.
        if previous_year == "not_enrolled" and known.enrolled_previous_year:
            raise InvalidInput(
                f"登记库有本人{last_year}年度缴费记录{_receipt(known)}，"
                "上年度已参保，不能申报为未参保。如记录有误请先办理退费或更正。",
                field="previous_year",
            )
        if previous_year == "enrolled" and lapsed:
            raise InvalidInput(
                f"上年度已参保时连续断保年数应为0，现填{lapsed}年。请改为“未参保”或把断保年数改为0。",
                field="lapsed_years",
            )
        if previous_year == "not_enrolled" and not lapsed:
            raise InvalidInput(
                f"上年度（{last_year}年度）未参保即已断保，连续断保年数至少为1年，请填写。",
                field="lapsed_years",
            )
        if previous_year == "registry" and lapsed and known.enrolled_previous_year:
            raise InvalidInput(
                f"登记库有本人{last_year}年度缴费记录{_receipt(known)}，"
                f"不能申报连续断保{lapsed}年。",
                field="lapsed_years",
            )
        if lapsed and known.last_paid_year is not None:
            most = last_year - known.last_paid_year
            if lapsed > most:
                raise InvalidInput(
                    f"登记库有本人{known.last_paid_year}年度缴费记录，至{last_year}年度最多连续断保"
                    f"{most}年，不能申报{lapsed}年。",
                    field="lapsed_years",
                )

        if previous_year == "enrolled":
            enrolled_prev = True
        elif previous_year == "not_enrolled":
            enrolled_prev = False
        else:
            # Continuous years up to last year, declared for a person with no record here,
            # say the person was insured last year (elsewhere).
            enrolled_prev = (
                known.enrolled_previous_year or (known.no_record and bool(continuous))
            ) and not lapsed
        if lapsed is None:
            lapsed = 0 if enrolled_prev else known.lapsed_years
        declared_something = (
            previous_year != "registry" or lapsed != known.lapsed_years or enrolled_prev
        )

        # 已补缴年数 repairs lapsed years only.
        if repaid and repaid > lapsed:
            raise InvalidInput(
                f"已补缴年数（{repaid}年）不能多于连续断保年数（{lapsed}年），请核实。",
                field="repaid_years",
            )

        # 连续参保年数: none after a break (商南 四(二)4(7) “断保之后再次参保的，连续参保年数重新计算”).
        if continuous and lapsed:
            raise InvalidInput(
                f"本人至上年度已连续断保{lapsed}年：断保之后再次参保的，连续参保年数重新计算，应填0。",
                field="continuous_years",
            )
        if continuous is not None and enrolled_prev and continuous < known.continuous_years:
            raise InvalidInput(
                f"登记库记录本人已连续参保{known.continuous_years}年（至{last_year}年度），"
                f"连续参保年数不能少于{known.continuous_years}年。",
                field="continuous_years",
            )

        # 职工医保停保日期.
        today = self.today()
        if employee_exit_on is not None and not isinstance(employee_exit_on, date):
            raise InvalidInput("职工医保停保日期应为日期（YYYY-MM-DD）。", field="employee_exit_on")
        if employee_exit_on is not None and employee_exit_on > today:
            raise InvalidInput(
                f"职工医保停保日期 {employee_exit_on.isoformat()} 晚于今天（{today.isoformat()}），"
                "请按停保证明填写已经发生的日期。",
                field="employee_exit_on",
            )
        # 职工医保断保人员 “应在中止原参保关系后及时办理” (商南 四(二)1); the stop date decides
        # the bridge of 五(六) (中断 ≤ 3个月) and 山阴 三(二)3 (退出 3个月内): it must be known.
        if cat is Category.EMPLOYEE_LAPSE and employee_exit_on is None and known.other_scheme_exit_on is None:
            raise InvalidInput(
                "职工医保断保人员请填写职工医保停保日期（按停保证明，YYYY-MM-DD），"
                "待遇衔接和办理期限按此日期计算。",
                field="employee_exit_on",
            )

        overrides: dict[str, Any] = {}
        if enrolled_prev != known.enrolled_previous_year:
            overrides["enrolled_previous_year"] = enrolled_prev
        if known.no_record and declared_something:
            overrides["first_enrolment"] = False
        if lapsed != known.lapsed_years:
            overrides["lapsed_years"] = lapsed
        if repaid is not None and repaid != known.repaid_years:
            overrides["repaid_years"] = repaid
        if continuous is not None and continuous != known.continuous_years:
            if cat is Category.EMPLOYEE_LAPSE:
                overrides["basic_insurance_years_continuous"] = continuous
            else:
                overrides["resident_insurance_years_continuous"] = continuous
                overrides["basic_insurance_years_continuous"] = max(continuous, known.continuous_years)
        if employee_exit_on is not None and employee_exit_on != known.other_scheme_exit_on:
            overrides["other_scheme_exit_on"] = employee_exit_on
        if overrides:
            text = " ".join((reason or "").split())
            if not text and not require_reason:
                return overrides
            if not text:
                raise InvalidInput(
                    "申报的参保历史与登记库记录不同（"
                    + describe(overrides)
                    + "），请填写申报理由：参保人提供了什么证明或说明（如 外县参保缴费凭证）。",
                    field="reason",
                )
            if len(text) > MAX_REASON_CHARS:
                raise InvalidInput(f"申报理由不超过{MAX_REASON_CHARS}字，请精简。", field="reason")
            overrides[DECLARATION_REASON] = text
        return overrides
