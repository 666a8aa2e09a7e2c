"""Waiting periods from three years of imported payer lists, with no declaration at all.

A hall opens its registry with the payer lists of the three years before the year it
collects (``yibao import enrolments FILE --year Y``); the waiting-period facts come from
those lists and nothing is declared. Expected figures are worked out by hand from the
documents' clauses (policy files for the readings they record):

商南 (商南政办发〔2024〕57号, benefit year 2025, lists 2022–2024):
- 四(二)4(8): 未在集中参保期内参保或未连续参保 → fixed 3 months; each lapsed year (the first
  included, ``free_lapsed_years = 0``) adds 1 variable month; each repaid year (缴费修复)
  takes 1 off; counted from the later of the payment day and 2024-12-31 (``counted_from``).
- 四(一): a payment in the 补缴期 (2025-01-01 – 2025-03-31) waits a fixed 3 months (the
  larger of the two fixed periods, not added).
- 五(六): 已连续两年（含两年）以上参加基本医疗保险 + 中断缴费3个月（含）以内 → 不设待遇等待期;
  四(二)1: 职工医保断保人员 次月 享受.
山阴 (山政办发〔2024〕25号, benefit year 2025): 三(二)1 fixed 3 months + 1 per lapsed year; no
  repair clause (a repaid year is shown and the clerk asked to confirm; nothing taken off).
眉山 (眉医保办发〔2023〕18号) and 晋城 (晋市医保发〔2023〕10号), benefit year 2024, lists
  2021–2023: neither document sets a waiting period for a lapse, so the history is shown but
  changes no date: a payment in the centralized period is covered from 2024-01-01
  (眉山 二(二)1 “自2024年1月1日起享受医保待遇”; 晋城 the benefit year 2024).

Day counting ``same_day``: N months after D ends on the same day number (or the month's last
day); coverage starts the next day.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.ids import id_number
from tests.services.helpers import rows
from yibao.models import AuditLog

HEADER = "身份证号码,姓名,年度,参保类别,缴费日期,缴费金额"

# Who is on which year's list: name → {year: date paid}. 商南/山阴 lists 2022–2024.
JIA = ("甲", id_number(date(1970, 1, 5), 11))  # 2022, 2023, 2024: continuous
YI = ("乙", id_number(date(1971, 2, 6), 13))  # 2022 only: lapsed 2023 and 2024
BING = ("丙", id_number(date(1972, 3, 7), 15))  # 2022; 2023 paid back in 2024; lapsed 2024
DING = ("丁", id_number(date(1973, 4, 8), 17))  # 2022 and 2024, not 2023
GENG = ("庚", id_number(date(1974, 5, 9), 19))  # 2023, 2024; then 职工医保 until 2025-01-20
NOBODY = ("戊", id_number(date(1975, 6, 10), 21))  # on no list


def _write(tmp_path: Path, year: int, entries: list[tuple[tuple[str, str], date, int]]) -> Path:
    path = tmp_path / f"缴费名单{year}.csv"
    lines = [HEADER] + [
        f"{number},{name},{year},普通居民,{paid.isoformat()},{fen / 100:.2f}"
        for (name, number), paid, fen in entries
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _three_lists(services, tmp_path: Path, first: int) -> None:  # type: ignore[no-untyped-def]
    """Lists for ``first`` .. ``first + 2`` (paid in October of the year before each)."""
    y1, y2, y3 = first, first + 1, first + 2
    fee = 35000

    def on(year: int) -> date:
        return date(year - 1, 10, 15)

    lists = {
        y1: [(JIA, on(y1), fee), (YI, on(y1), fee), (BING, on(y1), fee), (DING, on(y1), fee)],
        # 丙's y2 contribution was paid on 1 March of y3: after y2 was over (缴费修复).
        y2: [(JIA, on(y2), fee), (BING, date(y3, 3, 1), fee), (GENG, on(y2), fee)],
        y3: [(JIA, on(y3), fee), (DING, on(y3), fee), (GENG, on(y3), fee)],
    }
    for year, entries in lists.items():
        report = services.imports.enrolments(_write(tmp_path, year, entries), year=year)
        assert report.problems == [] and report.imported == len(entries)


def _person(services, who: tuple[str, str], **kwargs):  # type: ignore[no-untyped-def]
    """The person the lists created, with the hukou the counter adds."""
    name, number = who
    person = services.persons.by_id_number(number)
    if person is None:
        return services.persons.register(
            name=name, id_number=number, hukou_region=services.policy.region_code, **kwargs
        )
    return services.persons.update(person.id, hukou_region=services.policy.region_code, **kwargs)


def _cov(services, person_id: str, **kwargs):  # type: ignore[no-untyped-def]
    return services.enrolment.assess(person_id, **kwargs).decision.coverage


# --- 商南 ------------------------------------------------------------------------------------


@pytest.fixture
def shangnan(services, clock, tmp_path: Path):  # type: ignore[no-untyped-def]
    clock.set_local(2024, 10, 15)  # in the 集中缴费期 2024-09 – 2024-12-20
    _three_lists(services, tmp_path, 2022)
    return services


def test_shangnan_continuous_three_years_no_waiting(shangnan) -> None:  # type: ignore[no-untyped-def]
    person = _person(shangnan, JIA)
    known = shangnan.history.known(person.id)
    assert known.paid_years == (2022, 2023, 2024) and known.imported_years == (2022, 2023, 2024)
    assert (known.enrolled_previous_year, known.lapsed_years, known.continuous_years) == (
        True,
        0,
        3,
    )
    assert "缴费名单2024.csv 第 2 行" in known.previous_year_source
    assert [(y.year, y.status) for y in known.years] == [
        (2024, "insured"),
        (2023, "insured"),
        (2022, "insured"),
    ]
    cov = _cov(shangnan, person.id)
    # 集中缴费期内缴费, 连续参保: no waiting; benefit from 2025-01-01 (四(一))
    assert cov.waiting_months == 0 and cov.start == date(2025, 1, 1)


def test_shangnan_lapsed_two_years_waits_five_months(shangnan) -> None:  # type: ignore[no-untyped-def]
    person = _person(shangnan, YI)
    known = shangnan.history.known(person.id)
    assert (known.last_paid_year, known.lapsed_years, known.repaid_years) == (2022, 2, 0)
    assert [(y.year, y.status) for y in known.years] == [
        (2024, "lapsed"),
        (2023, "lapsed"),
        (2022, "insured"),
    ]
    facts = {f.key: f for f in known.facts}
    assert facts["lapsed_years"].value == "2" and "2023、2024" in facts["lapsed_years"].source
    assert "缴费名单2022.csv" in facts["last_year_enrolled"].source
    cov = _cov(shangnan, person.id)
    # 四(二)4(8): lapsed 2023 and 2024 → fixed 3 + variable 2 × 1 = 5 months, counted from
    # 2024-12-31 (paid 2024-10-15, before the benefit year): 2024-12-31 + 5 months = 2025-05-31
    assert (cov.fixed_months, cov.variable_months, cov.repaired_months) == (3, 2, 0)
    assert cov.waiting_months == 5 and cov.start == date(2025, 6, 1)
    assert cov.illness_cap_change_fen == -300000  # 四(二)4(7): 断保人员再参保 −3000 元


def test_shangnan_repaid_year_takes_a_month_off_in_the_make_up_period(shangnan, clock) -> None:  # type: ignore[no-untyped-def]
    person = _person(shangnan, BING)
    clock.set_local(2025, 2, 10)  # 补缴期 2025-01-01 – 2025-03-31
    known = shangnan.history.known(person.id)
    assert known.paid_years == (2022,) and (known.lapsed_years, known.repaid_years) == (2, 1)
    assert [(y.year, y.status) for y in known.years] == [
        (2024, "lapsed"),
        (2023, "repaid"),
        (2022, "insured"),
    ]
    assert "缴费修复" in known.years[1].source and "2024-03-01" in known.years[1].source
    cov = _cov(shangnan, person.id)
    # 四(一) 补缴期 fixed 3 and 四(二)4(8) fixed 3: 3 (not added); lapsed 2023, 2024 → variable 2;
    # 2023 paid back → −1: 3 + 2 − 1 = 4 months from 2025-02-10 → 2025-06-10; covered 2025-06-11
    assert (cov.fixed_months, cov.variable_months, cov.repaired_months) == (3, 2, 1)
    assert cov.waiting_months == 4 and cov.start == date(2025, 6, 11)


def test_shangnan_back_after_one_lapsed_year_is_continuous_again(shangnan) -> None:  # type: ignore[no-untyped-def]
    person = _person(shangnan, DING)
    known = shangnan.history.known(person.id)
    # 2022 ✓, 2023 ✗, 2024 ✓: insured last year → no lapse now; 断保之后再次参保的，连续参保年数
    # 重新计算 (四(二)4(7)): 1 year (2024)
    assert (known.enrolled_previous_year, known.lapsed_years, known.continuous_years) == (
        True,
        0,
        1,
    )
    cov = _cov(shangnan, person.id)
    assert cov.waiting_months == 0 and cov.start == date(2025, 1, 1)


def test_shangnan_employee_lapse_bridge_from_the_lists(shangnan, clock) -> None:  # type: ignore[no-untyped-def]
    person = _person(shangnan, GENG, other_scheme_exit_on=date(2025, 1, 20))
    clock.set_local(2025, 2, 10)
    known = shangnan.history.known(person.id)
    assert known.continuous_years == 2  # 2023, 2024 on the lists
    cov = _cov(shangnan, person.id, category="employee_lapse")
    # 五(六): ≥ 2 consecutive years and stopped 2025-01-20, paid 2025-02-10 (gap 21 days ≤ 3
    # months) → no waiting; 四(二)1: from the next month → 2025-03-01
    assert cov.waiting_months == 0 and cov.start == date(2025, 3, 1)
    assert any(r.clause.section == "五(六)" for r in cov.reasons)


def test_shangnan_nobody_on_the_lists_is_a_first_enrolment(shangnan) -> None:  # type: ignore[no-untyped-def]
    person = _person(shangnan, NOBODY)
    known = shangnan.history.known(person.id)
    assert known.no_record and known.years == ()
    assert "导入的参保缴费名单均无" in known.summary
    cov = _cov(shangnan, person.id)
    assert cov.waiting_months == 0 and cov.start == date(2025, 1, 1)


def test_shangnan_payment_from_the_lists_writes_no_declaration(shangnan) -> None:  # type: ignore[no-untyped-def]
    person = _person(shangnan, YI)
    receipt = shangnan.enrolment.enrol_and_pay(person.id, channel="bank", confirmed=True)
    assert receipt.enrolment.waiting_months == 5
    assert rows(shangnan.engine, AuditLog, action="enrolment.history_declared") == []
    # next year the registry's own 2025 payment is the source of the previous year
    known = shangnan.history.known(person.id, 2026)
    assert known.enrolled_previous_year and "收据号" in (known.previous_year_source or "")


# --- 山阴 ------------------------------------------------------------------------------------


@pytest.mark.parametrize("policy_id", ["shanyin-2025"])
def test_shanyin_lapse_and_an_unrepairable_repaid_year(services, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    clock.set_local(2024, 10, 15)  # 集中参保期 2024-09-01 – 2025-02-25, days 1–25
    _three_lists(services, tmp_path, 2022)
    jia = _cov(services, _person(services, JIA).id)
    assert jia.waiting_months == 0 and jia.start == date(2025, 1, 1)
    yi = _cov(services, _person(services, YI).id)
    # 三(二)1: lapsed 2023, 2024 → 3 + 2 = 5 months from 2024-12-31 → 2025-05-31; from 2025-06-01
    assert (yi.fixed_months, yi.variable_months, yi.waiting_months) == (3, 2, 5)
    assert yi.start == date(2025, 6, 1)
    bing_view = services.enrolment.assess(_person(services, BING).id)
    bing = bing_view.decision.coverage
    # the same 5 months: 山阴 has no repair clause, the paid-back 2023 takes nothing off
    assert (bing.variable_months, bing.repaired_months, bing.waiting_months) == (2, 0, 5)
    assert bing_view.decision.needs_confirmation
    assert any("未规定补缴可减少等待期" in r.text for r in bing.reasons)


# --- 眉山 and 晋城: no waiting period in the documents -----------------------------------------


@pytest.mark.parametrize("policy_id", ["meishan-2024", "jincheng-2024"])
def test_lapse_without_a_waiting_clause_changes_no_date(services, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    clock.set_local(2023, 10, 16)  # both centralized periods run from 2023-09-01; day 16 ≤ 25
    _three_lists(services, tmp_path, 2021)
    yi = _person(services, YI)
    known = services.history.known(yi.id)
    assert (known.last_paid_year, known.lapsed_years) == (2021, 2)  # 2022, 2023 lapsed
    for who in (JIA, YI, BING):
        cov = _cov(services, _person(services, who).id)
        assert cov.waiting_months == 0 and cov.start == date(2024, 1, 1)
