"""A dishonest laptop: its registry edited by hand, then a normal sync. The hall's money,
refunds, clerks and roles do not move; every refused row is listed with its reason."""

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
    export_and_open,
    local_noon,
    pay_cash,
    register,
    services_for,
)
from yibao.models import Clerk, Payment, Person, RefundRequest
from yibao.outreach.bundle import read_bundle, write_bundle
from yibao.outreach.sync import export_sync, import_sync

DAY = date(2024, 10, 8)


def _money(engine) -> dict[str, tuple]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        pays = {p.receipt_no: (p.amount_fen, p.status) for p in session.exec(select(Payment))}
        refunds = {r.id: (r.amount_fen, r.state) for r in session.exec(select(RefundRequest))}
        clerks = {c.name: (c.role, c.active) for c in session.exec(select(Clerk))}
    return {"payments": pays, "refunds": refunds, "clerks": clerks}  # type: ignore[dict-item]


@pytest.fixture
def trip(registry_url: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    clock = Clock(local_noon(DAY))
    hall = services_for(registry_url, "王大厅", clock)
    people = {name: register(hall, name, seq) for name, seq in (("甲", 11), ("乙", 12), ("丙", 13))}
    hall_receipt = pay_cash(hall, people["甲"].id)  # a hall payment the laptop receives
    t = export_and_open(hall, f"sqlite:///{tmp_path / 'laptop.db'}", tmp_path, clock)
    return hall, t, people, hall_receipt, clock, tmp_path


def _sync(t, hall, clock, path: Path):  # type: ignore[no-untyped-def]
    sent = export_sync(t.laptop.engine, to=path, actor=t.laptop.actor, now=clock(), passphrase=PASSPHRASE)
    return import_sync(hall.engine, sent.path, actor=hall.actor, now=clock(), passphrase=PASSPHRASE)


def test_a_hand_edited_laptop_registry_changes_no_hall_money_refund_clerk_or_role(trip) -> None:  # type: ignore[no-untyped-def]
    hall, t, people, hall_receipt, clock, tmp = trip
    laptop = t.laptop
    synced = pay_cash(laptop, people["乙"].id)  # synced once, honestly
    _sync(t, hall, clock, tmp / "b1.yibao")
    fresh = pay_cash(laptop, people["丙"].id)  # not synced yet
    before = _money(hall.engine)
    assert before["payments"][hall_receipt.receipt_no] == (FEE_FEN, "paid")

    with laptop.engine.begin() as conn:  # what `sqlite3 laptop.db` lets anyone do
        for receipt in (hall_receipt, synced, fresh):
            conn.execute(sa.text("UPDATE payment SET amount_fen = 1, personal_fen = 1, standard_fen = 1, "
                                 "status = 'refunded' WHERE receipt_no = :r"), {"r": receipt.receipt_no})
        conn.execute(sa.text("UPDATE person SET name = '冒名' WHERE id = :p"), {"p": people["甲"].id})
        conn.execute(sa.text("UPDATE clerk SET role = 'supervisor'"))
        conn.execute(sa.text("INSERT INTO refund_request (id, person_id, payment_id, reason, amount_fen, state, "
                             "received_on, policy_id, device_id, created_at, updated_at) VALUES "
                             "('r-forged', :p, :pay, 'duplicate', 40000, 'refunded', '2024-10-08', "
                             "'shangnan-2025', :d, '2024-10-08 04:00:00', '2024-10-08 04:00:00')"),
                     {"p": people["甲"].id, "pay": hall_receipt.payment.id, "d": laptop.device.id})
    clock.moment = local_noon(date(2024, 10, 9))
    report = _sync(t, hall, clock, tmp / "b2.yibao")

    after = _money(hall.engine)
    assert after["payments"] == before["payments"]  # no payment changed, the fresh one not taken
    assert fresh.receipt_no not in after["payments"]
    assert after["refunds"] == before["refunds"] == {}
    assert after["clerks"] == before["clerks"]
    with Session(hall.engine) as session:
        assert session.get(Person, people["甲"].id).name == "甲"  # type: ignore[union-attr]
    text = report.render()
    for receipt in (hall_receipt, synced, fresh):
        assert any(receipt.receipt_no in line for line in report.refused), text
    assert any(line.startswith("退费申请") for line in report.refused), text
    assert any("经办人员" in line and "管理员" in line for line in report.refused), text
    assert any("冒名" in line for line in report.proposed), text  # waits for a 审核
    assert "拒收" in text


def test_a_forged_bundle_signed_with_the_real_laptop_key_still_cannot_rewrite_the_hall(trip) -> None:  # type: ignore[no-untyped-def]
    """The worst case: the laptop itself (key and passphrase) in dishonest hands. Payments set
    to 0.01 yuan, a supervisor injected, a payment with no audit row: none is taken."""
    hall, t, people, hall_receipt, clock, tmp = trip
    laptop = t.laptop
    pay_cash(laptop, people["乙"].id)
    sent = export_sync(laptop.engine, to=tmp / "real.yibao", actor=laptop.actor, now=clock(), passphrase=PASSPHRASE)
    real = read_bundle(sent.path, kind="sync", passphrase=PASSPHRASE, key_for=lambda m: str(m.extra["public_key"]))
    records = []
    for rec in real.records:
        row = dict(rec["r"])
        if rec["t"] == "payment":
            row |= {"amount_fen": 1, "personal_fen": 1, "standard_fen": 1}
        if rec["t"] == "audit_log" and row.get("entity") == "payment":
            continue  # the payment's audit row dropped
        records.append({"t": rec["t"], "r": row})
    hall_pay = {"t": "payment", "r": {**next(r["r"] for r in real.records if r["t"] == "payment"),
                                       "id": hall_receipt.payment.id, "amount_fen": 1, "status": "refunded"}}
    boss = {"t": "clerk", "r": {"id": "boss", "name": "假审核", "role": "supervisor", "active": True,
                                "device_id": laptop.device.id, "created_at": "2024-10-08T04:00:00+00:00",
                                "updated_at": "2024-10-08T04:00:00+00:00"}}
    records = [boss, hall_pay, *records]
    with Session(laptop.engine) as session:
        from yibao.outreach.models import OutreachOrigin

        private = session.exec(select(OutreachOrigin)).one().key_hex
    forged = tmp / "forged.yibao"
    m = real.manifest
    write_bundle(forged, kind="sync", hall_id=m.hall_id, source_device_id=m.source_device_id,
                 target_device_id=m.target_device_id, private_key=private, passphrase=PASSPHRASE,
                 records=records, created_at=m.created_at, extra=m.extra)
    before = _money(hall.engine)
    report = import_sync(hall.engine, forged, actor=hall.actor, now=clock(), passphrase=PASSPHRASE)
    after = _money(hall.engine)
    assert after["payments"] == before["payments"]
    assert after["clerks"]["假审核"] == ("clerk", False)  # recorded as a name, with no rights
    assert {k: v for k, v in after["clerks"].items() if k in before["clerks"]} == before["clerks"]
    assert all(v == ("clerk", False) for k, v in after["clerks"].items() if k not in before["clerks"])
    assert any("没有对应的操作日志" in line or "金额" in line for line in report.refused)
