"""F4 家庭共济缴费: an employee-insured payer pays bound relatives' shares from their account.

The form follows the paper form: the payer's ID number (looked up; their bound
relatives are listed with what ``family_aid.assess`` says for each), the relatives to
pay for (Space ticks one; a refused relative cannot be ticked), and — to bind a new
relative — the relative's ID number, the relation, the evidence seen and the 承诺书.

A payer the registry does not know (or knows outside 职工医保) opens two more fields: the
name and the 职工医保 proof the clerk checked; the first Ctrl+B then records the payer as
in 职工医保 with the binding, in the same service call, after the clerk confirms the check
(the documents do not say how it is verified).

Ctrl+B binds the relative typed below (``family_aid.bind``); Ctrl+S pays for the
ticked relatives after one confirmation (``family_aid.pay``: all or none, one receipt
per relative, each saved to a file). Where the document is silent the rules answer
“需人工核实” and the confirmation says the clerk has checked. A refusal shows its
reasons (with clauses) and stops there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, ClassVar, Literal, TypedDict

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Input, Select, SelectionList, Static
from textual.widgets.selection_list import Selection

from tui import keymap
from tui.commands import PaletteCommand
from tui.formatting import show_date, yuan
from tui.modals.confirm import ConfirmModal
from tui.widgets import form as wv
from tui.widgets.decision import DecisionPanel, Figure, section
from tui.widgets.inputs import IdNumberInput, invalid_on_enter
from tui.widgets.wrapping import CjkStatic
from tui.workflows.base import AnswerColumn, FormColumn, WorkflowScreen
from tui.workflows.family_aid.calls import bind, open_payer, pay
from tui.workflows.family_aid.messages import FamilyPaid, PayerOpened, RelativeBound
from tui.workflows.family_aid.presentation import Bound, Paid, Payer, bound_step, place_to_fill
from tui.workflows.messages import Failed, Invalid, Refused
from tui.workflows.receipts import PrintsReceipts
from yibao.rules.family_aid import PAYER_PROOFS
from yibao.services.family_aid import EmployeePayer

if TYPE_CHECKING:
    from yibao.printing.receipt import SavedReceipt
    from yibao.services.views import FamilyAidAssessmentView, PersonView

EVIDENCE: tuple[str, ...] = ("户口簿", "结婚证", "出生医学证明", "承诺书", "其他关系证明")
BIND = keymap.FAMILY_AID_KEYS[0]


class BindArgs(TypedDict):
    """What Ctrl+B sends with the relative's number (again, confirmed, after a 需人工核实)."""

    relation: str
    evidence: str
    commitment_signed: bool
    payer: EmployeePayer | None  # the payer checked here, to be recorded in 职工医保


def relation_options() -> list[tuple[str, str]]:
    from yibao.rules.relations import Relation

    return [(r.label, r.value) for r in Relation]


