"""Issue 9's "done when", as a new user does it at 2026-12-01 (a fixed clock): ``yibao init``
on a fresh registry says the 2027 file is missing and how to make it; the desk will not
open on nothing; ``policy new`` writes the draft; the desk quotes it marked 草稿·未确认 and
writes nothing; ``policy check`` fails with 未确认 lines; the office types the notice in and
``policy confirm --all``; a 审核 clerk is added and activates it (a 管理 may not); the desk,
opened with no ``--policy``, says 2027 in its header before sign-in and takes a 2027 payment
in F2 to a receipt. Every step goes through the CLI and the desk as the clerk would."""

from __future__ import annotations

import argparse
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
import time_machine

from tests.notice import fill_notice
from tests.signin import PIN, cli
from tests.tui.conftest import SIZE, id_number, settle
from tui.launch import build_app
from tui.modals.confirm import ConfirmModal
from tui.widgets.decision import DecisionPanel
from tui.workflows.registration.screen import RegistrationScreen
from tui.workflows.signin import SignInScreen

# 2026-12-01 10:00 in Asia/Shanghai: 商南's 2027 centralized period (2026-09-01 to
# 2026-12-20, the 2025 file's 四 moved by two years) is running; no 2026 or 2027 notice held.
NOW = datetime(2026, 12, 1, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path / "data"))
    for name in ("YIBAO_DATABASE_URL", "YIBAO_POLICY", "YIBAO_CLERK", "YIBAO_DEVICE_ID"):
        monkeypatch.delenv(name, raising=False)


def _count(db: Path, table: str) -> int:
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as connection:
            return int(connection.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one())
    finally:
        engine.dispose()


def _desk(db: Path, policy: str | None = None):  # type: ignore[no-untyped-def]
    args = argparse.Namespace(db=str(db), policy=policy, clerk=None, demo=False)
    return build_app(args, clock=lambda: NOW)


async def _sign_in(app, pilot) -> None:  # type: ignore[no-untyped-def]
    assert isinstance(app.screen, SignInScreen)
    app.screen.query_one("#signin-password").focus()
    await pilot.press(*PIN, "enter")
    await settle(app, pilot)


async def _f2_new_person(app, pilot, number: str, name: str) -> None:  # type: ignore[no-untyped-def]
    await pilot.press("f2")
    await settle(app, pilot)
    assert isinstance(app.screen, RegistrationScreen)
    await pilot.press(*number)
    await settle(app, pilot)
    await pilot.press("tab", *name, "ctrl+s")
    await settle(app, pilot)


async def test_a_new_user_makes_2027_and_takes_a_payment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    db = tmp_path / "hall.sqlite3"
    draft = tmp_path / "shangnan-2027.toml"
    with time_machine.travel(NOW, tick=False):
        assert cli(monkeypatch, "--db", str(db), "init", "--policy", "shangnan-2025", "--clerk", "张三") == 0
        said = capsys.readouterr().out
    # 2026 (benefit 2026-01-01 to 2026-12-31) and 2027 (collecting) have no confirmed file.
    assert "缺 2026、2027 年度" in said
    assert f"yibao policy new shangnan --year 2027 --from shangnan-2025 --to {draft.name}" in said

    assert _desk(db) is None  # the desk does not open on a year it can only refuse
    assert "yibao policy new shangnan --year 2027" in capsys.readouterr().err

    assert cli(monkeypatch, "policy", "new", "shangnan", "--year", "2027", "--from", "shangnan-2025",
               "--to", str(draft)) == 0
    capsys.readouterr()

    # The draft is quoted in the desk, marked, and nothing is written.
    app = _desk(db, str(draft))
    async with app.run_test(size=SIZE) as pilot:
        assert app.info.benefit_year == 2027 and app.info.draft
        await _sign_in(app, pilot)
        await _f2_new_person(app, pilot, id_number(date(2005, 3, 9), 41), "王小明")
        panel = app.screen.query_one("#reg-quote", DecisionPanel)
        assert "试算（草稿·未确认，不能收费）" in panel.plain
        # 一(三) of the 2025 file, carried unconfirmed into the draft: 每人每年400元.
        assert "个人应缴 400.00 元" in panel.plain
        assert not app.screen.query_one("#reg-payment").display
    assert _count(db, "person") == 0 and _count(db, "enrolment") == 0

    with time_machine.travel(NOW, tick=False):
        assert cli(monkeypatch, "policy", "check", str(draft)) == 1
        listed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("未确认")]
        assert any("document.title" in line for line in listed) and all("未确认" in line for line in listed)
        # The office types the notice's number, date and title (test data), checks every entry.
        draft.write_text(fill_notice(draft.read_text(encoding="utf-8"), number="商南政办发〔2026〕1号",
                                     day="2026-09-20"), encoding="utf-8")
        assert cli(monkeypatch, "policy", "confirm", str(draft), "--all") == 0
        assert cli(monkeypatch, "policy", "check", str(draft)) == 0
        assert cli(monkeypatch, "--db", str(db), "clerk", "add", "李审核", "--role", "审核") == 0
        capsys.readouterr()
        # A 管理 may not activate a year's file; a 审核 does, once.
        assert cli(monkeypatch, "--db", str(db), "policy", "activate", str(draft)) == 1
        assert "审核人员" in capsys.readouterr().err
        assert _count(db, "policy_file") == 0
        assert cli(monkeypatch, "--db", str(db), "--clerk", "李审核", "policy", "activate", str(draft)) == 0
        assert "已启用 商南县 2027 年度政策 shangnan-2027" in capsys.readouterr().out
    assert _count(db, "policy_file") == 1

    # The desk, opened as the registry remembers it (shangnan-2025), collects for 2027.
    app = _desk(db)
    number = id_number(date(2005, 3, 9), 41)
    async with app.run_test(size=SIZE) as pilot:
        assert app.info.benefit_year == 2027 and not app.info.draft  # before anybody signs in
        await _sign_in(app, pilot)
        assert app.info.benefit_year == 2027
        await _f2_new_person(app, pilot, number, "王小明")
        await pilot.press(*"500", "ctrl+s")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")
        await settle(app, pilot)
        paid = app.screen.paid
        assert paid is not None and paid.saved.text.is_file() and paid.saved.pdf is not None
        receipt = paid.saved.text.read_text(encoding="utf-8")
    # 400 元 due, 500 handed over: 找零 100 元; the receipt names 2027 and the new notice.
    assert "参保年度：2027年度" in receipt and "找零：100.00 元" in receipt
    assert "依据：商南政办发〔2026〕1号" in receipt
