"""The commands as a clerk types them: Chinese messages, exit status, no traceback."""

from __future__ import annotations

import io
import sys
from datetime import date
from pathlib import Path

import pytest

from tests.outreach.helpers import (
    PASSPHRASE,
    Clock,
    export_and_open,
    local_noon,
    pay_cash,
    register,
    services_for,
)
from tests.signin import PIN, signed_in
from yibao.cli.main import main


def _clerk(db: str, name: str, role: str = "clerk") -> None:
    """A clerk with ``PIN`` (in real use a 管理 adds them with yibao clerk add)."""
    from yibao.config import ensure_device
    from yibao.db import open_registry, resolve_url

    engine = open_registry(resolve_url(db))
    signed_in(engine, ensure_device(engine), name, role=role)
    engine.dispose()


@pytest.fixture(autouse=True)
def _passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIBAO_BUNDLE_PASSPHRASE", PASSPHRASE)


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    stdin = sys.stdin
    sys.stdin = io.StringIO(f"{PIN}\n" * 5)  # commands that write sign in (--password-stdin)
    try:
        code = main(["--password-stdin", *argv])
    finally:
        sys.stdin = stdin
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def _registry(path: Path) -> str:
    from yibao.db import open_registry

    open_registry(f"sqlite:///{path}").dispose()  # as `yibao init` would
    return str(path)


def test_backup_and_restore_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "hall.db")
    _clerk(db, "王大厅")
    code, out, _ = _run(capsys, "--db", db, "--clerk", "王大厅", "dayclose", "pending")
    assert code == 0 and "没有未日结" in out
    code, out, _ = _run(capsys, "--db", db, "backup", "--to", str(tmp_path / "b.db"))
    assert code == 0 and "完整性检查通过" in out
    code, out, _ = _run(capsys, "--db", db, "restore", str(tmp_path / "b.db"))
    assert code == 0 and "逐表核对一致" in out and "另存为" in out
    (tmp_path / "junk.db").write_bytes(b"not a database at all" * 100)
    code, _, err = _run(capsys, "--db", db, "restore", str(tmp_path / "junk.db"))
    assert code == 1 and "不是医保终端的备份文件" in err


def test_sync_commands_refuse_bad_files_in_chinese(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "hall.db")
    _clerk(db, "王大厅")
    bad = tmp_path / "back.yibao"
    bad.write_bytes(b"PK\x03\x04 truncated")
    code, _, err = _run(capsys, "--db", db, "--clerk", "王大厅", "sync", "import", str(bad))
    assert code == 1 and "已损坏或不完整" in err and "未导入任何内容" in err
    code, _, err = _run(capsys, "--db", db, "sync", "export", "--to", str(tmp_path / "x.yibao"))
    assert code == 1 and "不是外出登记设备" in err
    code, _, err = _run(capsys, "--db", db, "sync", "import", str(bad))
    assert code == 1 and "经办人员姓名" in err
    code, _, err = _run(capsys, "--db", str(tmp_path / "laptop.db"), "outreach", "open", str(tmp_path / "none.yibao"))
    assert code == 1 and "找不到数据包文件" in err
    code, out, _ = _run(capsys, "--db", db, "sync", "conflicts")
    assert code == 0 and "没有待处理" in out


def test_outreach_export_needs_a_policy(tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YIBAO_POLICY", raising=False)
    _clerk(str(tmp_path / "hall.db"), "王大厅")
    code, _, err = _run(capsys, "--db", str(tmp_path / "hall.db"), "--clerk", "王大厅", "outreach", "export",
                        "--town", "富水镇", "--to", str(tmp_path / "o.yibao"))
    assert code == 1 and "--policy" in err and "shangnan-2025" in err  # names the choices
    assert not (tmp_path / "o.yibao").exists()


def test_outreach_export_uses_the_policy_the_registry_serves(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # `yibao init` promises that --policy and --clerk need not be typed again on this registry.
    monkeypatch.delenv("YIBAO_POLICY", raising=False)
    monkeypatch.delenv("YIBAO_CLERK", raising=False)
    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path / "data"))
    db = str(tmp_path / "hall.db")
    code, _, err = _run(capsys, "--db", db, "--policy", "shangnan-2025", "--clerk", "王大厅", "init")
    assert code == 0, err
    code, _, err = _run(capsys, "--db", db, "demo", "--persons", "200")  # demo addresses name towns
    assert code == 0, err
    code, out, err = _run(capsys, "--db", db, "outreach", "export", "--town", "富水镇",
                          "--to", str(tmp_path / "o.yibao"))
    assert code == 0, err
    assert "shangnan-2025" in out and (tmp_path / "o.yibao").is_file()


