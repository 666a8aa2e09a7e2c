"""The ledger workbook written by two processes (``yibao.reports.ledger_book``): the same file
as in one process and, cell for cell, as the sheets the ledgers make (``ledger_sheets`` +
``write_workbook``); one snapshot for both processes; a part that fails leaves no file and
says so in Chinese."""

from __future__ import annotations

import os
import sqlite3
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from tests.reports.test_files import NOW, SCOPE, _actor
from yibao.models import AuditLog
from yibao.places import UNKNOWN_TOWN, UNKNOWN_VILLAGE
from yibao.reports import ledger_book as B
from yibao.reports import ledgers as L
from yibao.reports.base import Scope
from yibao.reports.service import rebuild_tally, write_ledgers
from yibao.reports.workbook import write_workbook


def _split_in_the_middle(engine: sa.Engine, monkeypatch: pytest.MonkeyPatch) -> L.Key:
    """The boundary forced between the hand-worked registry's places (its few people would
    all go to one part otherwise), so both parts hold rows of the ledgers."""
    keys = sorted({(line.county, line.town, line.village) for line in L.ledger(engine, SCOPE, L.HUKOU)})
    boundary = keys[len(keys) // 2]
    assert keys[0] < boundary  # rows on both sides
    monkeypatch.setattr(B, "_boundary", lambda conn, scope: boundary)
    return boundary


def _forked(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Records whether each write started its child (False: the parts ran here)."""
    started: list[bool] = []
    original = B._start_child

    def start(*args: Any) -> Any:
        child = original(*args)
        started.append(child is not None)
        return child

    monkeypatch.setattr(B, "_start_child", start)
    return started


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None  # every member's CRC checks (the pieces' combined)
        return {name: z.read(name) for name in z.namelist()}


def _cells(path: Path) -> dict[str, list[tuple[object, ...]]]:
    book = load_workbook(path)
    return {ws.title: list(ws.iter_rows(values_only=True)) for ws in book.worksheets}


@pytest.mark.parametrize("kept", [False, True], ids=["registry", "kept-counts"])
def test_two_processes_and_one_write_the_same_workbook(
    engine: sa.Engine, people: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, kept: bool
) -> None:
    if kept:
        rebuild_tally(engine, actor=_actor(engine), now=NOW)
    _split_in_the_middle(engine, monkeypatch)
    started = _forked(monkeypatch)
    two = B.write_ledger_book(engine, SCOPE, tmp_path / "two.xlsx", processes=True)
    one = B.write_ledger_book(engine, SCOPE, tmp_path / "one.xlsx", processes=False)
    assert started == [True]
    assert two == one
    # The 7 people of 户籍人口未参保 (B D G… as tests/test_files.py counts them) and the
    # other sheets' rows, as the ledgers make them.
    assert two[L.HUKOU] == 7 and two[L.LAST_YEAR] == 3 and two[L.SUBSIDY] == 2
    assert _members(tmp_path / "two.xlsx") == _members(tmp_path / "one.xlsx")
    assert os.stat(tmp_path / "two.xlsx").st_mode & 0o777 == 0o600
    write_workbook(tmp_path / "sheets.xlsx", L.ledger_sheets(engine, SCOPE))
    got, expected = _cells(tmp_path / "two.xlsx"), _cells(tmp_path / "sheets.xlsx")
    assert list(got) == list(expected) == [*L.LEDGERS, L.SUBSIDY, "资助资金来源汇总"]
    assert got == expected  # cell for cell: 序号 numbered on across the parts, footers, totals
    hukou = got[L.HUKOU]
    numbers = [r[0] for r in hukou if isinstance(r[0], int)]
    assert numbers == list(range(1, 8))
    assert all("********" in r[4] for r in hukou if isinstance(r[0], int))  # masked
    assert [p for p in os.listdir(tmp_path) if p.endswith(".part")] == []


def test_full_ids_in_both_parts(
    engine: sa.Engine, people: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _split_in_the_middle(engine, monkeypatch)
    B.write_ledger_book(engine, SCOPE, tmp_path / "full.xlsx", full_ids=True, processes=True)
    write_workbook(tmp_path / "sheets.xlsx", L.ledger_sheets(engine, SCOPE, full_ids=True))
    got = _cells(tmp_path / "full.xlsx")
    assert got == _cells(tmp_path / "sheets.xlsx")
    ids = [r[4] for r in got[L.HUKOU] if isinstance(r[0], int)]
    assert len(ids) == 7 and not any("*" in i for i in ids)


def test_a_failing_part_leaves_no_file_and_says_so_in_chinese(
    engine: sa.Engine, people: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _split_in_the_middle(engine, monkeypatch)
    started = _forked(monkeypatch)

    def broken(conn: sa.Connection, scope: object) -> None:  # part 1's, so the child's
        raise RuntimeError("boom")

    monkeypatch.setattr(L, "_subsidy_ledger_on", broken)
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(B.LedgerBookFailed) as failed:
        write_ledgers(engine, SCOPE, to=out / "台账.xlsx", actor=_actor(engine), now=NOW)
    assert started == [True]
    message = failed.value.message
    assert message.startswith("生成台账时后台进程出错（RuntimeError）") and "未写入文件" in message
    assert "Traceback" not in message and "boom" not in message
    assert os.listdir(out) == []  # neither the file nor its .part
    with engine.connect() as conn:  # nothing exported, nothing recorded as exported
        assert conn.scalar(sa.select(sa.func.count()).where(AuditLog.action == "report.ledgers")) == 0


def test_a_part_that_dies_leaves_no_file(
    engine: sa.Engine, people: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _split_in_the_middle(engine, monkeypatch)
    monkeypatch.setattr(L, "_subsidy_ledger_on", lambda conn, scope: os._exit(3))  # part 1's: the child
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(B.LedgerBookFailed) as failed:
        B.write_ledger_book(engine, SCOPE, out / "t.xlsx", processes=True)
    assert "意外退出（退出码 3）" in failed.value.message and "未写入文件" in failed.value.message
    assert os.listdir(out) == []


def test_both_parts_read_one_snapshot(
    engine: sa.Engine, people: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between the parent's first read and the child's, a write can neither slip in on SQLite (the write lock is held: it waits) nor be seen on
    PostgreSQL (the child reads the parent's exported snapshot)."""
    boundary = _split_in_the_middle(engine, monkeypatch)
    # Of 上年度参保本年度未参保, 李二 (B, 富水镇 河口村) is in part 0, 陈十一 (K, the
    # unknown town) in part 1: both renamed between the two reads.
    assert ("611023", "富水镇", "河口村") < boundary <= ("611023", UNKNOWN_TOWN, UNKNOWN_VILLAGE)
    seen: list[str] = []
    parent, served = os.getpid(), L._tally_serves

    def first_read(conn: sa.Connection, scope: Scope) -> bool:
        answer = served(conn, scope)
        if os.getpid() != parent or seen:  # the parent's first read only
            return answer
        if engine.dialect.name == "sqlite":
            writer = sqlite3.connect(engine.url.database or "", timeout=0.2)
            try:
                writer.execute("BEGIN IMMEDIATE")
                seen.append("written")
            except sqlite3.OperationalError as exc:
                seen.append(str(exc))
            finally:
                writer.close()
        else:
            other = sa.create_engine(engine.url)
            with other.begin() as c:
                c.execute(sa.text("UPDATE person SET name = name || '改' WHERE name IN ('李二', '陈十一')"))
            other.dispose()
            seen.append("written")
        return answer

    monkeypatch.setattr(L, "_tally_serves", first_read)
    B.write_ledger_book(engine, SCOPE, tmp_path / "t.xlsx", processes=True)
    names = [r[3] for r in _cells(tmp_path / "t.xlsx")[L.LAST_YEAR] if isinstance(r[0], int)]
    if engine.dialect.name == "sqlite":
        assert seen == ["database is locked"]
    else:
        assert seen == ["written"]
    assert sorted(names) == sorted(["李二", "孙六", "陈十一"])  # as of the parent's snapshot


def test_without_a_child_where_the_registry_is_open_elsewhere_here(
    engine: sa.Engine, people: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("SQLite only: the per-process state of an open file")
    _split_in_the_middle(engine, monkeypatch)
    started = _forked(monkeypatch)
    held = sqlite3.connect(engine.url.database or "")  # another connection of this process
    try:
        held.execute("SELECT count(*) FROM person").fetchone()
        B.write_ledger_book(engine, SCOPE, tmp_path / "t.xlsx", processes=True)
    finally:
        held.close()
    assert started == [False]  # the parts ran here, one after the other
    write_workbook(tmp_path / "sheets.xlsx", L.ledger_sheets(engine, SCOPE))
    assert _cells(tmp_path / "t.xlsx") == _cells(tmp_path / "sheets.xlsx")


@pytest.mark.parametrize("kept", [False, True], ids=["registry", "kept-counts"])
def test_the_boundary_halves_the_estimated_work(engine: sa.Engine, people: dict[str, str], kept: bool) -> None:
    if kept:
        rebuild_tally(engine, actor=_actor(engine), now=NOW)
    with engine.connect() as conn, conn.begin():
        boundary = B._boundary(conn, SCOPE)
        nowhere = B._boundary(conn, Scope(SCOPE.policy, date(2024, 12, 20), town="无此镇"))
    # By hand (tests/reports/registry.py), registered and not paid on 2024-12-20, by place
    # in code point order: 城关街道办 东坡村 E F (2; H and O paid); 富水镇 河口村 B I L (3);
    # 富水镇 石门村 D M (2); the unknown town K (1). The registry's estimate counts the
    # registered (4, 4, 4, 1). Part 1 also takes the 2 subsidised payments (C, N: 2.5
    # each), part 0 the gone (0.02 a registered resident, 13: 0.26). Kept: half of 8 + 5 +
    # 0.26 is 6.63; part 0 at each place's midpoint 0.26 + 1, 3.76, 6.26, 7.76: part 1
    # begins at the unknown town. Registry: half of 13 + 5.26 is 9.13; midpoints 2.26,
    # 6.26, 10.26: part 1 begins at 富水镇 石门村.
    if kept:
        assert boundary == ("611023", UNKNOWN_TOWN, UNKNOWN_VILLAGE)
    else:
        assert boundary == ("611023", "富水镇", "石门村")
    assert nowhere is None  # nothing to split: part 0 takes the ledgers (none)


@pytest.mark.parametrize("isal", [True, False], ids=["isal", "zlib"])
def test_pieces_deflated_apart_are_one_member(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isal: bool) -> None:
    """Pieces of a member deflated by different processes, joined: every reader inflates
    them as one stream, the CRC combined from theirs (ISA-L's combine, or zlib's CRC over
    zeros where ISA-L is missing)."""
    import zlib

    from yibao.reports import workbook as W

    if not isal:
        monkeypatch.setattr(W, "_isal_zlib", None)
    texts = [b"<row>head</row>", "".join(f"<c>居民{i}</c>" for i in range(3000)).encode(), b"", bytes(range(256)) * 5000, b"</end>"]
    pieces = [W.deflated([t], last=False) for t in texts[:-1]] + [W.deflated([texts[-1]], last=True)]
    whole = b"".join(texts)
    member = W.joined(pieces)
    assert member.crc == zlib.crc32(whole) and member.size == len(whole)
    path = W.write_pieces(tmp_path / "t.zip", [("a.xml", member), ("b.xml", W.deflated([b"x"], last=True))])
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        assert z.read("a.xml") == whole and z.read("b.xml") == b"x"
    assert os.stat(path).st_mode & 0o777 == 0o600 and not (tmp_path / "t.zip.part").exists()
