"""family_aid(): an employee-insured payer pays a relative's personal share."""

from __future__ import annotations

from datetime import date

import pytest

from tests.rules._cases import person, sections, text
from yibao.policy import load_policy
from yibao.rules.decision import Outcome
from yibao.rules.family_aid import YOUNGER as YOUNGER_RELATIONS
from yibao.rules.family_aid import family_aid
from yibao.rules.relations import CIVIL_CODE_CLOSE_RELATIVES, Relation

PAYER = person(employee_insured=True)  # born 1970-06-01
DIBAO = person("minimum_living", born=date(1950, 2, 1))  # older than the payer: a parent
YOUNG_DIBAO = person("minimum_living", born=date(2000, 2, 1))  # younger: a child
YOUNGER = person(born=date(2000, 2, 1))


def test_relation_codes_and_labels() -> None:
    assert Relation.SPOUSE.gbt4761 == ("10",)
    assert Relation.PARENT.gbt4761 == ("50",)
    assert Relation.SIBLING.label == "兄弟姐妹"
    assert len(CIVIL_CODE_CLOSE_RELATIVES) == 8


@pytest.mark.parametrize("relation", list(CIVIL_CODE_CLOSE_RELATIVES))
def test_shanyin_close_relatives_in_centralized_period(relation: Relation) -> None:
    # 三(一)3 lists exactly the 民法典 1045 近亲属; 低保 relative's share: 80 元 (四2).
    relative = YOUNG_DIBAO if relation in YOUNGER_RELATIONS else DIBAO
    d = family_aid(load_policy("shanyin-2025"), PAYER, relative, relation, date(2024, 11, 5))
    assert d.outcome is Outcome.ALLOWED
    assert d.amount_fen == 8000
    assert "三(一)3" in sections(d)


def test_shanyin_last_day_and_day_after_centralized_period() -> None:
    policy = load_policy("shanyin-2025")
    assert family_aid(policy, PAYER, person(), "parent", date(2025, 2, 25)).amount_fen == 40000
    after = family_aid(policy, PAYER, person(), "parent", date(2025, 2, 26))
    assert after.outcome is Outcome.REFUSED
    assert after.amount_fen == 0
    assert "三(一)3" in sections(after)


def test_shanyin_other_relative_refused() -> None:
    d = family_aid(
        load_policy("shanyin-2025"), PAYER, person(), "other_relative", date(2024, 11, 5)
    )
    assert d.outcome is Outcome.REFUSED


def test_payer_must_be_employee_insured() -> None:
    d = family_aid(load_policy("shanyin-2025"), person(), person(), "spouse", date(2024, 11, 5))
    assert d.outcome is Outcome.REFUSED
    assert "职工医保" in text(d)


def test_relative_must_not_be_employee_insured() -> None:
    relative = person(employee_insured=True)
    d = family_aid(load_policy("jincheng-2024"), PAYER, relative, "spouse", date(2023, 10, 9))
    assert d.outcome is Outcome.REFUSED


def test_jincheng_family_member_allowed_with_share() -> None:
    # 三(三); 低保 304 资助 → 76 元.
    d = family_aid(load_policy("jincheng-2024"), PAYER, YOUNG_DIBAO, "child", date(2023, 10, 9))
    assert d.outcome is Outcome.ALLOWED
    assert d.amount_fen == 7600
    assert "三(三)" in sections(d)
    assert "未对家庭共济另定办理时段" in text(d)


def test_jincheng_sibling_needs_living_together() -> None:
    d = family_aid(load_policy("jincheng-2024"), PAYER, person(), "sibling", date(2023, 10, 9))
    assert d.outcome is Outcome.CONFIRM
    assert d.amount_fen == 38000
    assert "共同生活" in text(d)


def test_jincheng_outside_centralized_period_silent_confirms() -> None:
    d = family_aid(load_policy("jincheng-2024"), PAYER, person(), "spouse", date(2024, 3, 1))
    assert d.outcome is Outcome.CONFIRM
    assert None in sections(d)


