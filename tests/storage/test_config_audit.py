from __future__ import annotations

from datetime import UTC, date, datetime

import sqlalchemy as sa
from sqlmodel import Session, select

from tests.ids import id_number
from yibao import audit
from yibao.config import ensure_clerk, ensure_device
from yibao.models import AuditLog, Clerk, Device, ReceiptSequence, Role


def test_device_is_created_once_with_its_sequence(engine: sa.Engine) -> None:
    first = ensure_device(engine, name="窗口1")
    again = ensure_device(engine)
    assert first == again
    assert len(first.prefix) == 4 and first.prefix.isalnum()
    with Session(engine) as session:
        assert session.exec(select(Device)).one().is_local
        assert session.get(ReceiptSequence, first.id).last_value == 0
        actions = session.exec(select(AuditLog.action)).all()
    assert actions == ["device.create"]


def test_clerk_is_created_once_and_keeps_role(engine: sa.Engine) -> None:
    device = ensure_device(engine)
    sup = ensure_clerk(engine, name="李审核", device=device, role=Role.SUPERVISOR)
    same = ensure_clerk(engine, name=" 李审核 ", device=device)
    assert sup == same and same.is_supervisor
    with Session(engine) as session:
        assert len(session.exec(select(Clerk)).all()) == 1


def test_snapshot_masks_id_numbers_at_any_depth() -> None:
    number = id_number(date(1990, 5, 6))
    snap = audit.snapshot(
        {
            "id_number": number,
            "nested": {"id_number": number, "note": f"号码 {number} 写在备注里"},
            "id_tail": number[-6:],
            "when": datetime(2024, 1, 1, tzinfo=UTC),
            "day": date(2024, 1, 2),
        }
    )
    text = repr(snap)
    assert number not in text
    assert snap["id_number"] == number[:6] + "********" + number[-4:]
    assert "id_tail" not in snap
    assert snap["day"] == "2024-01-02"
