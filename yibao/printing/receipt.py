"""A payment's receipt as PDF: receipt-printer roll (80 mm wide, as tall as its lines) and A5.

The lines are ``yibao.receipts.layout``, the same the text receipt prints (ID numbers
already masked, amounts already yuan via ``yibao.money``), so the three never differ.
Files sit next to the text receipt: ``<receipt_no>.pdf`` (80 mm) and ``<receipt_no>-A5.pdf``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yibao.printing.fonts import FontMissing
from yibao.printing.pdf import FONT, new_document, save
from yibao.printing.printer import Printed, send
from yibao.receipts import RULE, ReceiptText, layout


@dataclass(frozen=True)
class Paper:
    name: str
    width_mm: float
    height_mm: float | None  # None: the page is cut to fit the receipt (a roll)
    margin_mm: float
    font_pt: float
    line_mm: float
    suffix: str  # file name after the receipt number


ROLL_80MM = Paper("80mm", 80, None, 4, 8.5, 4.4, "")
A5 = Paper("A5", 148, 210, 14, 12, 7.5, "-A5")
PAPERS = (ROLL_80MM, A5)

@dataclass(frozen=True)
class ReceiptFiles:
    roll: Path  # 80 mm: what goes to the receipt printer
    a5: Path


def _style(pdf: Any, paper: Paper, index: int, line: str) -> None:
    title = index == 0
    strong = line.startswith(("实收金额", "人民币大写"))
    pdf.set_font(FONT, "B" if title or strong else "", paper.font_pt * (1.25 if title else 1))


def _wrap(pdf: Any, text: str, width: float) -> list[str]:
    """``text`` cut into rows that fit ``width`` (character by character: Chinese has no
    spaces to break at), so the roll's length is known before its page is made."""
    rows, row, used = [], "", 0.0
    for ch in text:
        w = pdf.get_string_width(ch)
        if row and used + w > width:
            rows.append(row)
            row, used = "", 0.0
        row, used = row + ch, used + w
    return [*rows, row]


def _rows(pdf: Any, lines: list[str], paper: Paper) -> list[tuple[int, str]]:
    """(index of the layout line, one printed row); a rule is one row of its own."""
    width = paper.width_mm - 2 * paper.margin_mm
    out: list[tuple[int, str]] = []
    for index, line in enumerate(lines):
        if line == RULE:
            out.append((index, RULE))
            continue
        _style(pdf, paper, index, line)
        out += [(index, row) for row in _wrap(pdf, line, width)]
    return out


def receipt_pdf(receipt: ReceiptText, paper: Paper, *, like: Any = None) -> Any:
    """The receipt drawn on ``paper`` (an fpdf2 document, not yet written). One document per
    paper: loading the CJK font is the slow part, so a roll is measured, not drawn twice,
    and ``like`` (the same receipt on another paper, written) lends its cut-down font."""
    lines = layout(receipt)
    pdf = new_document(orientation="P", format=(paper.width_mm, paper.height_mm or 297), like=like)
    pdf.set_auto_page_break(auto=False)
    pdf.set_margins(paper.margin_mm, paper.margin_mm, paper.margin_mm)
    rows = _rows(pdf, lines, paper)
    height = paper.height_mm or len(rows) * paper.line_mm + 2 * paper.margin_mm
    pdf.add_page(format=(paper.width_mm, height))
    for index, row in rows:
        if row == RULE:
            y = pdf.get_y() + paper.line_mm / 2
            pdf.set_line_width(0.2)
            pdf.line(paper.margin_mm, y, paper.width_mm - paper.margin_mm, y)
            pdf.set_y(pdf.get_y() + paper.line_mm)
            continue
        _style(pdf, paper, index, lines[index])
        pdf.cell(0, paper.line_mm, row, align="C" if index == 0 else "L", new_x="LMARGIN", new_y="NEXT")
    return pdf


def write_receipt_pdfs(receipt: ReceiptText, directory: Path) -> ReceiptFiles:
    """Both PDF receipts in ``directory`` (0700), each file 0600. The second paper prints the
    same characters as the first, so it embeds the first's cut-down font (``pdf.new_document``)."""
    paths: list[Path] = []
    written: Any = None
    for paper in PAPERS:
        written = receipt_pdf(receipt, paper, like=written)
        paths.append(save(written, directory / f"{receipt.receipt_no}{paper.suffix}.pdf"))
    roll, a5 = paths
    return ReceiptFiles(roll=roll, a5=a5)


@dataclass(frozen=True)
class SavedReceipt:
    """A receipt as issued at the counter: its files and what the printer said.

    ``save_text`` gives it with the text file only (``pending``: the PDFs are still to be
    written, which takes a second or so for the CJK font); ``finish`` then writes them and
    sends the 80 mm one to the printer."""

    text: Path
    pdf: Path | None  # 80 mm; None when the PDF could not be written (``printed`` says why)
    a5: Path | None
    printed: Printed | None  # None: no printer configured, nothing sent
    pending: bool = False  # the PDFs are being written

    @property
    def note(self) -> str:
        """One Chinese sentence for the status line and the result panel."""
        saved = f"收据已保存：{self.text}"
        if self.pending:
            return f"{saved}（正在生成 PDF 收据……）"
        if self.pdf is not None and self.a5 is not None:
            saved += f"（PDF：{self.pdf.name}、{self.a5.name}）"
        return saved if self.printed is None else f"{saved}；{self.printed.message}"

    @property
    def status(self) -> str:
        """The short form for the one-line status bar (paths are in ``note``)."""
        if self.pending:
            return "文本收据已保存，正在生成 PDF 收据……"
        if self.printed is not None:
            return self.printed.message
        return "收据已保存（文本和 PDF）。" if self.pdf is not None else "收据已保存（文本）。"

    @property
    def print_failed(self) -> bool:
        return self.printed is not None and not self.printed.ok


def save_text(receipt: ReceiptText, text: str, directory: Path) -> SavedReceipt:
    """The text receipt in ``directory`` (fast: no font to load); the PDFs are ``pending``."""
    from yibao.receipts import save_text as write_text

    return SavedReceipt(text=write_text(receipt.receipt_no, text, directory), pdf=None, a5=None,
                        printed=None, pending=True)


def finish(receipt: ReceiptText, saved: SavedReceipt, *, printer: str | None = None) -> SavedReceipt:
    """Both PDFs beside the text receipt; when ``printer`` is set, the 80 mm one sent to it.
    A PDF or printing failure is reported, never raised: the payment is stored."""
    try:
        files = write_receipt_pdfs(receipt, saved.text.parent)
    except (FontMissing, OSError) as error:  # the text receipt is there to print instead
        reason = str(error) if isinstance(error, FontMissing) else f"无法写入 PDF 文件（{error.strerror}）"
        return SavedReceipt(text=saved.text, pdf=None, a5=None,
                            printed=Printed(False, f"未生成 PDF 收据：{reason}。请打印文本收据。"))
    printed = send(files.roll, printer) if printer else None
    return SavedReceipt(text=saved.text, pdf=files.roll, a5=files.a5, printed=printed)


def issue(receipt: ReceiptText, text: str, directory: Path, *, printer: str | None = None) -> SavedReceipt:
    """``save_text`` then ``finish``, in one go (the desk runs the two in separate workers)."""
    return finish(receipt, save_text(receipt, text, directory), printer=printer)
