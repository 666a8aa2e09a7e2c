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
已批准/已驳回 → 已退费) from the case view (``tui.modals.refund_review``).
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import DataTable, Input, Select, SelectionList, Static
from textual.widgets.selection_list import Selection

from tui import workflow_views as wv
from tui.formatting import show_date, yuan
from tui.messages import ServiceDone, ServiceFailed, ServiceInvalid, ServiceRefused
from tui.modals.confirm import ConfirmModal
from tui.screens.base import FormScreen
from tui.widgets.decision import DecisionPanel, Figure
from tui.widgets.inputs import DateInput

PAYMENT_STATUS = {"paid": "有效", "refunded": "已退费", "voided": "已作废"}
PAYMENT_COLUMNS = ("收据号", "年度", "缴费日期", "金额", "状态")


def reason_options(policy: Any) -> list[tuple[str, str]]:
    """The refund cases the policy lists (its own wording), then 其他原因.

    When the document lists none (it is silent on refunds), every case the desk knows is
    offered and the rules answer “需人工核实”. Read from the policy file; nothing decided here.
    """
    from yibao.policy.refunds import RefundReason

    rules = getattr(policy, "refunds", None)
    listed = [r for r in getattr(rules, "reasons", ()) if not r.mention_only]
    options = [(r.label, r.code) for r in listed]
    codes = {r.code for r in listed}
    if not listed:
        options = [(r.label, r.value) for r in RefundReason if r is not RefundReason.OTHER]
        codes = set(RefundReason)
    if RefundReason.OTHER not in codes:
        options.append((RefundReason.OTHER.label, RefundReason.OTHER.value))
    return options


# -- worker functions (run in a thread; never touch a widget) ------------------------------


def find_payments(services: Any, query: str) -> tuple[Any, list[Any]]:
    """(person, payments) for an ID number or a receipt number."""
    from yibao.services.errors import InvalidInput

    text = query.strip().upper()
    if len(text) == 18 and wv.id_problem(text) is None:
        person = services.persons.by_id_number(text)
        if person is None:
            raise InvalidInput("登记库中没有此人。请核对身份证号码，或改用收据号查找。", field="query")
        return person, services.payments.for_person(person.id)
    receipt = services.payments.receipt(text)
    return services.persons.get(receipt.payment.person_id), [receipt.payment]


def payments_of(services: Any, person_id: str) -> tuple[Any, list[Any]]:
    return services.persons.get(person_id), services.payments.for_person(person_id)


# -- display ------------------------------------------------------------------------------


def figures(view: Any, reason_label: str) -> list[Figure]:
    d = view.decision
    p = view.payment
    rows = [
        Figure("收据号", p.receipt_no, ""),
        Figure("缴费日期", f"{show_date(p.paid_on)}（{p.benefit_year}年度）", ""),
        Figure("退费金额", yuan(p.amount_fen), ""),
        Figure("退费原因", reason_label, wv.clause_of(d, "退费情形", "不在可退费", "未提及", "未规定")),
        Figure("受理期限", f"{show_date(d.deadline)}（含）前" if d.deadline else "文件未规定",
               wv.clause_of(d, "前申请", "（含）前", "集中缴费期", "时限")),
    ]
    if d.refused:
        return rows
    if getattr(d, "apply_to", None):
        rows.append(Figure("申请受理", d.apply_to, wv.clause_of(d, "终审")))
    if d.approver:
        rows.append(Figure("终审", d.approver, wv.clause_of(d, "终审")))
    if d.evidence:
        rows.append(Figure("须提交材料", "、".join(d.evidence), ""))
    return rows


def result_text(refund: Any) -> str:
    lines = [
        f"[b green]已受理退费申请[/]　状态 [b]{refund.state_label}[/]　收据号 {refund.receipt_no}",
        f"退费金额 {yuan(refund.amount_fen)}　受理日期 {show_date(refund.received_on)}"
        + (f"　受理期限 {show_date(refund.deadline)}" if refund.deadline else ""),
    ]
    if refund.approver:
        lines.append(f"由 {refund.approver} 终审；审核进度在个人档案“退费”页查看和办理。")
    lines.append("按 Esc 返回。")
    return "\n".join(lines)