@pytest.mark.parametrize(
    ("policy_id", "on", "share"),
    [
        ("shangnan-2025", date(2024, 10, 8), 16000),  # 低保 400 − 240
        ("meishan-2024", date(2023, 10, 9), 9500),  # 低保 95
    ],
)
def test_silent_documents_confirm(policy_id: str, on: date, share: int) -> None:
    d = family_aid(load_policy(policy_id), PAYER, DIBAO, "parent", on)
    assert d.outcome is Outcome.CONFIRM
    assert d.amount_fen == share
    assert None in sections(d)
    assert "未规定家庭共济" in text(d)


def test_shanyin_only_days_1_to_25_of_each_month() -> None:
    # 三(一): 期间每月的1日至25日可正常办理缴费（节假日不顺延）.
    policy = load_policy("shanyin-2025")
    d = family_aid(policy, PAYER, YOUNGER, "child", date(2024, 10, 26))
    assert d.outcome is Outcome.REFUSED
    assert "三(一)" in sections(d)
    assert family_aid(policy, PAYER, YOUNGER, "child", date(2024, 11, 1)).allowed


def test_jincheng_day_26_not_payable() -> None:
    # 二: 集中征缴期间每月 1—25 日可办理缴费.
    d = family_aid(load_policy("jincheng-2024"), PAYER, person(), "spouse", date(2023, 10, 26))
    assert d.outcome is Outcome.REFUSED
    assert "二" in sections(d)


@pytest.mark.parametrize(
    ("relation", "born", "fits"),
    [
        ("child", date(1965, 1, 1), "应比缴费人年轻"),  # a 子女 born before the payer (1970-06-01)
        ("grandchild", date(1970, 6, 1), "应比缴费人年轻"),  # born the same day
        ("parent", date(1990, 1, 1), "应比缴费人年长"),  # a 父母 born after the payer
        ("maternal_grandparent", date(1975, 3, 3), "应比缴费人年长"),
    ],
)
def test_birth_dates_that_do_not_fit_the_relation_ask_the_clerk(relation: str, born: date, fits: str) -> None:
    """山阴 三(一)3 names the 近亲属 (子女、父母 …); the registry's dates contradict the word:
    not refused (a 继子女 may be older), asked to confirm, citing the clause that names it."""
    d = family_aid(load_policy("shanyin-2025"), PAYER, person(born=born), relation, date(2024, 11, 5))
    assert d.outcome is Outcome.CONFIRM
    (reason,) = [r for r in d.reasons if "不符" in r.text]
    assert fits in reason.text and str(born) in reason.text and "1970-06-01" in reason.text
    assert reason.clause.section == "三(一)3"
    assert d.amount_fen == 40000  # the share is still shown: 400 元 (三)


def test_dates_that_fit_and_relations_without_an_order_ask_nothing() -> None:
    policy = load_policy("shanyin-2025")
    for relation, relative in (("child", YOUNGER), ("parent", DIBAO), ("spouse", person(born=date(1990, 1, 1))),
                               ("sibling", person(born=date(1960, 1, 1)))):
        assert family_aid(policy, PAYER, relative, relation, date(2024, 11, 5)).outcome is Outcome.ALLOWED


def test_binding_leaves_the_period_to_the_payment() -> None:
    """山阴 三(一)3: 在集中征缴期 … 代缴 — paying outside the period is refused; binding on that
    day is not (the binding is no payment) and says nothing of the period."""
    policy = load_policy("shanyin-2025")
    day = date(2025, 3, 10)  # after the period (2024-09-01 至 2025-02-25)
    assert family_aid(policy, PAYER, YOUNGER, "child", day).outcome is Outcome.REFUSED
    bound = family_aid(policy, PAYER, YOUNGER, "child", day, binding=True)
    assert bound.outcome is Outcome.ALLOWED and "集中征缴期（" not in text(bound)
