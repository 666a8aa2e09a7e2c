"""Keys typed right after Enter go where Enter moved the focus, on a slow machine too.

The app waits after Enter / Tab until the field and its screen have handled what the key
set off. It used to give up after 0.15 s of wall time: on a loaded hall PC (or a loaded CI
machine) the screen was still working through its messages, and a name typed after Enter
landed in the field being left. It now waits as long as the screen gets on with its work.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Input

from tests.tui.conftest import SIZE, burst, settle


def _busy(seconds: float) -> None:
    """Work, not sleep: the process uses the CPU as a loaded desk does."""
    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        pass


@dataclass
class _Step(Message):
    left: int


class _SlowScreen(Screen[None]):
    """Enter in the first field sets off five steps of 0.1 s each (a starved CPU) before the
    focus moves on: half a second in all, more than the old 0.15 s."""

    def compose(self) -> ComposeResult:
        yield Input(id="first")
        yield Input(id="second")

    @on(Input.Submitted, "#first")
    def _submitted(self) -> None:
        self.post_message(_Step(5))

    @on(_Step)
    async def _step(self, message: _Step) -> None:
        _busy(0.1)  # the machine is loaded: a handler takes long …
        await asyncio.sleep(0)  # … and, as Textual's own handlers do, lets the loop run
        if message.left > 1:
            self.post_message(_Step(message.left - 1))
        else:
            self.set_focus(self.query_one("#second", Input))  # as focus_next does: at once


async def test_a_name_typed_after_enter_on_a_slow_machine_lands_in_the_next_field(app) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(_SlowScreen())
        await settle(app, pilot)
        app.screen.query_one("#first", Input).focus()
        await pilot.pause()
        burst(app, *"Q6110", "enter", *"张小宝")
        first, second = app.screen.query_one("#first", Input), app.screen.query_one("#second", Input)
        for _ in range(500):  # the burst is still on its way while the steps run (0.5 s)
            await settle(app, pilot)
            if second.value or len(first.value) > 5:
                break
        await settle(app, pilot)
        assert app.screen.query_one("#first", Input).value == "Q6110"
        assert app.screen.query_one("#second", Input).value == "张小宝"
