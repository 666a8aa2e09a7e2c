"""修改审核 (F9): what outreach laptops proposed to change in hall rows, oldest first.

A sync import never changes a person or household the hall holds; each proposed change
waits here as a change request. The reviewer moves the cursor to one (its lines, before →
after, show below), Ctrl+S accepts it after a confirmation, Ctrl+N rejects it with the
reason typed in 理由. Who may decide is the service's business
(``yibao.services.change_requests``): a 经办 sees the list and gets its refusal.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Input, Static

from tui import keymap
from tui.widgets import form as wv
from tui.workflows.base import WorkflowScreen
from tui.workflows.changes import presentation as pr
from tui.workflows.changes.messages import ChangeDecided, ChangesRead
from tui.workflows.messages import Invalid
from yibao.services.change_requests import ChangeRequestView


class ChangesScreen(WorkflowScreen):
    TITLE = "修改审核"
    BINDINGS: ClassVar[list[Binding]] = keymap.bindings(keymap.VIEW_KEYS + keymap.CHANGES_KEYS)
    FIELDS: ClassVar[dict[str, str]] = {"note": "#cr-note"}

    DEFAULT_CSS = """
    ChangesScreen #cr-summary { height: auto; margin-bottom: 1; }
    ChangesScreen #cr-table { height: auto; max-height: 12; }
    ChangesScreen #cr-detail { height: auto; margin: 1 0; }
    ChangesScreen #cr-message { height: auto; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[ChangeRequestView] = []
        self.last_decided = ""  # kept in the status line when the list is read again

    def compose_body(self) -> ComposeResult:
        with Vertical(id="cr-body"):
            yield Static("正在读取待审核的提议修改……", id="cr-summary")
            yield DataTable(id="cr-table", cursor_type="row", zebra_stripes=True)
            yield Static("", id="cr-detail")
            yield wv.row("理由", Input(placeholder="驳回须写明理由；采纳可不填", id="cr-note", max_length=200))
            yield Static("Ctrl+S 采纳　Ctrl+N 驳回　Ctrl+L 刷新　Esc 返回", id="cr-message", classes="hint")

    def on_mount(self) -> None:
        table = self.query_one("#cr-table", DataTable)
        table.add_columns(*pr.COLUMNS)
        table.focus()
        self.action_reload()

    @property
    def dirty(self) -> bool:
        return bool(self.query_one("#cr-note", Input).value.strip())

    # -- actions ---------------------------------------------------------------------------
    def action_reload(self) -> None:
        self.call(ChangesRead, self.services.change_requests.open)

    def action_submit(self) -> None:  # Ctrl+S from the palette's 确认提交
        self.action_accept()

    def action_accept(self) -> None:
        request = self._selected()
        if request is None:
            return
        note = self._note() or None
        self.confirm(
            "采纳提议的修改",
            [pr.detail_text(request), "", "确认后大厅登记库中的记录将按上述内容修改，并记入操作记录。"],
            lambda: self._decide(partial(self.services.change_requests.accept, request.id, note=note)),
            yes="采纳",
        )

    def action_reject(self) -> None:
        request = self._selected()
        if request is None:
            return
        self._decide(partial(self.services.change_requests.reject, request.id, note=self._note()))

    def _decide(self, decide: Callable[[], ChangeRequestView]) -> None:
        """``decide``: accept or reject, with the request and the reviewer's note bound."""
        self._say("正在提交……")
        self.call(ChangeDecided, decide)

    # -- answers ---------------------------------------------------------------------------
    @on(ChangesRead)
    def _read(self, message: ChangesRead) -> None:
        self.requests = message.requests
        table = self.query_one("#cr-table", DataTable)
        table.clear()
        for request in self.requests:
            table.add_row(*pr.cells(request), key=request.id)
        summary = self.query_one("#cr-summary", Static)
        if self.requests:
            summary.update(f"待审核的提议修改 {len(self.requests)} 项（来自外出设备回传包）。↑↓ 选择，Tab 填写理由。")
            self._show(self.requests[0])
            self.status(self._then("修改审核：Ctrl+S 采纳所选，Ctrl+N 驳回（须写理由）。"))
        else:
            summary.update("没有待审核的提议修改。")
            self.query_one("#cr-detail", Static).update("")
            self.status(self._then("没有待审核的提议修改。"))

    @on(ChangeDecided)
    def _decided(self, message: ChangeDecided) -> None:
        with self.prevent(Input.Changed):
            self.query_one("#cr-note", Input).value = ""
        self.last_decided = pr.decided_text(message.request)
        self._say(self.last_decided)
        self.query_one("#cr-table", DataTable).focus()
        self.call(ChangesRead, self.services.change_requests.open)

    def show_invalid(self, message: Invalid) -> None:
        super().show_invalid(message)
        self._say(f"[b red]{message.text}[/]")

    @on(DataTable.RowHighlighted, "#cr-table")
    def _highlighted(self, event: DataTable.RowHighlighted) -> None:
        request = self._by_id(event.row_key.value)
        if request is not None:
            self._show(request)

    # -- helpers ---------------------------------------------------------------------------
    def _show(self, request: ChangeRequestView) -> None:
        self.query_one("#cr-detail", Static).update(pr.detail_text(request))

    def _selected(self) -> ChangeRequestView | None:
        table = self.query_one("#cr-table", DataTable)
        if table.row_count == 0:
            self.status("没有待审核的提议修改。", "warning")
            return None
        return self._by_id(table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value)

    def _by_id(self, request_id: str | None) -> ChangeRequestView | None:
        return next((r for r in self.requests if r.id == request_id), None)

    def _note(self) -> str:
        return self.query_one("#cr-note", Input).value.strip()

    def _then(self, hint: str) -> str:
        return f"{self.last_decided}。{hint}" if self.last_decided else hint

    def _say(self, text: str) -> None:
        self.query_one("#cr-message", Static).update(text)
