"""The commands exactly as the README writes them: global options after the sub-command,
a closed pipe, the sample department list."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.signin import cli

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "samples" / "民政救助对象名单-2024-09.csv"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for name in ("YIBAO_POLICY", "YIBAO_CLERK", "YIBAO_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path / "data"))
    return tmp_path / "data"


def test_init_accepts_global_options_after_the_sub_command(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status = cli(monkeypatch, "init", "--policy", "shangnan-2025", "--clerk", "张三")
    out, err = capsys.readouterr()
    assert status == 0, err
    assert "shangnan-2025" in out and "张三" in out
    assert (data_dir / "registry.sqlite3").exists()


def test_options_before_and_after_mix_and_the_later_one_wins(
    tmp_path: Path, data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(tmp_path / "hall.sqlite3")
    status = cli(monkeypatch, "--db", db, "init", "--policy", "meishan-2024", "--clerk", "李四")
    out, err = capsys.readouterr()
    assert status == 0, err and "meishan-2024" in out
    status = cli(monkeypatch, "--clerk", "王五", "--db", str(tmp_path / "other.sqlite3"), "lookup", "张", "--db", db)
    out, err = capsys.readouterr()
    assert status == 1 and "没有找到" in out  # the registry named after the sub-command was read


def test_nested_sub_command_takes_global_options(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert cli(monkeypatch, "init", "--policy", "shangnan-2025", "--clerk", "张三") == 0
    capsys.readouterr()
    status = cli(
        monkeypatch, "import", "identities", str(SAMPLE), "--dept", "民政", "--batch", "2024-09", "--clerk", "张三"
    )
    out, err = capsys.readouterr()
    assert status == 0, err
    # five rows in the sample, none of them in the fresh registry
    assert "读取 5 行" in out and "新增身份 5 条" in out and "新建人员 5 人" in out


def test_lookup_into_a_closed_pipe_is_quiet(
    tmp_path: Path, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = str(tmp_path / "demo.sqlite3")
    assert cli(monkeypatch, "--db", db, "init", "--policy", "shangnan-2025", "--clerk", "张三") == 0
    assert cli(monkeypatch, "--db", db, "--clerk", "张三", "demo", "--persons", "3000") == 0
    env = {**os.environ, "YIBAO_DATA_DIR": str(data_dir)}
    reader = subprocess.Popen(
        [sys.executable, "-m", "yibao.cli.main", "--db", db, "lookup", "z", "--limit", "500"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=ROOT,
    )
    assert reader.stdout is not None and reader.stderr is not None
    reader.stdout.read(10)  # `| head -c 10`: the reader goes away after the first bytes
    reader.stdout.close()
    err = reader.stderr.read().decode()
    reader.wait(timeout=60)
    assert "内部错误" not in err and "Traceback" not in err and "BrokenPipe" not in err
    assert reader.returncode == 0


def test_help_and_argument_errors_are_in_chinese(capsys: pytest.CaptureFixture[str]) -> None:
    """argparse's own words ("usage:", "show this help message and exit", "the following
    arguments are required") were English in every ``--help`` and every argument error."""
    from yibao.cli.main import main

    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert out.startswith("用法：yibao") and "显示本帮助并退出" in out
    assert "usage" not in out and "show this help" not in out and "options" not in out
    with pytest.raises(SystemExit) as exited:
        main(["clerk", "add"])
    err = capsys.readouterr().err
    assert exited.value.code == 2
    assert "缺少必填的参数" in err and "required" not in err


def test_init_help_says_the_clerk_becomes_the_first_administrator(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # `yibao init` makes its --clerk the registry's first 管理 (README: “张三 becomes its first
    # 管理”); its help said only 经办人员姓名, the wording of every other command.
    from yibao.cli.main import build_parser

    with pytest.raises(SystemExit):
        build_parser().parse_args(["init", "--help"])
    out = capsys.readouterr().out
    clerk_line = out[out.index("  --clerk CLERK") :].splitlines()[0:1]
    assert "首位管理人员" in "".join(clerk_line)
    assert "经办人员姓名" not in "".join(clerk_line)
    # The other options are still there, and another command keeps the general wording.
    assert "--db DB" in out and "--password-stdin" in out
    with pytest.raises(SystemExit):
        build_parser().parse_args(["lookup", "--help"])
    assert "经办人员姓名" in capsys.readouterr().out


def test_init_takes_clerk_before_or_after_the_sub_command(
    data_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    status = cli(monkeypatch, "--clerk", "张三", "init", "--policy", "shangnan-2025")
    out, err = capsys.readouterr()
    assert status == 0, err
    # The first 管理 is no 经办人员: init said “经办人员：张三（管理人员）”.
    assert "人员：张三（管理人员）" in out and "经办人员：张三" not in out
