"""refund_intake(): reasons, deadlines, evidence and approver, from each document."""

from __future__ import annotations

from datetime import date

import pytest

from tests.rules._cases import sections, text
from yibao.policy import load_policy
from yibao.policy.refunds import RefundReason
from yibao.rules.decision import Outcome
from yibao.rules.refunds import refund_intake

SN_START = date(2025, 1, 1)  # 商南 五(四): 进入待遇享受期后（2025年1月1日起）


@pytest.mark.parametrize("reason", ["duplicate", "joined_employee", "insured_elsewhere"])
def test_shangnan_reasons_on_the_last_day_allowed(reason: str) -> None:
    d = refund_intake(
        load_policy("shangnan-2025"),
        reason,
        paid_on=date(2024, 10, 8),
        on=date(2024, 12, 31),
        benefit_start=SN_START,
    )
    assert d.outcome is Outcome.ALLOWED
    assert d.deadline == date(2024, 12, 31)
    assert d.approver == "原缴费地医保经办机构"
    assert d.apply_to == "原缴费地税务部门"
    assert d.evidence
    assert "五(四)" in sections(d)


def test_shangnan_day_after_refused() -> None:
    d = refund_intake(
        load_policy("shangnan-2025"),
        RefundReason.DUPLICATE,
        paid_on=date(2024, 10, 8),
        on=date(2025, 1, 1),
        benefit_start=SN_START,
    )
    assert d.outcome is Outcome.REFUSED
    assert "不再退回" in text(d)


def test_shangnan_positional_call_and_default_benefit_start() -> None:
    d = refund_intake(
        load_policy("shangnan-2025"), "duplicate", date(2024, 10, 8), date(2024, 12, 31)
    )
    assert d.deadline == date(2024, 12, 31)


def test_shangnan_death_before_benefit_period() -> None:
    d = refund_intake(
        load_policy("shangnan-2025"),
        "died",
        paid_on=date(2024, 10, 8),
        on=date(2024, 12, 10),
        benefit_start=SN_START,
        died_on=date(2024, 12, 1),
    )
    assert d.outcome is Outcome.ALLOWED
    assert any("死亡" in e for e in d.evidence)


def test_shangnan_death_before_benefit_period_asked_after_it_confirms() -> None:
    # 五(四): the death sentence sets no deadline, "进入待遇享受期后…不再退回" points the other
    # way: the lead's decision is to confirm a request from 2025-01-01 on.
    d = refund_intake(
        load_policy("shangnan-2025"),
        "died",
        paid_on=date(2024, 10, 8),
        on=date(2025, 1, 10),
        benefit_start=SN_START,
        died_on=date(2024, 12, 15),
    )
    assert d.outcome is Outcome.CONFIRM
    assert "不再退回" in text(d)
    assert sections(d).count("五(四)") >= 2
    # The other reasons keep their deadline.
    late = refund_intake(
        load_policy("shangnan-2025"),
        "duplicate",
        paid_on=date(2024, 10, 8),
        on=date(2025, 1, 10),
        benefit_start=SN_START,
    )
    assert late.outcome is Outcome.REFUSED


def test_shangnan_death_inside_benefit_period_refused() -> None:
    d = refund_intake(
        load_policy("shangnan-2025"),
        "died",
        paid_on=date(2024, 10, 8),
        on=date(2024, 12, 30),
        benefit_start=date(2024, 12, 1),  # e.g. coverage already running
        died_on=date(2024, 12, 15),
    )
    assert d.outcome is Outcome.REFUSED


def test_shangnan_unlisted_reason_confirms() -> None:
    d = refund_intake(
        load_policy("shangnan-2025"), "other", paid_on=date(2024, 10, 8), on=date(2024, 11, 1)
    )
    assert d.outcome is Outcome.CONFIRM


SY_CASES = ["duplicate", "joined_employee", "multi_channel"]


@pytest.mark.parametrize("reason", SY_CASES)
def test_shanyin_last_day_of_centralized_period(reason: str) -> None:
    # 五: 申请退费受理日期与集中缴费期一致 (2024-09-01 .. 2025-02-25).
    d = refund_intake(
        load_policy("shanyin-2025"), reason, paid_on=date(2024, 9, 10), on=date(2025, 2, 25)
    )
    assert d.outcome is Outcome.ALLOWED
    assert d.deadline == date(2025, 2, 25)
    assert d.approver is None
    assert "朔医险发〔2020〕15号" in text(d)


@pytest.mark.parametrize("reason", SY_CASES)
def test_shanyin_day_after_refused(reason: str) -> None:
    d = refund_intake(
        load_policy("shanyin-2025"), reason, paid_on=date(2024, 9, 10), on=date(2025, 2, 26)
    )
    assert d.outcome is Outcome.REFUSED
    assert "五" in sections(d)


def test_shanyin_only_four_reasons() -> None:
    for reason in ("insured_elsewhere", "other", "hukou_duplicate"):
        d = refund_intake(
            load_policy("shanyin-2025"), reason, paid_on=date(2024, 9, 10), on=date(2024, 10, 1)
        )
        assert d.outcome is Outcome.REFUSED, reason
        assert "其余情况不予退费" in text(d)


def test_shanyin_death_before_2025() -> None:
    policy = load_policy("shanyin-2025")
    ok = refund_intake(
        policy, "died", paid_on=date(2024, 9, 10), on=date(2025, 1, 10), died_on=date(2024, 12, 31)
    )
    assert ok.outcome is Outcome.ALLOWED
    late = refund_intake(
        policy, "died", paid_on=date(2024, 9, 10), on=date(2025, 1, 10), died_on=date(2025, 1, 1)
    )
    assert late.outcome is Outcome.REFUSED


@pytest.mark.parametrize("policy_id", ["meishan-2024", "jincheng-2024"])
def test_silent_documents_confirm(policy_id: str) -> None:
    d = refund_intake(
        load_policy(policy_id), "duplicate", paid_on=date(2023, 10, 9), on=date(2023, 11, 1)
    )
    assert d.outcome is Outcome.CONFIRM
    assert d.deadline is None
    assert None in sections(d)


def test_meishan_hukou_duplicate_only_mentioned() -> None:
    d = refund_intake(
        load_policy("meishan-2024"),
        "hukou_duplicate",
        paid_on=date(2023, 10, 9),
        on=date(2023, 11, 1),
    )
    assert d.outcome is Outcome.CONFIRM
    assert "附件1" in sections(d)


def test_payment_after_request_is_an_input_error() -> None:
    with pytest.raises(ValueError, match="缴费日期"):
        refund_intake(
            load_policy("shanyin-2025"),
            "duplicate",
            paid_on=date(2024, 10, 2),
            on=date(2024, 10, 1),
        )
