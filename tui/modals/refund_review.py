"""退费审核: move one refund request on (受理 → 审核中 → 已批准/已驳回 → 已退费).

``RefundReviewModal(refund_id)`` is a ``ModalScreen`` showing the request (payment,
reason, amount, deadline, approver, papers, every move so far with who and when) and
the moves the registry allows from its state. Pick the next state, write the opinion
(required to reject), Ctrl+S: ``refunds.review`` records the move. The modal stays
open so the next move can follow; Esc closes it and returns the last ``RefundView``
(or None when nothing moved). Approving and rejecting need a supervisor: the service
says so when the clerk is not one.

From the case view: ``review_selected(screen)`` opens it for the refund under the
cursor of the ``#case-refunds`` table and reloads the case when it closes.
"""

from __future__ import annotations

from itertools import count
from typing import Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Input, Select, Static
from textual.worker import get_current_worker

from tui import workflow_views as wv
from tui.case_views import local_time
from tui.formatting import show_date, yuan
from tui.messages import ServiceDone, ServiceFailed, ServiceInvalid, ServiceRefused

_tokens = count(1)


def next_states(state: str) -> list[tuple[str, str]]:
    """(label, code) of the moves the registry allows from ``state``."""
    from yibao.services.refunds import next_states as allowed

    return allowed(state)


def reason_label(code: str) -> str:
    from yibao.policy.refunds import LABELS, RefundReason

    try:
        return LABELS[RefundReason(code)]
    except ValueError:
        return code


def review(services: Any, refund_id: str, to_state: str, note: str | None) -> Any:
    """Worker: one move. A role refusal comes back as a Chinese message like bad input."""
    from yibao.services.errors import InvalidInput, NotPermitted

    try:
        return services.refunds.review(refund_id, to_state=to_state, note=note)
    except NotPermitted as error:
        raise InvalidInput(error.message, field="to_state") from None


def summary_text(refund: Any) -> str:
    lines = [
        f"收据号 [b]{refund.receipt_no}[/]　退费金额 [b]{yuan(refund.amount_fen)}[/]　"
        f"当前状态 [b]{refund.state_label}[/]",
        f"原因：{reason_label(refund.reason)}" + (f"（{refund.reason_note}）" if refund.reason_note else ""),
        f"受理日期 {show_date(refund.received_on)}　受理期限 {show_date(refund.deadline)}"
        + (f"　终审：{refund.approver}" if refund.approver else ""),
    ]
    if refund.evidence:
        lines.append("须提交材料：" + "、".join(refund.evidence))
    if refund.decision_note:
        lines.append(f"审核意见：{refund.decision_note}")
    return "\n".join(lines)


class RefundReviewModal(ModalScreen[Any]):
    """Ctrl+S records the move chosen; Esc closes (returns the last RefundView or None)."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape", "close", "关闭", id="refund_review.close", key_display="Esc"),
        Binding("ctrl+s", "submit", "确认提交", id="refund_review.submit", priority=True, key_display="Ctrl+S"),
    ]

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
        self.refund: Any = None  # RefundView as last read
        self.moved = False

    @property
    def services(self) -> Any:
        return self.app.services  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("退费审核", id="rr-title")
            yield Static("正在读取……", id="rr-summary")
            yield DataTable(id="rr-history", cursor_type="none", show_cursor=False)
            yield wv.row("下一步", Select([], prompt="请选择", id="rr-next"))
            yield wv.row("审核意见", Input(placeholder="驳回须填写理由", id="rr-note", max_length=200))
            yield Static("Ctrl+S 确认提交　Esc 关闭", id="rr-message", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#rr-history", DataTable).add_columns("时间", "状态", "意见")
        self._call("get", self.services.refunds.get, self.refund_id)

    # -- worker → message → handler, as DeskScreen.call_service ------------------------------
    def _call(self, op: str, fn: Any, *args: Any, **kwargs: Any) -> None:
        from tui.screens.base import classify_error

        token = next(_tokens)

        def job() -> None:
            worker = get_current_worker()
            try:
                result = fn(*args, **kwargs)
            except Exception as error:  # noqa: BLE001 - every failure becomes a message
                message = classify_error(op, error, token)
            else:
                message = ServiceDone(op, result, token)
            if not worker.is_cancelled:
                self.post_message(message)

        self.run_worker(job, name=op, group=op, thread=True, exclusive=True, exit_on_error=False)

    def _say(self, text: str, error: bool = False) -> None:
        self.query_one("#rr-message", Static).update(f"[b red]{text}[/]" if error else text)

    # -- actions ---------------------------------------------------------------------------
    def action_close(self) -> None:
        self.dismiss(self.refund if self.moved else None)

    def action_submit(self) -> None:
        if self.refund is None:
            return
        target = self.query_one("#rr-next", Select).value
        if target is Select.NULL:
            self._say("请选择下一步。", error=True)
            self.query_one("#rr-next").focus()
            return
        note = self.query_one("#rr-note", Input).value.strip() or None
        self._say("正在提交……")
        self._call("review", review, self.services, self.refund_id, str(target), note)

    @on(Input.Submitted, "#rr-note")
    def _note_entered(self) -> None:
        self.action_submit()

    # -- answers ---------------------------------------------------------------------------
    @on(ServiceDone)
    def _done(self, message: ServiceDone) -> None:
        message.stop()
        if message.op == "review":
            self.moved = True
            self._say(f"已改为“{message.result.state_label}”。可继续办理下一步，或按 Esc 关闭。")
            with self.prevent(Input.Changed):
                self.query_one("#rr-note", Input).value = ""
        self._show(message.result)

    @on(ServiceInvalid)
    def _invalid(self, message: ServiceInvalid) -> None:
        message.stop()
        self._say(message.message, error=True)
        if message.field == "note":
            self.query_one("#rr-note").focus()

    @on(ServiceRefused)
    def _refused(self, message: ServiceRefused) -> None:
        message.stop()
        self._say("；".join(message.decision.explain()), error=True)

    @on(ServiceFailed)
    def _failed(self, message: ServiceFailed) -> None:
        message.stop()
        self._say(f"出错了：{message.error}", error=True)

    def _show(self, refund: Any) -> None:
        self.refund = refund
        self.query_one("#rr-summary", Static).update(summary_text(refund))
        table = self.query_one("#rr-history", DataTable)
        table.clear()
        for t in refund.transitions:
            table.add_row(local_time(t.at), t.to_label, t.note or "")
        options = next_states(refund.state)
        select = self.query_one("#rr-next", Select)
        select.set_options(options)
        if options:
            select.value = options[0][1]
            select.focus()
        else:
            for row in self.query(".row"):
                row.display = False
            self._say(f"此申请状态为“{refund.state_label}”，已办结。按 Esc 关闭。")


def review_selected(screen: Any) -> None:
    """For the case view: review the refund under the cursor of ``#case-refunds``."""
    table = screen.query_one("#case-refunds", DataTable)
    if table.row_count == 0:
        screen.status("此人没有退费申请。", "warning")
        return
    key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    reload = getattr(screen, "action_reload", None)
    screen.app.push_screen(RefundReviewModal(key), lambda _moved: reload() if reload else None)