class RefundScreen(FormScreen):
    TITLE = "退费受理"

    DEFAULT_CSS = """
    RefundScreen #rf-columns { height: 1fr; }
    RefundScreen #rf-form { width: 54; height: 1fr; padding: 1 1 0 0; }
    RefundScreen #rf-right { width: 1fr; height: 1fr; padding: 1 1 0 1; }
    RefundScreen #rf-payments { height: auto; max-height: 7; margin: 0 0 1 1; }
    RefundScreen #rf-evidence { height: auto; max-height: 6; margin: 0 0 1 2; border: round $primary 50%; }
    RefundScreen #rf-evidence:focus { border: round $primary; }
    RefundScreen .section-title { margin: 0 0 0 2; }
    RefundScreen #rf-step { margin-bottom: 1; height: auto; }
    RefundScreen #rf-result { margin-top: 1; height: auto; }
    """

    def __init__(self, person_id: str | None = None) -> None:
        super().__init__()
        self.person_id = person_id  # from the case view: the person whose payment it is
        self.person: Any = None
        self.payments: dict[str, Any] = {}  # payment id → PaymentView
        self.assessment: Any = None  # RefundAssessmentView of the payment and reason shown
        self.refund: Any = None  # RefundView once taken in
        self._assess_token = 0
        self._reasons: list[tuple[str, str]] = []  # (label, code), read in compose_body

    # -- layout ----------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        self._reasons = reason_options(self.services.policy)
        with Horizontal(id="rf-columns"):
            with VerticalScroll(id="rf-form", classes="form"):
                yield wv.row(
                    "收据号/身份证号",
                    Input(placeholder="输入后按 Enter 查找", id="rf-query", max_length=30),
                )
                yield wv.Hint("", id="rf-query-info")
                yield Static("缴费记录（↑↓ 选择要退的一笔）", classes="section-title")
                yield DataTable(id="rf-payments", cursor_type="row", zebra_stripes=True)
                yield wv.row("退费原因", Select(self._reasons, prompt="请选择", id="rf-reason"))
                yield wv.row("死亡日期", DateInput(id="rf-died", allow_empty=True), id="rf-died-row")
                yield Static("已收材料（空格勾选）", classes="section-title", id="rf-evidence-title")
                yield SelectionList[str](id="rf-evidence")
                yield wv.row("申请人", Input(placeholder="缴费人或其亲属姓名", id="rf-applicant", max_length=50))
                yield wv.row("联系电话", Input(placeholder="手机或固定电话", id="rf-phone", restrict=r"[0-9\-]*", max_length=20))
                yield wv.row("说明", Input(placeholder="如：另一笔缴费的收据号", id="rf-note", max_length=200))
            with VerticalScroll(id="rf-right"):
                yield Static("输入收据号或身份证号后按 Enter 查找缴费。", id="rf-step", classes="hint")
                yield DecisionPanel(id="rf-decision")
                yield Static("", id="rf-result")

    def on_mount(self) -> None:
        self.query_one("#rf-payments", DataTable).add_columns(*PAYMENT_COLUMNS)
        self.query_one("#rf-died-row").display = False
        self.query_one("#rf-evidence").display = self.query_one("#rf-evidence-title").display = False
        self.query_one("#rf-query", Input).focus()
        if self.person_id:
            self.call_service("find", payments_of, self.services, self.person_id)

    # -- finding the payment ------------------------------------------------------------------
    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "rf-query":
            value = event.value.strip()
            if not value:
                self.status("请输入收据号或身份证号码。", "error")
                return
            self.status("正在查找……")
            self.call_service("find", find_payments, self.services, value)
        else:
            self.focus_next()

    @on(Input.Changed, "#rf-query")
    def _query_changed(self, event: Input.Changed) -> None:
        value = event.value.strip()
        info = self.query_one("#rf-query-info", Static)
        if len(value) == 18 and value[:17].isdigit():
            problem = wv.id_problem(value)
            info.update(f"[b red]{problem}[/]" if problem else "身份证号码：按 Enter 列出此人的缴费")
        else:
            info.update("")

    def _payment(self) -> Any:
        table = self.query_one("#rf-payments", DataTable)
        if not self.payments or table.row_count == 0:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
        return self.payments.get(key or "")

    def _reason(self) -> str | None:
        value = self.query_one("#rf-reason", Select).value
        return None if value is Select.NULL else str(value)

    def _reason_label(self, code: str) -> str:
        return dict((v, k) for k, v in self._reasons).get(code, code)

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
        if not event.value or self.query_one("#rf-died", DateInput).date is not None:
            self._assess()

    def _assess(self) -> None:
        if self.refund is not None:
            return
        payment, reason = self._payment(), self._reason()
        self.assessment = None
        if payment is None or reason is None:
            self._assess_token = 0
            return
        died = self.query_one("#rf-died", DateInput).date if reason == "died" else None
        self._assess_token = self.call_service(
            "assess", self.services.refunds.assess, payment.id, reason=reason, died_on=died
        )

    # -- Ctrl+S: 受理 ------------------------------------------------------------------------------
    def action_submit(self) -> None:
        if self.refund is not None:
            self.status("本次退费申请已受理。按 Esc 返回。")
            return
        payment, reason = self._payment(), self._reason()
        if payment is None:
            self.status("请先查找并选择要退费的缴费记录。", "error")
            self.query_one("#rf-query" if not self.payments else "#rf-payments").focus()
            return
        if reason is None:
            self.status("请选择退费原因。", "error")
            self.query_one("#rf-reason").focus()
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
            self.status("材料未收齐：" + "、".join(missing) + "。收齐并勾选后再受理。", "error")
            evidence.focus()
            return
        applicant = self.query_one("#rf-applicant", Input).value.strip()
        phone = self.query_one("#rf-phone", Input).value.strip()
        note = self.query_one("#rf-note", Input).value.strip()
        died = self.query_one("#rf-died", DateInput).date if reason == "died" else None
        confirmed = decision.needs_confirmation
        body = [
            f"{wv.person_line(self.person)}　收据号 {payment.receipt_no}",
            f"退费金额 {yuan(payment.amount_fen)}　原因：{self._reason_label(reason)}",
            "已收材料：" + ("、".join(decision.evidence) or "无"),
        ]
        if decision.deadline:
            body.append(f"受理期限 {show_date(decision.deadline)}（含）")
        if confirmed:
            body.append("注意：文件未作规定的事项需经办人员核实（见核定理由），确认即表示已核实。")
        # Taken in only with every paper ticked, so the request's ``evidence`` (the papers the
        # rules ask for, stored by the service) is also the list of papers received.

        def answered(yes: bool | None) -> None:
            if yes:
                self.status("正在受理……")
                self.call_service(
                    "intake", self.services.refunds.intake, payment.id, reason=reason,
                    reason_note=note or None, applicant_name=applicant or None,
                    applicant_phone=phone or None, died_on=died, confirmed=confirmed,
                )

        self.app.push_screen(ConfirmModal("确认受理退费申请？", "\n".join(body), yes="确认受理"), answered)

    # -- answers from the services -----------------------------------------------------------
    @on(ServiceDone)
    def _done(self, message: ServiceDone) -> None:
        match message.op:
            case "find":
                self._show_payments(*message.result)
            case "assess" if message.token == self._assess_token:
                self._show_assessment(message.result)
            case "intake":
                self._show_refund(message.result)

    @on(ServiceRefused)
    def _refused(self, message: ServiceRefused) -> None:
        self.query_one("#rf-decision", DecisionPanel).show_decision(message.decision, title="不予受理")
        self.query_one("#rf-step", Static).update("[b red]不予受理，理由如下。[/]")
        self.status("不予受理：理由见右侧。", "error")

    @on(ServiceInvalid)
    def _invalid(self, message: ServiceInvalid) -> None:
        if message.op == "assess" and message.token != self._assess_token:
            return
        self.status(message.message, "error")
        target = {
            "query": "#rf-query", "receipt_no": "#rf-query", "id_number": "#rf-query",
            "payment_id": "#rf-payments", "reason": "#rf-reason", "died_on": "#rf-died",
        }.get(message.field or "")
        if target and self.query_one(target).display:
            self.query_one(target).focus()
        if message.op == "find":
            self.query_one("#rf-query-info", Static).update(f"[b red]{message.message}[/]")

    @on(ServiceFailed)
    def _failed(self, message: ServiceFailed) -> None:
        self.status(f"出错了：{message.error}", "error")

    def _show_payments(self, person: Any, payments: list[Any]) -> None:
        self.person = person
        self.payments = {p.id: p for p in payments}
        self.query_one("#rf-query-info", Static).update(f"[b]{wv.person_line(person)}[/]")
        table = self.query_one("#rf-payments", DataTable)
        table.clear()
        for p in payments:
            table.add_row(
                p.receipt_no, str(p.benefit_year), show_date(p.paid_on),
                yuan(p.amount_fen, unit=False), PAYMENT_STATUS.get(p.status, p.status), key=p.id,
            )
        if not payments:
            self.query_one("#rf-step", Static).update(f"{person.name} 没有缴费记录，无可退费用。")
            self.status(f"{person.name} 没有缴费记录。", "warning")
            return
        self.query_one("#rf-step", Static).update("选择缴费记录和退费原因，系统按政策核定受理期限。")
        self.status(f"找到 {person.name} 的 {len(payments)} 笔缴费。↑↓ 选择，Enter 确定。")
        table.focus()
        self._assess()

    def _show_assessment(self, view: Any) -> None:
        self.assessment = view
        decision = view.decision
        panel = self.query_one("#rf-decision", DecisionPanel)
        panel.show_decision(
            decision, figures(view, self._reason_label(view.reason)),
            title=f"退费受理核定 · {wv.document_of(self.services)}",
        )
        evidence = self.query_one("#rf-evidence", SelectionList)
        ticked = set(evidence.selected)
        evidence.clear_options()
        papers = () if decision.refused else decision.evidence
        for paper in papers:
            evidence.add_option(Selection(paper, paper, paper in ticked))
        if papers:
            evidence.highlighted = 0
        evidence.display = self.query_one("#rf-evidence-title").display = bool(papers)
        step = self.query_one("#rf-step", Static)
        if decision.refused:
            step.update("[b red]不予受理，理由如下。[/]")
            self.status("不予受理：理由见右侧。", "error")
        elif decision.needs_confirmation:
            step.update("[b yellow]需人工核实（见理由）。[/]核实后收齐材料并在左侧勾选，按 Ctrl+S 受理。")
            self.status("需人工核实：理由见右侧。", "warning")
        else:
            step.update("收齐右侧所列材料并在左侧勾选，填写申请人后按 Ctrl+S 受理。")
            self.status("可以受理：勾选已收材料后按 Ctrl+S。")

    def _show_refund(self, refund: Any) -> None:
        self.refund = refund
        self.query_one("#rf-step", Static).update("")
        self.query_one("#rf-result", Static).update(result_text(refund))
        self.status(f"已受理退费申请（收据号 {refund.receipt_no}），状态：{refund.state_label}。")
