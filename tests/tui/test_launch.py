"""``yibao`` with no sub-command: registry, policy and clerk from the arguments, the
remembered choice, or the first-run setup screen; ``--demo`` on a throw-away registry."""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.outreach.test_laptop_policy import laptop  # noqa: F401  (fixture)
from tests.tui.conftest import SIZE, settle
from tui.launch import build_app as _build_app
from tui.screens.home import HomeScreen
from tui.screens.setup import SetupScreen


def build_app(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The desk at 2024-10-15 10:00 (Asia/Shanghai): inside the bundled files' years."""
    return _build_app(args, clock=lambda: datetime(2024, 10, 15, 2, 0, tzinfo=UTC))


def _args(**kwargs) -> argparse.Namespace:  # type: ignore[no-untyped-def]
    values = {"db": None, "policy": None, "clerk": None, "demo": False}
    values.update(kwargs)
    return argparse.Namespace(**values)


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path / "data"))
    for name in ("YIBAO_DATABASE_URL", "YIBAO_POLICY", "YIBAO_CLERK", "YIBAO_DEVICE_ID"):
        monkeypatch.delenv(name, raising=False)


async def test_first_run_asks_then_remembers(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite3"
    app = build_app(_args(db=str(db)))
    assert app is not None and app.services is None
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, SetupScreen)
        await pilot.press("f2")  # nothing opens before setup
        assert isinstance(app.screen, SetupScreen)
        select = app.screen.query_one("#setup-policy")
        select.value = "shangnan-2025"
        app.screen.query_one("#setup-clerk").focus()
        await pilot.press(*"刘芳", "ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        assert (app.info.jurisdiction, app.info.benefit_year, app.info.clerk) == ("商南县", 2025, "刘芳")
    again = build_app(_args(db=str(db)))  # the registry's choice is remembered
    assert again is not None and again.services is not None
    assert again.services.policy.id == "shangnan-2025" and again.services.clerk.name == "刘芳"
    from yibao.config import registry_policy

    assert registry_policy(again.services.engine) == "shangnan-2025"  # kept in the registry
    (entry,) = [e for e in again.services.audit.history(entity="registry_setting")]
    assert entry.action == "registry.policy" and entry.clerk_name == "刘芳"
    desk = (tmp_path / "data" / "desk.json").read_text(encoding="utf-8")
    assert "shangnan" not in desk and "刘芳" in desk  # desk.json: the last clerk only


def test_the_policy_comes_from_the_registry_not_the_user_account(tmp_path: Path) -> None:
    db = tmp_path / "hall.sqlite3"
    first = build_app(_args(db=str(db), policy="meishan-2024", clerk="赵六"))  # first run: recorded
    assert first is not None
    first.services.engine.dispose()
    (tmp_path / "data" / "desk.json").unlink()  # another clerk's account: nothing remembered
    other = build_app(_args(db=str(db), clerk="钱七"))
    assert other is not None and other.services is not None
    assert other.services.policy.id == "meishan-2024"
    other.services.engine.dispose()
    (tmp_path / "data" / "desk.json").unlink()
    asked = build_app(_args(db=str(db)))  # clerk unknown: setup, the registry's policy chosen
    assert asked is not None and asked.services is None
    assert asked._setup_defaults["policy_id"] == "meishan-2024"


def test_a_different_policy_given_is_used_once_with_a_warning(tmp_path: Path) -> None:
    from yibao.config import registry_policy

    db = tmp_path / "hall.sqlite3"
    assert build_app(_args(db=str(db), policy="meishan-2024", clerk="赵六")) is not None
    app = build_app(_args(db=str(db), policy="jincheng-2024", clerk="赵六"))
    assert app is not None and app.services.policy.id == "jincheng-2024"
    assert "meishan-2024" in app.status[0] and app.status[1] == "warning"
    assert registry_policy(app.services.engine) == "meishan-2024"  # not changed by --policy


async def test_setup_on_an_outreach_laptop_offers_its_policy_file(laptop) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from yibao.config import registry_policy

    _hall_url, laptop_url, saved = laptop
    app = build_app(_args(db=laptop_url))  # policy resolved to the laptop's file; clerk unknown
    assert app is not None and app.services is None
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, SetupScreen)
        select = app.screen.query_one("#setup-policy")
        assert select.value == str(saved)
        app.screen.query_one("#setup-clerk").focus()
        await pilot.press(*"李明", "ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.services.policy.id == "shangnan-2025"
        assert registry_policy(app.services.engine) == str(saved)


def test_arguments_choose_policy_and_clerk(tmp_path: Path) -> None:
    app = build_app(_args(db=str(tmp_path / "r.sqlite3"), policy="meishan-2024", clerk="赵六"))
    assert app is not None
    assert app.services.policy.jurisdiction == "眉山市" and app.services.clerk.name == "赵六"


def test_unknown_policy_is_a_chinese_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert build_app(_args(db=str(tmp_path / "r.sqlite3"), policy="nowhere-2025", clerk="赵六")) is None
    assert "找不到政策" in capsys.readouterr().err


async def test_demo_opens_on_a_filled_registry_inside_the_collection_period(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the throw-away registry goes here
    app = build_app(_args(demo=True))
    assert app is not None and list(tmp_path.glob("yibao-demo-*/demo.sqlite3"))
    today = app.services.today()
    window = app.services.policy.periods.centralized
    assert window.start <= today <= window.end
    assert app.services.lookup.search("zh", limit=5)
    async with app.run_test(size=SIZE) as pilot:
        assert "演示登记库" in app.status[0]
        await pilot.press("f6", *"zh")
        await settle(app, pilot)
        assert app.screen.query_one("#lookup-results").row_count > 0
