"""Backup and restore of an encrypted (SQLCipher) laptop registry, with the hall's guarantees:
refused while the registry is open, never silent about what the backup lacks, a receipt
sequence that never rewinds, and every file (registry, backup, the copy kept aside)
encrypted and unlocked by the team's passphrase."""

from __future__ import annotations

import sqlite3
import stat
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from tests.outreach.helpers import PASSPHRASE, Clock, local_noon, pay_cash, register, services_for
from tests.outreach.test_laptop_policy import laptop  # noqa: F401  (fixture)
from tests.signin import PIN
from yibao import cipher
from yibao.db import open_registry, sqlite_url
from yibao.models import Payment
from yibao.outreach.backup import RestoreNeedsConfirmation, backup, restore
from yibao.outreach.errors import OutreachError
from yibao.services import Services

CLOCK = Clock(local_noon(date(2024, 10, 8)))


def _path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def _team(laptop_url: str, saved: Path) -> Services:
    return Services.open(url=laptop_url, policy_id=str(saved), clerk_name="王大厅", password=PIN, clock=CLOCK)


def _pay_first(team: Services) -> Any:
    (person,) = [p for p in team.lookup.search("甲")]
    return pay_cash(team, person.person_id)


def _unreadable_without_key(path: Path) -> None:
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        sqlite3.connect(path).execute("SELECT count(*) FROM payment").fetchall()


