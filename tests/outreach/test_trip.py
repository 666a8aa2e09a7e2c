"""The whole trip: hall → outreach laptop → back, with every receipt and every fen once.

The hall runs on ``registry_url`` (SQLite, and PostgreSQL when configured); the laptop is
always a SQLite file, as in the field.
"""

from __future__ import annotations

from collections import Counter
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
    id_number,
    local_noon,
    pay_cash,
    register,
    services_for,
)
from yibao.db import open_registry
from yibao.models import AuditLog, Payment, Person
from yibao.outreach.dayclose import close_day, void_receipt
from yibao.outreach.export import export_outreach, open_outreach, read_outreach_bundle
from yibao.outreach.models import ConflictKind, DayClose, SyncConflict
from yibao.outreach.rows import sync_tables
from yibao.outreach.sync import export_sync, import_sync
from yibao.resources import policies_dir
from yibao.services import Services

DAY = date(2024, 10, 8)


def _payments(engine: sa.Engine) -> list[Payment]:
    with Session(engine) as session:
        return list(session.exec(select(Payment)))


def _snapshot(engine: sa.Engine) -> dict[str, int]:
    return {t.name: count(engine, t.name) for t in sync_tables()} | {
        "sync_log": count(engine, "sync_log"),
        "sync_conflict": count(engine, "sync_conflict"),
    }


def _cash_fen(payments: list[Payment], device_id: str | None = None) -> int:
    return sum(
        p.amount_fen
        for p in payments
        if p.channel == "cash" and p.status != "voided" and (device_id is None or p.device_id == device_id)
    )


def test_the_whole_trip(registry_url: str, tmp_path: Path) -> None:
    clock = Clock(local_noon(DAY))
    hall = services_for(registry_url, "王大厅", clock)
    jia = register(hall, "甲", 11)  # 富水镇, paid at the hall before the trip
    yi = register(hall, "乙", 12)  # 富水镇, will be paid on both sides: conflict
    bing = register(hall, "丙", 13, address="商南县城关街道")  # another town: stays at the hall
    wu = register(hall, "戊", 14)  # 富水镇, paid on the laptop only
    pay_cash(hall, jia.id)

    trip = export_and_open(hall, f"sqlite:///{tmp_path / 'laptop.db'}", tmp_path, clock)
    laptop = trip.laptop
    assert trip.prefix != hall.device.prefix
    with Session(laptop.engine) as session:
        names = {p.name for p in session.exec(select(Person))}
    assert names == {"甲", "乙", "戊"}  # 丙 lives in another town

    # --- in the village -------------------------------------------------------
    ding_l = register(laptop, "丁", 15)  # new on the laptop; the hall registers him too
    ji = register(laptop, "己", 16)  # new on the laptop only
    wrong = pay_cash(laptop, wu.id, 30_000)  # wrong amount …
    void_receipt(laptop.engine, receipt_no=wrong.payment.receipt_no, reason="金额收错",
                 clerk=laptop.clerk, device=laptop.device, today=DAY, now=clock())
    pay_cash(laptop, wu.id)  # … taken again correctly
    pay_cash(laptop, ding_l.id)
    pay_cash(laptop, ji.id)
    pay_cash(laptop, yi.id)
    close_day(laptop.engine, clerk=laptop.clerk, device=laptop.device, day=DAY, today=DAY, now=clock())

    # --- meanwhile at the hall ------------------------------------------------
    pay_cash(hall, yi.id)  # the deliberate conflict
    ding_h = register(hall, "丁", 15)  # same ID number as on the laptop
    pay_cash(hall, ding_h.id)  # a second conflict, through the merge
    pay_cash(hall, bing.id)

    laptop_payments = [p for p in _payments(laptop.engine) if p.device_id == laptop.device.id]
    assert len(laptop_payments) == 5
    hall_before = _payments(hall.engine)
    with Session(laptop.engine) as session:
        laptop_audit = {a.id: (a.clerk_name, a.device_id, a.at) for a in session.exec(select(AuditLog))}

    # --- back at the hall -----------------------------------------------------
    clock.moment = local_noon(date(2024, 10, 9))
    sent = export_sync(laptop.engine, to=tmp_path / "back.yibao", actor=laptop.actor, now=clock(), passphrase=PASSPHRASE)
    report = import_sync(hall.engine, sent.path, actor=hall.actor, now=clock(), passphrase=PASSPHRASE)
    hall_after = _payments(hall.engine)

    # Every receipt exactly once, every fen present.
    receipts = Counter(p.receipt_no for p in hall_after)
    assert all(n == 1 for n in receipts.values())
    assert {p.receipt_no for p in laptop_payments} <= set(receipts)
    assert len(hall_after) == len(hall_before) + len(laptop_payments) == 9
    assert _cash_fen(hall_after) == _cash_fen(hall_before) + _cash_fen(laptop_payments)
    assert _cash_fen(hall_after, laptop.device.id) == 4 * FEE_FEN
    voided = [p for p in hall_after if p.status == "voided"]
    assert [p.receipt_no for p in voided] == [wrong.payment.receipt_no]
    assert report.receipts == 5 and report.voided == 1 and report.cash_fen == 4 * FEE_FEN
    assert f"收据号 {trip.prefix}-00000001 至 {trip.prefix}-00000005 全部到齐" in report.render()

    # The person seen on both sides is one person; the laptop-only one arrived.
    with Session(hall.engine) as session:
        assert len(session.exec(select(Person).where(Person.id_number == id_number(15))).all()) == 1
        assert session.exec(select(Person).where(Person.id_number == id_number(16))).one().name == "己"
        ding_payments = session.exec(select(Payment).where(Payment.person_id == ding_h.id)).all()
        assert sorted(p.status for p in ding_payments) == ["conflict", "paid"]
        yi_payments = session.exec(select(Payment).where(Payment.person_id == yi.id)).all()
        assert sorted(p.status for p in yi_payments) == ["conflict", "paid"]
        conflicts = session.exec(select(SyncConflict)).all()
        assert sorted(c.kind for c in conflicts) == [ConflictKind.DUPLICATE_PAYMENT.value] * 2
        assert {c.person_id for c in conflicts} == {yi.id, ding_h.id}
        assert all(c.status == "open" for c in conflicts)
        # Audit rows keep their clerk, device and time.
        for row_id, (clerk_name, device_id, at) in laptop_audit.items():
            here = session.get(AuditLog, row_id)
            assert here is not None
            assert (here.clerk_name, here.device_id, here.at) == (clerk_name, device_id, at)
        # The laptop's day-close travelled too.
        closes = session.exec(select(DayClose).where(DayClose.device_id == laptop.device.id)).all()
        assert [(c.receipt_count, c.total_fen, c.voided_count) for c in closes] == [(4, 4 * FEE_FEN, 1)]

    # The report says what was added, merged and flagged, with ID numbers masked.
    text = report.render()
    assert "合并" in text and "重复缴费" in text and "己" in text
    assert id_number(15) not in text and id_number(12) not in text
    assert report.count("merged") >= 1 and len(report.flagged) == 2

    # Importing the same file again changes nothing.
    before = _snapshot(hall.engine)
    again = import_sync(hall.engine, sent.path, actor=hall.actor, now=clock(), passphrase=PASSPHRASE)
    assert again.already_imported
    assert _snapshot(hall.engine) == before

    # The laptop keeps working; the next (cumulative) bundle brings only the new work.
    geng = register(laptop, "庚", 17)
    clock.moment = local_noon(date(2024, 10, 10))
    pay_cash(laptop, geng.id)
    second = export_sync(laptop.engine, to=tmp_path / "back2.yibao", actor=laptop.actor, now=clock(), passphrase=PASSPHRASE)
    report2 = import_sync(hall.engine, second.path, actor=hall.actor, now=clock(), passphrase=PASSPHRASE)
    assert report2.flagged == [], report2.render()
    assert count(hall.engine, "sync_conflict") == 2
    assert count(hall.engine, "payment") == 10
    assert report2.count("added") >= 2  # the person, the payment (and their audit rows)


