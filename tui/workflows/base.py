"""The base of every workflow screen: one service call per clerk action, typed answers,
and the same handling of 不予办理 / bad input / failure / confirmation everywhere.

::

    @dataclass
    class PaymentsFound(Answer):
        found: FoundPayments

    def action_find(self) -> None:
        self.call(PaymentsFound, self.services.refunds.find_payments, query)

    @on(PaymentsFound)
    def _found(self, message: PaymentsFound) -> None: ...

``call(answer, fn, *args)`` runs ``fn`` in a thread worker (exclusive per answer type)
and posts ``answer(result)``; a ``Refused`` / ``InvalidInput`` from the services becomes
the shared ``Refused`` / ``Invalid`` message, anything else ``Failed``. The shared
handlers show the refusal in the screen's decision panel, put the focus on the field
an ``Invalid`` names (``FIELDS``) and say what happened in the status line; a screen
overrides ``show_refused`` / ``show_invalid`` to add to that. The thread never touches a
widget.

An answer never moves the focus on its own: a lookup made while the clerk types leaves
the focus where the clerk is, and an answer to Ctrl+S / Ctrl+B / Enter moves it only
through ``focus_after``, which does nothing once the clerk has moved on (a habitual Tab
pressed while the worker ran must not be undone, nor typing land in another field).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from itertools import count
from typing import ClassVar, ParamSpec, TypeVar, cast

from textual import on
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Checkbox, Input, Select, SelectionList
from textual.worker import get_current_worker

from tui import keymap
from tui.modals.confirm import ConfirmModal
from tui.screens.base import FormScreen
from tui.widgets.decision import DecisionPanel
from tui.workflows.messages import Answer, Failed, Invalid, Refused

log = logging.getLogger(__name__)
_tokens = count(1)

R = TypeVar("R")
P = ParamSpec("P")


def outcome_message(error: BaseException, answer: type[Answer], token: int) -> Refused | Invalid | Failed:
    """The shared message for a service exception."""
    from yibao.services import errors

    if isinstance(error, errors.DraftQuote):
        return Refused(error.decision, answer, token, quote=error.quote)
    if isinstance(error, errors.Refused):
        return Refused(error.decision, answer, token)
    if isinstance(error, errors.NotPermitted):
        return Invalid(error.message, getattr(error, "field", None), answer, token)
    if isinstance(error, errors.InvalidInput):
        return Invalid(error.message, error.field, answer, token)
    text = getattr(error, "message", None)
    if isinstance(error, ValueError) and isinstance(text, str):
        # domain validation errors (InvalidIdNumber, InvalidQuery …) carry a Chinese message
        return Invalid(text, getattr(error, "field", None), answer, token)
    log.exception("service call for %s failed", answer.__name__, exc_info=error)
    return Failed(f"{type(error).__name__}: {error}", answer, token)


def field_of(widget: object) -> object:
    """The form field ``widget`` is part of: a Select's open list is the Select. Choosing
    from the list hands the focus back to the Select a moment later (Textual queues it), so
    a call made from ``Select.Changed`` may find the focus on either."""
    node = widget
    while node is not None:
        if isinstance(node, Select):
            return node
        node = getattr(node, "parent", None)
    return widget


class ServiceCalls:
    """``call()`` for any node with ``run_worker`` / ``post_message`` (screens and modals)."""

    _latest: dict[type[Answer], int]
    _focus_at: dict[int, object]

    def call(
        self, answer: Callable[[R], Answer], fn: Callable[P, R], *args: P.args, **kwargs: P.kwargs
    ) -> int:
        """Run ``fn(*args, **kwargs)`` in a thread; post ``answer(result)`` or the shared outcome.

        A later call for the same answer type cancels the earlier one. Returns the token the
        message carries (``answers_latest(message)`` tells whether it answers the latest call).
        """
        kind: type[Answer] = answer if isinstance(answer, type) else Answer
        token = next(_tokens)
        if not hasattr(self, "_latest"):
            self._latest = {}
            self._focus_at = {}
        self._latest[kind] = token
        node = self._node()
        self._focus_at = {t: w for t, w in self._focus_at.items() if t in self._latest.values()}
        self._focus_at[token] = field_of(getattr(node, "focused", None))  # where the clerk was

        def job() -> None:
            worker = get_current_worker()
            try:
                message: Answer | Refused | Invalid | Failed = answer(fn(*args, **kwargs))
                message.token = token
            except Exception as error:  # noqa: BLE001 - every failure becomes a message
                message = outcome_message(error, kind, token)
            if not worker.is_cancelled:
                node.post_message(message)

        node.run_worker(job, name=kind.__name__, group=kind.__name__, thread=True,
                        exclusive=True, exit_on_error=False)
        return token

    def call_from(
        self, origin: object, answer: Callable[[R], Answer], fn: Callable[P, R],
        *args: P.args, **kwargs: P.kwargs,
    ) -> int:
        """``call`` made by a choice in ``origin`` (a Select's ``Changed``): the clerk is at
        ``origin``, wherever the focus is at that instant. Closing a Select's list can leave
        the focus on nobody until the Select takes it back (Textual queues that), so the
        focus read then would make the answer's ``focus_after`` think the clerk moved on."""
        token = self.call(answer, fn, *args, **kwargs)
        self._focus_at[token] = field_of(origin)
        return token

    def _node(self) -> Screen[object]:
        # Mixed into screens and modals only: ``focused``, ``query`` and the workers are theirs.
        return cast("Screen[object]", self)

    def answers_latest(self, message: Answer | Refused | Invalid | Failed) -> bool:
        """Whether ``message`` answers the latest call for its answer type."""
        kind = message.answer if isinstance(message, (Refused, Invalid, Failed)) else type(message)
        return getattr(self, "_latest", {}).get(kind, message.token) == message.token

    def focus_after(self, message: Answer | Refused | Invalid | Failed, selector: str) -> bool:
        """Move the focus to ``selector`` in answer to ``message`` only if the clerk is still
        where they were when the call was made; True when moved."""
        node = self._node()
        before = getattr(self, "_focus_at", {}).pop(message.token, None)
        now = field_of(node.focused)
        # Nobody focused (a Select's list just closed, the Select not yet given the focus
        # back: Textual queues that behind the keys being handled) is not a clerk moving on.
        if now is not before and now is not None:
            return False
        widgets = node.query(selector)
        if not widgets or not widgets.first().display:
            return False
        widgets.first().focus()
        return True


class FormColumn(VerticalScroll, inherit_bindings=False):
    """The fields' column: not in the Tab order and no keys of its own (a field focused
    scrolls itself into view), so PageUp / PageDown typed in a field reach the screen's
    ``scroll_answer``."""

    can_focus = False


class AnswerColumn(VerticalScroll):
    """The answer's column (the rules' reasons, the receipt): not in the Tab order, where
    it only cost the clerk a Tab; PageUp / PageDown scroll it (``keymap.ANSWER_KEYS``)."""

    can_focus = False


class WorkflowScreen(ServiceCalls, FormScreen):
    """A workflow form: Esc back, Ctrl+S submit, typed service answers, shared outcomes."""

    BINDINGS: ClassVar[list[Binding]] = keymap.bindings(keymap.ANSWER_KEYS)

    FIELDS: ClassVar[dict[str, str]] = {}  # service field name → selector of the widget
    # The fields that name the person served: editing one is moving to another person, and
    # every warning said on this screen stops being true.
    PERSON_FIELDS: ClassVar[tuple[str, ...]] = ()
    DECISION: ClassVar[str] = "DecisionPanel"  # selector of the panel a refusal is shown in

    @property
    def dirty(self) -> bool:
        """Whether the clerk has typed something not yet submitted (Ctrl+Q asks first)."""
        return False

    # -- a status line goes when it stops being true -----------------------------------------
    @on(Input.Changed)
    @on(Select.Changed)
    @on(Checkbox.Changed)
    @on(SelectionList.SelectedChanged)
    def _stale_status_on_edit(self, event: Message) -> None:
        """The clerk edited the field a warning speaks of, or moved to another person: the
        warning goes. One said while handling this very edit (a handler of the screen ran
        first) is newer than the edit and stays."""
        app = self.desk
        control = getattr(event, "control", None)
        if control is None or app.status_owner is not self or app.status[1] == "information":
            return
        if app.status_time >= event.time:
            return
        about = app.status_about
        spoken_of = about is not None and control.id is not None and about == f"#{control.id}"
        if spoken_of or f"#{control.id}" in self.PERSON_FIELDS:
            self.status("")

    # -- shared outcomes -------------------------------------------------------------------
    @on(Refused)
    def _shared_refused(self, message: Refused) -> None:
        if self.answers_latest(message):
            self.show_refused(message)

    @on(Invalid)
    def _shared_invalid(self, message: Invalid) -> None:
        if self.answers_latest(message):
            self.show_invalid(message)

    @on(Failed)
    def _shared_failed(self, message: Failed) -> None:
        self.status(f"出错了，未办理：{message.error}。请重试；仍不行请联系管理员。", "error")

    def show_refused(self, message: Refused) -> None:
        panels = self.query(self.DECISION)
        if panels:
            panels.first(DecisionPanel).show_decision(message.decision, title="不予办理")
        self.status("不予办理：理由见右侧。", "error")

    def show_invalid(self, message: Invalid) -> None:
        selector = self.FIELDS.get(message.field or "")
        self.status(message.text, "error", about=selector)
        if selector:
            self.focus_after(message, selector)

    def action_scroll_answer(self, pages: int) -> None:
        for column in self.query(AnswerColumn):
            if pages > 0:
                column.scroll_page_down()
            else:
                column.scroll_page_up()

    def refuse_field(self, selector: str, text: str) -> None:
        """A check of the form failed: say why (until the field is edited) and go to it."""
        self.status(text, "error", about=selector)
        self.query_one(selector).focus()

    def confirm(self, title: str, body: list[str], then: Callable[[], object], *, yes: str = "确认") -> None:
        """Ask before a step that writes; ``then()`` runs only on 确认."""

        def answered(ok: bool | None) -> None:
            if ok:
                then()

        self.app.push_screen(ConfirmModal(title, "\n".join(body), yes=yes), answered)
