"""The benefit year a workflow works in, where two are open at once (F2 payment, F3 newborn).

``ChoosesYear`` is mixed into a workflow screen that holds a ``YearChoice``: ``ask_years()``
asks ``services.years.open(purpose)`` in a worker, the widget shows the years (the default
is the one whose centralized period is running), and a year the clerk picks goes to
``services.years.choose(year, purpose)``; the header follows and the screen's
``year_changed(year)`` says what becomes of the form. Handlers are named ``on_…`` so that
Textual finds them on a plain mixin.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, cast

from tui.widgets.year_choice import YearChoice
from tui.workflows.messages import Answer
from yibao.services.years import OpenYear

if TYPE_CHECKING:
    from tui.workflows.base import WorkflowScreen


@dataclass
class YearsOpen(Answer):
    """The benefit years open today for the workflow's purpose."""

    years: list[OpenYear]


@dataclass
class YearChanged(Answer):
    """The clerk chose another open benefit year; the desk now works in it."""

    year: OpenYear


class ChoosesYear:
    YEAR_PURPOSE: ClassVar[str] = "payment"  # yibao.rules.years.Purpose

    def _screen(self) -> WorkflowScreen:
        # Mixed into workflow screens only (a plain class, so the screens' MRO is their own).
        return cast("WorkflowScreen", self)

    def ask_years(self) -> None:
        screen = self._screen()
        screen.call(YearsOpen, screen.services.years.open, self.YEAR_PURPOSE)

    def on_years_open(self, message: YearsOpen) -> None:
        screen = self._screen()
        screen.query_one(YearChoice).show(message.years, screen.services.benefit_year)

    def on_year_choice_chosen(self, message: YearChoice.Chosen) -> None:
        screen = self._screen()
        screen.call(YearChanged, screen.services.years.choose, message.benefit_year,
                    purpose=self.YEAR_PURPOSE)

    def on_year_changed(self, message: YearChanged) -> None:
        self._screen().desk.refresh_info()  # the header shows the year being worked in
        self.year_changed(message.year)

    def year_changed(self, year: OpenYear) -> None:
        """What the screen does with its form once the year has changed."""
