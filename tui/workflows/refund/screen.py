"""F5 退费受理: find the payment → the reason → the rules' answer (deadline, papers, approver)
→ the papers received → 受理.

The form follows the paper 退费申请表: the receipt number or the payer's ID number
(Enter searches; an ID number lists the person's payments), the payment (↑↓ in the
list), the reason (the cases the policy lists; 其他原因 lets the rules say what the
document says about anything else), the date of death when the reason is death, the
papers received (ticked from the list the rules give), the applicant and a note.

Choosing the payment and the reason asks ``refunds.assess`` at once; Ctrl+S confirms
and takes the request in (``refunds.intake``: state 受理). A refusal shows its reasons
with the clause and stops there. A request already taken in moves on (审核中 →
已批准/已驳回 → 已退费) in ``RefundReviewModal``: Enter on the case view's 退费 tab, or the
review queue (Ctrl+P “退费审核”).
"""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import DataTable, Input, Select, SelectionList, Static
from textual.widgets.selection_list import Selection

from tui.formatting import show_date, yuan
from tui.widgets import form as wv
from tui.widgets.decision import DecisionPanel
from tui.widgets.inputs import DateInput, MaskedIdInput, Restricted
from tui.widgets.wrapping import CjkStatic
from tui.workflows.base import AnswerColumn, FormColumn, WorkflowScreen
from tui.workflows.messages import Invalid, Refused
from tui.workflows.refund import presentation as pr
from tui.workflows.refund.messages import OffersFound, PaymentsFound, RefundAssessed, RefundTakenIn
from yibao.policy.refunds import RefundReason, reason_label
from yibao.services.views import PaymentView, PersonView, RefundAssessmentView, RefundView


