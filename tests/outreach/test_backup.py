"""Online backup and checked restore of a SQLite registry (SQLite only by nature)."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session

from yibao.config import ensure_clerk, ensure_device
from yibao.db import open_registry, sqlite_url
from yibao.models import Person
from yibao.outreach.backup import INFO_TABLE, backup, read_backup_info, restore, table_counts
from yibao.outreach.errors import OutreachError


def _registry(path: Path, persons: int = 3) -> str:
    url = sqlite_url(path)
    engine = open_registry(url)
    device = ensure_device(engine)
    ensure_clerk(engine, name="王大厅", device=device)
    with Session(engine) as session:
        for i in range(persons):
            session.add(Person(name=f"人{i}", birth_date=date(1980, 1, 1), device_id=device.id))
        session.commit()
    engine.dispose()
    return url


def _persons(path: Path) -> int:
    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT count(*) FROM person").fetchone()[0]
    finally:
        con.close()


def test_backup_while_a_desk_is_writing_takes_the_committed_snapshot(tmp_path: Path) -> None:
    db = tmp_path / "hall.db"
    _registry(db)
    desk = sqlite3.connect(db, isolation_level=None)
    desk.execute("BEGIN IMMEDIATE")  # a clerk's transaction in flight
    desk.execute(
        "INSERT INTO person (id, name, name_initials, birth_date, status, employee_insured, device_id,"
        " created_at, updated_at) VALUES ('x', '未提交', '', '1990-01-01', 'active', 0, 'd',"
        " '2024-10-08 00:00:00', '2024-10-08 00:00:00')"
    )
    try:
        report = backup(db, tmp_path / "b.db")
    finally:
        desk.execute("ROLLBACK")
        desk.close()
    assert report.counts["person"] == 3
    assert _persons(tmp_path / "b.db") == 3
    info = read_backup_info(tmp_path / "b.db")
    assert info.counts == report.counts


def test_restore_brings_back_the_registry_and_keeps_the_old_one(tmp_path: Path) -> None:
    db = tmp_path / "hall.db"
    _registry(db, persons=3)
    backup(db, tmp_path / "b.db")
    engine = open_registry(sqlite_url(db))  # more work after the backup
    with Session(engine) as session:
        session.add(Person(name="后来的", birth_date=date(1990, 1, 1), device_id="d"))
        session.commit()
    engine.dispose()
    assert _persons(db) == 4

    report, kept = restore(tmp_path / "b.db", db, opener=open_registry)
    assert _persons(db) == 3
    assert kept is not None and _persons(kept) == 4
    con = sqlite3.connect(db)
    try:
        assert table_counts(con) == report.counts
        names = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert INFO_TABLE not in names
    finally:
        con.close()
    open_registry(sqlite_url(db)).dispose()  # the restored registry opens


def test_corrupt_or_truncated_backup_is_refused_and_registry_untouched(tmp_path: Path) -> None:
    db = tmp_path / "hall.db"
    _registry(db)
    backup(db, tmp_path / "b.db")
    before = db.read_bytes()
    raw = (tmp_path / "b.db").read_bytes()
    (tmp_path / "cut.db").write_bytes(raw[: len(raw) // 3])
    with pytest.raises(OutreachError):
        restore(tmp_path / "cut.db", db, opener=open_registry)
    assert db.read_bytes() == before

    # Rows removed after the backup was made: the recorded counts no longer match.
    tampered = tmp_path / "tampered.db"
    tampered.write_bytes(raw)
    con = sqlite3.connect(tampered)
    con.execute("DELETE FROM person WHERE name = '人0'")
    con.commit()
    con.close()
    with pytest.raises(OutreachError, match="记录数与备份时记录的不一致"):
        restore(tampered, db, opener=open_registry)
    assert _persons(db) == 3


def test_a_plain_registry_is_not_a_backup(tmp_path: Path) -> None:
    db = tmp_path / "hall.db"
    _registry(db)
    with pytest.raises(OutreachError, match="不是医保终端的备份文件"):
        restore(db, tmp_path / "other.db", opener=open_registry)


def test_postgres_urls_and_bad_paths_are_refused_in_chinese(tmp_path: Path) -> None:
    with pytest.raises(OutreachError, match="pg_dump"):
        backup("postgresql+psycopg://u@h/db", tmp_path / "b.db")
    with pytest.raises(OutreachError, match="找不到登记库文件"):
        backup(tmp_path / "none.db", tmp_path / "b.db")
    db = tmp_path / "hall.db"
    _registry(db)
    with pytest.raises(OutreachError, match="文件夹不存在"):
        backup(db, tmp_path / "no" / "b.db")
    with pytest.raises(OutreachError, match="同一个文件"):
        backup(db, db)