def test_trip_through_the_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clock = Clock(local_noon(date(2024, 10, 8)))
    hall_db, laptop_db = tmp_path / "hall.db", tmp_path / "laptop.db"
    hall = services_for(f"sqlite:///{hall_db}", "王大厅", clock)
    person = register(hall, "甲", 11)
    trip = export_and_open(hall, f"sqlite:///{laptop_db}", tmp_path, clock)
    pay_cash(trip.laptop, person.id)
    pay_cash(hall, person.id)
    hall.engine.dispose()
    trip.laptop.engine.dispose()

    code, out, _ = _run(capsys, "--db", str(laptop_db), "sync", "export", "--to", str(tmp_path / "back.yibao"))
    assert code == 0 and "已导出回传数据包" in out
    report = tmp_path / "report.txt"
    code, out, _ = _run(capsys, "--db", str(hall_db), "--clerk", "王大厅", "sync", "import",
                        str(tmp_path / "back.yibao"), "--report", str(report))
    assert code == 0 and "重复缴费" in out and report.read_text(encoding="utf-8").startswith("回传数据包")
    code, out, _ = _run(capsys, "--db", str(hall_db), "--clerk", "王大厅", "sync", "import", str(tmp_path / "back.yibao"))
    assert code == 0 and "此前已导入" in out
    code, out, _ = _run(capsys, "--db", str(hall_db), "sync", "conflicts")
    assert code == 0 and "共 1 项待处理" in out
    short = out.split("[", 1)[1][:8]
    code, _, err = _run(capsys, "--db", str(hall_db), "--clerk", "王大厅", "sync", "resolve", short,
                        "--how", "更正", "--note", "外出收据系误收")
    assert code == 1 and "只有审核人员" in err  # a 经办 is refused, in Chinese
    _clerk(str(hall_db), "赵审核", "supervisor")
    code, out, _ = _run(capsys, "--db", str(hall_db), "--clerk", "赵审核", "sync", "resolve", short,
                        "--how", "更正", "--note", "外出收据系误收，已当面退还现金并注明")
    assert code == 0 and "已处理" in out


def test_dayclose_commands(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = str(tmp_path / "hall.db")
    _clerk(db, "王大厅")
    code, _, err = _run(capsys, "--db", db, "--clerk", "王大厅", "dayclose", "void", "NOPE-00000001", "--reason", "错")
    assert code == 1 and "找不到收据号" in err
    code, out, _ = _run(capsys, "--db", db, "--clerk", "王大厅", "dayclose", "sheet")
    assert code == 0 and "未日结（草表）" in out
    code, out, _ = _run(capsys, "--db", db, "--clerk", "王大厅", "dayclose", "close", "--out", str(tmp_path / "s.txt"))
    assert code == 0 and "已日结" in (tmp_path / "s.txt").read_text(encoding="utf-8")
    code, _, err = _run(capsys, "--db", db, "--clerk", "王大厅", "dayclose", "reopen", "--of", "王大厅",
                        "--date", "2099-01-01", "--reason", "x")
    assert code == 1 and "只有审核人员" in err
    code, _, err = _run(capsys, "--db", db, "--clerk", "王大厅", "dayclose", "close", "--date", "1900-01-01")
    assert code == 1 and "早于" in err
    code, _, err = _run(capsys, "--db", db, "--clerk", "王大厅", "dayclose", "close", "--date", "2999-01-01")
    assert code == 1 and "还没到" in err
    with pytest.raises(SystemExit) as exit_info:
        main(["--db", db, "--clerk", "王大厅", "dayclose", "close", "--date", "30/09/2025"])
    assert exit_info.value.code == 2
    assert "2025-09-30" in capsys.readouterr().err
