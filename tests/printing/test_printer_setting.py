"""This device's printer in ``registry_setting``: set by a 管理人员 only, audited, per device."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from tests.signin import signed_in
from yibao.config import ensure_device, registry_printer, set_registry_printer
from yibao.models import AuditLog, Role
from yibao.services.errors import NotPermitted


def test_an_admin_sets_and_clears_the_printer_and_each_change_is_audited(engine, clock) -> None:  # type: ignore[no-untyped-def]
    device = ensure_device(engine, name="窗口一", now=clock())
    admin = signed_in(engine, device, "赵管理", role=Role.ADMIN, now=clock())
    assert registry_printer(engine, device) is None
    assert set_registry_printer(engine, " HALL-1 ", admin, device=device, now=clock()) == "HALL-1"
    assert registry_printer(engine, device) == "HALL-1"
    set_registry_printer(engine, "HALL-1", admin, device=device, now=clock())  # unchanged: no row
    assert set_registry_printer(engine, None, admin, device=device, now=clock()) is None
    assert registry_printer(engine, device) is None
    with Session(engine) as session:
        rows = session.exec(select(AuditLog).where(AuditLog.action == "registry.printer")).all()
    assert [(r.before, r.after) for r in rows] == [
        ({"printer": None}, {"printer": "HALL-1"}),
        ({"printer": "HALL-1"}, {"printer": None}),
    ]


def test_a_clerk_cannot_set_it_and_nothing_is_written(engine, clock) -> None:  # type: ignore[no-untyped-def]
    device = ensure_device(engine, name="窗口一", now=clock())
    clerk = signed_in(engine, device, "钱经办", role=Role.CLERK, now=clock())
    with pytest.raises(NotPermitted, match="管理人员"):
        set_registry_printer(engine, "HALL-1", clerk, device=device, now=clock())
    assert registry_printer(engine, device) is None


def test_a_bad_name_is_refused_in_chinese(engine, clock) -> None:  # type: ignore[no-untyped-def]
    device = ensure_device(engine, name="窗口一", now=clock())
    admin = signed_in(engine, device, "赵管理", role=Role.ADMIN, now=clock())
    with pytest.raises(ValueError, match="不合规"):
        set_registry_printer(engine, "hall 1", admin, device=device, now=clock())
    assert registry_printer(engine, device) is None
