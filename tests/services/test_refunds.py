from __future__ import annotations

from datetime import date

import pytest

from tests.ids import id_number
from tests.services.helpers import audit_actions, counts, rows
from yibao.models import AuditLog, Enrolment, Payment, RefundRequest, RefundTransition
from yibao.services.errors import InvalidInput, NeedsConfirmation, NotPermitted, Refused


@pytest.fixture
def paid(services):  # type: ignore[no-untyped-def]
    person = services.persons.register(
        name="张三", id_number=id_number(date(1980, 5, 6)), hukou_region="611023"
    )
    return services.enrolment.enrol_and_pay(person.id, channel="cash", received_fen=40000)


def test_assess_gives_deadline_evidence_and_approver(services, paid) -> None:  # type: ignore[no-untyped-def]
    a = services.refunds.assess(paid.payment.id, reason="duplicate")
    # 重复缴费 with one payment in the registry: the other one must be seen on paper first.
    assert a.decision.needs_confirmation and "只有这一笔缴费" in "".join(a.decision.explain())
    assert a.decision.deadline == date(2024, 12, 31)
    assert "缴费人有效身份证件" in a.decision.evidence
    assert a.decision.approver == "原缴费地医保经办机构"
    assert counts(services.engine, RefundRequest)["refund_request"] == 0


def test_intake_review_and_refund(services, supervisor_services, paid) -> None:  # type: ignore[no-untyped-def]
    request = services.refunds.intake(
        paid.payment.id, reason="duplicate", confirmed=True, reason_note="税务APP又缴一次", applicant_name="张三"
    )
    assert (request.state, request.state_label, request.amount_fen) == ("received", "受理", 40000)
    assert request.deadline == date(2024, 12, 31) and request.receipt_no == paid.receipt_no
    with pytest.raises(InvalidInput, match="已有退费申请"):
        services.refunds.intake(paid.payment.id, reason="duplicate", confirmed=True)
    with pytest.raises(InvalidInput, match="不能改为"):
        supervisor_services.refunds.approve(request.id)  # must be under review first
    services.refunds.start_review(request.id)
    with pytest.raises(NotPermitted):
        services.refunds.approve(request.id)
    supervisor_services.refunds.approve(request.id, note="材料齐全")
    done = services.refunds.mark_refunded(request.id)
    assert done.state == "refunded"
    assert [(t.from_state, t.to_state) for t in done.transitions] == [
        (None, "received"),
        ("received", "reviewing"),
        ("reviewing", "approved"),
        ("approved", "refunded"),
    ]
    clerks = [t.clerk_id for t in rows(services.engine, RefundTransition)]
    assert supervisor_services.clerk.id in clerks and services.clerk.id in clerks
    assert rows(services.engine, Payment)[0].status == "refunded"
    assert rows(services.engine, Enrolment)[0].status == "refunded"
    assert [a for a, _ in audit_actions(services.engine, entity="refund_request")] == [
        "refund.intake",
        "refund.reviewing",
        "auth.refused",  # the clerk's attempt to approve, refused and audited
        "refund.approved",
        "refund.refunded",
    ]
    with pytest.raises(InvalidInput, match="已办结"):
        services.refunds.start_review(request.id)
    # After the refund the person may pay again; the receipt number is new.
    again = services.enrolment.enrol_and_pay(paid.payment.person_id, channel="bank")
    assert again.receipt_no.endswith("-00000002")


def test_reject_needs_a_reason_and_is_final(services, supervisor_services, paid) -> None:  # type: ignore[no-untyped-def]
    request = services.refunds.intake(paid.payment.id, reason="joined_employee")
    services.refunds.start_review(request.id)
    with pytest.raises(InvalidInput, match="驳回理由"):
        supervisor_services.refunds.reject(request.id, note="")
    rejected = supervisor_services.refunds.reject(request.id, note="未提供职工医保参保证明")
    assert rejected.state == "rejected" and rejected.decision_note == "未提供职工医保参保证明"
    assert rows(services.engine, Payment)[0].status == "paid"
    # a rejected request no longer blocks a new one
    assert services.refunds.intake(paid.payment.id, reason="joined_employee").state == "received"


def test_after_the_benefit_period_starts_intake_is_refused(services, paid, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set_local(2025, 1, 5)
    with pytest.raises(Refused, match="不再退回"):
        services.refunds.intake(paid.payment.id, reason="duplicate", confirmed=True)
    assert counts(services.engine, RefundRequest, RefundTransition) == {
        "refund_request": 0,
        "refund_transition": 0,
    }
    (entry,) = rows(services.engine, AuditLog, outcome="refused")
    assert entry.action == "refund.intake"


def test_unlisted_reason_needs_confirmation(services, paid) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NeedsConfirmation, match="未提及"):
        services.refunds.intake(paid.payment.id, reason="other")
    assert counts(services.engine, RefundRequest)["refund_request"] == 0
    request = services.refunds.intake(paid.payment.id, reason="other", confirmed=True)
    assert request.state == "received"
    with pytest.raises(InvalidInput, match="退费原因不对"):
        services.refunds.assess(paid.payment.id, reason="bored")


def test_failed_review_leaves_state_unchanged(services, paid, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    request = services.refunds.intake(paid.payment.id, reason="duplicate", confirmed=True)
    import yibao.audit

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(yibao.audit, "record", boom)
    with pytest.raises(RuntimeError):
        services.refunds.start_review(request.id)
    monkeypatch.undo()
    assert rows(services.engine, RefundRequest)[0].state == "received"
    assert counts(services.engine, RefundTransition)["refund_transition"] == 1


def test_case_shows_refunds(services, paid) -> None:  # type: ignore[no-untyped-def]
    services.refunds.intake(paid.payment.id, reason="duplicate", confirmed=True)
    case = services.persons.case(paid.payment.person_id)
    assert case.refunds[0].state == "received" and case.refunds[0].transitions[0].to_label == "受理"
    assert services.refunds.requests(state="received")[0].receipt_no == paid.receipt_no
