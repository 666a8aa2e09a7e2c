"""F2 参保登记: ID number → person → quote with clauses → payment → receipt.

The form follows the paper form: ID number first (validated as typed; an existing
record is opened and quoted at once), then name, hukou place, residence permit,
household and relation, employee insurance, special identities on file, category.

Ctrl+S is the counter's next step: first 登记 (save the person and the enrolment,
then show the quote from the rules with each clause); then 收款 (confirm, pay,
save the receipt and show its path). A refusal shows its reasons and stops there;
F2 then opens a fresh form for the next person.

Answers of the registry never move the focus while the clerk types: only Ctrl+S does
(to the field it names, or to 实收金额 once the quote is ready).
"""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from tui.formatting import cash_problem, change_markup, yuan
from tui.labels import relation_options
from tui.widgets.decision import DecisionPanel
from tui.widgets.history import HistoryForm
from tui.widgets.inputs import IdNumberInput, MoneyInput, invalid_on_enter
from tui.widgets.wrapping import CjkStatic
from tui.widgets.year_choice import YearChoice
from tui.workflows.base import AnswerColumn, FormColumn
from tui.workflows.messages import Answer, Invalid, Refused
from tui.workflows.receipts import PrintsReceipts
from tui.workflows.registration import calls
from tui.workflows.registration import history as hv
from tui.workflows.registration import presentation as rv
from tui.workflows.registration.messages import (
    HouseholdFound,
    PaymentTaken,
    PersonFound,
    PersonOpened,
    PersonRegistered,
)
from tui.workflows.years import ChoosesYear
from yibao.rules.decision import Decision
from yibao.services.counter import CounterView
from yibao.services.views import AssessmentView
from yibao.services.years import OpenYear

if TYPE_CHECKING:
    from yibao.printing.receipt import SavedReceipt


def _id_problem(value: str) -> str | None:
    from yibao.idnumbers import InvalidIdNumber, parse

    try:
        parse(value)
    except InvalidIdNumber as error:
        return error.message
    return None


def _region_problem(value: str) -> str | None:
    if not value:  # a person from a department list comes without one
        return "请填写户籍地：户口簿上的6位行政区划代码。"
    if not value.isdigit():
        return f"“{value}”不是行政区划代码：请输入户口簿上的6位数字代码。"
    from yibao.regions import InvalidRegion, validate

    try:
        validate(value)
    except InvalidRegion as error:
        return str(error)
    return None


def _row(label: str, widget: Widget) -> Horizontal:
    """One line of the paper form: the label, then the field."""
    return Horizontal(Label(label, classes="field-label"), widget, classes="row")


