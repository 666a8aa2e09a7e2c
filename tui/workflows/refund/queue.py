"""退费审核: the requests not yet closed (受理 / 审核中 / 已批准), oldest first.

Enter opens ``RefundReviewModal`` for the request under the cursor; when it closes the
list is read again, so a request moved to 已退费 or 已驳回 leaves it.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from tui import keymap
from tui.workflows.base import WorkflowScreen
from tui.workflows.refund import presentation as pr
from tui.workflows.refund.messages import QueueRead
from tui.workflows.refund.review import RefundReviewModal
from yibao.services.views import RefundView


class RefundQueueScreen(WorkflowScreen):
    TITLE = "退费审核"
    BINDINGS: ClassVar[list[Binding]] = keymap.bindings(keymap.VIEW_KEYS + keymap.QUEUE_KEYS)

    def __init__(self) -> None:
        super().__init__()
        self.refunds: list[RefundView] = []

    def compose_body(self) -> ComposeResult:
        with Vertical(id="rq-body"):
            yield Static("正在读取待审核的退费申请……", id="rq-summary")
            yield DataTable(id="rq-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#rq-table", DataTable).add_columns(*pr.QUEUE_COLUMNS)
        self.query_one("#rq-table", DataTable).focus()
        self.action_reload()

    def on_screen_resume(self) -> None:
        self.action_reload()

    def action_reload(self) -> None:
        self.call(QueueRead, self.services.refunds.open_requests)

    def action_submit(self) -> None:
        self._open()

    @on(QueueRead)
    def _read(self, message: QueueRead) -> None:
        self.refunds = message.refunds
        table = self.query_one("#rq-table", DataTable)
        table.clear()
        for refund in self.refunds:
            table.add_row(*pr.queue_cells(refund, refund.person_name), key=refund.id)
        summary = self.query_one("#rq-summary", Static)
        if self.refunds:
            summary.update(f"待办结的退费申请 {len(self.refunds)} 件。↑↓ 选择，Enter 审核。")
            self.status("退费审核：Enter 打开所选申请。")
        else:
            summary.update("没有待办结的退费申请。")
            self.status("没有待办结的退费申请。")

    @on(DataTable.RowSelected, "#rq-table")
    def _selected(self) -> None:
        self._open()

    def _open(self) -> None:
        table = self.query_one("#rq-table", DataTable)
        if table.row_count == 0:
            self.status("没有待办结的退费申请。", "warning")
            return
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        if key:
            self.app.push_screen(RefundReviewModal(key), lambda _refund: self.action_reload())
