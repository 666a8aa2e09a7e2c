"""What F4's workers post back: one typed answer per service call."""

from __future__ import annotations

from dataclasses import dataclass

from tui.workflows.family_aid.presentation import Bound, Paid, Payer
from tui.workflows.messages import Answer


@dataclass
class PayerOpened(Answer):
    """The payer typed (or opened from the case view) with their relatives; None when the
    registry knows nobody by that number."""

    payer: Payer | None


@dataclass
class RelativeBound(Answer):
    bound: Bound


@dataclass
class FamilyPaid(Answer):
    paid: Paid