class RegistrationScreen(ChoosesYear, PrintsReceipts, hv.HistoryFormMixin):
    TITLE = "参保登记"
    DECISION = "#reg-quote"
    PERSON_FIELDS = ("#reg-id",)
    FIELDS = {
        "id_number": "#reg-id", "name": "#reg-name", "hukou_region": "#reg-hukou",
        "residence_permit_region": "#reg-permit", "number": "#reg-household", "household_number": "#reg-household",
        "relation_to_head": "#reg-relation", "category": "#reg-category",
        "town": "#reg-town", "village": "#reg-village",
        "received_fen": "#reg-received", "channel": "#reg-channel",
    }

    def __init__(self, person_id: str | None = None) -> None:
        super().__init__()
        self.person_id = person_id  # the person on file (from the case view, or found by ID)
        self.assessment: AssessmentView | None = None  # of the person on file
        self.paid: rv.Paid | None = None
        self.refused = False  # the last answer was 不予办理
        self._saved: rv.Draft | None = None  # the person part as the registry has it

    @property
    def finished(self) -> bool:
        """Paid, or refused: the desk key F2 then opens a fresh form for the next person."""
        return self.paid is not None or self.refused

    @property
    def dirty(self) -> bool:
        return self.paid is None and bool(self.query_one("#reg-id", Input).value.strip())

    # -- layout ----------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        with Horizontal(id="reg-columns"):
            with FormColumn(id="reg-person", classes="form"):
                yield _row("居民身份证号码", IdNumberInput(_id_problem, id="reg-id"))
                yield Static("", id="reg-id-info", classes="hint field-hint")
                yield _row("姓名", Input(placeholder="与身份证一致", id="reg-name", max_length=50))
                yield _row("户籍地", Input(placeholder="6位行政区划代码（见户口簿）", id="reg-hukou", max_length=6))
                yield Static("", id="reg-hukou-info", classes="hint field-hint")
                yield _row("居住证发证地", Input(placeholder="无则不填", id="reg-permit", max_length=6))
                yield Static("", id="reg-permit-info", classes="hint field-hint")
                yield _row("户号", Input(placeholder="户口簿上的户号，无则不填", id="reg-household", max_length=40))
                yield Static("", id="reg-household-info", classes="hint field-hint")
                yield _row("与户主关系", Select(relation_options(), prompt="请选择", id="reg-relation"))
                towns = self.services.persons.towns()
                # No town list for this county (data/regions/towns.csv): nothing to choose, so
                # the field says so and Tab skips it; the clerk writes the village only.
                yield _row("乡镇（街道）", Select([(t, t) for t in towns], id="reg-town", disabled=not towns,
                                                 prompt="请选择（居住地）" if towns else "无乡镇名单，只填村（社区）"))
                yield _row("村（社区）", Input(placeholder="如 河口村、前进社区", id="reg-village", max_length=50))
                yield _row("职工医保", Checkbox("否（空格键切换）", id="reg-employee"))
                yield _row("特殊身份", Static("（输入身份证号码后显示）", id="reg-identities", classes="hint"))
                yield _row("参保类别", Select(rv.category_options(), id="reg-category", value="general", allow_blank=False))
                yield HistoryForm(id="reg-history")  # 参保历史: declared → overrides (history.py)
            with AnswerColumn(id="reg-right"):
                yield YearChoice(id="reg-year")  # two benefit years open: the clerk chooses
                yield CjkStatic("填好左侧信息后按 Ctrl+S 登记并核定缴费。", id="reg-step", classes="hint")
                yield DecisionPanel(id="reg-quote")
                with Vertical(id="reg-payment", classes="form"):
                    yield _row("缴费方式", Select(rv.channel_options(), id="reg-channel", value="cash", allow_blank=False))
                    yield _row("实收金额（元）", MoneyInput(id="reg-received", allow_empty=True))
                    yield Static("", id="reg-change", classes="hint field-hint")
                yield Static("", id="reg-result")

    def on_mount(self) -> None:
        self.query_one("#reg-payment").display = False
        self.query_one("#reg-household-info").display = False
        self.query_one("#reg-permit-info").display = False
        from yibao.regions import usual_hukou

        self.query_one("#reg-hukou", Input).value = usual_hukou(self.services.policy.region_code)
        self.set_focus(self.query_one("#reg-id", IdNumberInput))  # now: ``call`` notes it
        self.ask_years()
        if self.person_id:
            self.call(PersonOpened, self.services.counter.open, person_id=self.person_id)

    # -- the ID number: validated as typed, the record opened when on file ---------------------
    @on(Input.Changed, "#reg-id")
    def _id_changed(self, event: Input.Changed) -> None:
        info = self.query_one("#reg-id-info", Static)
        value = event.value.strip()
        self.workers.cancel_group(self, PersonFound.__name__)
        if not value:
            info.update("")
            return
        if len(value) < 18:
            info.update(f"已输入 {len(value)} 位，还差 {18 - len(value)} 位")
            return
        problem = _id_problem(value)
        if problem:
            info.update(f"[b red]{problem}[/]")
            self.status(problem, "error")
            return
        from yibao.idnumbers import parse

        parsed = parse(value)
        info.update(f"出生日期 {parsed.birth_date.isoformat()} · {parsed.sex_label} · 发证地 {parsed.region_name}"
                    + (f"\n[b yellow]{parsed.region_note}[/]" if parsed.region_note else ""))
        if self.person_id is None or self.assessment is None or self.assessment.person.id_number != parsed.number:
            self.call(PersonFound, self.services.counter.open, id_number=parsed.number)

    @on(Input.Blurred, "#reg-id")
    def _id_left(self, event: Input.Blurred) -> None:
        value = event.value.strip()
        if not value or len(value) >= 18:
            return
        if problem := _id_problem(value):
            self.query_one("#reg-id-info", Static).update(f"[b red]{problem}[/]")
            return
        from yibao.idnumbers import validate  # a valid 15-digit number: shown as its 18-digit form

        event.input.value = validate(value)
        self.status("已将15位旧身份证号码换算为18位。")

    @on(Input.Changed, "#reg-hukou")
    @on(Input.Changed, "#reg-permit")
    def _region_changed(self, event: Input.Changed) -> None:
        self._region_hint(event.input)

    def _region_hint(self, field: Input) -> None:
        """Said under the field as typed: letters at once, a wrong code once six digits are in.
        Also when the record fills the field (under ``prevent``): the hint goes with the value."""
        info = self.query_one(f"#{field.id}-info", Static)
        value = field.value.strip()
        if not value or (len(value) < 6 and value.isdigit()):
            info.update("")
        elif problem := _region_problem(value):
            info.update(f"[b red]{problem}[/]")
        else:
            from yibao.regions import full_name

            info.update(full_name(value))
        if field.id == "reg-permit":
            info.display = bool(value)

    @on(Input.Changed, "#reg-household")
    def _household_changed(self, event: Input.Changed) -> None:
        self._look_up_household(event.value)

    def _household_hint(self, text: str) -> None:
        """The line under 户号 (hidden while empty, so the form keeps its shape)."""
        hint = self.query_one("#reg-household-info", Static)
        hint.update(text)
        hint.display = bool(text)

    def _look_up_household(self, value: str) -> None:
        """Say whose household the typed 户号 is (or that it is new) as the clerk types."""
        number = "".join(value.split())
        if not number:
            self.workers.cancel_group(self, HouseholdFound.__name__)
            self._latest[HouseholdFound] = -1
            self._household_hint("")
            return
        self.call(HouseholdFound, self.services.persons.household_by_number, number)

    @on(Checkbox.Changed, "#reg-employee")
    def _employee_changed(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = "是：正在参加职工医保" if event.value else "否（空格键切换）"

    @on(Input.Changed, "#reg-received")
    @on(Select.Changed, "#reg-channel")
    def _money_changed(self) -> None:
        self._show_change()
        self._say_cash_closed()

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        """Enter moves on, like Tab, so a clerk can fill the form with Enter."""
        if event.input.id == "reg-received":
            self.action_submit()
        elif not invalid_on_enter(event):
            self.focus_next()

    # -- reading the form --------------------------------------------------------------------
    def _draft(self, *, quiet: bool = False) -> rv.Draft | None:
        """The person part of the form, or None with the reason in the status line
        (and the focus on the field), unless ``quiet``."""
        id_value = self.query_one("#reg-id", Input).value.strip()
        name = self.query_one("#reg-name", Input).value.strip()
        hukou = self.query_one("#reg-hukou", Input).value.strip()
        permit = self.query_one("#reg-permit", Input).value.strip()
        household = self.query_one("#reg-household", Input).value.strip()
        relation = self.query_one("#reg-relation", Select).value
        checks: list[tuple[str, str | None]] = [
            ("#reg-id", _id_problem(id_value) if id_value else "请先输入居民身份证号码。"),
            ("#reg-name", None if name else "请填写姓名。"),
            ("#reg-hukou", _region_problem(hukou)),
            ("#reg-permit", _region_problem(permit) if permit else None),
            ("#reg-relation", "填写了户号时请选择与户主关系。" if household and relation is Select.NULL else None),
        ]
        for selector, problem in checks:
            if problem:
                if not quiet:
                    self.refuse_field(selector, problem)
                return None
        from yibao.idnumbers import validate

        return rv.Draft(
            id_number=validate(id_value),
            name=name,
            hukou_region=hukou,
            residence_permit_region=permit or None,
            household_number=household or None,
            relation_to_head=None if relation is Select.NULL else str(relation),
            employee_insured=self.query_one("#reg-employee", Checkbox).value,
            category=str(self.query_one("#reg-category", Select).value),
            town=None if (town := self.query_one("#reg-town", Select).value) is Select.NULL else str(town),
            village=self.query_one("#reg-village", Input).value.strip() or None,
        )

    def _show_change(self) -> None:
        due = rv.total_due(self.assessment)
        if due == 0:
            self.query_one("#reg-change", Static).update("全额资助：个人无需缴费，不收现金。")
            return
        received = self.query_one("#reg-received", MoneyInput).fen
        label = self.query_one("#reg-change", Static)
        cash = self.query_one("#reg-channel", Select).value == "cash"
        label.update(change_markup(due, cash=cash, received=received))

    # -- Ctrl+S: 登记, then 收款 ------------------------------------------------------------------
    def action_submit(self) -> None:
        if self.paid is not None:
            self.status("本次业务已办结。按 Esc 返回，或按 F2 办理下一位。")
            return
        if rv.payable(self.assessment) and not self._form_changed():
            if not self.history_refused():  # 参保历史 refused: correct it first
                self._confirm_payment()
            return
        draft = self._draft()
        if draft is None:
            return
        self.status("正在登记并核定……")
        self.call(PersonRegistered, calls.register, self.services, draft, self.person_id)

    def _confirm_address_code(self, decision: Decision) -> None:
        """The number's county code came into use after the birth year: the clerk checks
        the card and confirms (GB 11643), then 登记 goes on with ``id_confirmed``."""
        draft = self._draft()
        if draft is None:
            return

        def register() -> None:
            self.status("正在登记并核定……")
            confirmed = dataclasses.replace(draft, id_confirmed=True)
            self.call(PersonRegistered, calls.register, self.services, confirmed, self.person_id)

        self.confirm("请核对证件", list(decision.explain()), register, yes="已核对，继续登记")

    def _form_changed(self) -> bool:
        """Whether the person part differs from what was saved (then 登记 again before paying)."""
        if self._saved is None:
            return True
        current = self._draft(quiet=True)
        return current is None or current != self._saved

    def _say_cash_closed(self) -> bool:
        """Cash on a closed day (日结) is said before the amount is typed; True when so."""
        view = self.assessment
        cash = self.query_one("#reg-channel", Select).value == "cash"
        if view is None or not view.cash_closed or not cash or not view.due_fen:
            return False
        self.query_one("#reg-step", Static).update(f"[b red]{view.cash_closed}[/]\n可改选银行代收或线上缴费。")
        self.status("今日现金已日结：请改选其他缴费方式（见右侧）。", "error", about="#reg-channel")
        return True

    def _confirm_payment(self) -> None:
        view = self.assessment
        assert view is not None and view.due_fen is not None
        due = view.due_fen
        free = due == 0
        channel = "cash" if free else str(self.query_one("#reg-channel", Select).value)
        received = self.query_one("#reg-received", MoneyInput)
        if not free and self._say_cash_closed():
            self.query_one("#reg-channel").focus()
            return
        if not free and channel == "cash" and not received.value.strip():
            self.status(f"应收 {yuan(due)}：输入实收金额后按 Ctrl+S 收款。", about="#reg-received")
            received.focus()
            return
        short = None if free or channel != "cash" else cash_problem(due, received.value)
        if short is not None:
            self.refuse_field("#reg-received", short)
            return
        person = view.person
        body = [f"{person.name}（{person.id_masked}）{view.benefit_year}年度"]
        if free:
            body.append("全额资助：个人应缴 0.00 元，不收现金。")
        else:
            body.append(f"应收 {yuan(due)}　方式：{rv.channel_label(channel)}")
            if channel == "cash" and received.fen is not None:
                body.append(f"实收 {yuan(received.fen)}　找零 {yuan(received.fen - due)}")
        confirmed = view.decision.needs_confirmation
        if confirmed:
            body.append("注意：有事项需经办人员核实（见核定理由），确认即表示已核实，并记入操作记录。")
        cash_fen = received.fen if channel == "cash" and not free else None

        def pay() -> None:
            self.status("正在办理……" if free else "正在收款……")
            self.call(
                PaymentTaken, calls.pay, self.services, self.desk.receipts_dir, person.id,
                category=view.category, declared=self.declared_history(), channel=channel,
                received_fen=cash_fen, confirmed=confirmed,
            )

        if free:
            self.confirm("确认参保登记（免缴费）？", body, pay, yes="确认办理")
        else:
            self.confirm("确认收款？", body, pay, yes="确认收款")

    # -- answers from the services -----------------------------------------------------------
    @on(PersonFound)
    def _found(self, message: PersonFound) -> None:
        if self.answers_latest(message):
            self._show_opened(message.opened, found=True, after=message)

    @on(PersonOpened)
    def _opened(self, message: PersonOpened) -> None:
        self._show_opened(message.opened, found=False, after=message)

    @on(PersonRegistered)
    def _registered(self, message: PersonRegistered) -> None:
        self._show_opened(message.opened, found=False, registered=True, after=message)
        self.history_registered()

    @on(PaymentTaken)
    def _paid(self, message: PaymentTaken) -> None:
        self._show_paid(message.paid)

    @on(HouseholdFound)
    def _household(self, message: HouseholdFound) -> None:
        if self.answers_latest(message):
            self._household_hint(rv.household_text(message.household))

    def year_changed(self, year: OpenYear) -> None:
        self.assessment = None  # quote again in the chosen year
        self.query_one("#reg-payment").display = False
        self.status(f"改为办理 {year.label}。按 Ctrl+S 重新核定。")

    def show_refused(self, message: Refused) -> None:
        if message.answer is PersonRegistered and message.decision.rule == "id_number.address_code":
            self._confirm_address_code(message.decision)
            return
        if message.quote is not None:  # a draft year: the quote, marked, and nothing written
            self.show_assessment(message.quote, focus=False)
            return
        super().show_refused(message)
        self.query_one("#reg-payment").display = False
        self.query_one("#reg-step", Static).update(rv.REFUSED_STEP)
        self.assessment = None
        self.refused = True
        self.status("不予办理：理由见右侧。按 F2 办理下一位，Esc 返回。", "error")

    def show_invalid(self, message: Invalid) -> None:
        if message.answer is HouseholdFound:
            return
        if not self.history_invalid(message):
            super().show_invalid(message)

    def _show_opened(
        self, opened: CounterView | None, *, found: bool, after: Answer, registered: bool = False
    ) -> None:
        identities = self.query_one("#reg-identities", Static)
        if opened is None:  # a new person
            self.person_id = None
            self._saved = None
            self.assessment = None
            identities.update("无（新登记人员）")
            self.query_one("#reg-step", Static).update("新登记人员：填好左侧信息后按 Ctrl+S 登记并核定缴费。")
            self.status("登记库中没有此人，请按表填写。")
            self.history_opened(None)
            return
        person = opened.person
        self.person_id = person.id
        if found or not self.query_one("#reg-name", Input).value:
            self._fill(opened)
        self._saved = rv.draft_of(opened)
        identities.update(rv.identities_text(opened.identities))
        self.history_opened(opened, keep_typed=registered)
        # Found while typing the ID number: the focus stays where the clerk is; after Ctrl+S
        # (登记) it moves on to 实收金额.
        self.show_assessment(opened.assessment, focus=not found, after=after)
        if found:
            self.status(f"已调出 {person.name} 的登记档案，请核对。")

    def _fill(self, opened: CounterView) -> None:
        person = opened.person
        with self.prevent(Input.Changed):
            if person.id_number:
                self.query_one("#reg-id", IdNumberInput).found(person.id_number)  # shown masked
            self.query_one("#reg-name", Input).value = person.name
            self.query_one("#reg-hukou", Input).value = person.hukou_region or ""
            self.query_one("#reg-permit", Input).value = person.residence_permit_region or ""
            self.query_one("#reg-household", Input).value = opened.household_number or ""
            self.query_one("#reg-village", Input).value = person.village or ""
        self._region_hint(self.query_one("#reg-hukou", Input))
        self._region_hint(self.query_one("#reg-permit", Input))
        town_select = self.query_one("#reg-town", Select)
        if person.town and person.town in {value for _label, value in town_select._options if value is not Select.NULL}:
            town_select.value = person.town
        self._look_up_household(opened.household_number or "")
        if person.relation_to_head:
            self.query_one("#reg-relation", Select).value = person.relation_to_head
        self.query_one("#reg-employee", Checkbox).value = person.employee_insured
        self.query_one("#reg-category", Select).value = opened.assessment.category

    def show_assessment(self, view: AssessmentView, *, focus: bool, after: Answer | None = None) -> None:
        """Show the quote; ``focus``: move on to 实收金额 (not while the clerk types the 参保历史),
        unless the clerk moved elsewhere while the quote was made."""
        self.assessment = view
        self.refused = False
        panel = self.query_one("#reg-quote", DecisionPanel)
        step = self.query_one("#reg-step", Static)
        if view.draft:  # the figures as the draft says, never 准予办理
            panel.show("confirm", "试算（草稿·未确认，不能收费）", rv.figures(view),
                       [rv.DRAFT_LINE.format(year=view.benefit_year), *view.explain()],
                       title=f"{view.benefit_year}年度 试算（草稿·未确认）")
        elif (wait := rv.payable_from(view)) is not None:  # a wait, not a refusal: not 不予办理
            panel.show("confirm", f"登记有效，今天尚不能缴费（最早 {wait:%Y-%m-%d} 可缴）", rv.figures(view),
                       view.explain(), title=f"{view.benefit_year}年度 政策核定")
        else:
            panel.show_decision(view.decision, rv.figures(view), title=f"{view.benefit_year}年度 政策核定")
        if view.draft:
            self.query_one("#reg-payment").display = False
            self.refused = True
            step.update(f"[b yellow]{view.benefit_year}年度政策文件是草稿·未确认：以下为试算，不能收费，未登记。[/]\n"
                        "文件逐条确认并由审核人员启用（yibao policy activate）后再办理。")
            self.status("草稿·未确认：只能试算，不能收费。按 F2 办理下一位，Esc 返回。", "warning")
        elif rv.payable(view) and view.due_fen == 0:
            self.query_one("#reg-payment").display = False
            step.update("全额资助：个人无需缴费。核对无误后按 Ctrl+S 确认办理。")
            self.status("全额资助，无需收费：按 Ctrl+S 确认办理。")
        elif rv.payable(view):
            self.query_one("#reg-payment").display = True
            step.update("核定如下。选择缴费方式、输入实收金额后按 Ctrl+S 收款。")
            self.status(f"应收 {yuan(view.due_fen)}。输入实收金额后按 Ctrl+S 确认提交。")
            if view.cash_closed:
                with self.prevent(Select.Changed):
                    self.query_one("#reg-channel", Select).value = "bank"
                step.update(f"[b yellow]{view.cash_closed}[/]\n已改选银行代收；如改收现金须先重新开启该日。")
                self.status("今日现金已日结：已改选银行代收。", "warning")
            self._show_change()  # for the channel as it now is
            if focus and after is not None:
                self.focus_after(after, "#reg-channel" if view.cash_closed else "#reg-received")
        else:
            self.query_one("#reg-payment").display = False
            self.refused = True
            if view.existing_payment is not None:
                step.update(f"[b red]本年度已缴费（收据号 {view.existing_payment.receipt_no}），如需退费请按 F5。[/]")
                self.status("不予办理：理由见右侧。按 F2 办理下一位，Esc 返回。", "error")
            else:
                line, status, severity = rv.refused_step(view)
                step.update(line)
                self.status(status, severity)
                if focus and after is not None and rv.place_missing(view):
                    self.focus_after(after, "#reg-hukou")  # the field the line asks for

    def _show_paid(self, paid: rv.Paid) -> None:
        """The receipt at once (its text file is saved); the PDFs and the printer follow."""
        self.paid = paid
        self.query_one("#reg-payment").display = False
        self.query_one("#reg-step", Static).update("")
        self._show_receipt(paid)
        self.print_receipts([paid.receipt], [paid.saved])

    def receipts_printed(self, saved: tuple[SavedReceipt, ...], failed: str | None) -> None:
        if self.paid is not None:
            self.paid = dataclasses.replace(self.paid, saved=saved[0])
            self._show_receipt(self.paid)

    def _show_receipt(self, paid: rv.Paid) -> None:
        result = self.query_one("#reg-result", Static)
        result.update(rv.result_text(paid))
        self.call_after_refresh(result.scroll_visible)
        done = "办理成功（免缴费）" if paid.receipt.payment.amount_fen == 0 else "收款成功"
        self.status(f"{done}，收据号 {paid.receipt.receipt_no}，{paid.saved.status}",
                    "warning" if paid.saved.print_failed else "information")
