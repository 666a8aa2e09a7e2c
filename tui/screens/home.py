"""The home screen: what the desk can do, one key each."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from tui import keymap
from tui.screens.base import DeskScreen
from tui.workflows import WORKFLOWS

_KEYS = {key.id: key for key in keymap.DESK_KEYS}


class HomeScreen(DeskScreen):
    TITLE = "首页"
    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "back", "返回", show=False)]

    def compose_body(self) -> ComposeResult:
        with Vertical(id="home-body"):
            yield Static("请选择业务（按功能键或用 ↑↓ 选择后回车）", id="home-hint")
            options = [
                Option(f"{_KEYS[w.key_id].display:<4} {w.title}", id=w.id) for w in WORKFLOWS.values()
            ]
            options.append(Option(f"{_KEYS['desk.help'].display:<4} 帮助", id="help"))
            yield OptionList(*options, id="home-menu")

    def on_mount(self) -> None:
        self.query_one("#home-menu", OptionList).focus()

    def action_back(self) -> None:  # nothing below home
        self.status("已在首页。按 Ctrl+Q 退出。")

    @on(OptionList.OptionSelected, "#home-menu")
    def _open(self, event: OptionList.OptionSelected) -> None:
        choice = event.option.id or ""
        if choice == "help":
            self.desk.action_help()
        else:
            self.desk.action_workflow(choice)
