"""Sync rules beyond the trip: edits on one side or both, households, receipt gaps, resolving."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from tests.outreach.helpers import (
    FEE_FEN,
    PASSPHRASE,
    Clock,
    count,
    export_and_open,
    local_noon,
    pay_cash,
    register,
    services_for,
)
from yibao.models import AuditLog, Household, Payment, Person, RefundRequest, Role
from yibao.outreach.errors import OutreachError
from yibao.outreach.models import ConflictKind, SyncConflict
from yibao.outreach.sync import export_sync, import_sync, open_conflicts, resolve_conflict
from yibao.services.errors import InvalidInput, NotPermitted

DAY = date(2024, 10, 8)


@pytest.fixture
def trip(registry_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    clock = Clock(local_noon(DAY))
    hall = services_for(registry_url, "王大厅", clock)
    people = {name: register(hall, name, seq) for name, seq in (("甲", 11), ("乙", 12), ("丙", 13))}
    t = export_and_open(hall, f"sqlite:///{tmp_path / 'laptop.db'}", tmp_path, clock)
    return hall, t.laptop, people, clock, tmp_path


def _sync(laptop, hall, clock, path: Path):  # type: ignore[no-untyped-def]
    sent = export_sync(laptop.engine, to=path, actor=laptop.actor, now=clock(), passphrase=PASSPHRASE)
    return import_sync(hall.engine, sent.path, actor=hall.actor, now=clock(), passphrase=PASSPHRASE)


def _person(engine, person_id: str) -> Person:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        row = session.get(Person, person_id)
        assert row is not None
        return row


def test_edits_of_hall_rows_arrive_as_change_requests_a_reviewer_decides(trip) -> None:  # type: ignore[no-untyped-def]
    hall, laptop, people, clock, tmp = trip
    laptop.persons.update(people["甲"].id, phone="13900000001")  # only the laptop
    laptop.persons.update(people["乙"].id, phone="13900000002")  # both …
    hall.persons.update(people["乙"].id, phone="13800000002")  # … sides
    hall.persons.update(people["丙"].id, phone="13800000003")  # only the hall

    report = _sync(laptop, hall, clock, tmp / "b1.yibao")
    # Nothing the hall holds changed; two proposals wait for a 审核.
    assert _person(hall.engine, people["甲"].id).phone is None
    assert _person(hall.engine, people["乙"].id).phone == "13800000002"
    assert _person(hall.engine, people["丙"].id).phone == "13800000003"
    assert len(report.proposed) == 2 and report.updated == []
    assert any("乙" in line and "大厅在导出后也改动过" in line for line in report.proposed)
    assert "提议修改 2 项" in report.render()
    waiting = {r.person_id: r for r in hall.change_requests.open()}
    assert set(waiting) == {people["甲"].id, people["乙"].id}

    with pytest.raises(NotPermitted, match="审核人员"):  # a 经办 cannot decide
        hall.change_requests.accept(waiting[people["甲"].id].id)
    reviewer = services_for(hall.engine.url.render_as_string(hide_password=False), "赵审核", clock,
                            role=Role.SUPERVISOR, engine=hall.engine)
    reviewer.change_requests.accept(waiting[people["甲"].id].id[:8])
    assert _person(hall.engine, people["甲"].id).phone == "13900000001"
    with pytest.raises(InvalidInput, match="理由"):
        reviewer.change_requests.reject(waiting[people["乙"].id].id, note=" ")
    reviewer.change_requests.reject(waiting[people["乙"].id].id, note="与群众本人核实，以大厅为准")
    assert _person(hall.engine, people["乙"].id).phone == "13800000002"
    assert reviewer.change_requests.open() == []
    with Session(hall.engine) as session:
        actions = [a.action for a in session.exec(select(AuditLog).where(AuditLog.action.startswith("change_request")))]  # type: ignore[attr-defined]
        refusals = [a.after for a in session.exec(select(AuditLog).where(AuditLog.action == "auth.refused"))]
    assert sorted(actions) == ["change_request.accept", "change_request.receive", "change_request.reject"]
    assert {"attempted": "change_request.accept"} in refusals  # the 经办's attempt, by the shared check

    # The same content again proposes nothing new.
    clock.moment = local_noon(date(2024, 10, 9))
    report2 = _sync(laptop, hall, clock, tmp / "b2.yibao")
    assert report2.proposed == [] and report2.flagged == []


def test_an_accepted_change_checks_the_hall_row_is_as_the_laptop_saw_it(trip) -> None:  # type: ignore[no-untyped-def]
    hall, laptop, people, clock, tmp = trip
    laptop.persons.update(people["甲"].id, address="商南县富水镇西岭村3组")
    _sync(laptop, hall, clock, tmp / "b1.yibao")
    (request,) = hall.change_requests.open()
    hall.persons.update(people["甲"].id, address="商南县城关街道")  # changed at the hall since
    reviewer = services_for("sqlite://", "赵审核", clock, role=Role.SUPERVISOR, engine=hall.engine)
    with pytest.raises(InvalidInput, match="已改过"):
        reviewer.change_requests.accept(request.id)
    assert _person(hall.engine, people["甲"].id).address == "商南县城关街道"


def report_conflicts(hall) -> list[SyncConflict]:  # type: ignore[no-untyped-def]
    with Session(hall.engine) as session:
        return open_conflicts(session)


def test_new_household_of_a_merged_person_is_not_left_empty(trip) -> None:  # type: ignore[no-untyped-def]
    hall, laptop, _people, clock, tmp = trip
    home = laptop.persons.create_household(address="商南县富水镇西岭村") if _has_create(laptop) else None
    if home is None:
        pytest.skip("persons.create_household not available")
    laptop.persons.register(name="丁", id_number=_id(15), hukou_region="611023",
                            address="商南县富水镇西岭村", household_id=home.id, relation_to_head="02")
    register(hall, "丁", 15)
    households = count(hall.engine, "household")
    _sync(laptop, hall, clock, tmp / "b.yibao")
    assert count(hall.engine, "household") == households  # the laptop's household had only 丁
    with Session(hall.engine) as session:
        assert session.exec(select(Household).where(Household.id == home.id)).first() is None


def _has_create(svc) -> bool:  # type: ignore[no-untyped-def]
    return hasattr(svc.persons, "create_household")


def _id(seq: int) -> str:
    from tests.outreach.helpers import id_number

    return id_number(seq)


def test_a_missing_receipt_number_is_flagged(trip) -> None:  # type: ignore[no-untyped-def]
    hall, laptop, people, clock, tmp = trip
    pay_cash(laptop, people["甲"].id)
    with laptop.engine.begin() as conn:  # a receipt number taken and never stored
        conn.execute(sa.text("UPDATE receipt_sequence SET last_value = last_value + 1 WHERE device_id = :d"),
                     {"d": laptop.device.id})
    pay_cash(laptop, people["乙"].id)
    report = _sync(laptop, hall, clock, tmp / "b.yibao")
    gaps = [c for c in report_conflicts(hall) if c.kind == ConflictKind.RECEIPT_GAP.value]
    assert len(gaps) == 1 and f"{laptop.device.prefix}-00000002" in gaps[0].summary
    assert any("缺少 1 张" in line for line in report.flagged)


def test_resolving_a_conflict_is_audited_and_needs_a_note(trip) -> None:  # type: ignore[no-untyped-def]
    hall, laptop, people, clock, tmp = trip
    pay_cash(laptop, people["甲"].id)
    pay_cash(hall, people["甲"].id)
    _sync(laptop, hall, clock, tmp / "b.yibao")
    (conflict,) = report_conflicts(hall)
    boss = services_for("", "赵审核", clock, role=Role.SUPERVISOR, engine=hall.engine)
    with pytest.raises(NotPermitted, match="只有审核人员"):  # a 经办 may not close it
        resolve_conflict(hall.engine, conflict.id[:8], how="退费", note="x", actor=hall.actor, now=clock())
    with pytest.raises(OutreachError, match="--note"):
        resolve_conflict(hall.engine, conflict.id[:8], how="退费", note="", actor=boss.actor, now=clock())
    with pytest.raises(OutreachError, match="处理方式"):
        resolve_conflict(hall.engine, conflict.id[:8], how="删除", note="x", actor=boss.actor, now=clock())
    with pytest.raises(OutreachError, match="先为其中一笔办理退费受理"):
        resolve_conflict(hall.engine, conflict.id[:8], how="退费", note="外出收据已受理退费",
                         actor=boss.actor, now=clock())
    with Session(hall.engine) as session:  # the refund intake (the refunds service's job)
        session.add(RefundRequest(person_id=conflict.person_id, payment_id=conflict.row_id,
                                  reason="duplicate", amount_fen=FEE_FEN, received_on=DAY,
                                  policy_id="shangnan-2025", device_id=hall.device.id))
        session.commit()
    done = resolve_conflict(hall.engine, conflict.id[:8], how="退费", note="外出收据已受理退费",
                            actor=boss.actor, now=clock())
    assert done.status == "resolved" and report_conflicts(hall) == []
    with Session(hall.engine) as session:
        audit = session.exec(select(AuditLog).where(AuditLog.action == "sync.conflict.resolve")).one()
    assert audit.clerk_name == "赵审核" and "外出收据已受理退费" in audit.summary
    with pytest.raises(OutreachError, match="已处理过"):
        resolve_conflict(hall.engine, conflict.id, how="退费", note="again", actor=boss.actor, now=clock())


def test_a_conflicting_payment_changed_again_on_the_laptop_stays_as_the_hall_has_it(trip) -> None:  # type: ignore[no-untyped-def]
    hall, laptop, people, clock, tmp = trip
    receipt = pay_cash(laptop, people["甲"].id)
    pay_cash(hall, people["甲"].id)
    _sync(laptop, hall, clock, tmp / "b1.yibao")
    with laptop.engine.begin() as conn:  # e.g. the team "corrected" the payment's record
        conn.execute(sa.text("UPDATE payment SET received_fen = 50000 WHERE id = :id"),
                     {"id": receipt.payment.id})
    clock.moment = local_noon(date(2024, 10, 9))
    report = _sync(laptop, hall, clock, tmp / "b2.yibao")
    with Session(hall.engine) as session:
        statuses = sorted(
            p.status for p in session.exec(select(Payment).where(Payment.person_id == people["甲"].id))
        )
        stored = session.get(Payment, receipt.payment.id)
    assert statuses == ["conflict", "paid"]
    assert stored is not None and stored.received_fen == FEE_FEN  # a bundle never rewrites money
    assert any(receipt.receipt_no in line and "不能改动" in line for line in report.refused)
    assert report.flagged == [] and len(report_conflicts(hall)) == 1


def test_a_laptop_payment_on_a_hall_registration_it_also_changed_is_booked(trip) -> None:  # type: ignore[no-untyped-def]
    """Walk finding (眉山): the hall's enrolment had a 参保地 and a note; the laptop's F2, taking
    the cash, wrote its own 参保地 and no note. The import refused the enrolment as a hall row
    the bundle may not change, and with it the laptop's cash payment: taken in the village,
    never booked in the hall. The hall's registration stands, the payment is booked, the
    fields not taken are listed."""
    hall, laptop, people, clock, tmp = trip
    from yibao.models import Enrolment

    with Session(hall.engine) as session:  # registered at the hall window, not yet paid
        registered = Enrolment(person_id=people["甲"].id, benefit_year=2025, category="general",
                               insured_region="611023", policy_id="shangnan-2025", registered_on=DAY,
                               note="大厅窗口登记", device_id=hall.device.id)
        session.add(registered)
        session.commit()
        session.refresh(registered)
    (tmp / "second").mkdir()
    t = export_and_open(hall, f"sqlite:///{tmp / 'laptop2.db'}", tmp / "second", clock)
    laptop = t.laptop
    paid = pay_cash(laptop, people["甲"].id)
    with laptop.engine.begin() as conn:  # what the laptop's F2 left in the hall's row
        conn.execute(sa.text("UPDATE enrolment SET note = NULL WHERE id = :e"), {"e": registered.id})
    report = _sync(laptop, hall, clock, tmp / "b.yibao")
    with Session(hall.engine) as session:
        payment = session.get(Payment, paid.payment.id)
        assert payment is not None and payment.status == "paid" and payment.amount_fen == FEE_FEN
        enrolment = session.exec(sa.text("SELECT status, note FROM enrolment WHERE id = :e").bindparams(e=registered.id)).one()
    assert tuple(enrolment) == ("paid", "大厅窗口登记")
    assert any("备注 未采用" in line and "缴费照常入账" in line for line in report.refused)
