"""Textual's own words, in Chinese: binding labels shown in the footer and the palette's
“No matches found”. Applied once when the desk's app class is imported."""

from __future__ import annotations

from rich.align import Align
from rich.text import Text
from textual.binding import Binding
from textual.command import CommandList, CommandPalette
from textual.dom import DOMNode
from textual.widgets.option_list import Option

NO_MATCHES = "没有找到匹配的命令，请换个关键字（如“登记”“退费”“查询”）"

# Keys as the desk's own bindings show them (``tui.keymap``): "Esc", not Textual's "esc".
KEY_DISPLAY: dict[str, str] = {"escape": "Esc"}

# (widget class, action) → the Chinese label shown to the clerk.
LABELS: dict[tuple[str, str], str] = {
    ("SelectOverlay", "dismiss"): "关闭列表",
    ("CommandPalette", "escape"): "关闭命令面板",
    ("CommandPalette", "cursor_down"): "下一条命令",
    ("CommandPalette", "command_list('last')"): "最后一条",
    ("CommandPalette", "command_list('first')"): "第一条",
    ("CommandPalette", "command_list('page_down')"): "下一页",
    ("CommandPalette", "command_list('page_up')"): "上一页",
    ("CommandPalette", "command_list('cursor_up')"): "上一条命令",
}


def _relabel(cls: type[DOMNode]) -> None:
    bindings = []
    for binding in cls.BINDINGS:
        if isinstance(binding, tuple):
            binding = Binding(*binding)
        label = LABELS.get((cls.__name__, binding.action)) if isinstance(binding, Binding) else None
        if label is not None:
            binding = Binding(
                binding.key, binding.action, label, show=binding.show,
                key_display=binding.key_display or KEY_DISPLAY.get(binding.key),
                priority=binding.priority, id=binding.id,
            )
        bindings.append(binding)
    cls.BINDINGS = bindings  # type: ignore[misc]
    cls._merged_bindings = cls._merge_bindings()


def localise_textual() -> None:
    from textual.widgets._select import SelectOverlay

    for cls in (SelectOverlay, CommandPalette):
        _relabel(cls)


class DeskPalette(CommandPalette):
    """The command palette, saying “no matches” in Chinese."""

    def _start_no_matches_countdown(self, search_value: str) -> None:
        self._stop_no_matches_countdown()

        def show() -> None:
            if search_value:
                self.query_one(CommandList).add_option(
                    Option(Align.center(Text(NO_MATCHES, style="not bold")), disabled=True,
                           id=self._NO_MATCHES)
                )
                self._list_visible = True
            else:
                self._list_visible = False

        self._no_matches_timer = self.set_timer(self._NO_MATCHES_COUNTDOWN, show)
