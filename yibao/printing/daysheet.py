"""The day-close sheet (``yibao.outreach.daysheet.CashierSheet``) as PDF (A4) and .xlsx.

Both read the same blocks (``blocks``), so the paper and the workbook carry the same
figures. Amounts: yuan from integer fen through ``yibao.money``; in the workbook as numbers
(two decimals) so a cashier can sum them. Every text cell goes through
``yibao.cells.neutralise`` (CSV/formula injection). Files 0600, folders 0700.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from yibao.cells import neutralise
from yibao.money import yuan
from yibao.outreach.daysheet import CashierSheet
from yibao.outreach.files import private_dir, private_tmp
from yibao.printing.pdf import FONT, new_document, save, table
from yibao.receipts import capitals
from yibao.timezone import LOCAL_TZ

Value = str | int | Decimal


@dataclass(frozen=True)
class Block:
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Value, ...], ...]
    widths: tuple[int, ...]  # relative widths (PDF) and characters (xlsx)
    empty: str = ""  # said when there are no rows


def _yuan(fen: int) -> Decimal:
    return Decimal(fen) / 100


def title(sheet: CashierSheet) -> str:
    return f"{sheet.jurisdiction}城乡居民基本医疗保险 缴费日结单".strip()


def header(sheet: CashierSheet) -> list[str]:
    lines = [f"日期：{sheet.day:%Y年%-m月%-d日}　设备：{sheet.device_prefix}", "；".join(sheet.closes) or "当日无收据"]
    if sheet.printed_at is not None:
        lines.append(f"打印时间：{sheet.printed_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}")
    return lines


def blocks(sheet: CashierSheet) -> list[Block]:
    totals: list[tuple[Value, ...]] = []
    for clerk in dict.fromkeys(t.clerk_name for t in sheet.totals()):
        mine = [t for t in sheet.totals() if t.clerk_name == clerk]
        totals += [(t.clerk_name, t.channel_label, t.count, _yuan(t.amount_fen)) for t in mine]
        totals.append((clerk, "小计", sum(t.count for t in mine), _yuan(sum(t.amount_fen for t in mine))))
    if sheet.lines:
        totals.append(("合计", "全部方式", len(sheet.lines), _yuan(sheet.total_fen)))
    detail = tuple(
        (i, line.receipt_no, f"{line.paid_at:%H:%M}", line.clerk_name, line.person_name, line.id_masked,
         line.benefit_year, line.channel_label, _yuan(line.amount_fen), line.status_label)
        for i, line in enumerate(sheet.lines, 1)
    )
    voids = tuple(
        (line.receipt_no, line.clerk_name, line.person_name, line.id_masked, _yuan(line.amount_fen),
         line.void_reason or "未写明")
        for line in sheet.voided
    )
    return [
        Block("按经办人和缴费方式汇总", ("经办人", "缴费方式", "张数", "金额(元)"), tuple(totals),
              (14, 24, 8, 14), "当日无有效收据"),
        Block("收据明细", ("序号", "收据号", "时间", "经办人", "参保人", "证件号", "年度", "缴费方式", "金额(元)", "状态"),
              detail, (5, 15, 6, 9, 9, 19, 6, 12, 10, 7), "当日无有效收据"),
        Block("作废收据（不计入合计）", ("收据号", "经办人", "参保人", "证件号", "金额(元)", "作废原因"),
              voids, (15, 9, 9, 19, 10, 26), "无"),
    ]


def footer(sheet: CashierSheet) -> list[str]:
    return [
        f"有效收据 {len(sheet.lines)} 张，合计 {yuan(sheet.total_fen)} 元；"
        f"作废 {len(sheet.voided)} 张，{yuan(sheet.voided_fen)} 元，不计入合计。",
        f"其中现金 {yuan(sheet.cash_fen)} 元（{capitals(sheet.cash_fen)}），应于当日全额解缴。",
        "",
        "经办人签字：______________　复核人签字：______________　出纳签字：______________",
        "解缴银行：__________________　回单号：______________　解缴金额：______________ 元",
        "解缴日期：______年____月____日",
    ]


def _show(value: Value) -> str:
    return yuan(int(value * 100)) if isinstance(value, Decimal) else str(value)


def write_sheet_pdf(sheet: CashierSheet, path: Path | str) -> Path:
    pdf: Any = new_document(orientation="P", format="A4")
    pdf.add_page()
    pdf.set_font(FONT, "B", 15)
    pdf.cell(0, 9, title(sheet), new_x="LMARGIN", new_y="NEXT", align="C")
    pdf.set_font(FONT, "", 9)
    for line in header(sheet):
        pdf.multi_cell(0, 5, line, new_x="LMARGIN", new_y="NEXT")
    for block in blocks(sheet):
        pdf.ln(2)
        pdf.set_font(FONT, "B", 10)
        pdf.cell(0, 6, block.title, new_x="LMARGIN", new_y="NEXT")
        if not block.rows:
            pdf.set_font(FONT, "", 9)
            pdf.cell(0, 5, f"（{block.empty}）", new_x="LMARGIN", new_y="NEXT")
            continue
        table(pdf, block.columns, [[_show(value) for value in values] for values in block.rows],
              widths=block.widths, size=8, line_height=5)
    pdf.ln(3)
    pdf.set_font(FONT, "", 9)
    for line in footer(sheet):
        pdf.multi_cell(0, 6, line, new_x="LMARGIN", new_y="NEXT")
    return save(pdf, path)


def write_sheet_xlsx(sheet: CashierSheet, path: Path | str) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    ws = book.active
    ws.title = f"日结单{sheet.day:%Y%m%d}"
    ws.append([neutralise(title(sheet))])
    ws["A1"].font = Font(bold=True, size=14)
    for line in header(sheet):
        ws.append([neutralise(line)])
    widths: dict[int, int] = {}
    for block in blocks(sheet):
        ws.append([])
        ws.append([neutralise(block.title)])
        ws.cell(row=ws.max_row, column=1).font = Font(bold=True)
        ws.append([neutralise(c) for c in block.columns])
        for cell in ws[ws.max_row]:
            cell.font = Font(bold=True)
        if not block.rows:
            ws.append([neutralise(f"（{block.empty}）")])
        for values in block.rows:
            ws.append([neutralise(v) for v in values])
            for cell, value in zip(ws[ws.max_row], values, strict=False):
                if isinstance(value, Decimal):
                    cell.number_format = "#,##0.00"
        for i, width in enumerate(block.widths, 1):
            widths[i] = max(widths.get(i, 0), width)
    ws.append([])
    for line in footer(sheet):
        ws.append([neutralise(line)])
    for i, width in widths.items():
        ws.column_dimensions[get_column_letter(i)].width = width + 2
    target = Path(path)
    private_dir(target.parent)
    with private_tmp(target, prefix=f".{target.name}.sheet-") as (handle, _tmp):
        book.save(handle)
    return target


def write_sheet(sheet: CashierSheet, path: Path | str) -> Path:
    """``.pdf`` or ``.xlsx`` by the file's suffix; anything else is a Chinese ValueError."""
    target = Path(path)
    suffix = target.suffix.lower()
    if suffix == ".pdf":
        return write_sheet_pdf(sheet, target)
    if suffix == ".xlsx":
        return write_sheet_xlsx(sheet, target)
    raise ValueError(f"日结单只能另存为 .pdf 或 .xlsx 文件（收到 {target.name}）。请改用如 日结单.pdf 的文件名。")
