"""Which benefit year a workflow works in, when two are open at once.

The screen asks ``services.years.open(purpose)`` in a worker and hands the answer to
``show``; the widget stays hidden while only one year is open. When the clerk picks
another year it posts ``YearChoice.Chosen``; the screen then calls
``services.years.choose(year)`` (again in a worker) and refreshes the header.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.widgets import Label, Select

if TYPE_CHECKING:
    from yibao.services.years import OpenYear


class YearChoice(Horizontal):
    DEFAULT_CSS = """
    YearChoice { height: auto; display: none; }
    YearChoice > Label { width: 16; padding: 1 1 0 0; }
    YearChoice > Select { width: 40; }
    """

    class Chosen(Message):
        def __init__(self, benefit_year: int) -> None:
            super().__init__()
            self.benefit_year = benefit_year

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._current: int | None = None  # the year the desk works in

    def compose(self) -> ComposeResult:
        yield Label("办理年度")
        yield Select([], prompt="办理年度", allow_blank=True, id="year-select")

    def show(self, years: Sequence[OpenYear], current: int | None) -> None:
        """``years``: ``OpenYear`` views, newest first; ``current``: the year the desk is in."""
        select = self.query_one(Select)
        options = [(y.label + ("　默认" if y.default else ""), y.benefit_year) for y in years]
        select.set_options(options)
        values = [v for _label, v in options]
        self._current = current if current in values else (values[0] if values else None)
        if self._current is not None:
            select.value = self._current
        self.display = len(options) > 1

    @on(Select.Changed, "#year-select")
    def _changed(self, event: Select.Changed) -> None:
        event.stop()
        if not isinstance(event.value, int) or event.value == self._current:
            return  # the value set by ``show``, or no change
        self._current = event.value
        self.post_message(self.Chosen(event.value))
