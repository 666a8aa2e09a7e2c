"""What every rule returns: an outcome, the figures, and reasons that cite their clause.

A decision is a value: frozen, comparable, serialisable. The desk shows its
reasons verbatim; the scenario checker compares its fields by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, model_validator

from yibao.policy.vocabulary import Clause


class Outcome(StrEnum):
    ALLOWED = "allowed"  # 准予办理
    REFUSED = "refused"  # 不予办理
    CONFIRM = "confirm"  # 需经办人员核实确认 (the document is silent or defers elsewhere)

    @property
    def label(self) -> str:
        return {"allowed": "准予办理", "refused": "不予办理", "confirm": "需人工核实"}[self.value]


# Worst first: a refusal outweighs a doubt, a doubt outweighs an approval.
_SEVERITY = {Outcome.REFUSED: 2, Outcome.CONFIRM: 1, Outcome.ALLOWED: 0}


def combine(outcomes: Iterable[Outcome]) -> Outcome:
    """The outcome of several checks taken together."""
    worst = Outcome.ALLOWED
    for outcome in outcomes:
        if _SEVERITY[outcome] > _SEVERITY[worst]:
            worst = outcome
    return worst


class Reason(BaseModel):
    """One Chinese sentence a clerk can read out, with the clause it rests on."""

    model_config = ConfigDict(frozen=True)

    text: str
    clause: Clause

    def __str__(self) -> str:
        return f"{self.text}（{self.clause.cite()}）"


class Decision(BaseModel):
    """Base of every rule's answer. Subclasses add the figures (fen, dates)."""

    model_config = ConfigDict(frozen=True)

    rule: str
    outcome: Outcome
    reasons: tuple[Reason, ...] = ()

    @model_validator(mode="after")
    def _unavailable_text_is_not_settled(self) -> Decision:
        # A reason resting on a section whose text we could not read cannot approve anything:
        # an approval becomes a confirmation (refusals stay refusals).
        if self.outcome is Outcome.ALLOWED and any(r.clause.unavailable for r in self.reasons):
            object.__setattr__(self, "outcome", Outcome.CONFIRM)
        return self

    @property
    def allowed(self) -> bool:
        return self.outcome is Outcome.ALLOWED

    @property
    def refused(self) -> bool:
        return self.outcome is Outcome.REFUSED

    @property
    def needs_confirmation(self) -> bool:
        return self.outcome is Outcome.CONFIRM

    def explain(self) -> list[str]:
        """The reasons as lines for a screen, a receipt or an error message."""
        return [str(reason) for reason in self.reasons]