class RelativeList(SelectionList[str]):
    """The bound relatives. Typed into (one Tab after the payer's number, or with the focus
    left here by a bind), the keys go to the field ``route`` names, not lost in the list:
    a list has no use for digits, and a clerk who has just bound one relative types the next
    one's number at once. Space still ticks. The list stays in the Tab order so a Tab
    pressed before the lookup answers lands the same way as one pressed after. Handled
    here, in the list's own queue, so that a burst of keys (a card reader, a fast typist)
    queued for the list follows the first one, in order."""

    # The list's own keys, held while the payer's relatives are being read (``waiting``) and
    # the list is still empty: a Down typed right after the payer's number and Tab moves the
    # highlight once the relatives arrive, instead of being lost on an empty list.
    HELD_KEYS: ClassVar[frozenset[str]] = frozenset({"down", "up", "home", "end", "pageup", "pagedown", "space"})

    def __init__(self, route: Callable[[str], Input], *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(id=id)
        self._route = route
        self.waiting = False
        self._held: list[str] = []

    def wait_for_relatives(self) -> None:
        self.waiting = True
        self._held = []

    def release(self) -> None:
        """The relatives have arrived (or none will): the keys held act now, in the order typed."""
        held, self._held, self.waiting = self._held, [], False
        for key in held if self.option_count else ():
            if key == "space":  # as ``ordered_keys`` ticks: the line highlighted now
                index = self.highlighted
                if index is not None and not self.get_option_at_index(index).disabled:
                    self.toggle(self.get_option_at_index(index))
                continue
            for binding in self._bindings.key_to_bindings.get(key, ()):
                action = getattr(self, f"action_{binding.action}", None)
                if callable(action):
                    action()
                    break

    def on_key(self, event: events.Key) -> None:
        if self.waiting and not self.option_count and event.key in self.HELD_KEYS:
            self._held.append(event.key)
            event.stop()
            event.prevent_default()
            return
        if not event.is_printable or (self.option_count and event.key == "space"):
            return
        target = self._route(event.character or "")
        if self.screen.focused is self:
            self.screen.set_focus(target)  # now: its Focus is queued before the key below
        target.post_message(events.Key(event.key, event.character))
        event.stop()
        event.prevent_default()


# -- display ------------------------------------------------------------------------------


def answer_label(view: FamilyAidAssessmentView) -> str:
    if view.existing_payment is not None:
        return "本年度已缴费"
    outcome = str(view.outcome)
    if outcome == "refused":
        return "不予办理"
    due = yuan(view.due_fen)
    return f"{due}（需核实）" if outcome == "confirm" else due


def option_text(view: FamilyAidAssessmentView) -> str:
    b = view.binding
    return f"{b.relative_name}　{b.relation_label}　{answer_label(view)}"


def figures(view: FamilyAidAssessmentView) -> list[Figure]:
    from yibao.rules.family_aid import FamilyAidDecision

    b = view.binding
    d = view.decision
    relation_clause = d.relation_clause if isinstance(d, FamilyAidDecision) else None
    amount_clause = d.amount_clause if isinstance(d, FamilyAidDecision) else None
    rows = [
        Figure("亲属", f"{b.relative_name}（{b.relative_id_masked}）", ""),
        Figure("关系", b.relation_label, section(relation_clause)),
        Figure("证明材料", b.evidence + ("，已签承诺书" if b.commitment_signed else ""), ""),
        Figure("绑定日期", show_date(b.bound_on), ""),
    ]
    if view.existing_payment is not None:
        rows.append(Figure("已缴费", f"收据号 {view.existing_payment.receipt_no}", ""))
    if view.due_fen is not None:
        rows.append(Figure("代缴金额", yuan(view.due_fen), section(amount_clause)))
    coverage = getattr(view.enrolment, "coverage", None)
    if coverage is not None and coverage.start is not None:
        rows.append(
            Figure("待遇享受期", f"{show_date(coverage.start)} 至 {show_date(coverage.end)}",
                   section(coverage.start_clause))
        )
    return rows


def result_text(paid: Paid) -> str:
    lines = [f"[b green]已代缴 {len(paid.receipts)} 人[/]（职工医保个人账户家庭共济）"]
    for receipt, saved in zip(paid.receipts, paid.saved, strict=True):
        lines.append(
            f"收据号 [b]{receipt.receipt_no}[/]　{receipt.person_name}（{receipt.id_masked}）"
            f"　{yuan(receipt.amount_fen)}"
        )
        lines.append(f"　{saved.note}")
    lines.append("按 Esc 返回，或继续为其他亲属办理。")
    return "\n".join(lines)


class FamilyAidScreen(PrintsReceipts, WorkflowScreen):
    TITLE = "家庭共济缴费"
    PERSON_FIELDS = ("#fa-payer",)
    BINDINGS: ClassVar[list[Binding]] = [BIND.binding()]  # and FormScreen's Esc / Ctrl+S

    DEFAULT_CSS = """
    FamilyAidScreen #fa-columns { height: 1fr; }
    FamilyAidScreen #fa-form { width: 54; height: 1fr; padding: 1 1 0 0; }
    FamilyAidScreen #fa-right { width: 1fr; height: 1fr; padding: 1 1 0 1; }
    FamilyAidScreen #fa-relatives { height: auto; max-height: 8; margin: 0 0 1 2; border: round $primary 50%; }
    FamilyAidScreen #fa-relatives:focus { border: round $primary; }
    FamilyAidScreen .section-title { margin: 0 0 1 2; }
    FamilyAidScreen #fa-step, FamilyAidScreen #fa-total { margin-bottom: 1; height: auto; }
    FamilyAidScreen #fa-result { margin-bottom: 1; height: auto; }
    FamilyAidScreen #fa-payer-check { height: auto; }
    """

    def __init__(self, person_id: str | None = None) -> None:
        super().__init__()
        self.person_id = person_id  # from the case view: the payer
        self.payer: PersonView | None = None
        self.views: dict[str, FamilyAidAssessmentView] = {}  # by relative_person_id
        self.paid: Paid | None = None
        self._paying = False
        self._bind_args = BindArgs(relation="", evidence="", commitment_signed=False, payer=None)
        self._reloading = False  # re-reading the payer after paying: keep the result shown
        self._left_for_workflow = False  # covered by another workflow (not a confirmation)
        self.unknown_payer: str | None = None  # the number typed when the registry knows nobody

    # -- layout ----------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        with Horizontal(id="fa-columns"):
            with FormColumn(id="fa-form", classes="form"):
                yield wv.row("缴费人身份证号", IdNumberInput(wv.id_problem, id="fa-payer"))
                yield wv.Hint("须为职工医保参保人员", id="fa-payer-info")
                with Vertical(id="fa-payer-check"):  # shown for a payer not on file in 职工医保
                    yield wv.row("缴费人姓名", Input(placeholder="按身份证填写", id="fa-payer-name"))
                    yield wv.row(
                        "职工医保凭证",
                        Select([(p, p) for p in PAYER_PROOFS], prompt="请选择已查验的凭证", id="fa-payer-proof"),
                    )
                yield Static("已绑定的亲属（空格勾选要代缴的人）", classes="section-title")
                yield RelativeList(self._typed_in_empty_list, id="fa-relatives")
                yield Static("绑定新亲属（填好后按 Ctrl+B）", classes="section-title")
                yield wv.row("亲属身份证号", wv.OptionalIdInput(id="fa-relative"))
                yield wv.Hint("", id="fa-relative-info")
                yield wv.row("与缴费人关系", Select(relation_options(), prompt="请选择", id="fa-relation"))
                yield wv.row("证明材料", Select([(e, e) for e in EVIDENCE], prompt="请选择", id="fa-evidence"))
                yield wv.row("承诺书", Checkbox("缴费人已签署承诺书", value=True, id="fa-commitment"))
            with AnswerColumn(id="fa-right"):
                yield CjkStatic("输入缴费人身份证号，调出已绑定的亲属。", id="fa-step", classes="hint")
                yield Static("", id="fa-total")
                yield Static("", id="fa-result")
                yield DecisionPanel(id="fa-decision")

    def on_mount(self) -> None:
        self.query_one("#fa-relatives", SelectionList).border_title = "亲属"
        self.query_one("#fa-result").display = False
        self.query_one("#fa-payer-check").display = False
        self.set_focus(self.query_one("#fa-payer", IdNumberInput))  # now: ``call`` notes it
        if self.person_id:
            self.call(PayerOpened, open_payer, self.services, person_id=self.person_id)

    def person_for(self, workflow_id: str) -> str | None:
        """F2 pressed where the step line sends the clerk there: the relative under the
        cursor whose 户籍地 is missing is opened in F2, so the ID number is not typed again."""
        if workflow_id != "register" or self.query_one("#fa-result").display:
            return None
        selection = self.query_one("#fa-relatives", SelectionList)
        index = selection.highlighted
        if index is None or not 0 <= index < selection.option_count:
            return None
        relative_id = selection.get_option_at_index(index).value
        view = self.views.get(str(relative_id))
        return str(relative_id) if view is not None and place_to_fill(view) else None

    def on_screen_suspend(self) -> None:
        # a confirmation over F4 changes nothing F4 shows; another workflow (F2) may
        self._left_for_workflow = not isinstance(self.app.screen, ModalScreen)

    def on_screen_resume(self) -> None:
        """Back from another workflow (F2, where a relative's 户籍地 was filled in): the list's
        decisions are re-read, not left as they were before."""
        if self.payer is not None and self._left_for_workflow:
            self._left_for_workflow = False
            self._reloading = bool(self.query_one("#fa-result").display)
            self.call(PayerOpened, open_payer, self.services, person_id=self.payer.id)

    # -- the payer and the relative: validated as typed, looked up when complete -------------
    @on(Input.Changed, "#fa-payer")
    def _payer_changed(self, event: Input.Changed) -> None:
        info = self.query_one("#fa-payer-info", Static)
        value = event.value.strip()
        self.workers.cancel_group(self, PayerOpened.__name__)
        if (self.payer is not None and value != (self.payer.id_number or "")) or (
            self.unknown_payer is not None and value != self.unknown_payer
        ):
            self._clear_payer()
        if not value:
            info.update("须为职工医保参保人员")
        elif len(value) < 18:
            info.update(f"已输入 {len(value)} 位，还差 {18 - len(value)} 位")
        elif problem := wv.id_problem(value):
            info.update(f"[b red]{problem}[/]")
            self.status(problem, "error")
        elif self.payer is None and self.unknown_payer is None:
            info.update("正在查找……")
            self._open_payer(id_number=value)
            return
        self.query_one("#fa-relatives", RelativeList).release()  # no relatives are coming

    @on(Input.Changed, "#fa-relative")
    def _relative_changed(self, event: Input.Changed) -> None:
        info = self.query_one("#fa-relative-info", Static)
        value = event.value.strip()
        if not value:
            info.update("")
        elif len(value) < 18:
            info.update(f"已输入 {len(value)} 位，还差 {18 - len(value)} 位")
        elif problem := wv.id_problem(value):
            info.update(f"[b red]{problem}[/]")
        else:
            info.update(wv.id_info(value))

    def _typed_in_empty_list(self, character: str) -> Input:
        """Where a key typed in the empty list of relatives goes (see ``RelativeList``):
        the relative's ID number; a letter while the payer's name is asked for and empty
        goes to the name (a Tab pressed before the lookup answered)."""
        name = self.query_one("#fa-payer-name", Input)
        letter = character not in "0123456789Xx"
        if letter and self._checking_payer() and not name.value and not name.disabled:
            return name
        return self.query_one("#fa-relative", Input)

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        """Enter moves on like Tab, but stays on an ID number its check refuses: the
        corrected number must land in this field, not the next one."""
        if not invalid_on_enter(event):
            self.focus_next()

    @on(SelectionList.SelectionHighlighted, "#fa-relatives")
    def _highlighted(self, event: SelectionList.SelectionHighlighted) -> None:
        view = self.views.get(event.selection.value)
        if view is not None:
            self._show_view(view)

    @on(SelectionList.SelectedChanged, "#fa-relatives")
    def _selected(self) -> None:
        self._show_total()

    def _clear_payer(self) -> None:
        self.payer = None
        self.unknown_payer = None
        self._show_payer_check(None)
        self.views = {}
        self.query_one("#fa-relatives", SelectionList).clear_options()
        self.query_one("#fa-decision", DecisionPanel).clear()
        self.query_one("#fa-total", Static).update("")
        self.query_one("#fa-result").display = False

    # -- what the clerk has ticked -----------------------------------------------------------------
    def _ticked(self) -> list[FamilyAidAssessmentView]:
        selected = set(self.query_one("#fa-relatives", SelectionList).selected)
        return [v for rid, v in self.views.items() if rid in selected]

    def _show_total(self) -> None:
        ticked = self._ticked()
        total = self.query_one("#fa-total", Static)
        if not ticked:
            total.update("未勾选亲属。" if self.views else "")
            return
        amount = sum(int(v.due_fen or 0) for v in ticked)
        names = "、".join(v.binding.relative_name for v in ticked)
        total.update(f"已勾选 {len(ticked)} 人（{names}），合计 [b]{yuan(amount)}[/]。按 Ctrl+S 缴费。")

    def palette_commands(self) -> Iterable[PaletteCommand]:
        yield PaletteCommand("家庭共济：绑定亲属", "按左下方填写的亲属信息办理绑定（Ctrl+B）", self.action_bind)
        yield PaletteCommand("家庭共济：缴费", "为勾选的亲属缴费，每人一张收据（Ctrl+S）", self.action_submit)

    # -- Ctrl+B: bind; Ctrl+S: pay ------------------------------------------------------------------
    def _checking_payer(self) -> bool:
        return bool(self.query_one("#fa-payer-check").display)

    def _show_payer_check(self, name: str | None) -> None:
        """The payer's name and the 职工医保 proof: shown (``name`` on file, or "" when the
        registry knows nobody) or hidden (None)."""
        field = self.query_one("#fa-payer-name", Input)
        with self.prevent(Input.Changed):
            field.value = name or ""
        field.disabled = bool(name)  # the name on file is not retyped (nor changed) here
        self.query_one("#fa-payer-proof", Select).clear()
        self.query_one("#fa-payer-check").display = name is not None

    def _payer_check(self) -> EmployeePayer | Literal[False] | None:
        """What the bind records about the payer: None (on file in 职工医保), the checked
        payer, or False when a field is missing (the clerk is sent to it)."""
        if not self._checking_payer():
            return None
        name = self.query_one("#fa-payer-name", Input).value.strip()
        proof = self.query_one("#fa-payer-proof", Select).value
        if not name:
            self.refuse_field("#fa-payer-name", "请按身份证填写缴费人姓名。")
            return False
        if proof is Select.NULL:
            self.refuse_field(
                "#fa-payer-proof", "请查验缴费人的职工医保参保凭证（如 医保电子凭证），并选择所查验的凭证。"
            )
            return False
        number = self.payer.id_number if self.payer is not None else self.unknown_payer
        return EmployeePayer(id_number=number or "", name=name, proof=str(proof))

    def action_bind(self) -> None:
        if self.payer is None and self.unknown_payer is None:
            self.refuse_field("#fa-payer", "请先输入缴费人身份证号，调出缴费人。")
            return
        payer = self._payer_check()
        if payer is False:
            return
        number = self.query_one("#fa-relative", Input).value.strip()
        relation = self.query_one("#fa-relation", Select).value
        evidence = self.query_one("#fa-evidence", Select).value
        checks: list[tuple[str, str | None]] = [
            ("#fa-relative", wv.id_problem(number) if number else "请输入亲属的居民身份证号码。"),
            ("#fa-relation", "请选择亲属与缴费人的关系。" if relation is Select.NULL else None),
            ("#fa-evidence", "请选择所查验的关系证明材料。" if evidence is Select.NULL else None),
        ]
        for selector, problem in checks:
            if problem:
                self.refuse_field(selector, problem)
                return
        self._bind_args = BindArgs(
            relation=str(relation), evidence=str(evidence),
            commitment_signed=self.query_one("#fa-commitment", Checkbox).value, payer=payer,
        )
        self.status("正在绑定……")
        payer_id = self.payer.id if self.payer is not None else None
        self.call(RelativeBound, bind, self.services, payer_id, number, **self._bind_args, confirmed=False)

    def action_submit(self) -> None:
        if self._paying:
            self.status("正在缴费，请稍候。")
            return
        if self.paid is not None:
            self.status("本次缴费已办结。按 Esc 返回，或按 F4 办理下一位。")
            return
        if self.payer is None and self.unknown_payer is not None:
            self.refuse_field(
                "#fa-relative", "缴费人尚未登记：请先填写亲属信息，按 Ctrl+B 绑定（缴费人一并登记），再缴费。"
            )
            return
        if self.payer is None:
            self.refuse_field("#fa-payer", "请先输入缴费人身份证号，调出缴费人。")
            return
        ticked = self._ticked()
        if not ticked:
            self.refuse_field("#fa-relatives", "请在亲属列表中用空格勾选要代缴的亲属。")
            return
        confirm = any(str(v.outcome) == "confirm" for v in ticked)
        total = sum(int(v.due_fen or 0) for v in ticked)
        body = [f"缴费人 {wv.person_line(self.payer)}，从职工医保个人账户代缴："]
        body += [f"　{v.binding.relative_name}（{v.binding.relation_label}）{yuan(v.due_fen)}" for v in ticked]
        body.append(f"合计 {yuan(total)}，每人一张收据。")
        if confirm:
            body.append("注意：有事项需经办人员核实（见核定理由），确认即表示已核实。")
        ids = [v.binding.relative_person_id for v in ticked]
        payer_id = self.payer.id

        def take() -> None:
            self._paying = True  # a second Ctrl+S while paying does not ask again
            self.status("正在缴费……")
            self.call(FamilyPaid, pay, self.services, self.desk.receipts_dir, payer_id, ids,
                      confirmed=confirm)

        self.confirm("确认家庭共济缴费？", body, take, yes="确认缴费")

    # -- answers from the services -----------------------------------------------------------
    def _open_payer(self, *, id_number: str) -> None:
        self.query_one("#fa-relatives", RelativeList).wait_for_relatives()
        self.call(PayerOpened, open_payer, self.services, id_number=id_number)

    @on(Refused)
    @on(Invalid)
    @on(Failed)
    def _payer_not_opened(self, message: Refused | Invalid | Failed) -> None:
        if message.answer is PayerOpened and self.answers_latest(message):
            self.query_one("#fa-relatives", RelativeList).release()

    @on(PayerOpened)
    def _payer_opened(self, message: PayerOpened) -> None:
        if self.answers_latest(message):
            self._show_payer(message.payer, reloaded=self._reloading)
            self._reloading = False
            self.query_one("#fa-relatives", RelativeList).release()
            if message.payer is not None and self.person_id and self.payer is not None:
                # opened from the case view: nothing was typed, so go on to the list
                self.focus_after(message, "#fa-relatives" if message.payer.views else "#fa-relative")

    @on(RelativeBound)
    def _bound(self, message: RelativeBound) -> None:
        self._show_bound(message.bound)
        self.focus_after(message, "#fa-relatives")

    @on(FamilyPaid)
    def _paid(self, message: FamilyPaid) -> None:
        self._paying = False
        self.paid = message.paid
        self._show_paid(message.paid)

    def show_refused(self, message: Refused) -> None:
        self._paying = False
        decision = message.decision
        panel = self.query_one("#fa-decision", DecisionPanel)
        binding = message.answer is RelativeBound
        if binding and decision.needs_confirmation and (self.payer is not None or self.unknown_payer):
            panel.show_decision(decision, title="绑定：需人工核实")
            args = self._bind_args.copy()
            number = self.query_one("#fa-relative", Input).value.strip()
            payer_id = self.payer.id if self.payer is not None else None
            checked = args["payer"]

            def answered(yes: bool | None) -> None:
                if yes:
                    self.status("正在绑定……")
                    self.call(RelativeBound, bind, self.services, payer_id, number, **args, confirmed=True)
                else:
                    self.status("未绑定。")

            body = "\n".join(decision.explain())
            if checked is not None:  # the payer's 职工医保 status is recorded with the binding
                body += f"\n\n经办人员已查验{checked.name}的{checked.proof}，确认其正在参加职工医保，并已核实以上事项？"
                yes = "已查验，登记并绑定"
            else:
                body += "\n\n经办人员已核实，确认绑定？"
                yes = "已核实，绑定"
            # the document silent, the payer's status, or the birth dates contradicting the relation
            self.app.push_screen(ConfirmModal("绑定前需人工核实", body, yes=yes), answered)
            return
        what = "不予绑定" if binding else "不予办理"
        panel.show_decision(decision, title=what)
        self.query_one("#fa-step", Static).update(f"[b red]{what}，理由如下。[/]")
        self.status(f"{what}：理由见右侧。", "error")

    def show_invalid(self, message: Invalid) -> None:
        self._paying = False
        self.status(message.text, "error")
        target = {
            "id_number": "#fa-payer" if message.answer is PayerOpened else "#fa-relative",
            "relative": "#fa-relative", "relative_person_id": "#fa-relative",
            "relation": "#fa-relation", "relation_code": "#fa-relation", "evidence": "#fa-evidence",
            "relative_person_ids": "#fa-relatives",
            "payer_id_number": "#fa-payer", "payer_person_id": "#fa-payer",
            "payer_name": "#fa-payer-name", "payer_proof": "#fa-payer-proof",
        }.get(message.field or "")
        if target:
            self.focus_after(message, target)

    def _show_payer(self, payer: Payer | None, *, reloaded: bool = False) -> None:
        info = self.query_one("#fa-payer-info", Static)
        if payer is None:
            self.unknown_payer = self.query_one("#fa-payer", IdNumberInput).value.strip()
            info.update("[b]登记库中没有此人[/]，请核对号码。\n职工医保参保的：填姓名、选凭证。")
            self._show_payer_check("")
            self.query_one("#fa-step", Static).update(
                "缴费人未在登记库：填写其姓名、选择已查验的职工医保凭证，再填写亲属信息后按 Ctrl+B。"
            )
            self.status("登记库中没有此人：核对号码；参加职工医保的，查验凭证后在此登记。", "warning")
            return
        person = payer.person
        self.payer = person
        if person.id_number:
            with self.prevent(Input.Changed):
                self.query_one("#fa-payer", IdNumberInput).found(person.id_number)  # shown masked
        if person.employee_insured:
            scheme = "职工医保参保"
        else:
            scheme = "[b red]登记为未参加职工医保[/]\n如已参加：选所查验凭证，绑定时更正。"
        self._show_payer_check(None if person.employee_insured else person.name)
        info.update(f"[b]{wv.person_line(person)}[/]\n{scheme}")
        self._list(payer.views, show=not reloaded)
        if reloaded:  # after paying: the receipts speak; no re-assessment (已缴费 → 不予办理) under them
            self.query_one("#fa-decision", DecisionPanel).clear()
            return
        if payer.views:
            self.query_one("#fa-step", Static).update("勾选要代缴的亲属后按 Ctrl+S；绑定新亲属请填写左下方后按 Ctrl+B。")
            self.status(f"{person.name} 已绑定 {len(payer.views)} 位亲属，按 Tab 到亲属列表勾选。")
        else:
            self.query_one("#fa-step", Static).update("此人尚未绑定亲属：填写左下方亲属信息后按 Ctrl+B 绑定。")
            self.status(f"{person.name} 尚未绑定亲属。")

    def _list(self, views: tuple[FamilyAidAssessmentView, ...], *, tick: str | None = None, show: bool = True) -> None:
        """Fill the relatives list; refused relatives are listed but cannot be ticked.
        ``show``: show the highlighted relative's decision."""
        selection = self.query_one("#fa-relatives", SelectionList)
        before = set(selection.selected)
        if tick:
            before.add(tick)
        self.views = {v.binding.relative_person_id: v for v in views}
        selection.clear_options()
        for view in views:
            rid = view.binding.relative_person_id
            payable = view.due_fen is not None and str(view.outcome) != "refused"
            selection.add_option(Selection(option_text(view), rid, payable and rid in before, disabled=not payable))
        if views:
            ids = [v.binding.relative_person_id for v in views]
            index = ids.index(tick) if tick in ids else 0
            if show:
                selection.highlighted = index
                self._show_view(views[index])
            else:
                with self.prevent(SelectionList.SelectionHighlighted):
                    selection.highlighted = index
        self._show_total()

    def _show_view(self, view: FamilyAidAssessmentView) -> None:
        name = view.binding.relative_name
        self.query_one("#fa-decision", DecisionPanel).show_decision(
            view, figures(view), title=f"{name}：政策核定 · {wv.document_of(self.services)}"
        )
        if fix := place_to_fill(view):
            self.query_one("#fa-step", Static).update(fix)

    def _show_bound(self, bound: Bound) -> None:
        b = bound.binding
        if bound.payer is not None:  # recorded in 职工医保 by this bind
            proof = self.query_one("#fa-payer-proof", Select).value
            self.payer, self.unknown_payer = bound.payer, None
            self._show_payer_check(None)
            if bound.payer.id_number:  # it was typed: the payer is known by it
                with self.prevent(Input.Changed):
                    self.query_one("#fa-payer", IdNumberInput).found(bound.payer.id_number)  # shown masked
            self.query_one("#fa-payer-info", Static).update(
                f"[b]{wv.person_line(bound.payer)}[/]\n职工医保参保（查验{proof}）"
            )
        with self.prevent(Input.Changed):
            self.query_one("#fa-relative", Input).value = ""
        self.query_one("#fa-relative-info", Static).update("")
        self.query_one("#fa-relation", Select).clear()
        self.query_one("#fa-evidence", Select).clear()
        self._list(bound.views, tick=b.relative_person_id)
        view = self.views.get(b.relative_person_id)
        if view is not None:
            self._show_view(view)
        step = bound_step(view) if view is not None else f"已绑定 {b.relative_name}（{b.relation_label}）。"
        self.query_one("#fa-step", Static).update(step)
        self.status(f"已绑定 {b.relative_name}（{b.relation_label}，{b.evidence}）。")

    def _show_paid(self, paid: Paid) -> None:
        """The receipts at once (their text files are saved); the PDFs and the printer follow."""
        self._show_receipts(paid, None)
        self.query_one("#fa-step", Static).update("")
        self.print_receipts(paid.receipts, paid.saved)
        if self.payer is not None:  # the list now shows them as paid
            self._reloading = True
            self.call(PayerOpened, open_payer, self.services, person_id=self.payer.id)

    def receipts_printed(self, saved: tuple[SavedReceipt, ...], failed: str | None) -> None:
        if self.paid is not None:
            self.paid = Paid(self.paid.receipts, saved)
            self._show_receipts(self.paid, failed)

    def _show_receipts(self, paid: Paid, failed: str | None) -> None:
        self.query_one("#fa-result", Static).update(result_text(paid))
        self.query_one("#fa-result").display = True
        nos = "、".join(r.receipt_no for r in paid.receipts)
        if failed:  # the payments are stored; the clerk prints the saved PDFs later
            self.status(f"缴费成功，收据号 {nos}，收据已保存；{failed}", "warning")
        elif any(s.pending for s in paid.saved):
            self.status(f"缴费成功，收据号 {nos}，文本收据已保存，正在生成 PDF 收据……")
        else:
            self.status(f"缴费成功，收据号 {nos}，{paid.saved[-1].status}")
