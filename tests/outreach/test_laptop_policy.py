"""An outreach laptop finds the policy ``outreach open`` saved next to it: no ``--policy PATH``."""

from __future__ import annotations

from argparse import Namespace
from datetime import date
from pathlib import Path

import pytest

from tests.outreach.helpers import Clock, local_noon, register, services_for
from tests.signin import PIN, cli
from yibao.cli._common import policy_id as cli_policy_id
from yibao.cli.main import main
from yibao.config import outreach_policy, resolve_policy
from yibao.db import sqlite_url


@pytest.fixture
def laptop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path / "data"))  # desk.json of this test only
    monkeypatch.delenv("YIBAO_POLICY", raising=False)
    monkeypatch.setenv("YIBAO_BUNDLE_PASSPHRASE", "富水镇-外出-2024")
    hall_db, laptop_db = tmp_path / "hall" / "hall.db", tmp_path / "trip" / "fushui.db"
    hall_db.parent.mkdir()
    laptop_db.parent.mkdir()
    hall = services_for(sqlite_url(hall_db), "王大厅", Clock(local_noon(date(2024, 10, 8))))
    register(hall, "甲", 11)
    hall.engine.dispose()
    bundle = tmp_path / "fushui.yibao"
    assert cli(monkeypatch, "--db", str(hall_db), "--policy", "shangnan-2025", "--clerk", "王大厅",
               "outreach", "export", "--town", "富水镇", "--to", str(bundle)) == 0
    code = capsys.readouterr().out.split("设备登记码：", 1)[1].split()[0]
    assert main(["--db", str(laptop_db), "outreach", "open", str(bundle), "--code", code]) == 0
    out = capsys.readouterr().out
    assert "无需再写 --policy" in out and "--policy" not in out.split("打开窗口：", 1)[1].splitlines()[0]
    return sqlite_url(hall_db), sqlite_url(laptop_db), laptop_db.parent / "shangnan-2025.toml"


def test_the_laptop_registry_names_its_policy_file(laptop) -> None:  # type: ignore[no-untyped-def]
    hall_url, laptop_url, saved = laptop
    assert saved.is_file()
    assert outreach_policy(laptop_url) == str(saved)
    assert outreach_policy(hall_url) is None  # a hall registry has no outreach origin
    # Order: --policy, then YIBAO_POLICY, then the laptop's file, then the remembered choice.
    assert resolve_policy(laptop_url) == str(saved)
    assert resolve_policy(laptop_url, remembered="meishan-2024") == str(saved)
    assert resolve_policy(laptop_url, explicit="jincheng-2024") == "jincheng-2024"
    assert resolve_policy(hall_url, remembered="meishan-2024") == "meishan-2024"
    assert resolve_policy(hall_url) is None
    # The CLI's resolution uses it: no --policy needed on the laptop.
    assert cli_policy_id(Namespace(policy=None), laptop_url) == str(saved)


def test_env_policy_wins_over_the_laptop_file(laptop, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    _hall_url, laptop_url, _saved = laptop
    monkeypatch.setenv("YIBAO_POLICY", "shanyin-2025")
    assert resolve_policy(laptop_url) == "shanyin-2025"


def test_the_desk_opens_with_the_resolved_policy(laptop) -> None:  # type: ignore[no-untyped-def]
    from yibao.services import Services

    _hall_url, laptop_url, _saved = laptop
    services = Services.open(url=laptop_url, policy_id=resolve_policy(laptop_url), clerk_name="王大厅",
                             password=PIN)  # a hall clerk, signing in on the laptop
    try:
        assert services.policy.id == "shangnan-2025"
        assert services.device.prefix != ""  # the laptop's own device, from the bundle
    finally:
        services.engine.dispose()


def test_a_deleted_policy_file_falls_back_to_asking(laptop) -> None:  # type: ignore[no-untyped-def]
    _hall_url, laptop_url, saved = laptop
    saved.unlink()
    assert outreach_policy(laptop_url) is None
    assert resolve_policy(laptop_url) is None


def test_no_registry_is_created_or_reached(tmp_path: Path) -> None:
    missing = tmp_path / "nothing.db"
    assert outreach_policy(sqlite_url(missing)) is None
    assert not missing.exists()
    assert outreach_policy("postgresql+psycopg://nobody@127.0.0.1:1/none") is None
    assert outreach_policy("sqlite://") is None
