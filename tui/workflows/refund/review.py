"""退费审核: move one refund request on (受理 → 审核中 → 已批准/已驳回 → 已退费).

``RefundReviewModal(refund_id)`` is a ``ModalScreen`` showing the request (payment,
reason, amount, deadline, approver, papers, every move so far with who and when) and
the moves the registry allows from its state. Pick the next state, write the opinion
(required to reject), Ctrl+S: ``refunds.review`` records the move. The modal stays
open so the next move can follow; Esc closes it and returns the last ``RefundView``
(or None when nothing moved). Approving and rejecting need a supervisor: the service
says so when the clerk is not one.

No step is ever chosen for the clerk, before or after a move, and a Ctrl+S pressed while
a move is being recorded is ignored: Ctrl+S pressed again and again moves nothing. A move
that sends money back (``RefundMoveView.pays_out``) is confirmed first, in a question
naming the step, the receipt and the amount that Ctrl+S does not answer.

Opened from the case view's 退费 tab (Enter on a request, or Ctrl+P “退费：审核…”) and
from the review queue (``RefundQueueScreen``, Ctrl+P “业务：退费审核”). The moves offered
are the request's ``moves`` (``yibao.services.refund_states``): the desk decides none.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Select, Static

from tui import keymap
from tui.formatting import yuan
from tui.modals.confirm import ConfirmModal
from tui.widgets import form as wv
from tui.workflows.base import ServiceCalls
from tui.workflows.messages import Failed, Invalid, Refused
from tui.workflows.refund import presentation as pr
from tui.workflows.refund.messages import RefundMoved, RefundRead

if TYPE_CHECKING:
    from yibao.services import Services
    from yibao.services.views import RefundView


HINT = "Ctrl+S 确认提交　Esc 关闭"


class RefundReviewModal(ServiceCalls, ModalScreen["RefundView | None"]):
    """Ctrl+S records the move chosen; Esc closes (returns the last RefundView or None)."""

    BINDINGS: ClassVar[list[Binding]] = keymap.bindings(keymap.REVIEW_KEYS)

    DEFAULT_CSS = """
    RefundReviewModal { align: center middle; background: $background 60%; }
    RefundReviewModal > Vertical { width: 96; max-width: 95%; height: auto; max-height: 95%;
        border: thick $primary; background: $surface; padding: 0 2; }
    RefundReviewModal #rr-title { text-style: bold; margin: 0 0 1 0; }
    RefundReviewModal #rr-summary { height: auto; margin-bottom: 1; }
    RefundReviewModal #rr-history { height: auto; max-height: 7; margin-bottom: 1; }
    RefundReviewModal #rr-message { height: auto; }
    """

    def __init__(self, refund_id: str) -> None:
        super().__init__()
        self.refund_id = refund_id
        self.refund: RefundView | None = None  # as last read
        self.moved = False
        self.sending = False  # a move is being recorded: another Ctrl+S waits for its answer
        self.error_shown = False

    @property
    def services(self) -> Services:
        return self.app.services  # type: ignore[attr-defined,no-any-return]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("退费审核", id="rr-title")
            yield Static("正在读取……", id="rr-summary")
            yield DataTable(id="rr-history", cursor_type="none", show_cursor=False)
            yield wv.row("下一步", Select([], prompt="请选择", id="rr-next"))
            yield wv.row("审核意见", Input(placeholder="驳回须填写理由", id="rr-note", max_length=200))
            yield Static(HINT, id="rr-message", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#rr-history", DataTable).add_columns("时间", "状态", "意见")
        self.call(RefundRead, self.services.refunds.get, self.refund_id)

    def _say(self, text: str, error: bool = False) -> None:
        self.error_shown = error
        self.query_one("#rr-message", Static).update(f"[b red]{text}[/]" if error else text)

    @on(Select.Changed, "#rr-next")
    @on(Input.Changed, "#rr-note")
    def _edited(self) -> None:
        """A refusal speaks of the choice and note as they were: it goes once either changes."""
        if self.error_shown:
            self._say(HINT)

    # -- actions ---------------------------------------------------------------------------
    def action_close(self) -> None:
        self.dismiss(self.refund if self.moved else None)

    def action_submit(self) -> None:
        refund = self.refund
        if refund is None or self.sending or refund.closed:
            return
        target = self.query_one("#rr-next", Select).value
        move = next((m for m in refund.moves if m.state == target), None)
        if move is None:
            self._say(f"请选择下一步（当前状态“{refund.state_label}”）：在“下一步”按 Enter 选择。", error=True)
            self.query_one("#rr-next").focus()
            return
        note = self.query_one("#rr-note", Input).value.strip() or None
        if not move.pays_out:
            self._send(move.state, note)
            return

        def answered(ok: bool | None) -> None:
            if ok:
                self._send(move.state, note)
            else:
                self._say(f"未退费：申请仍为“{refund.state_label}”。", error=True)

        who = f"{refund.person_name}　" if refund.person_name else ""
        body = (f"{who}收据号 {refund.receipt_no}\n"
                f"将退费申请改为“{move.label}”：退还 {yuan(refund.amount_fen)}。\n"
                "确认后款项即记为已退回，不能撤销。")
        self.app.push_screen(ConfirmModal(f"确认{move.label}？", body, yes=f"确认{move.label}", deliberate=True),
                             answered)

    def _send(self, state: str, note: str | None) -> None:
        self.sending = True
        self._say("正在提交……")
        self.call(RefundMoved, self.services.refunds.review, self.refund_id, to_state=state, note=note)

    @on(Input.Submitted, "#rr-note")
    def _note_entered(self) -> None:
        self.action_submit()

    # -- answers ---------------------------------------------------------------------------
    @on(RefundRead)
    def _read(self, message: RefundRead) -> None:
        message.stop()
        self._show(message.refund)

    @on(RefundMoved)
    def _moved(self, message: RefundMoved) -> None:
        message.stop()
        self.sending = False
        self.moved = True
        with self.prevent(Input.Changed):
            self.query_one("#rr-note", Input).value = ""
        self._show(message.refund)
        if not message.refund.closed:
            self._say(f"已改为“{message.refund.state_label}”。如需继续，请选择下一步后按 Ctrl+S；或按 Esc 关闭。")

    @on(Invalid)
    def _invalid(self, message: Invalid) -> None:
        message.stop()
        self.sending = False
        self._say(message.text, error=True)
        if message.field == "note":
            self.query_one("#rr-note").focus()

    @on(Refused)
    def _refused(self, message: Refused) -> None:
        message.stop()
        self.sending = False
        self._say("；".join(message.decision.explain()), error=True)

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        message.stop()
        self.sending = False
        self._say(f"出错了，未办理：{message.error}", error=True)

    def _show(self, refund: RefundView) -> None:
        self.refund = refund
        self.query_one("#rr-summary", Static).update(pr.summary_text(refund))
        table = self.query_one("#rr-history", DataTable)
        table.clear()
        for cells in pr.transition_cells(refund):
            table.add_row(*cells)
        options = [(m.label, m.state) for m in refund.moves]
        select = self.query_one("#rr-next", Select)
        select.set_options(options)
        if options:
            select.clear()  # no step chosen for the clerk: each is a deliberate choice
            select.focus()
        else:
            for row in self.query(".row"):
                row.display = False
            self._say(f"此申请状态为“{refund.state_label}”，已办结。按 Esc 关闭。")
