"""F6 查询: search as you type (ID number, name, pinyin initials, household), Enter opens the case."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static

from tui.screens.base import DeskScreen
from tui.workflows.base import ServiceCalls
from tui.workflows.lookup.messages import PageFound
from tui.workflows.lookup.presentation import hit_row
from tui.workflows.messages import Failed, Invalid

LIMIT = 50
COLUMNS = ("姓名", "性别", "身份证号码", "出生日期", "户号", "与户主关系", "状态")


class LookupScreen(ServiceCalls, DeskScreen):
    TITLE = "查询"
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("down", "to_results", "结果", show=False, id="lookup.results"),
    ]

    def __init__(self, person_id: str | None = None, query: str = "") -> None:
        super().__init__()
        self._initial = query
        self._ids: list[str] = []

    def compose_body(self) -> ComposeResult:
        with Vertical(id="lookup-body"):
            yield Input(
                self._initial,
                placeholder="输入身份证号码、姓名、拼音首字母（如 zs）或户号，边输入边查询",
                id="lookup-query",
            )
            yield Static("", id="lookup-count", classes="hint")
            yield DataTable(id="lookup-results", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        table = self.query_one("#lookup-results", DataTable)
        table.add_columns(*COLUMNS)
        self.query_one("#lookup-query", Input).focus()
        if self._initial:
            self._search(self._initial)

    def _search(self, query: str) -> None:
        if not query.strip():
            self.workers.cancel_group(self, PageFound.__name__)
            self._latest = {PageFound: -1}
            self.query_one("#lookup-results", DataTable).clear()
            self.query_one("#lookup-count", Static).update("")
            return
        self.call(PageFound, self.services.lookup.page, query.strip(), limit=LIMIT)

    @on(Input.Changed, "#lookup-query")
    def _changed(self, event: Input.Changed) -> None:
        self._search(event.value)

    @on(Input.Submitted, "#lookup-query")
    def _submitted(self, event: Input.Submitted) -> None:
        table = self.query_one("#lookup-results", DataTable)
        if table.row_count == 1:
            self._open(0)
        elif table.row_count:
            table.focus()

    def action_to_results(self) -> None:
        table = self.query_one("#lookup-results", DataTable)
        if table.row_count:
            table.focus()

    @on(PageFound)
    def _results(self, message: PageFound) -> None:
        if not self.answers_latest(message):
            return
        hits = list(message.page.rows)
        table = self.query_one("#lookup-results", DataTable)
        table.clear()
        self._ids = []
        for hit in hits:
            person_id, cells = hit_row(hit)
            self._ids.append(person_id)
            table.add_row(*cells, key=person_id)
        if message.page.more:
            shown = f"显示前 {len(hits)} 人，还有更多，请输入更多字（更完整的姓名或身份证号）"
        else:
            shown = f"共 {len(hits)} 人"
        self.query_one("#lookup-count", Static).update(
            f"{shown}。↓ 进入列表，回车打开。" if hits else "没有找到。可换用身份证号码、姓名或拼音首字母再试。"
        )

    @on(Invalid)
    def _invalid(self, message: Invalid) -> None:
        if self.answers_latest(message):
            self.query_one("#lookup-count", Static).update(message.text)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.status(f"查询出错：{message.error}", "error")

    @on(DataTable.RowSelected, "#lookup-results")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        self._open(event.cursor_row)

    def _open(self, index: int) -> None:
        from tui.workflows.case.screen import CaseScreen

        if 0 <= index < len(self._ids):
            self.app.push_screen(CaseScreen(self._ids[index]))

