"""参保历史 on the F2 form: the worker functions and the screen's handlers for ``HistoryForm``.

Worker functions (run in a thread; never touch a widget) call ``services.history`` to check
what the clerk declared and pass the result as ``overrides`` to the enrolment services, so
the waiting period (商南 四(二)4(8) …) comes from the rules with the declared history:

- ``known(services, person_id)`` → ``HistoryView`` (the form's prefill);
- ``quote(services, person_id, category=, declared=)`` → ``AssessmentView``;
- ``pay(services, receipts_dir, person_id, category=, declared=, ...)`` → ``rv.Paid``
  (the payment's audit carries the declaration, see ``services.history``).

``HistoryFormMixin`` is mixed into the F2 screen (``RegistrationScreen``): it prefills the
form when a person is opened, quotes again when the clerk changes the history, and puts the
focus on the field a refusal names. It holds no rule.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from textual import on
from textual.widgets import Select

from tui import registration_views as rv
from tui.messages import ServiceDone, ServiceInvalid
from tui.screens.base import DeskScreen
from tui.widgets.history import FIELD_IDS, HistoryForm


def _overrides(
    services: Any,
    person_id: str,
    category: str | None,
    declared: dict[str, Any],
    *,
    require_reason: bool = True,
) -> dict[str, Any]:
    from yibao.services.errors import InvalidInput

    exit_on = declared.get("employee_exit_on")
    if exit_on is not None and not isinstance(exit_on, date):
        raise InvalidInput(
            f"职工医保停保日期“{exit_on}”不是有效日期，请按 YYYY-MM-DD 或 YYYYMMDD 填写。",
            field="employee_exit_on",
        )
    return services.history.validate_declared(
        person_id, category=category, require_reason=require_reason, **declared
    )


# -- worker functions --------------------------------------------------------------------------


def known(services: Any, person_id: str) -> Any:
    return services.history.known(person_id)


def quote(services: Any, person_id: str, *, category: str | None, declared: dict[str, Any]) -> Any:
    """The assessment with the declared history (``InvalidInput`` names the history field).
    The 申报理由 is only required to take the payment, not to quote while the clerk types."""
    overrides = _overrides(services, person_id, category, declared, require_reason=False)
    return services.enrolment.assess(person_id, category=category, overrides=overrides or None)


def pay(
    services: Any,
    receipts_dir: Path,
    person_id: str,
    *,
    category: str,
    declared: dict[str, Any],
    channel: str,
    received_fen: int | None,
    confirmed: bool,
) -> rv.Paid:
    """收款 with the declared history as overrides; the receipt file is saved."""
    overrides = _overrides(services, person_id, category, declared)
    receipt = services.enrolment.enrol_and_pay(
        person_id,
        channel=channel,
        received_fen=received_fen,
        category=category,
        overrides=overrides or None,
        confirmed=confirmed,
    )
    return rv.Paid(receipt, rv.save_receipt(receipt, receipts_dir))


# -- the screen's side -------------------------------------------------------------------------


class HistoryFormMixin(DeskScreen):
    """Handlers for the ``HistoryForm`` of a screen with ``person_id``, ``assessment`` and
    ``_show_assessment(view)`` (the F2 screen): ``class X(HistoryFormMixin, FormScreen)``.
    A screen class, so that Textual collects its ``@on`` handlers (after the screen's own)."""

    person_id: str | None
    assessment: Any

    _history_token = 0
    _history_focus = False  # put the focus on a refused field (quote not started by typing)
    _history_problem: tuple[str, str] | None = None  # (field, message) of the last refusal

    def history_form(self) -> HistoryForm:
        return self.query_one(HistoryForm)

    def declared_history(self) -> dict[str, Any]:
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

    @on(ServiceDone)
    def _history_done(self, message: ServiceDone) -> None:
        form = self.history_form()
        if message.op in ("open", "find") and message.result is None:
            if message.op == "open" or message.token == getattr(self, "_find_token", message.token):
                form.clear()  # a new person: nothing on file, nothing declared yet
                self._history_problem = None
        elif message.op in ("open", "find") and message.result is not None:
            self.call_service("history", known, self.services, message.result.person.id)
        elif message.op == "register" and (form.touched or form.asks_exit_date):
            self._quote_with_history(focus=True)
        elif message.op == "history" and message.result.person_id == self.person_id:
            form.prefill(message.result)
            self._history_problem = None
        elif message.op == "history-quote" and message.token == self._history_token:
            form.say("")
            self._history_problem = None
            self._mark_quote_stale(False)
            # Quoting again while the clerk types does not take the focus away from the field
            # (nor re-select its text, which the next key would replace).
            self._show_assessment(message.result, focus=self._history_focus)  # type: ignore[attr-defined]
            waiting = getattr(getattr(message.result.decision, "coverage", None), "waiting_months", 0)
            self.status(f"已按参保历史重新核定：等待期{waiting or 0}个月。")

    @on(ServiceInvalid)
    def _history_invalid(self, message: ServiceInvalid) -> None:
        field = message.field or ""
        form = self.history_form()
        if message.op == "history-quote" and message.token == self._history_token:
            self._history_problem = (field, message.message)
            form.say(message.message, error=True)  # typing goes on; the status line says it too
            self._mark_quote_stale(True)
            if self._history_focus:
                form.focus_field(field)
        elif message.op == "pay" and field in FIELD_IDS:
            self._history_problem = (field, message.message)
            form.say(message.message, error=True)
            form.focus_field(field)

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
        self._history_token = self.call_service(
            "history-quote",
            quote,
            self.services,
            self.person_id,
            category=view.category,
            declared=self.declared_history(),
        )
