"""Power cut in the middle of a sync import and of a payment (SIGKILL in a child process).

After the kill the registry must be exactly as before the operation, and running the
operation again must work. SQLite files only: the child is a separate process.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

from sqlmodel import Session, select

from tests.outreach.helpers import (
    PASSPHRASE,
    Clock,
    count,
    export_and_open,
    local_noon,
    pay_cash,
    register,
    services_for,
)
from yibao.models import AuditLog, Payment, ReceiptSequence
from yibao.outreach.rows import sync_tables
from yibao.outreach.sync import export_sync, import_sync

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2024, 10, 8)


def _child(code: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def _snapshot(engine) -> dict[str, int]:  # type: ignore[no-untyped-def]
    names = [t.name for t in sync_tables()] + ["sync_log", "sync_applied", "sync_conflict"]
    counts = {name: count(engine, name) for name in names}
    # The child signs in before it is killed: that audit row is not part of the operation.
    counts["audit_log"] -= count(engine, "audit_log", action="auth.signin")
    return counts


def test_killed_sync_import_leaves_nothing_and_can_be_run_again(tmp_path: Path) -> None:
    clock = Clock(local_noon(DAY))
    hall_url = f"sqlite:///{tmp_path / 'hall.db'}"
    hall = services_for(hall_url, "王大厅", clock)
    for i in range(5):
        register(hall, f"村民{i}", 20 + i)
    trip = export_and_open(hall, f"sqlite:///{tmp_path / 'laptop.db'}", tmp_path, clock)
    for i in range(5):
        person = register(trip.laptop, f"新人{i}", 40 + i)
        pay_cash(trip.laptop, person.id)
    bundle = export_sync(trip.laptop.engine, to=tmp_path / "back.yibao", actor=trip.laptop.actor, now=clock(), passphrase=PASSPHRASE)
    before = _snapshot(hall.engine)
    hall.engine.dispose()

    result = _child(
        f"""
        from datetime import datetime, UTC
        from tests.outreach.helpers import PASSPHRASE, Clock, services_for
        from yibao.outreach.sync import import_sync
        clock = Clock(datetime({clock.moment.year}, {clock.moment.month}, {clock.moment.day}, 4, tzinfo=UTC))
        hall = services_for({hall_url!r}, "王大厅", clock)
        import_sync(hall.engine, {str(bundle.path)!r}, actor=hall.actor, now=clock(), passphrase=PASSPHRASE)
        print("NOT KILLED")
        """,
        env={"YIBAO_CRASH_AT": "sync.import"},
    )
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert "NOT KILLED" not in result.stdout

    after = _snapshot(hall.engine)
    assert after == before  # nothing half-written
    report = import_sync(hall.engine, bundle.path, actor=hall.actor, now=clock(), passphrase=PASSPHRASE)
    assert not report.already_imported
    with Session(hall.engine) as session:
        laptop_receipts = session.exec(select(Payment.receipt_no).where(Payment.device_id == trip.laptop.device.id)).all()
    assert sorted(laptop_receipts) == [f"{trip.prefix}-{n:08d}" for n in range(1, 6)]


def test_killed_payment_leaves_no_money_no_number_and_can_be_taken_again(tmp_path: Path) -> None:
    clock = Clock(local_noon(DAY))
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    hall = services_for(url, "王大厅", clock)
    first = register(hall, "甲", 11)
    pay_cash(hall, first.id)
    person = register(hall, "乙", 12)
    before = _snapshot(hall.engine)
    hall.engine.dispose()

    # The child dies right after the payment row is sent to the database, before commit.
    result = _child(
        f"""
        import os, signal
        import sqlalchemy as sa
        from sqlalchemy import event
        from datetime import datetime, UTC
        from tests.outreach.helpers import Clock, pay_cash, services_for

        @event.listens_for(sa.engine.Engine, "after_cursor_execute")
        def _power_cut(conn, cursor, statement, *args):
            if statement.lstrip().upper().startswith("INSERT INTO PAYMENT"):
                os.kill(os.getpid(), signal.SIGKILL)

        clock = Clock(datetime(2024, 10, 8, 4, tzinfo=UTC))
        hall = services_for({url!r}, "王大厅", clock)
        pay_cash(hall, {person.id!r})
        print("NOT KILLED")
        """
    )
    assert result.returncode == -signal.SIGKILL, result.stderr
    assert _snapshot(hall.engine) == before
    with Session(hall.engine) as session:
        seq = session.exec(select(ReceiptSequence).where(ReceiptSequence.device_id == hall.device.id)).one()
        assert seq.last_value == 1
        assert not session.exec(select(AuditLog).where(AuditLog.person_id == person.id, AuditLog.action == "payment.record")).all()

    receipt = pay_cash(hall, person.id)  # the clerk takes the money again
    assert receipt.payment.receipt_no.endswith("-00000002")
    assert count(hall.engine, "payment", person_id=person.id) == 1
