"""A reusable yes/no confirmation: ``ModalScreen[bool]`` dismissing with the answer."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from tui.widgets.wrapping import CjkStatic


class ConfirmModal(ModalScreen[bool]):
    """Enter / Ctrl+S / Y confirms; Esc / N cancels. Focus starts on 确认.

    ``deliberate=True`` (a step that sends money back): Ctrl+S does not confirm, so a
    Ctrl+S pressed again after the one that asked cannot answer the question; Enter on
    确认 or Y does."""

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("escape,n", "answer(False)", "取消", id="confirm.no", key_display="Esc"),
        Binding("ctrl+s", "ctrl_s", "确认", id="confirm.yes", priority=True, key_display="Ctrl+S"),
        Binding("y", "answer(True)", show=False),
        Binding("left,right,tab", "app.focus_next", show=False),
    ]

    DEFAULT_CSS = """
    ConfirmModal { align: center middle; background: $background 60%; }
    ConfirmModal > Vertical { width: 64; max-width: 90%; height: auto; border: thick $primary; background: $surface; padding: 1 2; }
    ConfirmModal #confirm-title { text-style: bold; margin-bottom: 1; }
    ConfirmModal #confirm-body { margin-bottom: 1; }
    ConfirmModal #confirm-hint { margin-bottom: 1; }
    ConfirmModal Horizontal { height: auto; align-horizontal: center; }
    ConfirmModal Button { margin: 0 2; }
    """

    def __init__(
        self, title: str, body: str = "", *, yes: str = "确认", no: str = "取消", deliberate: bool = False
    ) -> None:
        super().__init__()
        self._title, self._body, self._yes, self._no = title, body, yes, no
        self.deliberate = deliberate

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self._title, id="confirm-title")
            if self._body:
                yield CjkStatic(self._body, id="confirm-body")  # a clause's 〔2024〕 is not split
            if self.deliberate:
                yield Static("请核对后按 Enter 确认（Ctrl+S 在此不作确认）。", id="confirm-hint", classes="hint")
            with Horizontal():
                yield Button(f"{self._yes}（Enter）", variant="primary", id="yes")
                yield Button(f"{self._no}（Esc）", id="no")

    def on_mount(self) -> None:
        self.query_one("#yes", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    def action_ctrl_s(self) -> None:
        if self.deliberate:
            self.query_one("#confirm-hint", Static).update("[b]请按 Enter 确认，或按 Esc 取消。[/]")
            return
        self.dismiss(True)
