"""F8 现金日结: what the clerk took today on this desk, by payment method; Ctrl+S closes
today's cash and saves the signed sheet as PDF and .xlsx; P saves it without closing."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from tui import keymap
from tui.formatting import yuan
from tui.workflows.base import WorkflowScreen
from tui.workflows.dayclose import calls
from tui.workflows.dayclose.calls import SheetRead, SheetWritten

if TYPE_CHECKING:
    from yibao.outreach.daysheet import CashierSheet


def summary(sheet: CashierSheet) -> str:
    lines = [f"{sheet.day:%Y年%-m月%-d日}　设备 {sheet.device_prefix}　" + "；".join(sheet.closes)]
    for total in sheet.totals():
        lines.append(f"　{total.channel_label}：{total.count} 张，{yuan(total.amount_fen)}")
    if not sheet.lines:
        lines.append("　今天还没有有效收据。")
    lines.append(f"合计 {len(sheet.lines)} 张，{yuan(sheet.total_fen)}；其中现金应解缴 [b]{yuan(sheet.cash_fen)}[/]")
    if refunded := sheet.refunded:
        lines.append(f"其中 {len(refunded)} 张已退费（" + "、".join(r.receipt_no for r in refunded)
                     + "）：当天所收照常计入、解缴，退费按退费流程另行办理，不从当天现金中退。")
    if sheet.voided:
        lines.append(f"作废 {len(sheet.voided)} 张，{yuan(sheet.voided_fen)}，不计入合计："
                     + "、".join(f"{v.receipt_no}（{v.void_reason or '未写明'}）" for v in sheet.voided))
    lines.append("")
    if sheet.closed:
        lines.append("今天的现金已日结。P 重新保存日结单；Esc 返回。")
    else:
        lines.append("Ctrl+S 日结今天的现金并保存日结单（PDF 和 Excel）；P 只保存日结单（草表）；Esc 返回。")
    return "\n".join(lines)


class DayCloseScreen(WorkflowScreen):
    TITLE = "现金日结"
    BINDINGS: ClassVar[list[Binding]] = keymap.bindings(keymap.FORM_KEYS + keymap.DAYCLOSE_KEYS)
    finished = False

    def __init__(self) -> None:
        super().__init__()
        self.sheet: CashierSheet | None = None

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="dc-body"):
            yield Static("正在读取今天的收据……", id="dc-summary")
            yield Static("", id="dc-result")

    def on_mount(self) -> None:
        self.call(SheetRead, self.services.dayclose.sheet)

    @on(SheetRead)
    def _read(self, message: SheetRead) -> None:
        self.sheet = message.sheet
        self.query_one("#dc-summary", Static).update(summary(message.sheet))
        self.status("现金日结：核对金额后按 Ctrl+S 日结。")

    def action_submit(self) -> None:
        if self.sheet is None:
            self.status("正在读取今天的收据，请稍候。", "warning")
            return
        body = [f"现金 {yuan(self.sheet.cash_fen)} 应于今天全额解缴。", "日结后今天不能再收现金；如需补收须由审核人员重新开启。"]
        self.confirm("日结今天的现金？", body,
                     lambda: self.call(SheetWritten, calls.close, self.services, self.desk.receipts_dir),
                     yes="确认日结")

    def action_save_sheet(self) -> None:
        self.call(SheetWritten, calls.write, self.services, self.desk.receipts_dir)

    @on(SheetWritten)
    def _written(self, message: SheetWritten) -> None:
        done = message.written
        self.sheet = done.sheet
        self.query_one("#dc-summary", Static).update(summary(done.sheet))
        self.query_one("#dc-result", Static).update(f"日结单已保存：{done.pdf}\n　　　　　　{done.xlsx}")
        self.finished = True
        self.status("已日结，日结单已保存（PDF 和 Excel，路径见上方）。请打印后签字。" if done.sheet.closed
                    else "日结单（草表）已保存（PDF 和 Excel，路径见上方）。")
