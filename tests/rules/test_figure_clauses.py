"""Each figure the desk shows carries its clause as a field of the decision (issue 10): the
desk reads ``standard_clause``, ``fee_clause`` … and never searches the reasons' text."""

from __future__ import annotations

from datetime import date

from tests.rules._cases import person
from yibao.policy import load_policy
from yibao.rules.coverage import coverage
from yibao.rules.facts import Category
from yibao.rules.family_aid import family_aid
from yibao.rules.newborn import newborn
from yibao.rules.quote import quote


def test_shanyin_quote_cites_standard_subsidy_and_extra() -> None:
    # 山阴 三: "个人缴费标准为每人每年 400 元，意外伤害补充保险…30 元"; 四2: "低保户个人缴费80元/人，
    # 剩余部分320元/人给予定额资助"; 三(一)2: the accident insurance with the centralized period.
    q = quote(load_policy("shanyin-2025"), person("minimum_living"), date(2024, 11, 5), extras=("accident",))
    assert (q.standard_fen, q.subsidy_fen, q.personal_fen) == (40000, 32000, 8000)
    assert q.standard_clause.section == "三"
    assert q.subsidy_clause.section == "四2"
    assert dict(q.extra_clauses)["accident"].section == "三(一)2"


def test_no_subsidy_no_subsidy_clause() -> None:
    q = quote(load_policy("shanyin-2025"), person(), date(2024, 11, 5))
    assert q.subsidy_fen == 0 and q.subsidy_clause is None


def test_shangnan_newborn_within_90_days() -> None:
    # 商南 四(二)2(1): born 2025-03-01, paid 2025-05-10 (day 70 after birth, inside 90 days):
    # the window and "待遇享受期为出生之日起至出生当年12月31日" are 四(二)2(1); the fee is the
    # standard 400 元 of 一(三) ("每人每年400元").
    baby = person(born=date(2025, 3, 1), category=Category.NEWBORN, hukou_region="611023")
    d = newborn(load_policy("shangnan-2025"), baby, date(2025, 5, 10))
    assert (d.fee_fen, d.coverage_start, d.coverage_end) == (40000, date(2025, 3, 1), date(2025, 12, 31))
    assert d.window_clause.section == "四(二)2(1)"
    assert d.coverage_clause.section == "四(二)2(1)"
    assert d.fee_clause.section == "一(三)"
    assert d.choice_clause is None  # more than 90 days before 31 December: no choice


def test_shangnan_newborn_near_year_end_cites_the_choice() -> None:
    # 四(二)2(2): born 2025-11-15, fewer than 90 days before 31 December → the guardian chooses.
    baby = person(born=date(2025, 11, 15), category=Category.NEWBORN, hukou_region="611023")
    d = newborn(load_policy("shangnan-2025"), baby, date(2025, 11, 20))
    assert d.choices == (2025, 2026)
    assert d.choice_clause.section == "四(二)2(2)"


def test_shangnan_coverage_in_centralized_period_cites_the_benefit_period() -> None:
    # 四(一): paid in the centralized period → 待遇享受期 2025-01-01 to 2025-12-31.
    c = coverage(load_policy("shangnan-2025"), person(hukou_region="611023"), date(2024, 10, 15))
    assert (c.start, c.end) == (date(2025, 1, 1), date(2025, 12, 31))
    assert c.start_clause.section == "四(一)"
    assert c.waiting_clauses == ()


def test_shanyin_family_aid_cites_relation_and_amount() -> None:
    # 三(一)3 lists the relatives; the amount is the relative's share at the standard of 三.
    d = family_aid(load_policy("shanyin-2025"), person(employee_insured=True), person(), "parent", date(2024, 11, 5))
    assert d.amount_fen == 40000
    assert d.relation_clause.section == "三(一)3"
    assert d.amount_clause.section == "三"


def test_family_aid_refused_before_the_relation_has_no_relation_clause() -> None:
    d = family_aid(load_policy("shanyin-2025"), person(), person(), "parent", date(2024, 11, 5))
    assert d.refused and d.relation_clause is None
