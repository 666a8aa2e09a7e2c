"""What F2's workers post back: one typed answer per service call."""

from __future__ import annotations

from dataclasses import dataclass

from tui.workflows.messages import Answer
from tui.workflows.registration.presentation import Paid
from yibao.services.counter import CounterView
from yibao.services.views import AssessmentView, HouseholdView


@dataclass
class PersonFound(Answer):
    """The ID number typed is on file (``opened``) or not (None)."""

    opened: CounterView | None


@dataclass
class PersonOpened(Answer):
    """The person the screen was opened for (from the case view); None when no longer on
    file (the form is then a new person's)."""

    opened: CounterView | None


@dataclass
class PersonRegistered(Answer):
    """参保登记 done (Ctrl+S): the person as the registry now has it."""

    opened: CounterView


@dataclass
class HouseholdFound(Answer):
    household: HouseholdView | None


@dataclass
class HistoryQuoted(Answer):
    """The quote redone with the declared 参保历史."""

    view: AssessmentView


@dataclass
class PaymentTaken(Answer):
    paid: Paid
