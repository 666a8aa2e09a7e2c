"""F2 参保登记: ID number → person → quote with clauses → payment → receipt.

The form follows the paper form: ID number first (validated as typed; an existing
record is opened and quoted at once), then name, hukou place, residence permit,
household and relation, employee insurance, special identities on file, category.

Ctrl+S is the counter's next step: first 登记 (save the person and the enrolment,
then show the quote from the rules with each clause); then 收款 (confirm, pay,
save the receipt and show its path). A refusal shows its reasons and stops there.
"""

from __future__ import annotations

from typing import Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widget import Widget
from textual.widgets import Checkbox, Input, Label, Select, Static

from tui import history_views as hv
from tui import registration_views as rv
from tui.formatting import change_markup, yuan
from tui.messages import ServiceDone, ServiceFailed, ServiceInvalid, ServiceRefused
from tui.modals.confirm import ConfirmModal
from tui.screens.base import FormScreen
from tui.views import relation_options
from tui.widgets.decision import DecisionPanel
from tui.widgets.history import HistoryForm
from tui.widgets.inputs import IdNumberInput, MoneyInput


def _id_problem(value: str) -> str | None:
    from yibao.idnumbers import InvalidIdNumber, parse

    try:
        parse(value)
    except InvalidIdNumber as error:
        return error.message
    return None


def _region_problem(value: str) -> str | None:
    from yibao.regions import InvalidRegion, validate

    try:
        validate(value)
    except InvalidRegion as error:
        return str(error)
    return None


def _row(label: str, widget: Widget) -> Horizontal:
    """One line of the paper form: the label, then the field."""
    return Horizontal(Label(label, classes="field-label"), widget, classes="row")


