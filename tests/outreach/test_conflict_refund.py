"""A duplicate payment kept by sync (status ``conflict``) is refunded through the refund service."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.outreach.helpers import (
    FEE_FEN,
    PASSPHRASE,
    Clock,
    export_and_open,
    local_noon,
    pay_cash,
    register,
    services_for,
)
from yibao.config import ensure_clerk
from yibao.models import (
    AuditLog,
    Enrolment,
    Payment,
    PaymentStatus,
    RefundTransition,
    Role,
)
from yibao.outreach.models import SyncConflict
from yibao.outreach.sync import export_sync, import_sync, open_conflicts, resolve_conflict
from yibao.policy import load_policy
from yibao.services import Services
from yibao.services.errors import InvalidInput, Refused

DAY = date(2024, 10, 8)


@pytest.fixture
def duplicate(registry_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    """甲 paid on the laptop and at the hall for 2025; the hall imported the laptop's bundle."""
    clock = Clock(local_noon(DAY))
    hall = services_for(registry_url, "王大厅", clock)
    person = register(hall, "甲", 11)
    trip = export_and_open(hall, f"sqlite:///{tmp_path / 'laptop.db'}", tmp_path, clock)
    laptop_receipt = pay_cash(trip.laptop, person.id)
    hall_receipt = pay_cash(hall, person.id)
    sent = export_sync(trip.laptop.engine, to=tmp_path / "back.yibao", actor=trip.laptop.actor, now=clock(), passphrase=PASSPHRASE)
    import_sync(hall.engine, sent.path, actor=hall.actor, now=clock(), passphrase=PASSPHRASE)
    trip.laptop.engine.dispose()
    # The hall's desk with the real policy (the refund rules need it), a clerk and a supervisor.
    policy = load_policy("shangnan-2025")
    desk = Services(hall.engine, policy, hall.clerk, hall.device, clock)
    boss = ensure_clerk(hall.engine, name="赵审核", device=hall.device, role=Role.SUPERVISOR, now=clock())
    supervisor = Services(hall.engine, policy, boss, hall.device, clock)
    return desk, supervisor, person, laptop_receipt, hall_receipt, clock


def _payments(engine, person_id: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return {
            p.receipt_no: p.status
            for p in session.exec(select(Payment).where(Payment.person_id == person_id))
        }


def _enrolment(engine, person_id: str) -> Enrolment:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        (row,) = session.exec(select(Enrolment).where(Enrolment.person_id == person_id)).all()
        return row


def _refund(desk, supervisor, payment_id: str, **kwargs):  # type: ignore[no-untyped-def]
    request = desk.refunds.intake(payment_id, reason="duplicate", **kwargs)
    desk.refunds.start_review(request.id)
    supervisor.refunds.approve(request.id, note="两笔缴费凭证齐全")
    return desk.refunds.mark_refunded(request.id, note="已退现金")


def test_sync_duplicate_is_refunded_and_the_enrolment_stays_paid(duplicate) -> None:  # type: ignore[no-untyped-def]
    desk, supervisor, person, laptop_receipt, hall_receipt, clock = duplicate
    engine = desk.engine
    conflict_no, paid_no = laptop_receipt.payment.receipt_no, hall_receipt.payment.receipt_no
    assert _payments(engine, person.id) == {conflict_no: "conflict", paid_no: "paid"}
    assert PaymentStatus(_payments(engine, person.id)[conflict_no]).label == "重复缴费待处理"
    labels = {p.receipt_no: p.status_label for p in desk.payments.for_person(person.id)}
    assert labels == {conflict_no: "重复缴费待处理", paid_no: "有效"}
    with Session(engine) as session:
        (conflict,) = open_conflicts(session)
    assert conflict.row_id == laptop_receipt.payment.id

    # Only as a duplicate: any other reason is refused in Chinese, nothing written.
    with pytest.raises(InvalidInput, match="重复缴费待处理"):
        desk.refunds.intake(laptop_receipt.payment.id, reason="joined_employee")
    assert desk.refunds.requests() == []

    done = _refund(desk, supervisor, laptop_receipt.payment.id, applicant_name="甲")
    assert done.state == "refunded" and done.amount_fen == FEE_FEN
    assert done.receipt_no == conflict_no

    assert _payments(engine, person.id) == {conflict_no: "refunded", paid_no: "paid"}
    enrolment = _enrolment(engine, person.id)
    assert enrolment.status == "paid"
    assert (enrolment.coverage_start, enrolment.coverage_end) == (date(2025, 1, 1), date(2025, 12, 31))
    assert desk.payments.paid_for(person.id).receipt_no == paid_no  # type: ignore[union-attr]
    with Session(engine) as session:
        actions = [
            a.action
            for a in session.exec(
                select(AuditLog).where(AuditLog.entity_id.in_([done.id, laptop_receipt.payment.id]))  # type: ignore[attr-defined]
            )
        ]
        transitions = session.exec(select(RefundTransition).where(RefundTransition.refund_id == done.id)).all()
    for action in ("refund.intake", "refund.reviewing", "refund.approved", "refund.refunded", "payment.refunded"):
        assert action in actions
    assert len(transitions) == 4

    # Still paid for the year: a third payment is refused.
    with pytest.raises(Refused, match="不能重复缴费"):
        desk.enrolment.enrol_and_pay(person.id, channel="bank")

    # The sync conflict can now be closed as 退费.
    resolved = resolve_conflict(engine, conflict.id[:8], how="退费", note=f"收据 {conflict_no} 已退费",
                                actor=supervisor.actor, now=clock())  # a 审核 closes it
    assert resolved.status == "resolved"
    with Session(engine) as session:
        assert session.exec(select(SyncConflict).where(SyncConflict.status == "open")).all() == []


def test_refunding_the_halls_payment_keeps_the_laptops_one(duplicate) -> None:  # type: ignore[no-untyped-def]
    desk, supervisor, person, laptop_receipt, hall_receipt, _clock = duplicate
    engine = desk.engine
    conflict_no, paid_no = laptop_receipt.payment.receipt_no, hall_receipt.payment.receipt_no

    _refund(desk, supervisor, hall_receipt.payment.id)

    # The money the laptop took is now the year's valid payment; the person stays covered.
    assert _payments(engine, person.id) == {conflict_no: "paid", paid_no: "refunded"}
    assert _enrolment(engine, person.id).status == "paid"
    with Session(engine) as session:
        kept = session.exec(select(AuditLog).where(AuditLog.action == "payment.conflict_kept")).one()
    assert kept.entity_id == laptop_receipt.payment.id and conflict_no in kept.summary


def test_refund_of_the_only_payment_still_ends_the_enrolment(duplicate) -> None:  # type: ignore[no-untyped-def]
    desk, supervisor, person, laptop_receipt, hall_receipt, _clock = duplicate
    _refund(desk, supervisor, laptop_receipt.payment.id)
    # The other payment is refunded already: 重复缴费 now rests on papers, the clerk confirms.
    _refund(desk, supervisor, hall_receipt.payment.id, confirmed=True)
    assert set(_payments(desk.engine, person.id).values()) == {"refunded"}
    assert _enrolment(desk.engine, person.id).status == "refunded"
