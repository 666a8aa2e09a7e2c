"""Stand-in for a workflow whose screen is not written yet."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Center, Middle
from textual.widgets import Static

from tui.screens.base import DeskScreen


class PlaceholderScreen(DeskScreen):
    def __init__(self, title: str, person_id: str | None = None) -> None:
        super().__init__()
        self.TITLE = title
        self.person_id = person_id

    def compose_body(self) -> ComposeResult:
        with Middle(), Center():
            yield Static(f"【{self.TITLE}】功能建设中，敬请期待。\n\n按 Esc 返回。", id="placeholder")