def test_an_encrypted_laptop_registry_is_restored_with_the_halls_guarantees(laptop, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _hall_url, laptop_url, saved = laptop
    db = _path(laptop_url)
    stick = tmp_path / "stick"
    stick.mkdir()
    team = _team(laptop_url, saved)
    first = _pay_first(team)  # receipt 1 of this laptop, in the backup
    team.engine.dispose()
    backup(db, stick / "b.db")
    _unreadable_without_key(stick / "b.db")

    team = _team(laptop_url, saved)
    later = register(team, "乙", 21)
    second = pay_cash(team, later.id)  # receipt 2, acknowledged after the backup
    with pytest.raises(OutreachError, match="正被窗口界面或其他命令使用"):
        restore(stick / "b.db", db)  # the desk still holds the registry
    team.engine.dispose()

    with pytest.raises(RestoreNeedsConfirmation) as refused:
        restore(stick / "b.db", db, opener=open_registry)
    message = refused.value.message
    assert "1 笔" in message and second.receipt_no in message and "400.00 元" in message
    assert "--confirm-lost 1" in message
    engine = open_registry(laptop_url, create=False)  # nothing changed by the refusal
    with Session(engine) as session:
        assert len(session.exec(select(Payment)).all()) == 2
    engine.dispose()

    _report, kept = restore(stick / "b.db", db, opener=open_registry, confirm_lost=1)
    # Still encrypted, by the same key file and passphrase; the copy kept aside too.
    _unreadable_without_key(db)
    assert kept is not None and stat.S_IMODE(kept.stat().st_mode) == 0o600
    _unreadable_without_key(kept)
    kept_key = cipher.key_path(kept)
    assert stat.S_IMODE(kept_key.stat().st_mode) == 0o600
    con = cipher.connect(kept, cipher.unlock(kept, PASSPHRASE))
    assert sorted(r[0] for r in con.execute("SELECT receipt_no FROM payment")) == sorted(
        [first.receipt_no, second.receipt_no]
    )
    con.close()

    team = _team(laptop_url, saved)
    try:
        with Session(team.engine) as session:
            assert [p.receipt_no for p in session.exec(select(Payment))] == [first.receipt_no]
        assert not list(team.lookup.search("乙"))  # registered after the backup: gone with it
        again = pay_cash(team, register(team, "丙", 22).id)
    finally:
        team.engine.dispose()
    # Receipts 1 and 2 were issued before the restore: the next is 3, never 2 again.
    assert first.receipt_no.endswith("-00000001") and second.receipt_no.endswith("-00000002")
    assert again.receipt_no == second.receipt_no[:-8] + "00000003"


def test_a_lost_laptop_registry_comes_back_from_its_backup_and_key_file(laptop, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _hall_url, laptop_url, saved = laptop
    db = _path(laptop_url)
    team = _team(laptop_url, saved)
    paid = _pay_first(team)
    team.engine.dispose()
    backup(db, tmp_path / "b.db")
    elsewhere = tmp_path / "new-laptop" / "fushui.db"
    elsewhere.parent.mkdir()
    (saved.parent / saved.name).replace(elsewhere.parent / saved.name)  # the policy file travels too
    restore(tmp_path / "b.db", elsewhere, opener=open_registry)
    assert stat.S_IMODE(cipher.key_path(elsewhere).stat().st_mode) == 0o600
    _unreadable_without_key(elsewhere)
    engine = open_registry(sqlite_url(elsewhere), create=False)
    try:
        with Session(engine) as session:
            assert [p.receipt_no for p in session.exec(select(Payment))] == [paid.receipt_no]
    finally:
        engine.dispose()


def test_encrypted_and_plain_files_are_never_mixed_and_nothing_is_written(laptop, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    hall_url, laptop_url, _saved = laptop
    hall_db, laptop_db = _path(hall_url), _path(laptop_url)
    backup(laptop_db, tmp_path / "laptop-b.db")
    backup(hall_db, tmp_path / "hall-b.db")
    before = hall_db.read_bytes(), laptop_db.read_bytes()
    with pytest.raises(OutreachError, match="不能恢复到未加密的登记库"):
        restore(tmp_path / "laptop-b.db", hall_db, opener=open_registry)
    with pytest.raises(OutreachError, match="不能恢复到加密的外出登记库"):
        restore(tmp_path / "hall-b.db", laptop_db, opener=open_registry)
    cipher.key_path(tmp_path / "laptop-b.db").unlink()  # the key file left behind
    with pytest.raises(OutreachError, match="旁边没有同名的密钥文件 laptop-b.db.key"):
        restore(tmp_path / "laptop-b.db", laptop_db, opener=open_registry)
    assert (hall_db.read_bytes(), laptop_db.read_bytes()) == before
    assert not any(p.name.startswith(("hall.db.before", "fushui.db.before")) for p in tmp_path.rglob("*"))


def test_restore_on_the_laptop_from_the_command_line(laptop, tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    import io

    from yibao.cli.main import main

    _hall_url, laptop_url, saved = laptop
    db = _path(laptop_url)
    monkeypatch.delenv("YIBAO_BUNDLE_PASSPHRASE")
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSPHRASE}\n"))
    assert main(["--db", str(db), "backup", "--to", str(tmp_path / "b.db"), "--passphrase-stdin"]) == 0
    assert "加密" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("不是这个口令-2024\n"))
    assert main(["--db", str(db), "restore", str(tmp_path / "b.db"), "--passphrase-stdin"]) == 1
    err = capsys.readouterr().err
    assert "口令不对" in err and "Traceback" not in err
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSPHRASE}\n"))
    assert main(["--db", str(db), "restore", str(tmp_path / "b.db"), "--passphrase-stdin"]) == 0
    out = capsys.readouterr().out
    assert "逐表核对一致" in out and "仍是加密的" in out and "另存为" in out


def test_the_hall_restore_still_works_beside_a_laptop(tmp_path: Path) -> None:
    db = tmp_path / "hall.db"
    hall = services_for(sqlite_url(db), "王大厅", CLOCK)
    register(hall, "甲", 11)
    hall.engine.dispose()
    backup(db, tmp_path / "b.db")
    assert not cipher.key_path(tmp_path / "b.db").exists()
    restore(tmp_path / "b.db", db, opener=open_registry)
    assert sqlite3.connect(db).execute("SELECT count(*) FROM person").fetchone() == (1,)


def test_the_passphrase_typed_for_the_backup_is_tried_on_the_registry_before_asking_again(laptop, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _hall_url, laptop_url, _saved = laptop
    db = _path(laptop_url)
    backup(db, tmp_path / "b.db")
    monkeypatch.delenv("YIBAO_BUNDLE_PASSPHRASE")
    asked: list[Path] = []

    def prompt(path: Path, _problem: str | None) -> str:
        asked.append(path)
        return PASSPHRASE

    monkeypatch.setattr(cipher, "_source", prompt)
    monkeypatch.setattr(cipher, "_asked", {})
    monkeypatch.setattr(cipher, "_refused", {})
    restore(tmp_path / "b.db", db, opener=open_registry)
    assert [p.name for p in asked] == ["b.db"]  # once, for the backup: the registry took the same one
