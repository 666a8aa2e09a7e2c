"""``yibao import enrolments`` follows the registry's chain of years: a registry set up with
商南 2025 that activated 2027 (collected from 2026-09) may load the 2026 payer list it never
collected itself, and refuses the 2027 list, which it collects."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.ids import id_number
from tests.services.test_years import _confirm_all, _draft
from tests.signin import feed_password, signed_in
from yibao.config import ensure_clerk, ensure_device
from yibao.models import Role
from yibao.policy import load_policy
from yibao.services import Services
from yibao.timezone import LOCAL_TZ

HEADER = "身份证号码,姓名,年度,参保类别,缴费日期,缴费金额"
NEW = id_number(date(1980, 7, 8), 45)


def test_a_year_before_the_collected_one_imports(
    registry_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from yibao.cli.main import main
    from yibao.db import open_registry

    moment = datetime(2026, 12, 2, 10, tzinfo=LOCAL_TZ).astimezone(UTC)
    monkeypatch.setattr("yibao.models.utcnow", lambda: moment)
    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path / "data"))
    engine = open_registry(registry_url)
    try:
        device = ensure_device(engine)
        signed_in(engine, device, "导入员")
        boss = ensure_clerk(engine, name="李主任", device=device, role=Role.SUPERVISOR, now=moment)
        target = _draft(tmp_path, "shangnan-2025", 2027)
        _confirm_all(target, number="商南政办发〔2026〕1号", day="2026-09-20")
        Services(engine, load_policy("shangnan-2025"), boss, device, lambda: moment).years.activate(target)
    finally:
        engine.dispose()
    feed_password(monkeypatch, times=20)
    argv = ["--password-stdin", "--db", registry_url, "--clerk", "导入员", "--policy", "shangnan-2025",
            "import", "enrolments"]
    # 2026: 商南 2027 collects from 2026-09-01 (四, moved two years); 2026 has no file here.
    y2026 = tmp_path / "2026.csv"
    y2026.write_text(f"{HEADER}\n{NEW},赵六,2026,普通居民,2025-10-15,400\n", encoding="utf-8")
    assert main([*argv, str(y2026), "--year", "2026"]) == 0
    assert "新增2026年度参保缴费记录 1 条" in capsys.readouterr().out
    y2027 = tmp_path / "2027.csv"
    y2027.write_text(f"{HEADER}\n{NEW},赵六,2027,普通居民,2026-10-15,400\n", encoding="utf-8")
    assert main([*argv, str(y2027), "--year", "2027"]) == 1
    assert "正在办理 2027 年度" in capsys.readouterr().err
