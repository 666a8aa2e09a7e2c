"""What F4 tells the clerk about a relative beyond the decision panel."""

from __future__ import annotations

from yibao.rules.decision import Outcome
from yibao.services.views import FamilyAidAssessmentView


def place_to_fill(view: FamilyAidAssessmentView) -> str | None:
    """A relative refused only because the registry has no 户籍地 for them (known from a
    department list): F4 has no place field, so the clerk is sent to F2 and back."""
    if view.outcome is not Outcome.REFUSED or not view.place_unknown or view.existing_payment:
        return None
    name = view.binding.relative_name
    return f"{name}在登记库中没有户籍地：请按 F2 调出{name}补填户籍地，再回到 F4 勾选缴费。"
