"""A laptop registry made by ``outreach open`` is SQLCipher-encrypted at rest (issue 11, 5)."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.outreach.helpers import PASSPHRASE, Clock, local_noon, services_for
from tests.outreach.test_laptop_policy import laptop  # noqa: F401  (fixture)
from tests.signin import PIN
from yibao.db import RegistryError, open_registry
from yibao.models import Person


def _path(url: str) -> Path:
    return Path(url.removeprefix("sqlite:///"))


def test_plain_sqlite_cannot_read_the_laptop_registry(laptop) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _hall_url, laptop_url, _saved = laptop
    path = _path(laptop_url)
    assert path.with_name(path.name + ".key").stat().st_mode & 0o777 == 0o600
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        sqlite3.connect(path).execute("SELECT count(*) FROM person").fetchall()
    assert b"\xe7\x94\xb2" not in path.read_bytes()  # the name 甲 (UTF-8) appears nowhere in the file


def test_the_right_passphrase_opens_it_a_wrong_one_or_none_is_refused_in_chinese(laptop, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    _hall_url, laptop_url, _saved = laptop
    monkeypatch.delenv("YIBAO_BUNDLE_PASSPHRASE")
    with pytest.raises(RegistryError, match="加密的外出登记库"):
        open_registry(laptop_url, create=False)
    with pytest.raises(RegistryError, match="口令不对"):
        open_registry(laptop_url, create=False, secret="不是这个口令-2024")
    engine = open_registry(laptop_url, create=False, secret=PASSPHRASE)
    try:
        with Session(engine) as session:
            assert [p.name for p in session.exec(select(Person))] == ["甲"]  # the one person exported
    finally:
        engine.dispose()


def test_a_clerk_signs_in_and_the_sync_bundle_comes_back_to_the_hall(laptop) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from yibao.outreach.sync import export_sync, import_sync
    from yibao.services import Services

    hall_url, laptop_url, saved = laptop
    clock = Clock(local_noon(date(2024, 10, 8)))
    team = Services.open(url=laptop_url, policy_id=str(saved), clerk_name="王大厅", password=PIN, clock=clock)
    hall = services_for(hall_url, "王大厅", clock)
    try:
        (person,) = [p for p in team.lookup.search("甲")]
        team.persons.update(person.person_id, phone="13900000001")
        back = _path(laptop_url).with_name("back.yibao")
        sent = export_sync(team.engine, to=back, actor=team.actor, now=clock(), passphrase=PASSPHRASE)
        report = import_sync(hall.engine, sent.path, actor=hall.actor, now=clock(), passphrase=PASSPHRASE)
        assert len(report.proposed) == 1  # the phone, as a change request for a 审核
    finally:
        team.engine.dispose()
        hall.engine.dispose()


def test_a_backup_of_the_laptop_is_encrypted_too(laptop, tmp_path) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """Restoring it: tests/outreach/test_laptop_restore.py."""
    from yibao import cipher
    from yibao.outreach.backup import backup

    _hall_url, laptop_url, _saved = laptop
    target = tmp_path / "stick" / "fushui-backup.db"
    target.parent.mkdir()
    report = backup(laptop_url, target)
    assert report.counts["person"] == 1
    with pytest.raises(sqlite3.DatabaseError, match="file is not a database"):
        sqlite3.connect(target).execute("SELECT count(*) FROM person").fetchall()
    key = cipher.unlock(target, PASSPHRASE)  # the key file went with it, unlocked by the same passphrase
    con = cipher.connect(target, key)
    assert con.execute("SELECT name FROM person").fetchall() == [("甲",)]
    con.close()
