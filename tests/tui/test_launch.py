"""``yibao`` with no sub-command: registry, policy and clerk from the arguments, the
remembered choice, or the first-run setup screen; ``--demo`` on a throw-away registry."""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import pytest

from tests.tui.conftest import SIZE, settle
from tui.launch import build_app
from tui.screens.home import HomeScreen
from tui.screens.setup import SetupScreen


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