class RegistrationScreen(hv.HistoryFormMixin, FormScreen):
    TITLE = "参保登记"

    def __init__(self, person_id: str | None = None) -> None:
        super().__init__()
        self.person_id = person_id  # the person on file (from the case view, or found by ID)
        self.assessment: Any = None  # AssessmentView of the person on file
        self.paid: rv.Paid | None = None
        self._saved: rv.Draft | None = None  # the person part as the registry has it
        self._find_token = 0
        self._household_token = 0

    @property
    def finished(self) -> bool:
        """Paid and done: the desk key F2 then opens a fresh form."""
        return self.paid is not None

    # -- layout ----------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        with Horizontal(id="reg-columns"):
            with VerticalScroll(id="reg-person", classes="form"):
                yield _row("居民身份证号码", IdNumberInput(_id_problem, id="reg-id"))
                yield Static("", id="reg-id-info", classes="hint field-hint")
                yield _row("姓名", Input(placeholder="与身份证一致", id="reg-name", max_length=50))
                yield _row("户籍地", Input(placeholder="6位行政区划代码，如 611023", id="reg-hukou", restrict=r"\d*", max_length=6))
                yield Static("", id="reg-hukou-info", classes="hint field-hint")
                yield _row("居住证发证地", Input(placeholder="无则不填", id="reg-permit", restrict=r"\d*", max_length=6))
                yield _row("户号", Input(placeholder="户口簿上的户号，无则不填", id="reg-household", max_length=40))
                yield Static("", id="reg-household-info", classes="hint field-hint")
                yield _row("与户主关系", Select(relation_options(), prompt="请选择", id="reg-relation"))
                yield _row("乡镇（街道）", Select([(t, t) for t in self.services.persons.towns()], prompt="请选择（居住地）", id="reg-town"))
                yield _row("村（社区）", Input(placeholder="如 河口村、前进社区", id="reg-village", max_length=50))
                yield _row("职工医保", Checkbox("否（空格键切换）", id="reg-employee"))
                yield _row("特殊身份", Static("（输入身份证号码后显示）", id="reg-identities", classes="hint"))
                yield _row("参保类别", Select(rv.category_options(), id="reg-category", value="general", allow_blank=False))
                yield HistoryForm(id="reg-history")  # 参保历史: declared → overrides (tui/history_views.py)
            with VerticalScroll(id="reg-right"):
                yield Static("填好左侧信息后按 Ctrl+S 登记并核定缴费。", id="reg-step", classes="hint")
                yield DecisionPanel(id="reg-quote")
                with Vertical(id="reg-payment", classes="form"):
                    yield _row("缴费方式", Select(rv.channel_options(), id="reg-channel", value="cash", allow_blank=False))
                    yield _row("实收金额（元）", MoneyInput(id="reg-received", allow_empty=True))
                    yield Static("", id="reg-change", classes="hint field-hint")
                yield Static("", id="reg-result")

    def on_mount(self) -> None:
        self.query_one("#reg-payment").display = False
        self.query_one("#reg-household-info").display = False
        self.query_one("#reg-hukou", Input).value = str(getattr(self.services.policy, "region_code", ""))
        self.query_one("#reg-id", IdNumberInput).focus()
        if self.person_id:
            self.call_service("open", rv.open_person, self.services, person_id=self.person_id)

    # -- the ID number: validated as typed, the record opened when on file ---------------------
    @on(Input.Changed, "#reg-id")
    def _id_changed(self, event: Input.Changed) -> None:
        info = self.query_one("#reg-id-info", Static)
        value = event.value.strip()
        self._find_token = 0
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
        info.update(f"出生日期 {parsed.birth_date.isoformat()} · {parsed.sex_label} · 发证地 {parsed.region_name}")
        if self.person_id is None or self.assessment is None or self.assessment.person.id_number != parsed.number:
            self._find_token = self.call_service("find", rv.open_person, self.services, id_number=parsed.number)

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
        if event.input.id != "reg-hukou":
            return
        info = self.query_one("#reg-hukou-info", Static)
        if len(event.value) < 6:
            info.update("")
        elif problem := _region_problem(event.value):
            info.update(f"[b red]{problem}[/]")
        else:
            from yibao.regions import full_name

            info.update(full_name(event.value))

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
        self._household_token = 0
        if not number:
            self._household_hint("")
            return
        self._household_token = self.call_service(
            "household", self.services.persons.household_by_number, number
        )

    @on(Checkbox.Changed, "#reg-employee")
    def _employee_changed(self, event: Checkbox.Changed) -> None:
        event.checkbox.label = "是：正在参加职工医保" if event.value else "否（空格键切换）"

    @on(Input.Changed, "#reg-received")
    @on(Select.Changed, "#reg-channel")
    def _money_changed(self) -> None:
        self._show_change()

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        """Enter moves on, like Tab, so a clerk can fill the form with Enter."""
        if event.input.id == "reg-received":
            self.action_submit()
        else:
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
                    self.status(problem, "error")
                    self.query_one(selector).focus()
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
        self.call_service("register", rv.register, self.services, draft, self.person_id)

    def _form_changed(self) -> bool:
        """Whether the person part differs from what was saved (then 登记 again before paying)."""
        if self._saved is None:
            return True
        current = self._draft(quiet=True)
        return current is None or current != self._saved

    def _confirm_payment(self) -> None:
        view = self.assessment
        due = view.due_fen
        channel = str(self.query_one("#reg-channel", Select).value)
        received = self.query_one("#reg-received", MoneyInput).fen
        if channel == "cash" and (received is None or received < due):
            self.status(f"请输入实收金额（应收 {yuan(due)}）。", "error")
            self.query_one("#reg-received").focus()
            return
        person = view.person
        body = [f"{person.name}（{person.id_masked}）{view.benefit_year}年度", f"应收 {yuan(due)}　方式：{rv.channel_label(channel)}"]
        if channel == "cash":
            body.append(f"实收 {yuan(received)}　找零 {yuan(received - due)}")
        confirmed = view.decision.needs_confirmation
        if confirmed:
            body.append("注意：有事项需经办人员核实（见核定理由），确认即表示已核实。")

        def answered(yes: bool | None) -> None:
            if yes:
                self.status("正在收款……")
                self.call_service(
                    "pay", hv.pay, self.services, self.desk.receipts_dir, person.id,
                    category=view.category, declared=self.declared_history(), channel=channel,
                    received_fen=received if channel == "cash" else None, confirmed=confirmed,
                )

        self.app.push_screen(ConfirmModal("确认收款？", "\n".join(body), yes="确认收款"), answered)

    # -- answers from the services -----------------------------------------------------------
    @on(ServiceDone)
    def _done(self, message: ServiceDone) -> None:
        match message.op:
            case "find" if message.token == self._find_token:
                self._show_opened(message.result, found=True)
            case "open" | "register":
                self._show_opened(message.result, found=False)
            case "pay":
                self._show_paid(message.result)
            case "household" if message.token == self._household_token:
                self._household_hint(rv.household_text(message.result))

    @on(ServiceRefused)
    def _refused(self, message: ServiceRefused) -> None:
        self.query_one("#reg-quote", DecisionPanel).show_decision(message.decision, title="不予办理")
        self.query_one("#reg-payment").display = False
        self.query_one("#reg-step", Static).update("[b red]不予办理，理由如下。[/]")
        self.assessment = None
        self.status("不予办理：理由见右侧。", "error")

    @on(ServiceInvalid)
    def _invalid(self, message: ServiceInvalid) -> None:
        if message.op == "household" and message.token != self._household_token:
            return
        self.status(message.message, "error")
        target = {
            "id_number": "#reg-id", "name": "#reg-name", "hukou_region": "#reg-hukou",
            "residence_permit_region": "#reg-permit", "number": "#reg-household", "household_number": "#reg-household",
            "relation_to_head": "#reg-relation", "category": "#reg-category",
            "received_fen": "#reg-received", "channel": "#reg-channel",
        }.get(message.field or "")
        if target:
            self.query_one(target).focus()

    @on(ServiceFailed)
    def _failed(self, message: ServiceFailed) -> None:
        self.status(f"出错了：{message.error}", "error")

    def _show_opened(self, opened: rv.Opened | None, *, found: bool) -> None:
        identities = self.query_one("#reg-identities", Static)
        if opened is None:  # a new person
            self.person_id = None
            self._saved = None
            self.assessment = None
            identities.update("无（新登记人员）")
            self.query_one("#reg-step", Static).update("新登记人员：填好左侧信息后按 Ctrl+S 登记并核定缴费。")
            self.status("登记库中没有此人，请按表填写。")
            self.query_one("#reg-name").focus()
            return
        person = opened.person
        self.person_id = person.id
        if found or not self.query_one("#reg-name", Input).value:
            self._fill(opened)
        self._saved = rv.draft_of(opened)
        identities.update(rv.identities_text(opened.identities))
        self._show_assessment(opened.assessment)
        if found:
            self.status(f"已调出 {person.name} 的登记档案，请核对。")

    def _fill(self, opened: rv.Opened) -> None:
        person = opened.person
        with self.prevent(Input.Changed):
            if person.id_number:
                self.query_one("#reg-id", Input).value = person.id_number
            self.query_one("#reg-name", Input).value = person.name
            self.query_one("#reg-hukou", Input).value = person.hukou_region or ""
            self.query_one("#reg-permit", Input).value = person.residence_permit_region or ""
            self.query_one("#reg-household", Input).value = opened.household_number or ""
            self.query_one("#reg-village", Input).value = person.village or ""
        town_select = self.query_one("#reg-town", Select)
        if person.town and person.town in {value for _label, value in town_select._options if value is not Select.NULL}:
            town_select.value = person.town
        self._look_up_household(opened.household_number or "")
        if person.relation_to_head:
            self.query_one("#reg-relation", Select).value = person.relation_to_head
        self.query_one("#reg-employee", Checkbox).value = person.employee_insured
        self.query_one("#reg-category", Select).value = opened.assessment.category

    def _show_assessment(self, view: Any, *, focus: bool = True) -> None:
        """Show the quote; ``focus``: move on to 实收金额 (not while the clerk types the 参保历史)."""
        self.assessment = view
        panel = self.query_one("#reg-quote", DecisionPanel)
        panel.show_decision(view.decision, rv.figures(view), title=f"{view.benefit_year}年度 政策核定")
        step = self.query_one("#reg-step", Static)
        if rv.payable(view):
            self.query_one("#reg-payment").display = True
            self._show_change()
            step.update("核定如下。选择缴费方式、输入实收金额后按 Ctrl+S 收款。")
            self.status(f"应收 {yuan(view.due_fen)}。输入实收金额后按 Ctrl+S 确认提交。")
            if focus:
                self.query_one("#reg-received").focus()
        else:
            self.query_one("#reg-payment").display = False
            if view.existing_payment is not None:
                step.update(f"[b red]本年度已缴费（收据号 {view.existing_payment.receipt_no}），如需退费请按 F5。[/]")
            else:
                step.update("[b red]不予办理，理由如下。[/]")
            self.status("不予办理：理由见右侧。", "error")

    def _show_paid(self, paid: rv.Paid) -> None:
        self.paid = paid
        self.query_one("#reg-payment").display = False
        self.query_one("#reg-step", Static).update("")
        result = self.query_one("#reg-result", Static)
        result.update(rv.result_text(paid))
        self.call_after_refresh(result.scroll_visible)
        self.status(f"收款成功，收据号 {paid.receipt.receipt_no}，收据已保存：{paid.path}")
