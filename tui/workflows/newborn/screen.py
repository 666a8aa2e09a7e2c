"""F3 新生儿参保: guardian → baby → the rules' answer (90 days, fee, coverage, year) → payment.

The form follows the paper form: the guardian's ID number (looked up in the
registry), the baby's 出生医学证明编号 (or ID number if it already has one), name,
sex, birth date and hukou place.

Ctrl+S is the counter's next step: first 登记并核定 (save the baby, or open it when the
certificate is already on file, then show what ``newborns.assess`` says with each
clause); where the policy lets the guardian choose the benefit year (商南 四(二)2(2)) a
year selector appears and the answer is asked again for the year chosen; then 收款
(confirm, ``newborns.enrol``, save the receipt and show its path). When the policy
says the baby enrols free (山阴), the payment fields stay hidden and Ctrl+S confirms
the free enrolment. A refusal shows its reasons and stops there.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Input, Select, Static

from tui.formatting import cash_problem, change_markup, yuan
from tui.widgets import form as wv
from tui.widgets.decision import DecisionPanel
from tui.widgets.inputs import DateInput, MoneyInput, Restricted, invalid_on_enter
from tui.widgets.wrapping import CjkStatic
from tui.widgets.year_choice import YearChoice
from tui.workflows.base import AnswerColumn, FormColumn, WorkflowScreen
from tui.workflows.messages import Answer, Invalid, Refused
from tui.workflows.newborn.calls import (
    enrol,
    find_guardian,
    open_person,
    reassess,
    register_and_assess,
)
from tui.workflows.newborn.messages import (
    GuardianFound,
    NewbornAssessed,
    NewbornEnrolled,
    NewbornOpened,
    NewbornReassessed,
)
from tui.workflows.newborn.presentation import (
    Assessed,
    BabyDraft,
    Enrolled,
    figures,
    newborn_decision,
    result_text,
    year_choices,
)
from tui.workflows.receipts import PrintsReceipts
from tui.workflows.registration import presentation as rv
from tui.workflows.years import ChoosesYear
from yibao.services.years import OpenYear

if TYPE_CHECKING:
    from yibao.printing.receipt import SavedReceipt
    from yibao.services.views import NewbornAssessmentView, PersonView

SEX_OPTIONS: list[tuple[str, str]] = [("男", "1"), ("女", "2")]


class NewbornScreen(ChoosesYear, PrintsReceipts, WorkflowScreen):
    YEAR_PURPOSE = "newborn"
    TITLE = "新生儿参保"
    DECISION = "#nb-decision"
    PERSON_FIELDS = ("#nb-guardian", "#nb-cert", "#nb-idno")
    FIELDS = {
        "guardian": "#nb-guardian", "guardian_person_id": "#nb-guardian",
        "birth_cert_no": "#nb-cert", "id_number": "#nb-idno", "name": "#nb-name",
        "sex": "#nb-sex", "birth_date": "#nb-birth", "hukou_region": "#nb-hukou",
        "year_choice": "#nb-year", "received_fen": "#nb-received", "channel": "#nb-channel",
    }

    DEFAULT_CSS = """
    NewbornScreen #nb-columns { height: 1fr; }
    NewbornScreen #nb-form { width: 54; height: 1fr; padding: 1 1 0 0; }
    NewbornScreen #nb-right { width: 1fr; height: 1fr; padding: 1 1 0 1; }
    NewbornScreen #nb-step { margin-bottom: 1; }
    NewbornScreen #nb-year-row, NewbornScreen #nb-payment { height: auto; padding: 1 0 0 0; }
    NewbornScreen #nb-result { margin-top: 1; height: auto; }
    """

    def __init__(self, person_id: str | None = None) -> None:
        super().__init__()
        self.person_id = person_id  # from the case view: the baby or the guardian
        self.baby: PersonView | None = None  # once saved or opened
        self.assessment: NewbornAssessmentView | None = None
        self.draft: BabyDraft | None = None  # the form as it was assessed
        self.done: Enrolled | None = None
        self.workers.cancel_group(self, GuardianFound.__name__)

    @property
    def dirty(self) -> bool:
        """Something typed and not yet enrolled: Ctrl+Q asks first (户籍地 is prefilled, so
        it does not count)."""
        typed = ("#nb-guardian", "#nb-cert", "#nb-idno", "#nb-name", "#nb-birth")
        return self.done is None and any(self.query_one(s, Input).value.strip() for s in typed)

    # -- layout ----------------------------------------------------------------------------
    def compose_body(self) -> ComposeResult:
        with Horizontal(id="nb-columns"):
            with FormColumn(id="nb-form", classes="form"):
                yield wv.row("监护人身份证号", wv.OptionalIdInput(id="nb-guardian"))
                yield wv.Hint("", id="nb-guardian-info")
                yield wv.row(
                    "出生医学证明号",
                    Restricted(placeholder="1位字母加9位数字，如 Q610123456", id="nb-cert",
                               takes="字母和数字（共10位）", restrict=r"[A-Za-z0-9]*", max_length=10),
                )
                yield wv.Hint("", id="nb-cert-info")
                yield wv.row(
                    "新生儿身份证号",
                    wv.OptionalIdInput(placeholder="已办理身份证的填写，否则不填", id="nb-idno"),
                )
                yield wv.Hint("", id="nb-idno-info")
                yield wv.row("新生儿姓名", Input(placeholder="与出生医学证明一致", id="nb-name", max_length=50))
                yield wv.row("性别", Select(SEX_OPTIONS, prompt="请选择", id="nb-sex"))
                yield wv.row("出生日期", DateInput(id="nb-birth"))
                yield wv.row(
                    "户籍地",
                    Restricted(placeholder="6位行政区划代码", id="nb-hukou", takes="6位数字", restrict=r"\d*", max_length=6),
                )
                yield wv.Hint("", id="nb-hukou-info")
            with AnswerColumn(id="nb-right"):
                yield YearChoice(id="nb-benefit-year")  # two benefit years open: the clerk chooses
                yield CjkStatic("填好左侧信息后按 Ctrl+S 登记并核定。", id="nb-step", classes="hint")
                yield DecisionPanel(id="nb-decision")
                with Vertical(id="nb-year-row", classes="form"):
                    yield wv.row("待遇年度", Select([], prompt="请选择", id="nb-year"))
                with Vertical(id="nb-payment", classes="form"):
                    yield wv.row(
                        "缴费方式",
                        Select(rv.channel_options(), id="nb-channel", value="cash", allow_blank=False),
                    )
                    yield wv.row("实收金额（元）", MoneyInput(id="nb-received", allow_empty=True))
                    yield wv.Hint("", id="nb-change")
                yield Static("", id="nb-result")

    def on_mount(self) -> None:
        self.query_one("#nb-payment").display = False
        self.query_one("#nb-year-row").display = False
        from yibao.regions import usual_hukou

        self.query_one("#nb-hukou", Input).value = usual_hukou(self.services.policy.region_code)
        self.set_focus(self.query_one("#nb-guardian"))  # now: ``call`` notes it
        self.ask_years()
        if self.person_id:
            self.call(NewbornOpened, open_person, self.services, self.person_id)

    # -- field hints as typed ----------------------------------------------------------------
    @on(Input.Changed, "#nb-guardian")
    def _guardian_changed(self, event: Input.Changed) -> None:
        info = self.query_one("#nb-guardian-info", Static)
        value = event.value.strip()
        if not value:
            info.update("")
        elif len(value) < 18:
            info.update(f"已输入 {len(value)} 位，还差 {18 - len(value)} 位")
        elif problem := wv.id_problem(value):
            info.update(f"[b red]{problem}[/]")
        else:
            info.update("正在查找……")
            self.call(GuardianFound, find_guardian, self.services, value)

    @on(Input.Changed, "#nb-cert")
    def _cert_changed(self, event: Input.Changed) -> None:
        value = event.value.strip()
        self._another_baby()
        problem = wv.birth_cert_problem(value) if len(value) >= 10 else None
        self.query_one("#nb-cert-info", Static).update(f"[b red]{problem}[/]" if problem else "")

    @on(Input.Changed, "#nb-idno")
    def _idno_changed(self, event: Input.Changed) -> None:
        value = event.value.strip()
        if self.baby is not None and self.baby.has_id_number and value != self.baby.id_number:
            self._another_baby()
        info = self.query_one("#nb-idno-info", Static)
        if len(value) < 18:
            info.update(f"已输入 {len(value)} 位，还差 {18 - len(value)} 位" if value else "")
        elif problem := wv.id_problem(value):
            info.update(f"[b red]{problem}[/]")
        else:
            info.update(wv.id_info(value))

    def _another_baby(self) -> None:
        """The certificate or ID number was changed: the next Ctrl+S is for that baby."""
        if self.baby is None or self.done is not None:
            return
        self.baby = self.assessment = self.draft = None
        self.query_one("#nb-decision", DecisionPanel).clear()
        self.query_one("#nb-payment").display = False
        self.query_one("#nb-year-row").display = False
        self.query_one("#nb-step", Static).update("填好左侧信息后按 Ctrl+S 登记并核定。")

    @on(Input.Changed, "#nb-hukou")
    def _hukou_changed(self, event: Input.Changed) -> None:
        info = self.query_one("#nb-hukou-info", Static)
        if len(event.value) < 6:
            info.update("")
        elif problem := wv.region_problem(event.value):
            info.update(f"[b red]{problem}[/]")
        else:
            info.update(wv.region_name(event.value))

    @on(Input.Changed, "#nb-received")
    @on(Select.Changed, "#nb-channel")
    def _money_changed(self) -> None:
        self._show_change()

    @on(Select.Changed, "#nb-year")
    def _year_changed(self, event: Select.Changed) -> None:
        if self.baby is None or event.value is Select.NULL or self.done is not None:
            return
        self.status("正在按所选待遇年度重新核定……")
        self.call_from(event.select, NewbornReassessed, reassess, self.services, self.baby.id, int(event.value))

    @on(Input.Submitted)
    def _next_field(self, event: Input.Submitted) -> None:
        """Enter moves on like Tab; Enter in 实收金额 submits."""
        if event.input.id == "nb-received":
            self.action_submit()
        elif event.input.id == "nb-cert" and (problem := self._cert_problem()):
            # a number cut short says nothing while typed; Enter on it says what is wrong
            self.query_one("#nb-cert-info", Static).update(f"[b red]{problem}[/]")
            self.status(problem, "warning", about="#nb-cert")
        elif not invalid_on_enter(event):
            self.focus_next()

    def _cert_problem(self) -> str | None:
        value = self.query_one("#nb-cert", Input).value.strip().upper()
        return wv.birth_cert_problem(value) if value else None

    # -- reading the form --------------------------------------------------------------------
    def _year_choice(self) -> int | None:
        value = self.query_one("#nb-year", Select).value
        return None if value is Select.NULL else int(value)

    def _read_draft(self, *, quiet: bool = False) -> BabyDraft | None:
        """The form, or None with the reason in the status line and focus on the field
        (``quiet``: just None)."""
        guardian = self.query_one("#nb-guardian", Input).value.strip()
        cert = self.query_one("#nb-cert", Input).value.strip().upper()
        idno = self.query_one("#nb-idno", Input).value.strip().upper()
        name = self.query_one("#nb-name", Input).value.strip()
        sex = self.query_one("#nb-sex", Select).value
        birth = self.query_one("#nb-birth", DateInput)
        hukou = self.query_one("#nb-hukou", Input).value.strip()
        checks: list[tuple[str, str | None]] = [
            ("#nb-guardian", wv.id_problem(guardian) if guardian else None),
            ("#nb-cert", wv.birth_cert_problem(cert) if cert else None),
            ("#nb-idno", wv.id_problem(idno) if idno else None),
            ("#nb-guardian", None if cert or idno or guardian or self.baby is not None
             else "请填写监护人身份证号，或新生儿的出生医学证明编号（已办身份证的填身份证号）。"),
            ("#nb-name", None if name else "请填写新生儿姓名。"),
            ("#nb-sex", "请选择性别。" if sex is Select.NULL and not idno else None),
            ("#nb-birth", None if birth.date or (idno and not birth.value.strip())
             else f"出生日期：{birth.problem}" if birth.value.strip()
             else "请填写出生日期（YYYY-MM-DD 或 YYYYMMDD）。"),
            ("#nb-hukou", wv.region_problem(hukou)),
        ]
        for selector, problem in checks:
            if problem:
                if not quiet:
                    self.refuse_field(selector, problem)
                return None
        birth_date = birth.date
        if idno and birth_date is None:
            from yibao.idnumbers import parse

            birth_date = parse(idno).birth_date
        return BabyDraft(
            guardian_id_number=guardian or None,
            birth_cert_no=cert or None,
            id_number=idno or None,
            name=name,
            sex=None if sex is Select.NULL else str(sex),
            birth_date=birth_date,
            hukou_region=hukou,
        )

    def _payable(self) -> bool:
        """Whether the answer lets the counter take the fee (a year offered must be chosen)."""
        view = self.assessment
        if view is None or view.due_fen is None or str(view.outcome) == "refused":
            return False
        return not (self._choice_pending(view) and self._year_choice() is None)

    @staticmethod
    def _choice_pending(view: NewbornAssessmentView) -> bool:
        d = newborn_decision(view)
        return d is not None and len(year_choices(view)) > 1 and bool(d.within_window)

    def _show_change(self) -> None:
        label = self.query_one("#nb-change", Static)
        due = self.assessment.due_fen if self._payable() else None
        received = self.query_one("#nb-received", MoneyInput).fen
        cash = self.query_one("#nb-channel", Select).value == "cash"
        label.update(change_markup(due, cash=cash, received=received))

    # -- Ctrl+S: 登记并核定, then 收款 ----------------------------------------------------------------
    def action_submit(self) -> None:
        if self.done is not None:
            self.status("本次业务已办结。按 Esc 返回，或按 F3 办理下一位。")
            return
        draft = self._read_draft()
        if draft is None:
            return
        if self._payable() and self.draft is not None and self._same(draft):
            self._confirm()
            return
        self.status("正在登记并核定……")
        baby_id = self.baby.id if self.baby is not None else None
        self.call(NewbornAssessed, register_and_assess, self.services, draft, baby_id, self._year_choice())

    def _same(self, draft: BabyDraft) -> bool:
        """Whether the form is what was assessed (else 登记并核定 again before paying)."""
        return draft == self.draft

    def _confirm(self) -> None:
        view = self.assessment
        due = int(view.due_fen)
        free = due == 0
        channel = "cash" if free else str(self.query_one("#nb-channel", Select).value)
        typed = self.query_one("#nb-received", MoneyInput).value
        received = 0 if free else self.query_one("#nb-received", MoneyInput).fen
        short = None if free or channel != "cash" else cash_problem(due, typed)
        if short is not None:
            self.refuse_field("#nb-received", short)
            return
        baby = view.person
        body = [f"新生儿 {wv.person_line(baby)}　{view.benefit_year}年度"]
        if free:
            body.append("按政策免缴费参保。")
        else:
            body.append(f"应收 {yuan(due)}　方式：{rv.channel_label(channel)}")
            if channel == "cash":
                body.append(f"实收 {yuan(received)}　找零 {yuan(received - due)}")
        confirmed = str(view.outcome) == "confirm"
        if confirmed:
            body.append("注意：有事项需经办人员核实（见核定理由），确认即表示已核实。")

        def take() -> None:
            self.status("正在办理……")
            self.call(
                NewbornEnrolled, enrol, self.services, self.desk.receipts_dir, baby.id,
                channel=channel, received_fen=received if channel == "cash" and not free else None,
                year_choice=self._year_choice(), paid_on=view.paid_on, confirmed=confirmed,
            )

        title = "确认免费参保？" if free else "确认收款？"
        self.confirm(title, body, take, yes="确认办理" if free else "确认收款")

    # -- answers from the services -----------------------------------------------------------
    @on(GuardianFound)
    def _guardian_found(self, message: GuardianFound) -> None:
        if self.answers_latest(message):
            self._show_guardian(message.guardian)

    @on(NewbornOpened)
    def _opened(self, message: NewbornOpened) -> None:
        if isinstance(message.opened, Assessed):
            self._fill(message.opened)
            self._focus_next_step(message, self._show_assessed(message.opened))
        else:
            self._fill_guardian(message.opened)
            self.focus_after(message, "#nb-cert")

    @on(NewbornAssessed)
    def _assessed(self, message: NewbornAssessed) -> None:
        self._focus_next_step(message, self._show_assessed(message.assessed))

    @on(NewbornReassessed)
    def _reassessed(self, message: NewbornReassessed) -> None:
        self._focus_next_step(message, self._show_assessment(message.view))

    def _focus_next_step(self, message: Answer, selector: str | None) -> None:
        if selector:
            self.focus_after(message, selector)

    @on(NewbornEnrolled)
    def _enrolled(self, message: NewbornEnrolled) -> None:
        self._show_done(message.done)

    def year_changed(self, year: OpenYear) -> None:
        if self.baby is not None and self.done is None:  # the baby on screen: that year's rules
            self.status(f"改为办理 {year.label}，正在按该年度文件重新核定……")
            self.call(NewbornReassessed, reassess, self.services, self.baby.id, None)
        else:
            self.status(f"改为办理 {year.label}。填好信息后按 Ctrl+S 登记并核定。")

    def show_refused(self, message: Refused) -> None:
        super().show_refused(message)
        self.query_one("#nb-payment").display = False
        self.query_one("#nb-step", Static).update("[b red]不予办理，理由如下。[/]")
        self.assessment = None

    def show_invalid(self, message: Invalid) -> None:
        if message.answer is GuardianFound:
            self.query_one("#nb-guardian-info", Static).update(f"[b red]{message.text}[/]")
            return
        super().show_invalid(message)

    def _show_guardian(self, person: PersonView | None) -> None:
        info = self.query_one("#nb-guardian-info", Static)
        if person is None:
            info.update("[b red]登记库中没有此人[/]：请先按 F2 登记监护人，或清空此项后办理。")
        else:
            info.update(f"[b]{wv.person_line(person)}[/]")
            if person.id_number:  # found: the number the clerk typed is now shown masked
                with self.prevent(Input.Changed):
                    self.query_one("#nb-guardian", wv.OptionalIdInput).found(person.id_number)

    def _fill_guardian(self, person: PersonView) -> None:
        if person.id_number:
            self.query_one("#nb-guardian", wv.OptionalIdInput).found(person.id_number)  # shown masked

    def _fill(self, assessed: Assessed) -> None:
        baby = assessed.baby
        with self.prevent(Input.Changed):
            if assessed.guardian is not None and assessed.guardian.id_number:
                self.query_one("#nb-guardian", wv.OptionalIdInput).found(assessed.guardian.id_number)
                self._show_guardian(assessed.guardian)
            self.query_one("#nb-idno", wv.OptionalIdInput).found(baby.id_number or "")
            self.query_one("#nb-name", Input).value = baby.name
            self.query_one("#nb-birth", DateInput).value = baby.birth_date.isoformat()
            self.query_one("#nb-hukou", Input).value = baby.hukou_region or ""
        if baby.sex in ("1", "2"):
            self.query_one("#nb-sex", Select).value = baby.sex
        self.query_one("#nb-cert-info", Static).update(
            f"已登记：{baby.birth_cert_masked}" if baby.birth_cert_masked else ""
        )

    def _show_assessed(self, assessed: Assessed) -> str | None:
        self.baby = assessed.baby
        if assessed.draft is not None:
            self.draft = assessed.draft
        else:  # opened from the case view: the form as filled is what was assessed
            self.draft = self._read_draft(quiet=True)
        return self._show_assessment(assessed.assessment)

    def _show_assessment(self, view: NewbornAssessmentView) -> str | None:
        """Show the answer; returns the field the clerk goes on to (if the answer asks one)."""
        self.assessment = view
        panel = self.query_one("#nb-decision", DecisionPanel)
        panel.show_decision(
            view, figures(view),
            title=f"{view.benefit_year}年度 新生儿参保核定 · {wv.document_of(self.services)}",
        )
        self._show_year_choice(view)
        step = self.query_one("#nb-step", Static)
        payment = self.query_one("#nb-payment")
        if self._payable():
            free = view.due_fen == 0
            payment.display = not free
            if free:
                step.update("按政策免缴费参保。核对无误后按 Ctrl+S 确认办理。")
                self.status("免缴费参保：按 Ctrl+S 确认办理。")
            else:
                doubt = "[b yellow]需人工核实（见理由），核实后再收款；确认时记入操作记录。[/]\n" if str(view.outcome) == "confirm" else ""
                if view.cash_closed:  # said now, not after the amount is typed and confirmed
                    with self.prevent(Select.Changed):
                        self.query_one("#nb-channel", Select).value = "bank"
                    self._show_change()
                    step.update(doubt + f"[b yellow]{view.cash_closed}[/]\n已改选银行代收；如改收现金须先重新开启该日。")
                    self.status("今日现金已日结：已改选银行代收。", "warning")
                    return "#nb-channel"
                self._show_change()
                step.update(doubt + "核定如下。选择缴费方式、输入实收金额后按 Ctrl+S 收款。")
                self.status(f"应收 {yuan(view.due_fen)}。输入实收金额后按 Ctrl+S 确认提交。")
                return "#nb-received"
        else:
            payment.display = False
            if view.existing_payment is not None:
                step.update(
                    f"[b red]本年度已缴费（收据号 {view.existing_payment.receipt_no}），"
                    "如需退费请按 F5。[/]"
                )
                self.status("不予办理：本年度已缴费。", "error")
            elif self._choice_pending(view) and self._year_choice() is None:
                step.update("[b yellow]请监护人选择待遇年度，选择后重新核定。[/]")
                self.status("请选择待遇年度。")
                return "#nb-year"
            elif str(view.outcome) == "confirm":
                step.update("[b yellow]需人工核实：文件对此未作规定，无法确定应缴金额，请向医保经办机构核实后办理。[/]")
                self.status("需人工核实：理由见右侧。", "warning")
            else:
                step.update("[b red]不予办理，理由如下。[/]")
                self.status("不予办理：理由见右侧。", "error")
        return None

    def _show_year_choice(self, view: NewbornAssessmentView) -> None:
        choices = year_choices(view)
        row = self.query_one("#nb-year-row")
        select = self.query_one("#nb-year", Select)
        if not self._choice_pending(view):
            row.display = False
            return
        current = select.value
        options = [(f"{year}年（{'出生当年' if i == 0 else '出生次年'}）", year) for i, year in enumerate(choices)]
        if not row.display:
            with self.prevent(Select.Changed):
                select.set_options(options)
                if current in choices:
                    select.value = current
        row.display = True

    def _show_done(self, done: Enrolled) -> None:
        """The receipt at once (its text file is saved); the PDFs and the printer follow."""
        self.done = done
        self.query_one("#nb-payment").display = False
        self.query_one("#nb-year-row").display = False
        self.query_one("#nb-step", Static).update("")
        self._show_receipt(done)
        self.print_receipts([done.receipt], [done.saved])

    def receipts_printed(self, saved: tuple[SavedReceipt, ...], failed: str | None) -> None:
        if self.done is not None:
            self.done = Enrolled(self.done.receipt, saved[0])
            self._show_receipt(self.done)

    def _show_receipt(self, done: Enrolled) -> None:
        result = self.query_one("#nb-result", Static)
        result.update(result_text(done))
        self.call_after_refresh(result.scroll_visible)  # below the panel on a small screen
        self.status(f"办理成功，收据号 {done.receipt.receipt_no}，{done.saved.status}",
                    "warning" if done.saved.print_failed else "information")
