"""参保历史 on the F2 form: the screen's handlers for ``HistoryForm``.

``HistoryFormMixin`` is the base of the F2 screen (``RegistrationScreen``): it prefills the
block from the ``CounterView`` of a person opened (``history``, what the registry knows),
quotes again (``services.counter.quote`` with the declared history as overrides, so the
waiting period — 商南 四(二)4(8) … — comes from the rules) when the clerk changes it, and puts
the focus on the field a refusal names. It holds no rule. The payment
(``services.counter.pay``) carries the declaration into its audit row.
"""

from __future__ import annotations

from textual import on
from textual.widgets import Select

from tui.widgets.history import FIELD_IDS, HistoryForm
from tui.workflows.base import WorkflowScreen
from tui.workflows.messages import Answer, Invalid
from tui.workflows.registration.messages import HistoryQuoted, PaymentTaken
from tui.workflows.registration.presentation import enrolment_assessment
from yibao.services.counter import CounterView
from yibao.services.history import DeclaredHistory
from yibao.services.views import AssessmentView


class HistoryFormMixin(WorkflowScreen):
    """Handlers for the ``HistoryForm`` of a screen with ``person_id``, ``assessment`` and
    ``_show_assessment(view)`` (the F2 screen): ``class X(HistoryFormMixin, FormScreen)``.
    A screen class, so that Textual collects its ``@on`` handlers (after the screen's own)."""

    person_id: str | None
    assessment: AssessmentView | None

    _history_focus = False  # put the focus on a refused field (quote not started by typing)
    _history_problem: tuple[str, str] | None = None  # (field, message) of the last refusal

    def history_form(self) -> HistoryForm:
        return self.query_one(HistoryForm)

    def declared_history(self) -> DeclaredHistory:
        """The history as typed: passed through to the services, which check every value."""
        return self.history_form().declared()

    def history_refused(self) -> bool:
        """Before 收款: when the declared history was refused, say so again, put the focus
        on the field and return True (the screen then does not ask to confirm the payment)."""
        form = self.history_form()
        problem = form.typing_problem() or self._history_problem or form.missing_reason()
        if problem is None:
            return False
        field, text = problem
        form.say(text, error=True)
        form.focus_field(field)
        self.status(text, "error")
        return True

    def history_opened(self, opened: CounterView | None, *, keep_typed: bool = False) -> None:
        """A person was opened (or found not on file): prefill the block, or clear it.
        ``keep_typed``: just registered — what the clerk declared stays (quoted next)."""
        form = self.history_form()
        self._history_problem = None
        if keep_typed and form.touched:
            return
        if opened is None:
            form.clear()  # a new person: nothing on file, nothing declared yet
        else:
            form.prefill(opened.history)

    def history_registered(self) -> None:
        """Just registered: quote again when the clerk declared a history."""
        form = self.history_form()
        if form.touched or form.asks_exit_date:
            self._quote_with_history(focus=True)

    @on(HistoryQuoted)
    def _history_quoted(self, message: HistoryQuoted) -> None:
        if not self.answers_latest(message):
            return
        self.history_form().say("")
        self._history_problem = None
        self._mark_quote_stale(False)
        # Quoting again while the clerk types does not take the focus away from the field
        # (nor re-select its text, which the next key would replace).
        self.show_assessment(message.view, focus=self._history_focus, after=message)
        assessed = enrolment_assessment(message.view)
        waiting = assessed.coverage.waiting_months if assessed is not None and assessed.coverage is not None else 0
        self.status(f"已按参保历史重新核定：等待期{waiting or 0}个月。")

    def history_invalid(self, message: Invalid) -> bool:
        """A refused declaration (from the quote or the payment): say it under the block and
        put the focus on the field. True when the message was about the history."""
        field = message.field or ""
        form = self.history_form()
        if message.answer is HistoryQuoted:
            self._history_problem = (field, message.text)
            form.say(message.text, error=True)  # typing goes on; the status line says it too
            self._mark_quote_stale(True)
            self.status(message.text, "error")
            if self._history_focus:
                form.focus_field(field)
            return True
        if message.answer is PaymentTaken and field in FIELD_IDS:
            self._history_problem = (field, message.text)
            form.say(message.text, error=True)
            self.status(message.text, "error")
            form.focus_field(field)
            return True
        return False

    def show_assessment(self, view: AssessmentView, *, focus: bool, after: Answer) -> None:
        raise NotImplementedError

    def _mark_quote_stale(self, stale: bool) -> None:
        """The quote on the right was made before the history the clerk is now typing: say so
        on the panel itself, not only on the status line (payment is blocked meanwhile)."""
        panel = self.query_one("#reg-quote")
        panel.border_subtitle = "参保历史有误，此核定为更正前的结果" if stale else None
        panel.set_class(stale, "-stale")

    @on(HistoryForm.Changed)
    def _history_changed(self, message: HistoryForm.Changed) -> None:
        message.stop()
        self._history_problem = None  # checked again by the quote (and by 收款 in any case)
        self._quote_with_history(focus=False)

    @on(Select.Changed, "#reg-category")
    def _history_category(self, event: Select.Changed) -> None:
        self.history_form().set_category(str(event.value))

    def _quote_with_history(self, *, focus: bool) -> None:
        view = self.assessment
        if self.person_id is None or view is None or view.existing_payment is not None:
            return  # quoted once the person is on file and assessed
        self._history_focus = focus
        self.call(
            HistoryQuoted, self.services.counter.quote, self.person_id,
            category=view.category, declared=self.declared_history(),
        )
