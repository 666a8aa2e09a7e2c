"""The registry records which policy it serves (``registry_setting``), audited."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from yibao.config import (
    ensure_clerk,
    ensure_device,
    registry_policy,
    registry_policy_at,
    set_registry_policy,
)
from yibao.models import AuditLog, RegistrySetting


def _policy_audit(engine: sa.Engine) -> list[AuditLog]:
    with Session(engine) as session:
        return list(
            session.exec(
                select(AuditLog).where(AuditLog.action == "registry.policy").order_by(AuditLog.id)
            ).all()
        )


def test_set_read_change_and_audit(engine: sa.Engine, registry_url: str) -> None:
    device = ensure_device(engine, name="窗口1")
    clerk = ensure_clerk(engine, name="王芳", device=device)
    assert registry_policy(engine) is None and registry_policy_at(registry_url) is None
    assert set_registry_policy(engine, "shangnan-2025", clerk, device=device) == "shangnan-2025"
    assert registry_policy(engine) == "shangnan-2025"
    assert registry_policy_at(registry_url) == "shangnan-2025"
    set_registry_policy(engine, "shangnan-2025", clerk)  # the same again: nothing written
    set_registry_policy(engine, "meishan-2024", clerk, device=device)
    first, second = _policy_audit(engine)
    assert (first.before, first.after["policy"]) == ({"policy": None}, "shangnan-2025")
    assert (second.before, second.after["policy"]) == ({"policy": "shangnan-2025"}, "meishan-2024")
    assert second.clerk_name == "王芳" and second.device_id == device.id
    assert "眉山市" in second.summary
    with Session(engine) as session:
        (row,) = session.exec(select(RegistrySetting)).all()
    assert (row.key, row.value, row.updated_by) == ("policy", "meishan-2024", clerk.id)


def test_an_unknown_policy_is_refused_and_nothing_written(engine: sa.Engine) -> None:
    device = ensure_device(engine)
    clerk = ensure_clerk(engine, name="王芳", device=device)
    with pytest.raises(ValueError, match="政策"):
        set_registry_policy(engine, "nowhere-2025", clerk, device=device)
    assert registry_policy(engine) is None and _policy_audit(engine) == []


def test_reading_creates_nothing(tmp_path: Path) -> None:
    from yibao.db import sqlite_url

    missing = tmp_path / "none.sqlite3"
    assert registry_policy_at(sqlite_url(missing)) is None
    assert not missing.exists()
    assert registry_policy_at("postgresql+psycopg://nobody@127.0.0.1:1/none") is None


def test_the_setting_stays_in_its_registry() -> None:
    from yibao.outreach import rows

    assert "registry_setting" not in {t.name for t in rows.sync_tables()}


def test_yibao_init_records_the_policy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.signin import cli
    from yibao.db import open_registry, sqlite_url

    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("YIBAO_POLICY", raising=False)
    db = tmp_path / "hall.sqlite3"
    assert cli(monkeypatch, "--db", str(db), "--policy", "meishan-2024", "--clerk", "赵六", "init") == 0
    engine = open_registry(sqlite_url(db))
    try:
        assert registry_policy(engine) == "meishan-2024"
        (entry,) = _policy_audit(engine)
        assert entry.clerk_name == "赵六"
    finally:
        engine.dispose()
    desk = (tmp_path / "data" / "desk.json").read_text(encoding="utf-8")
    assert "meishan" not in desk and "赵六" in desk  # desk.json keeps the clerk only
