"""Report sheets as a PDF (A4 landscape), the header and footer lines around each table.

Every document embeds the subset of Noto Sans CJK (regular and bold) that it uses. Reading
the 16 MB font and cutting it down is most of the cost of a PDF (~0.5 s a style), so a
document whose text is another's drawn again (a receipt's A5 after its 80 mm roll) is made
with ``new_document(like=first)``: it embeds the first document's cut-down font instead of
the whole one, and only if that holds every glyph it uses (``save`` checks; otherwise the
whole font is read as usual).
"""

from __future__ import annotations

import copy
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from yibao.outreach.files import private_dir, private_tmp
from yibao.printing.fonts import font_path
from yibao.reports.sheet import Sheet

FONT = "noto"


def new_document(*, orientation: str = "L", format: Any = "A4", like: Any = None) -> Any:
    """An empty document with the CJK font in both styles. ``like``: a document already
    written whose text this one repeats; its cut-down fonts are reused (see above)."""
    from fpdf import FPDF

    pdf = FPDF(orientation=orientation, format=format)
    if like is None or not _fonts_from(like, pdf):
        pdf.add_font(FONT, "", str(font_path()))
        pdf.add_font(FONT, "B", str(font_path(bold=True)))
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.set_margins(10, 10, 10)
    return pdf


def _fonts_from(written: Any, pdf: Any) -> bool:
    """Give ``pdf`` the fonts of ``written`` (already output, so fpdf2 has cut each down to
    the glyphs it used): the metrics are shared, the glyphs used start afresh, and the font
    file is the cut-down one. False (nothing added) if fpdf2's font objects are not as
    expected, so the caller reads the font as usual."""
    from fontTools import ttLib
    from fpdf.fonts import SubsetMap, TTFFont

    fonts: dict[str, Any] = {}
    try:
        for key, used in written.fonts.items():
            if not isinstance(used, TTFFont):
                return False
            cut = io.BytesIO()
            used.ttfont.save(cut)
            cut.seek(0)
            font = copy.copy(used)
            font.i = len(fonts) + 1
            font.ttfont = ttLib.TTFont(cut, recalcTimestamp=False)
            font.desc = copy.copy(used.desc)  # it receives this document's object numbers
            font.missing_glyphs = []
            font.biggest_size_pt = 0
            font.subset = SubsetMap(font)
            fonts[key] = font
    except (AttributeError, TypeError, KeyError):  # pragma: no cover - another fpdf2
        return False
    pdf.fonts.update(fonts)
    if any(font.is_cff and font.is_cid_keyed for font in fonts.values()):
        pdf._set_min_pdf_version("1.6")  # as add_font does for this font
    return True


def _whole_fonts_where_needed(pdf: Any) -> None:
    """A reused cut-down font that lacks a glyph this document uses is read whole again."""
    from fontTools import ttLib
    from fpdf.fonts import TTFFont

    for font in pdf.fonts.values():
        if not isinstance(font, TTFFont):
            continue
        if not set(font.subset.get_all_glyph_names()) <= set(font.ttfont.getGlyphOrder()):
            font.ttfont = ttLib.TTFont(font.ttffile, recalcTimestamp=False,
                                       fontNumber=font.collection_font_number, lazy=True)


def save(pdf: Any, path: Path | str) -> Path:
    """Write ``pdf`` to ``path`` with mode 0600, its folder 0700 (reports carry personal data),
    atomically: a killed write never leaves half a PDF under the real name."""
    target = Path(path)
    private_dir(target.parent)
    _whole_fonts_where_needed(pdf)
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
