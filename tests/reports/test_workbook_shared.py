"""Texts repeated down a column of a report's rows (a ledger's town, village, sex, labels)
are written once, as shared strings, neutralised and escaped like every other cell; a
column that stops repeating goes back to texts in the cell."""

from __future__ import annotations

import re
import struct
import zipfile
import zlib
from pathlib import Path

import pytest
from openpyxl import load_workbook

from yibao.reports.sheet import Sheet
from yibao.reports.workbook import write_workbook

TOWNS = ["城关街道办", "=HYPERLINK(\"x\")", "A&B <镇>", " 前导空格", "富水镇"]


def _sheet(rows: list[list[object]]) -> Sheet:
    return Sheet(name="户籍人口未参保", title="户籍人口未参保台账", header=["辖区：商南县"],
                 columns=["序号", "乡镇（街道）", "姓名", "住址"], rows=rows)  # type: ignore[arg-type]


def _values(path: Path) -> list[tuple[object, ...]]:
    return list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))


def _shared(path: Path) -> list[str]:
    with zipfile.ZipFile(path) as z:
        xml = z.read("xl/sharedStrings.xml").decode()
    return re.findall(r"<si><t[^>]*>(.*?)</t></si>", xml, flags=re.S)


def test_repeated_texts_are_written_once_neutralised_and_escaped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yibao.reports import workbook

    rows: list[list[object]] = [[i, TOWNS[i % 5], f"居民{i}", ""] for i in range(1, 5001)]
    fast = write_workbook(tmp_path / "fast.xlsx", [_sheet(rows)])
    shared = _shared(fast)
    # Each town once (and the empty address once), however many rows name it.
    assert sorted(shared) == sorted(["", "城关街道办", "'=HYPERLINK(\"x\")", "A&amp;B &lt;镇&gt;", " 前导空格", "富水镇"])
    monkeypatch.setattr(workbook._RowsWriter, "fits", lambda self, rows: False)
    slow = write_workbook(tmp_path / "slow.xlsx", [_sheet(rows)])
    got = _values(fast)
    assert got == _values(slow)
    assert got[4][:4] == (1, "'=HYPERLINK(\"x\")", "居民1", "")
    assert {r[1] for r in got[4:5004]} == {"城关街道办", "'=HYPERLINK(\"x\")", "A&B <镇>", " 前导空格", "富水镇"}


def test_a_column_that_stops_repeating_goes_back_into_the_cells(tmp_path: Path) -> None:
    # The address repeats in the first 2,000 rows (one chunk), then every one differs.
    rows: list[list[object]] = [[i, "富水镇", f"居民{i}", "河口村" if i <= 2000 else f"河口村{i}号"]
                                for i in range(1, 8001)]
    path = write_workbook(tmp_path / "t.xlsx", [_sheet(rows)])
    shared = _shared(path)
    # The chunk that found the addresses new (2,001–4,000) adds them; after it they go in the
    # cells, so the shared strings do not grow with the rows.
    assert len(shared) <= 2 + 2000 and "河口村7999号" not in shared
    got = _values(path)
    assert [r[3] for r in got[4:8004]] == [row[3] for row in rows]


def test_the_sheets_deflated_by_isal_are_a_zip_every_reader_inflates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yibao.reports import workbook

    rows: list[list[object]] = [[i, TOWNS[i % 5], f"居民{i}", f"河口村{i}号"] for i in range(1, 3001)]
    assert workbook._isal_zlib is not None, "isal is a dependency (pyproject.toml)"
    fast = write_workbook(tmp_path / "isal.xlsx", [_sheet(rows)])
    monkeypatch.setattr(workbook, "_isal_zlib", None)
    plain = write_workbook(tmp_path / "zlib.xlsx", [_sheet(rows)])
    with zipfile.ZipFile(fast) as a, zipfile.ZipFile(plain) as b:
        assert a.testzip() is None  # every member's CRC checks
        info = a.getinfo("xl/worksheets/sheet1.xml")
        assert info.compress_type == zipfile.ZIP_DEFLATED and info.compress_size < info.file_size / 3
        xml = b.read("xl/worksheets/sheet1.xml")
        assert a.read("xl/worksheets/sheet1.xml") == xml  # the same XML as with zlib
        with open(fast, "rb") as handle:  # the member's bytes, inflated by zlib itself
            handle.seek(info.header_offset)
            local = handle.read(30)
            name_length, extra_length = struct.unpack("<HH", local[26:30])
            handle.seek(info.header_offset + 30 + name_length + extra_length)
            assert zlib.decompress(handle.read(info.compress_size), -15) == xml
    assert _values(fast) == _values(plain)
