"""Report sheets as a PDF (A4 landscape), the header and footer lines around each table.

Every document embeds Noto Sans CJK regular and bold. Reading a 16 MB CJK font's metrics
(``FPDF.add_font``) costs about 0.3 s per style, and a payment writes two receipt PDFs, so the
metrics are read once per process (``_parsed``) and each document gets its own copy of the
font with a fresh file handle and its own glyph subset: the embedded subset, the widths and
the text are what ``add_font`` would have given (tests/printing/test_receipt_pdf.py).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from yibao.outreach.files import private_dir, private_tmp
from yibao.printing.fonts import font_path
from yibao.reports.sheet import Sheet

FONT = "noto"
STYLES = ("", "B")

_parsed_fonts: dict[str, Any] = {}
_parsing = threading.Lock()


def _parsed(style: str) -> Any:
    """The font of ``style`` as ``add_font`` reads it, once per process (a desk's receipt
    worker and the day-close worker may ask at the same time)."""
    from fpdf import FPDF

    with _parsing:
        if style not in _parsed_fonts:
            holder = FPDF()
            holder.add_font(FONT, style, str(font_path(bold=style == "B")))
            _parsed_fonts[style] = holder.fonts[f"{FONT}{style}"]
        return _parsed_fonts[style]


def _add_font(pdf: Any, style: str) -> None:
    """``pdf.add_font(FONT, style, …)`` from the parsed metrics. Only the per-document state
    is new: the font file opened afresh (fpdf2 subsets it in place when the PDF is written),
    the subset of glyphs used, the font's number and its descriptor (which gets this PDF's
    object ids). Should fpdf2's font object ever change shape, the font is read as before."""
    from fontTools import ttLib
    from fpdf.fonts import SubsetMap

    parsed = _parsed(style)
    try:
        font = copy.copy(parsed)
        font.i = len(pdf.fonts) + 1
        font.ttfont = ttLib.TTFont(parsed.ttffile, recalcTimestamp=False,
                                   fontNumber=parsed.collection_font_number, lazy=True)
        font.desc = copy.copy(parsed.desc)
        font.cw = copy.copy(parsed.cw)
        font.missing_glyphs = []
        font.biggest_size_pt = 0
        font._hbfont = None
        font.subset = SubsetMap(font)
    except (AttributeError, TypeError):  # pragma: no cover - a future fpdf2
        pdf.add_font(FONT, style, str(font_path(bold=style == "B")))
        return
    pdf.fonts[font.fontkey] = font
    if font.is_cff and font.is_cid_keyed:
        pdf._set_min_pdf_version("1.6")


def new_document(*, orientation: str = "L", format: Any = "A4") -> Any:
    from fpdf import FPDF

    pdf = FPDF(orientation=orientation, format=format)
    for style in STYLES:
        _add_font(pdf, style)
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
