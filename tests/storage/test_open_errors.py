"""Files a clerk may point the program at by mistake: a Chinese message, never a traceback,
and nothing created."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from yibao.cli.main import main
from yibao.db import RegistryError, open_registry, sqlite_url
from yibao.export import neutralise


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err and "内部错误" not in out + err
    return code, out + err


def test_a_db_path_that_does_not_exist_is_not_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    typo = tmp_path / "hal.db"
    code, text = _run(capsys, "--db", str(typo), "lookup", "张三")
    assert code != 0 and "登记库文件不存在" in text and "init" in text
    code, text = _run(capsys, "--db", str(typo), "--clerk", "王芳", "dayclose", "sheet")
    assert code != 0 and "登记库文件不存在" in text
    assert not typo.exists()


def test_a_file_that_is_not_a_registry(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "notes.db"
    junk.write_text("这不是数据库" * 50, encoding="utf-8")
    with pytest.raises(RegistryError, match="不是医保终端的登记库文件"):
        open_registry(sqlite_url(junk))
    code, text = _run(capsys, "--db", str(junk), "lookup", "张三")
    assert code != 0 and "不是医保终端的登记库文件" in text


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write a read-only file")
def test_a_read_only_registry(tmp_path: Path) -> None:
    db = tmp_path / "ro.db"
    open_registry(sqlite_url(db)).dispose()
    db.chmod(0o400)
    with pytest.raises(RegistryError, match="只读"):
        open_registry(sqlite_url(db))


def test_a_read_only_registry_refused_even_for_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "ro.db"
    open_registry(sqlite_url(db)).dispose()
    monkeypatch.setattr(os, "access", lambda path, mode: mode != os.W_OK)
    with pytest.raises(RegistryError, match="只读"):
        open_registry(sqlite_url(db))


def test_check_on_a_missing_path_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, text = _run(capsys, "check", str(tmp_path / "nowhere.yaml"))
    assert code == 2 and "找不到场景文件" in text and "0 passed" not in text


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
        ("+1+2", "'+1+2"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("张三", "张三"),
        ("\t611023198001020011", "\t611023198001020011"),  # the full-ID text trick stays
        (40000, 40000),
    ],
)
def test_export_cells_are_neutralised_by_owasps_rule(cell: object, shown: object) -> None:
    assert neutralise(cell) == shown


def test_a_registry_being_restored_is_neither_created_nor_written(tmp_path: Path) -> None:
    """The first-run setup (and ``init``) creates the registry file: it takes the registry's
    lock before it creates or writes anything, so a restore holding it leaves no empty file."""
    from yibao.outreach.lock import exclusive

    path = tmp_path / "hall.db"
    with exclusive(path):  # a restore is under way
        with pytest.raises(RegistryError, match="正在恢复备份或生成演示库"):
            open_registry(sqlite_url(path))
        assert not path.exists()
    engine = open_registry(sqlite_url(path))  # once it is done the setup goes ahead
    engine.dispose()
    assert path.is_file() and path.stat().st_mode & 0o777 == 0o600
