"""``yibao policy list`` marks each file 当前 / 已过 / 草稿·未确认: after a 2027 file is
activated in the registry, and for the draft being written (``--policy FILE``)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.services.test_years import _confirm_all, _draft
from yibao.config import ensure_clerk, ensure_device
from yibao.models import Role
from yibao.policy import load_policy
from yibao.services import Services


def _marks(out: str) -> dict[str, str]:
    return {line.split()[0]: line.split()[-1] for line in out.splitlines()[2:] if line.strip()}


def test_marks_after_activation_and_for_a_draft(
    registry_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from yibao.cli.main import main
    from yibao.db import open_registry

    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path / "data"))
    moment = datetime(2026, 12, 2, 2, tzinfo=UTC)
    engine = open_registry(registry_url)
    try:
        device = ensure_device(engine)
        boss = ensure_clerk(engine, name="李主任", device=device, role=Role.SUPERVISOR, now=moment)
        target = _draft(tmp_path, "shangnan-2025", 2027)
        _confirm_all(target, number="商南政办发〔2026〕1号", day="2026-09-20")
        Services(engine, load_policy("shangnan-2025"), boss, device, lambda: moment).years.activate(target)
    finally:
        engine.dispose()
    # 2026-12-02: 商南 2027 collects (centralized 2026-09-01..12-20, 四 moved two years);
    # 2025's benefit period ended on 2025-12-31.
    assert main(["--db", registry_url, "policy", "list", "--on", "2026-12-02"]) == 0
    marks = _marks(capsys.readouterr().out)
    assert marks["shangnan-2027"] == "当前" and marks["shangnan-2025"] == "已过"
    (tmp_path / "draft").mkdir()
    draft = _draft(tmp_path / "draft", "shanyin-2025", 2027)
    assert main(["--policy", str(draft), "policy", "list", "--on", "2026-12-02"]) == 0
    assert _marks(capsys.readouterr().out)["shanyin-2027"] == "草稿·未确认"
