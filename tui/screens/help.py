"""F1 帮助: every key from the keymap, and how to type dates and amounts."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from tui import keymap
from tui.screens.base import DeskScreen

TIPS = """\
· 全部操作都可用键盘完成；Tab / Shift+Tab 在输入项之间移动，顺序与纸质表格一致。
· 日期可输入 YYYY-MM-DD 或 YYYYMMDD，例如 2025-01-05 或 20250105。
· 金额以“元”为单位，最多两位小数，例如 380 或 380.00。
· 身份证号码边输入边校验，有误时在输入框下方显示原因。
· 办理前先看“政策核定”：每项金额和日期都列出所依据的文件条款。
· 按 Ctrl+P 打开命令面板，输入“登记”“查询”等关键字即可找到对应操作。"""


class HelpScreen(DeskScreen):
    TITLE = "帮助"

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="help-body"):
            yield Static("按键", classes="section-title")
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)
            yield Static("使用说明", classes="section-title")
            yield Static(TIPS, id="help-tips")

    def on_mount(self) -> None:
        table = self.query_one("#help-keys", DataTable)
        table.add_columns("按键", "功能", "说明")
        for key in keymap.all_keys():
            table.add_row(key.display, key.label, key.tooltip)
        table.add_row("Enter", "打开 / 选择", "在列表中打开所选项；表单中移到下一项")
        table.add_row("Tab", "下一项", "移到下一个输入项（Shift+Tab 上一项）")
        table.add_row("↓", "进入结果", "查询时从输入框进入结果列表")
        table.add_row("1–7", "档案分页", "个人档案中切换：家庭成员、特殊身份、参保、缴费、退费、共济、操作记录")
        table.add_row("R", "刷新档案", "个人档案中重新读取")
        table.add_row("空格", "勾选", "切换复选项（如“正在参加职工医保”）")
        table.focus()
