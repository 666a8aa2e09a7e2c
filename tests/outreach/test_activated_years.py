"""A bundle exported at 2026-12-01 from a hall where 2027 is activated carries the 2027 file
and the 2026/2027 rows, and the laptop desk takes 2027 payments (through the CLI, as the
office does it; the clock fixed for the commands)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
import time_machine

from tests.notice import fill_notice
from tests.outreach.helpers import count, register
from tests.signin import cli, signed_in
from yibao.cli.main import main
from yibao.config import ensure_device
from yibao.db import open_registry, sqlite_url
from yibao.policy import load_policy
from yibao.policy.authoring import confirm, make_draft
from yibao.resources import policies_dir
from yibao.services import Services

NOW = datetime(2026, 12, 1, 4, 0, tzinfo=UTC)  # 12:00 in Asia/Shanghai: 2027's centralized period


def _desk(url: str, policy: str, clerk: str) -> Services:
    engine = open_registry(url)
    device = ensure_device(engine, now=NOW)
    services = Services(engine, load_policy(policy), signed_in(engine, device, clerk, now=NOW), device, lambda: NOW)
    services.coverage = services.years.settle()
    return services


def test_the_bundle_carries_2027_and_the_laptop_takes_2027_payments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("YIBAO_POLICY", raising=False)
    monkeypatch.setenv("YIBAO_BUNDLE_PASSPHRASE", "富水镇-外出-2026")
    hall_db, laptop_db = tmp_path / "hall" / "hall.db", tmp_path / "trip" / "fushui.db"
    hall_db.parent.mkdir()
    laptop_db.parent.mkdir()
    draft = tmp_path / "shangnan-2027.toml"
    with time_machine.travel(NOW, tick=False):
        assert cli(monkeypatch, "--db", str(hall_db), "init", "--policy", "shangnan-2025", "--clerk", "王大厅") == 0
        text = fill_notice(make_draft(policies_dir() / "shangnan-2025.toml", year=2027),
                           number="商南政办发〔2026〕1号", day="2026-09-20")
        draft.write_text(text, encoding="utf-8")
        draft.write_text(confirm(draft, everything=True).text, encoding="utf-8")  # the office's act
        assert cli(monkeypatch, "--db", str(hall_db), "clerk", "add", "李审核", "--role", "审核") == 0
        assert cli(monkeypatch, "--db", str(hall_db), "--clerk", "李审核", "policy", "activate", str(draft)) == 0

    hall = _desk(sqlite_url(hall_db), "shangnan-2025", "王大厅")
    assert hall.benefit_year == 2027
    paid = register(hall, "甲", 11)
    unpaid = register(hall, "乙", 12)
    # 一(三), carried into 2027 and confirmed: 每人每年400元 = 40000 fen.
    assert hall.enrolment.enrol_and_pay(paid.id, channel="cash", received_fen=40000).payment.amount_fen == 40000
    hall.engine.dispose()

    bundle = tmp_path / "fushui.yibao"
    with time_machine.travel(NOW, tick=False):
        assert cli(monkeypatch, "--db", str(hall_db), "--clerk", "王大厅",
                   "outreach", "export", "--town", "富水镇", "--to", str(bundle)) == 0
        out = capsys.readouterr().out
        # the registry was set up with the 2025 file; the 2027 one activated here travels too
        assert "收缴 2027 年度（含 2026 年度）" in out and "本库已启用的各年度文件" in out
        code = out.split("设备登记码：", 1)[1].split()[0]
        assert main(["--db", str(laptop_db), "outreach", "open", str(bundle), "--code", code]) == 0
    capsys.readouterr()

    laptop_url = sqlite_url(laptop_db)
    laptop = _desk(laptop_url, str(laptop_db.parent / "shangnan-2025.toml"), "李外出")
    assert count(laptop.engine, "policy_file", policy_id="shangnan-2027") == 1
    assert laptop.benefit_year == 2027 and not laptop.policy.is_draft
    assert count(laptop.engine, "payment", benefit_year=2027) == 1  # 甲's, from the hall
    receipt = laptop.enrolment.enrol_and_pay(unpaid.id, channel="cash", received_fen=50000)
    # 400 元 due for 2027, 500 handed over: 找零 100 元.
    assert receipt.payment.benefit_year == 2027 and receipt.payment.amount_fen == 40000
    assert receipt.change_fen == 10000
    laptop.engine.dispose()
