"""Base classes of desk screens: keys, status line and the service-call worker.

How a screen talks to the registry::

    self.call_service("quote", self.services.enrolment.quote, person_id)   # starts a thread worker
    ...
    @on(ServiceDone)
    def _done(self, message: ServiceDone) -> None:   # runs on the UI thread
        if message.op == "quote": self.query_one(DecisionPanel).show(message.result)

The worker only calls the service and posts ``ServiceDone`` / ``ServiceRefused`` /
``ServiceInvalid`` / ``ServiceFailed`` back to this screen; it never touches a widget.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from itertools import count
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import Footer
from textual.worker import Worker, get_current_worker

from tui import keymap
from tui.messages import ServiceDone, ServiceFailed, ServiceInvalid, ServiceRefused
from tui.widgets.header import DeskHeader, StatusLine

if TYPE_CHECKING:
    from tui.app import YibaoApp

log = logging.getLogger(__name__)
_tokens = count(1)


def classify_error(op: str, error: BaseException, token: int = 0):
    """Turn a service exception into the message the screen gets."""
    try:
        from yibao.services.errors import InvalidInput, Refused
    except ImportError:  # services not installed yet: everything is a failure
        InvalidInput = Refused = ()  # type: ignore[assignment]  # noqa: N806
    if Refused and isinstance(error, Refused):
        return ServiceRefused(op, error.decision, token)
    if InvalidInput and isinstance(error, InvalidInput):
        return ServiceInvalid(op, error.message, getattr(error, "field", None), token)
    if isinstance(error, ValueError) and isinstance(getattr(error, "message", None), str):
        # domain validation errors (InvalidIdNumber, InvalidQuery …) carry a Chinese message
        return ServiceInvalid(op, error.message, getattr(error, "field", None), token)
    log.exception("service call %s failed", op, exc_info=error)
    return ServiceFailed(op, f"{type(error).__name__}: {error}", token)


class DeskScreen(Screen):
    """A desk screen: header, body, status line, footer. Esc goes back.

    Subclasses set ``TITLE`` and implement ``compose_body()``.
    """

    TITLE: ClassVar[str] = ""
    BINDINGS: ClassVar[list[Binding]] = keymap.bindings(keymap.VIEW_KEYS)

    def compose(self) -> ComposeResult:
        yield DeskHeader(self.TITLE)
        yield from self.compose_body()
        yield StatusLine()
        yield Footer(compact=True)

    def compose_body(self) -> ComposeResult:
        yield from ()

    @property
    def desk(self) -> YibaoApp:
        return self.app  # type: ignore[return-value]

    @property
    def services(self) -> Any:
        return self.desk.services

    def status(self, text: str, severity: str = "information") -> None:
        self.desk.set_status(text, severity)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    # -- service calls -------------------------------------------------------------------
    def call_service(self, op: str, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> int:
        """Run ``fn(*args, **kwargs)`` in a thread worker; the answer comes back as a message.

        A later call with the same ``op`` cancels the earlier one (exclusive group). Returns a
        token also carried by the message, to drop answers to superseded calls.
        """
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
        return token

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.error is not None:  # only if job() itself broke
            self.status(f"操作出错：{event.worker.error}", "error")


class FormScreen(DeskScreen):
    """A workflow form: Esc back, Ctrl+S submit (``action_submit``)."""

    BINDINGS: ClassVar[list[Binding]] = keymap.bindings(keymap.FORM_KEYS)

    def action_submit(self) -> None:  # overridden by forms
        self.status("本屏没有可提交的内容")
