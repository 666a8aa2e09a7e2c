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


class _Prompt:
    """The terminal prompt for the passphrase, answering from a list and noting each ask."""

    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.asked: list[str | None] = []

    def __call__(self, _db: Path, problem: str | None) -> str | None:
        self.asked.append(problem)
        return self.answers.pop(0) if self.answers else None


def _desk_args(url: str):  # type: ignore[no-untyped-def]
    from argparse import Namespace

    return Namespace(db=url, policy=None, clerk=None, printer=None, demo=False)


def test_a_wrong_passphrase_at_the_desk_is_said_once_asked_once_more_then_the_desk_exits(laptop, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from tui.launch import build_app
    from yibao import cipher

    _hall_url, laptop_url, _saved = laptop
    monkeypatch.delenv("YIBAO_BUNDLE_PASSPHRASE")
    prompt = _Prompt("错的口令-1", "错的口令-2", "错的口令-3", "错的口令-4")
    monkeypatch.setattr(cipher, "_source", prompt)
    monkeypatch.setattr(cipher, "_refused", {})
    capsys.readouterr()
    assert build_app(_desk_args(laptop_url)) is None  # exits cleanly: no desk, no traceback
    # Asked twice in all (the start-up reads the registry three times): the second time
    # after one clear message; then one closing message.
    assert prompt.asked == [None, "外出登记库口令不对，请再输入一次。"]
    err = capsys.readouterr().err
    assert err.count("口令不对") == 1 and "已输入 2 次" in err and "无法打开窗口" in err
    with pytest.raises(RegistryError, match="已输入 2 次"):  # any later look in this process: no new prompt
        open_registry(laptop_url, create=False)
    assert len(prompt.asked) == 2


def test_a_mistyped_passphrase_then_the_right_one_opens_it_and_is_not_asked_again(laptop, monkeypatch) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from yibao import cipher
    from yibao.config import outreach_policy

    _hall_url, laptop_url, saved = laptop
    monkeypatch.delenv("YIBAO_BUNDLE_PASSPHRASE")
    prompt = _Prompt("错的口令-1", PASSPHRASE)
    monkeypatch.setattr(cipher, "_source", prompt)
    monkeypatch.setattr(cipher, "_refused", {})
    monkeypatch.setattr(cipher, "_asked", {})
    assert outreach_policy(laptop_url) == str(saved)
    open_registry(laptop_url, create=False).dispose()
    assert prompt.asked == [None, "外出登记库口令不对，请再输入一次。"]


def test_signing_in_on_the_laptop_is_not_a_refused_clerk_row_in_the_import_report(laptop) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    """The laptop's clerk row changes at every sign-in there (when, failures counted): no
    change to the hall's clerk, so the report neither refuses it nor adopts it."""
    from datetime import timedelta

    from yibao.auth import SignInRefused
    from yibao.models import Clerk
    from yibao.outreach.sync import export_sync, import_sync
    from yibao.services import Services

    hall_url, laptop_url, saved = laptop
    hall_clock = Clock(local_noon(date(2024, 10, 8)))
    trip_clock = Clock(hall_clock() + timedelta(days=1, hours=2))  # out in the village, the next day
    with pytest.raises(SignInRefused):  # one mistyped PIN first: a failure counted on the laptop
        Services.open(url=laptop_url, policy_id=str(saved), clerk_name="王大厅", password="135790", clock=trip_clock)
    team = Services.open(url=laptop_url, policy_id=str(saved), clerk_name="王大厅", password=PIN, clock=trip_clock)
    hall = services_for(hall_url, "王大厅", hall_clock)
    try:
        with Session(hall.engine) as session:
            before = session.exec(select(Clerk).where(Clerk.name == "王大厅")).one().model_dump()
        back = _path(laptop_url).with_name("back.yibao")
        sent = export_sync(team.engine, to=back, actor=team.actor, now=trip_clock(), passphrase=PASSPHRASE)
        report = import_sync(hall.engine, sent.path, actor=hall.actor, now=trip_clock(), passphrase=PASSPHRASE)
        text = report.render()
        assert "拒收 0 条" in text and "经办人员" not in text, text
        assert report.refused == []
        with Session(hall.engine) as session:
            assert session.exec(select(Clerk).where(Clerk.name == "王大厅")).one().model_dump() == before
    finally:
        team.engine.dispose()
        hall.engine.dispose()


def test_sync_export_with_the_passphrase_on_stdin_unlocks_the_laptop_and_seals_the_bundle(laptop, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    # A walk: `yibao --db 外出登记库 sync export --to 回传 --passphrase-stdin` with the
    # passphrase on standard input was refused (“是加密的外出登记库，须输入……口令才能打开”):
    # the registry was opened before the line was read, so only YIBAO_BUNDLE_PASSPHRASE
    # worked. The one line now unlocks the registry and seals the bundle.
    import io

    from yibao.cli.main import main
    from yibao.outreach.sync import import_sync

    hall_url, laptop_url, _saved = laptop
    monkeypatch.delenv("YIBAO_BUNDLE_PASSPHRASE")
    back = _path(laptop_url).with_name("back.yibao")
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{PASSPHRASE}\n"))
    status = main(["--db", str(_path(laptop_url)), "sync", "export", "--to", str(back), "--passphrase-stdin"])
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "已导出回传数据包" in out and back.is_file()
    clock = Clock(local_noon(date(2024, 10, 8)))
    hall = services_for(hall_url, "王大厅", clock)
    try:
        import_sync(hall.engine, back, actor=hall.actor, now=clock(), passphrase=PASSPHRASE)  # the hall opens it
    finally:
        hall.engine.dispose()
    # A wrong line is refused in Chinese and writes no bundle.
    back.unlink()
    monkeypatch.setattr("sys.stdin", io.StringIO("不是这个口令-2024\n"))
    assert main(["--db", str(_path(laptop_url)), "sync", "export", "--to", str(back), "--passphrase-stdin"]) == 1
    err = capsys.readouterr().err
    assert "口令不对" in err and "Traceback" not in err and not back.exists()
