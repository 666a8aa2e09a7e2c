"""Command palette (Ctrl+P): every desk key, plus what the current screen offers.

A screen can add commands by defining ``palette_commands() -> Iterable[PaletteCommand]``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.command import DiscoveryHit, Hit, Hits, Provider

from tui import keymap
from tui.workflows import WORKFLOWS

if TYPE_CHECKING:
    from tui.app import YibaoApp


@dataclass(frozen=True)
class PaletteCommand:
    title: str  # "分组：动作", e.g. "业务：参保登记"
    help: str
    callback: Callable[[], object]


def desk_commands(app: YibaoApp) -> list[PaletteCommand]:
    keys = {key.id: key for key in keymap.DESK_KEYS}
    commands = [
        PaletteCommand(
            f"业务：{w.title}（{keys[w.key_id].display}）",
            keys[w.key_id].tooltip,
            partial(app.action_workflow, w.id),
        )
        for w in WORKFLOWS.values()
    ]
    commands += [
        PaletteCommand("窗口：帮助（F1）", keys["desk.help"].tooltip, app.action_help),
        PaletteCommand("窗口：回到首页", "关闭所有业务屏，回到首页", app.action_home),
        PaletteCommand("窗口：锁定 / 换人登录（F12）", keys["desk.lock"].tooltip, app.action_lock),
        PaletteCommand("窗口：退出（Ctrl+Q）", keys["desk.quit"].tooltip, app.action_quit),
    ]
    return commands


class DeskCommands(Provider):
    """Provider whose commands depend on the screen the palette was opened from."""

    def _commands(self) -> Iterable[PaletteCommand]:
        screen = self.screen
        screen_commands = getattr(screen, "palette_commands", None)
        if callable(screen_commands):
            yield from screen_commands()
        title = getattr(screen, "TITLE", "") or "本屏"
        if callable(getattr(screen, "action_submit", None)):
            yield PaletteCommand(f"{title}：确认提交（Ctrl+S）", keymap.SUBMIT.tooltip, screen.action_submit)
        from tui.screens.home import HomeScreen

        if not isinstance(screen, HomeScreen) and callable(getattr(screen, "action_back", None)):
            yield PaletteCommand(f"{title}：返回（Esc）", keymap.BACK.tooltip, screen.action_back)
        yield from desk_commands(self.app)  # type: ignore[arg-type]

    async def discover(self) -> Hits:
        for command in self._commands():
            yield DiscoveryHit(command.title, command.callback, help=command.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for command in self._commands():
            score = max(matcher.match(command.title), matcher.match(command.help) * 0.5)
            if score > 0:
                yield Hit(score, matcher.highlight(command.title), command.callback, help=command.help)