def test_a_bundle_older_than_one_already_imported_is_refused(registry_url: str, tmp_path: Path) -> None:
    from yibao.outreach.errors import OutreachError

    clock = Clock(local_noon(DAY))
    hall = services_for(registry_url, "王大厅", clock)
    register(hall, "甲", 11)
    trip = export_and_open(hall, f"sqlite:///{tmp_path / 'laptop.db'}", tmp_path, clock)
    old = export_sync(trip.laptop.engine, to=tmp_path / "old.yibao", actor=trip.laptop.actor, now=clock(), passphrase=PASSPHRASE)
    clock.moment = local_noon(date(2024, 10, 9))
    new = export_sync(trip.laptop.engine, to=tmp_path / "new.yibao", actor=trip.laptop.actor, now=clock(), passphrase=PASSPHRASE)
    import_sync(hall.engine, new.path, actor=hall.actor, now=clock(), passphrase=PASSPHRASE)
    before = _snapshot(hall.engine)
    with pytest.raises(OutreachError, match="早于已导入"):
        import_sync(hall.engine, old.path, actor=hall.actor, now=clock(), passphrase=PASSPHRASE)
    assert _snapshot(hall.engine) == before


def test_real_desk_payments_on_both_sides_are_kept_and_flagged(services, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """The same trip through ``enrol_and_pay`` (rules, quote, receipt) on the real policy."""
    hall = services
    person = hall.persons.register(name="甲", id_number=id_number(11), hukou_region="611023",
                                   address="商南县富水镇东岭村")
    bundle = tmp_path / "o.yibao"
    code = export_outreach(hall.engine, to=bundle, town="富水镇", village=None, policy_id=hall.policy.id,
                           policy_path=policies_dir() / f"{hall.policy.id}.toml",
                           benefit_year=hall.policy.benefit_year, actor=hall.actor, now=clock(),
                           passphrase=PASSPHRASE).enrol_code
    laptop_url = f"sqlite:///{tmp_path / 'laptop.db'}"
    engine = open_registry(laptop_url)
    opened = open_outreach(engine, read_outreach_bundle(bundle, passphrase=PASSPHRASE), now=clock(), enrol_code=code)
    laptop = services_for(laptop_url, "李外出", clock, engine=engine)
    laptop = Services(engine, hall.policy, laptop.clerk, laptop.device, clock)
    assert laptop.device.id == opened.device_id

    out_receipt = laptop.enrolment.enrol_and_pay(person.id, channel="cash", received_fen=50_000)
    hall_receipt = hall.enrolment.enrol_and_pay(person.id, channel="cash", received_fen=50_000)
    sent = export_sync(engine, to=tmp_path / "back.yibao", actor=laptop.actor, now=clock(), passphrase=PASSPHRASE)
    report = import_sync(hall.engine, sent.path, actor=hall.actor, now=clock(), passphrase=PASSPHRASE)

    with Session(hall.engine) as session:
        rows = session.exec(select(Payment).where(Payment.person_id == person.id)).all()
    assert sorted((p.receipt_no, p.status, p.amount_fen) for p in rows) == sorted([
        (out_receipt.payment.receipt_no, "conflict", out_receipt.payment.amount_fen),
        (hall_receipt.payment.receipt_no, "paid", hall_receipt.payment.amount_fen),
    ])
    assert len(report.flagged) == 1 and out_receipt.payment.receipt_no in report.flagged[0]
