"""Report workbooks (weekly report, ledgers) neutralise formula cells by OWASP's rule — tab
and CR as well as = + - @ — with the one function every export uses (``yibao.cells``)."""

from __future__ import annotations

from pathlib import Path

from yibao.reports.sheet import Sheet
from yibao.reports.workbook import write_workbook

DANGEROUS = ["=1+1", "+1", "-1+2", "@SUM(A1)", "\t=cmd|' /C calc'!A0", "\r=1"]


def test_every_cell_of_a_report_workbook_is_neutralised(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    sheet = Sheet(
        name="台账",
        title="\t=title",
        header=["\r=header"],
        columns=["姓名", "@column"],
        rows=[[name, 40000] for name in DANGEROUS] + [["张三", -100]],
        footer=["-footer"],
    )
    path = write_workbook(tmp_path / "台账.xlsx", [sheet])
    values = [c.value for row in load_workbook(path).active.iter_rows() for c in row if c.value is not None]
    texts = [v for v in values if isinstance(v, str)]  # XML reads a CR back as LF
    assert "'\t=title" in texts and "'\n=header" in texts and "'@column" in texts and "'-footer" in texts
    for name in DANGEROUS:
        assert "'" + name.replace("\r", "\n") in texts, name
    assert not [t for t in texts if t.startswith(("=", "+", "-", "@", "\t", "\r", "\n"))]
    assert "张三" in texts and -100 in values and 40000 in values  # text and numbers otherwise as they were


def test_csv_xlsx_and_day_sheet_use_the_one_rule() -> None:
    import yibao.export
    import yibao.printing.daysheet
    import yibao.reports.workbook
    from yibao.cells import neutralise

    for module in (yibao.export, yibao.printing.daysheet, yibao.reports.workbook):
        assert module.neutralise is neutralise, module.__name__
    assert not hasattr(yibao.reports.workbook, "_safe")