class RefundScreen(WorkflowScreen):
    TITLE = "退费受理"
    PERSON_FIELDS = ("#rf-query",)
    FIELDS = {
        "query": "#rf-query", "receipt_no": "#rf-query", "id_number": "#rf-query",
        "payment_id": "#rf-payments", "reason": "#rf-reason", "died_on": "#rf-died",
    }

    DEFAULT_CSS = """
    RefundScreen #rf-columns { height: 1fr; }
    RefundScreen #rf-form { width: 54; height: 1fr; padding: 1 1 0 0; }
    RefundScreen #rf-right { width: 1fr; height: 1fr; padding: 1 1 0 1; }
    RefundScreen #rf-payments { height: auto; max-height: 7; margin: 0 0 1 1; }
    RefundScreen #rf-evidence { height: auto; min-height: 3; max-height: 6; margin: 0 0 1 2; border: round $primary 50%; }
    RefundScreen #rf-evidence:focus { border: round $primary; }
    RefundScreen .section-title { margin: 0 0 0 2; }
    RefundScreen #rf-step { margin-bottom: 1; height: auto; }
    RefundScreen #rf-result { margin-top: 1; height: auto; }
    """

    def __init__(self, person_id: str | None = None) -> None:
        super().__init__()
        self.person_id = person_id  # from the case view: the person whose payment it is
        self.person: PersonView | None = None
        self.payments: dict[str, PaymentView] = {}
        self.assessment: RefundAssessmentView | None = None  # of the payment and reason shown
        self.refund: RefundView | None = None  # once taken in
        self._reasons: list[tuple[str, str]] = []  # (label, code), read in compose_body
        self._offer_note = ""  # 落实资助政策 owed, said above the rules' answer
        self._sought: str | None = None  # the query last looked up

    @property
    def finished(self) -> bool:
        return self.refund is not None

    @property
    def dirty(self) -> bool:
        return self.refund is None and (bool(self.payments) or bool(self.query_one("#rf-query", Input).value))

    # -- layout ----------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        self._reasons = [(o.label, o.code) for o in self.services.refunds.reason_options()]
        with Horizontal(id="rf-columns"):
            with FormColumn(id="rf-form", classes="form"):
                yield wv.row(
                    "收据号/身份证号",
                    # An ID number found shows masked (first 6, last 4); a receipt number as typed.
                    MaskedIdInput(placeholder="输入后按 Enter 查找", id="rf-query", max_length=30),
                )
                yield wv.Hint("", id="rf-query-info")
                yield Static("缴费记录（↑↓ 选择要退的一笔）", classes="section-title")
                yield DataTable(id="rf-payments", cursor_type="row", zebra_stripes=True)
                yield wv.row("退费原因", Select(self._reasons, prompt="请选择", id="rf-reason"))
                yield wv.row("死亡日期", DateInput(id="rf-died", allow_empty=True), id="rf-died-row")
                yield wv.Hint("", id="rf-died-info")
                # Always in the Tab order, so a clerk's Tab lands on the same field whether
                # the rules have answered yet or not.
                yield Static("已收材料（空格勾选）", classes="section-title", id="rf-evidence-title")
                yield SelectionList[str](id="rf-evidence")
                yield wv.row("申请人", Input(placeholder="缴费人或其亲属姓名", id="rf-applicant", max_length=50))
                yield wv.row("联系电话", Restricted(placeholder="手机或固定电话", id="rf-phone", takes="数字和“-”（最多20位）", restrict=r"[0-9\-]*", max_length=20))
                yield wv.row("说明", Input(placeholder="如：另一笔缴费的收据号", id="rf-note", max_length=200))
            with AnswerColumn(id="rf-right"):
                yield CjkStatic("输入收据号或身份证号后按 Enter 查找缴费。", id="rf-step", classes="hint")
                yield DecisionPanel(id="rf-decision")
                yield Static("", id="rf-result")

    def on_mount(self) -> None:
        self.query_one("#rf-payments", DataTable).add_columns(*pr.PAYMENT_COLUMNS)
        self.query_one("#rf-died-row").display = False
        self._evidence_placeholder()
        self.set_focus(self.query_one("#rf-query", Input))  # now: ``call`` notes it
        if self.person_id:
            self.call(PaymentsFound, self.services.refunds.payments, person_id=self.person_id)

    def _evidence_placeholder(self) -> None:
        evidence = self.query_one("#rf-evidence", SelectionList)
        evidence.clear_options()
        evidence.add_option(Selection("（选择缴费记录和退费原因后列出）", "", disabled=True))

    # -- finding the payment ------------------------------------------------------------------
    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "rf-query":
            value = event.value.strip()
            if not value:
                self.status("请输入收据号或身份证号码。", "error")
                return
            self._find(value)
        else:
            self.focus_next()

    @on(Input.Blurred, "#rf-query")
    def _query_left(self, event: Input.Blurred) -> None:
        """Tab out of the field looks up too (as F2 and F4 do once the number is complete);
        not again for what Enter already looked up."""
        value = event.value.strip()
        if value and value != self._sought and self.is_attached and self.refund is None:
            self._find(value)

    def _find(self, value: str) -> None:
        self._sought = value
        self.status("正在查找……")
        self.call(PaymentsFound, self.services.refunds.payments, query=value)

    @on(Input.Changed, "#rf-query")
    def _query_changed(self, event: Input.Changed) -> None:
        value = event.value.strip()
        info = self.query_one("#rf-query-info", wv.Hint)
        if len(value) == 18 and value[:17].isdigit():
            problem = wv.id_problem(value)
            info.update(f"[b red]{problem}[/]" if problem else "身份证号码：按 Enter 列出此人的缴费")
        else:
            info.update("")

    def _payment(self) -> PaymentView | None:
        table = self.query_one("#rf-payments", DataTable)
        if not self.payments or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.payments.get(key or "")

    def _reason(self) -> str | None:
        value = self.query_one("#rf-reason", Select).value
        return None if value is Select.NULL else str(value)

    def _reason_label(self, code: str) -> str:
        return {v: k for k, v in self._reasons}.get(code, code)

    # -- asking the rules as soon as payment and reason are known -------------------------------------
    @on(DataTable.RowHighlighted, "#rf-payments")
    @on(Select.Changed, "#rf-reason")
    def _choice_changed(self) -> None:
        reason = self._reason()
        self.query_one("#rf-died-row").display = reason == "died"
        self._assess()

    @on(DataTable.RowSelected, "#rf-payments")
    def _row_chosen(self) -> None:
        self.query_one("#rf-reason").focus()

    @on(Input.Changed, "#rf-died")
    def _died_changed(self, event: Input.Changed) -> None:
        died = self.query_one("#rf-died", DateInput)
        self.query_one("#rf-died-info", wv.Hint).update(
            f"[b red]{died.problem}[/]" if event.value and died.date is None and died.problem else ""
        )
        if not event.value or died.date is not None:
            self._assess()

    def _assess(self) -> None:
        if self.refund is not None:
            return
        payment, reason = self._payment(), self._reason()
        self.assessment = None
        if payment is None or reason is None:
            return
        died = self.query_one("#rf-died", DateInput).date if reason == "died" else None
        self.call(RefundAssessed, self.services.refunds.assess, payment.id, reason=reason, died_on=died)

    # -- Ctrl+S: 受理 ------------------------------------------------------------------------------
    def action_submit(self) -> None:
        if self.refund is not None:
            self.status("本次退费申请已受理。按 Esc 返回，或按 F5 受理下一笔。")
            return
        payment, reason = self._payment(), self._reason()
        if payment is None:
            self.refuse_field("#rf-query" if not self.payments else "#rf-payments", "请先查找并选择要退费的缴费记录。")
            return
        if reason is None:
            self.refuse_field("#rf-reason", "请选择退费原因。")
            return
        died_input = self.query_one("#rf-died", DateInput)
        if reason == "died" and died_input.value.strip() and died_input.date is None:
            self.refuse_field("#rf-died", f"死亡日期：{died_input.problem or '格式不对'}。"
                              "请按死亡证明填写（YYYY-MM-DD 或 YYYYMMDD）。")
            return
        view = self.assessment
        if view is None or view.payment.id != payment.id or view.reason != reason:
            self.status("正在核定，请稍候再按 Ctrl+S。")
            self._assess()
            return
        decision = view.decision
        if decision.refused:
            self.status("不予受理：理由见右侧。", "error")
            return
        evidence = self.query_one("#rf-evidence", SelectionList)
        missing = [e for e in decision.evidence if e not in evidence.selected]
        if missing:
            self.refuse_field("#rf-evidence", "材料未收齐：" + "、".join(missing) + "。收齐并勾选后再受理。")
            return
        applicant = self.query_one("#rf-applicant", Input).value.strip()
        phone = self.query_one("#rf-phone", Input).value.strip()
        note = self.query_one("#rf-note", Input).value.strip()
        died = died_input.date if reason == "died" else None
        confirmed = decision.needs_confirmation
        assert self.person is not None
        body = [
            f"{wv.person_line(self.person)}　收据号 {payment.receipt_no}",
            f"退费金额 {yuan(pr.refund_fen(view))}　原因：{self._reason_label(reason)}",
            "已收材料：" + ("、".join(decision.evidence) or "无"),
        ]
        if decision.deadline:
            body.append(f"受理期限 {show_date(decision.deadline)}（含）")
        if confirmed:
            body.append("注意：有事项需经办人员核实（见核定理由），确认即表示已核实，并记入操作记录。")
        # Taken in only with every paper ticked, so the request's ``evidence`` (the papers the
        # rules ask for, stored by the service) is also the list of papers received.

        def take_in() -> None:
            self.status("正在受理……")
            self.call(
                RefundTakenIn, self.services.refunds.intake, payment.id, reason=reason,
                reason_note=note or None, applicant_name=applicant or None,
                applicant_phone=phone or None, died_on=died, confirmed=confirmed,
            )

        self.confirm("确认受理退费申请？", body, take_in, yes="确认受理")

    # -- answers from the services -----------------------------------------------------------
    @on(PaymentsFound)
    def _found(self, message: PaymentsFound) -> None:
        person, payments = message.found.person, message.found.payments
        self.person = person
        self.payments = {p.id: p for p in payments}
        query = self.query_one("#rf-query", MaskedIdInput)
        query.found(query.value)  # the number typed, masked now the person is found
        self.query_one("#rf-query-info", wv.Hint).update(f"[b]{wv.person_line(person)}[/]")
        table = self.query_one("#rf-payments", DataTable)
        table.clear()
        for p in payments:
            table.add_row(*pr.payment_cells(p), key=p.id)
        if not payments:
            self.query_one("#rf-step", Static).update(f"{person.name} 没有缴费记录，无可退费用。")
            self.status(f"{person.name} 没有缴费记录。", "warning")
            return
        self.query_one("#rf-step", Static).update("选择缴费记录和退费原因，系统按政策核定受理期限。")
        self.status(f"找到 {person.name} 的 {len(payments)} 笔缴费。↑↓ 选择，Enter 确定。")
        self.focus_after(message, "#rf-payments")
        self._assess()
        self.call(OffersFound, self.services.refunds.offers, person.id)

    @on(OffersFound)
    def _offers(self, message: OffersFound) -> None:
        """A subsidy difference owed (落实资助政策): said at once, that payment and reason
        chosen; the clerk takes it in like any refund and it goes through review."""
        if not self.answers_latest(message) or not message.offers or self.refund is not None:
            return
        code = RefundReason.SUBSIDY_SETTLEMENT.value
        label = reason_label(code, self.services.policy.refunds)
        if code not in {c for _l, c in self._reasons}:
            self._reasons.append((label, code))
            self.query_one("#rf-reason", Select).set_options(self._reasons)
        lines = [
            f"收据号 {o.payment.receipt_no} 应退资助差额 {yuan(o.decision.amount_fen)}"
            + "".join(f"（{r.clause.cite()}）" for r in o.decision.reasons[:1] if r.clause)  # the settlement's own clause
            for o in message.offers
        ]
        first = message.offers[0]
        table = self.query_one("#rf-payments", DataTable)
        table.move_cursor(row=table.get_row_index(first.payment.id))
        self.query_one("#rf-reason", Select).value = code  # asks the rules again (_choice_changed)
        self._offer_note = (
            f"[b yellow]应落实资助政策：{'；'.join(lines)}。[/]\n已选中该笔缴费和“{label}”，"
            "受理后由审核人员复核退付。\n"
        )
        self.query_one("#rf-step", Static).update(self._offer_note)
        self.status(f"{self.person.name if self.person else ''} 有应落实的资助差额：见右侧。", "warning")

    @on(RefundAssessed)
    def _assessed(self, message: RefundAssessed) -> None:
        if not self.answers_latest(message):
            return
        view = self.assessment = message.view
        decision = view.decision
        self.query_one("#rf-decision", DecisionPanel).show_decision(
            decision, pr.figures(view, self._reason_label(view.reason)),
            title=f"退费受理核定 · {wv.document_of(self.services)}",
        )
        evidence = self.query_one("#rf-evidence", SelectionList)
        ticked = set(evidence.selected)
        papers = () if decision.refused else decision.evidence
        if papers:
            evidence.clear_options()
            for paper in papers:
                evidence.add_option(Selection(paper, paper, paper in ticked))
            evidence.highlighted = 0
        else:
            self._evidence_placeholder()
        step = self.query_one("#rf-step", Static)
        note = self._offer_note if view.reason == RefundReason.SUBSIDY_SETTLEMENT.value else ""
        if decision.refused:
            step.update("[b red]不予受理，理由如下。[/]")
            self.status("不予受理：理由见右侧。", "error")
        elif decision.needs_confirmation:
            step.update(note + "[b yellow]需人工核实（见理由）。[/]核实后收齐材料并在左侧勾选，按 Ctrl+S 受理。")
            self.status("需人工核实：理由见右侧。", "warning")
        else:
            step.update(note + "收齐右侧所列材料并在左侧勾选，填写申请人后按 Ctrl+S 受理。")
            self.status("可以受理：勾选已收材料后按 Ctrl+S。")

    @on(RefundTakenIn)
    def _taken_in(self, message: RefundTakenIn) -> None:
        refund = self.refund = message.refund
        self.query_one("#rf-step", Static).update("")
        self.query_one("#rf-result", Static).update(pr.result_text(refund))
        self.status(f"已受理退费申请（收据号 {refund.receipt_no}），状态：{refund.state_label}。")

    def show_refused(self, message: Refused) -> None:
        super().show_refused(message)
        self.query_one("#rf-step", Static).update("[b red]不予受理，理由如下。[/]")
        self.status("不予受理：理由见右侧。", "error")

    def show_invalid(self, message: Invalid) -> None:
        super().show_invalid(message)
        if message.answer is PaymentsFound:
            self.query_one("#rf-query-info", wv.Hint).update(f"[b red]{message.text}[/]")
        if message.field == "died_on":
            self.query_one("#rf-died-info", wv.Hint).update(f"[b red]{message.text}[/]")
