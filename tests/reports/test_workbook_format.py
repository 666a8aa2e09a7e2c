"""The report workbook as Excel reads it: the layout the ledgers and the weekly report rely
on (title, header lines, a blank row, the column names, the rows, a blank row, the footer),
bold title and column names, widths, panes frozen below the column names, and text that XML
must escape or cannot hold at all."""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from yibao.reports.sheet import Sheet
from yibao.reports.workbook import write_workbook


def _sheet(rows: list[list[object]] | None = None) -> Sheet:
    return Sheet(
        name="户籍人口未参保",
        title="户籍人口未参保台账",
        header=["依据文件：商南政办发〔2024〕57号", "辖区：商南县"],
        columns=["序号", "姓名", "住址"],
        rows=rows or [[1, "张三", "城关街道 1 号"], [2, "李四", None], [3, "王五", ""]],  # type: ignore[arg-type]
        footer=["合计：3 人。"],
        widths=[6, 10, 30],
    )


def test_layout_styles_widths_and_frozen_panes(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "台账.xlsx", [_sheet()])
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert not (tmp_path / "台账.xlsx.part").exists()
    ws = load_workbook(path)["户籍人口未参保"]
    # Row 1 title; rows 2–3 the two header lines; row 4 blank; row 5 the columns; rows 6–8
    # the three people; row 9 blank; row 10 the footer.
    assert ws["A1"].value == "户籍人口未参保台账" and ws["A1"].font.b and ws["A1"].font.sz == 14
    assert [ws.cell(row=r, column=1).value for r in (2, 3, 4)] == [
        "依据文件：商南政办发〔2024〕57号", "辖区：商南县", None]
    assert [c.value for c in ws[5]] == ["序号", "姓名", "住址"]
    assert all(c.font.b and c.alignment.horizontal == "center" for c in ws[5])
    assert [c.value for c in ws[6]] == [1, "张三", "城关街道 1 号"]
    assert ws.cell(row=7, column=3).value is None  # None: no cell
    assert ws.cell(row=9, column=1).value is None and ws.cell(row=10, column=1).value == "合计：3 人。"
    assert ws.freeze_panes == "A6"  # the column names stay in view
    # A width of n characters is written n + 2 (as before: a little room around the text).
    assert [ws.column_dimensions[c].width for c in "ABC"] == [8, 12, 32]
    assert not ws["A6"].font.b


def test_text_xml_must_escape_or_cannot_hold(tmp_path: Path) -> None:
    rows = [
        [1, "A&B <村> \"组\" 'x'", "  前后空格  "],
        [2, "换行\n第二行", "控制\x01字符\x1f"],
        [3, "生僻字𠀀", 12.5],
        [4, True, -7],
    ]
    path = write_workbook(tmp_path / "t.xlsx", [_sheet(rows=rows)])
    ws = load_workbook(path).active
    got = [[c.value for c in row] for row in ws.iter_rows(min_row=6, max_row=9)]
    assert got == [
        [1, "A&B <村> \"组\" 'x'", "  前后空格  "],
        [2, "换行\n第二行", "控制字符"],  # characters XML 1.0 cannot hold are dropped
        [3, "生僻字𠀀", 12.5],
        [4, True, -7],
    ]


def test_sheet_names_as_excel_takes_them(tmp_path: Path) -> None:
    long = "一二三四五六七八九十" * 4  # 40 characters: Excel allows 31
    sheets = [_sheet(), Sheet(name="a/b:c", title="t", header=[], columns=["x"]),
              Sheet(name=long, title="t", header=[], columns=["x"]),
              Sheet(name=long, title="t", header=[], columns=["x"])]
    book = load_workbook(write_workbook(tmp_path / "t.xlsx", sheets))
    assert book.sheetnames[0] == "户籍人口未参保"
    assert book.sheetnames[1] == "a_b_c"
    assert book.sheetnames[2] == long[:31]
    assert book.sheetnames[3] != book.sheetnames[2] and len(book.sheetnames[3]) <= 31
    with zipfile.ZipFile(tmp_path / "t.xlsx") as z:  # a plain zip of XML parts, as Excel writes
        assert {"[Content_Types].xml", "xl/workbook.xml", "xl/styles.xml"} <= set(z.namelist())


def test_a_failed_write_leaves_no_file(tmp_path: Path) -> None:
    class Broken:
        def __repr__(self) -> str:
            raise RuntimeError("boom")

    target = tmp_path / "t.xlsx"
    with pytest.raises(RuntimeError):
        write_workbook(target, [_sheet(rows=[[Broken()]])])  # type: ignore[list-item]
    assert not target.exists() and not (tmp_path / "t.xlsx.part").exists()


def test_rows_written_the_fast_way_read_back_as_cell_by_cell(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A ledger's rows (one set of types) are written a chunk at a time by a generated
    template when no text needs care; a chunk where one does is written cell by cell. Both
    read back as the cell-by-cell writer's output does."""
    from yibao.reports import workbook

    rows: list[list[object]] = [[i, f"居民{i}", "611023********0012", "", 1.5, i % 2 == 0, None] for i in range(1, 4501)]
    rows[2300][1] = "=HYPERLINK(1)"  # chunk 2 (rows 2001–4000): quoted, cell by cell
    rows[4100][3] = " 前导空格"  # chunk 3: needs xml:space
    rows[4200][2] = 42  # chunk 3: another type where the first row has text
    fast = write_workbook(tmp_path / "fast.xlsx", [_sheet(rows=rows)])
    monkeypatch.setattr(workbook._RowsWriter, "fits", lambda self, rows: False)
    slow = write_workbook(tmp_path / "slow.xlsx", [_sheet(rows=rows)])

    def cells(path: Path) -> list[tuple[object, ...]]:
        return list(load_workbook(path, read_only=True).active.iter_rows(values_only=True))

    got = cells(fast)
    assert got == cells(slow)
    assert got[5 + 2300][1] == "'=HYPERLINK(1)" and got[5 + 4100][3] == " 前导空格" and got[5 + 4200][2] == 42
    assert got[5][:6] == (1, "居民1", "611023********0012", "", 1.5, False)
    with zipfile.ZipFile(fast) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    first_chunk = xml[xml.index('<row r="6">') : xml.index('<row r="2006">')]
    assert "xml:space" not in first_chunk  # written the fast way
