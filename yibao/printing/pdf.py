"""Report sheets as a PDF (A4 landscape), the header and footer lines around each table."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from yibao.outreach.files import private_dir, private_tmp
from yibao.printing.fonts import font_path
from yibao.reports.sheet import Sheet

FONT = "noto"


def new_document(*, orientation: str = "L", format: Any = "A4") -> Any:
    from fpdf import FPDF

    pdf = FPDF(orientation=orientation, format=format)
    pdf.add_font(FONT, "", str(font_path()))
    pdf.add_font(FONT, "B", str(font_path(bold=True)))
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_margins(10, 10, 10)
    return pdf


def save(pdf: Any, path: Path | str) -> Path:
    """Write ``pdf`` to ``path`` with mode 0600, its folder 0700 (reports carry personal data),
    atomically: a killed write never leaves half a PDF under the real name."""
    target = Path(path)
    private_dir(target.parent)
    data = bytes(pdf.output())
    with private_tmp(target, prefix=f".{target.name}.sheet-") as (handle, _tmp):
        handle.write(data)
    return target


def table(
    pdf: Any, columns: Sequence[str], rows: Sequence[Sequence[str]], *,
    widths: Sequence[float], size: float, line_height: float,
) -> None:
    """A table with a bold heading row that repeats on each page, cells centred."""
    with pdf.table(col_widths=tuple(widths), text_align="CENTER", line_height=line_height,
                   first_row_as_headings=True) as drawn:
        pdf.set_font(FONT, "B", size)
        head = drawn.row()
        for column in columns:
            head.cell(column)
        pdf.set_font(FONT, "", size)
        for values in rows:
            row = drawn.row()
            for value in values:
                row.cell(value)


def _sheet(pdf: Any, sheet: Sheet) -> None:
    pdf.add_page()
    pdf.set_font(FONT, "B", 15)
    pdf.cell(0, 9, sheet.title, new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font(FONT, "", 9)
    for line in sheet.header:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    rows = [["" if value is None else str(value) for value in values] for values in sheet.rows]
    table(pdf, sheet.columns, rows, widths=sheet.widths or [10] * len(sheet.columns), size=9, line_height=5.5)
    pdf.ln(2)
    for line in sheet.footer:
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")


def write_pdf(path: Path | str, sheets: list[Sheet]) -> Path:
    pdf = new_document()
    for sheet in sheets:
        _sheet(pdf, sheet)
    return save(pdf, path)
