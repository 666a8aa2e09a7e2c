"""Base classes of desk screens: header, body, status line, footer; Esc back; Ctrl+S submit.

Workflow screens build on ``tui.workflows.base.WorkflowScreen``, which adds the service
calls (a worker per call, a typed message per outcome) and the shared handling of
不予办理 / bad input / failure / confirmation.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.screen import Screen

from tui import keymap
from tui.widgets.footer import DeskFooter
from tui.widgets.header import DeskHeader, StatusLine
from tui.widgets.inputs import CharacterRefused

if TYPE_CHECKING:
    from tui.app import YibaoApp
    from yibao.services import Services


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
        yield DeskFooter()

    def compose_body(self) -> ComposeResult:
        yield from ()

    @property
    def desk(self) -> YibaoApp:
        return self.app  # type: ignore[return-value]

    @property
    def services(self) -> Services:
        services = self.desk.services
        assert services is not None, "a desk screen opens only once the registry is open"
        return services

    def status(self, text: str, severity: str = "information", *, about: str | None = None) -> None:
        """Say ``text`` on the status line; ``about``: the selector of the field it speaks of.
        Not from a screen already closed (an answer that arrives after the clerk left it, as
        when another clerk signs in and the desk goes home): it would speak of nothing shown."""
        if self not in self.app.screen_stack:
            return
        self.desk.set_status(text, severity, about=about)

    def action_back(self) -> None:
        if len(self.app.screen_stack) > 1:
            self.app.pop_screen()

    @on(CharacterRefused)
    def _character_refused(self, message: CharacterRefused) -> None:
        self.status(message.text, "warning", about=f"#{message.field.id}" if message.field.id else None)

    @on(events.ScreenResume)
    def _stale_status(self) -> None:
        """Back on this screen: what another screen said is no longer true — a warning or
        error from any other screen, and anything from a screen that has been closed
        ("刘璐娟 的档案。F2–F5 为此人办理业务" under 征缴进度 once the case view is gone)."""
        status = getattr(self.app, "status", None)
        owner = getattr(self.app, "status_owner", None)  # the screen that said it
        if not isinstance(status, tuple) or owner in (None, self):
            return
        closed = owner not in self.app.screen_stack
        if status[1] != "information" or closed:
            self.status(f"{self.TITLE or '首页'}。按 F1 查看帮助。")


class FormScreen(DeskScreen):
    """A workflow form: Esc back, Ctrl+S submit (``action_submit``)."""

    BINDINGS: ClassVar[list[Binding]] = keymap.bindings(keymap.FORM_KEYS)
    # The first field, not the scrolling form around it (focusable too): keys typed while the
    # form mounts go where the clerk will look.
    AUTO_FOCUS: ClassVar[str | None] = "Input"

    def action_submit(self) -> None:  # overridden by forms
        self.status("本屏没有可提交的内容")
