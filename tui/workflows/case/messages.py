"""What the case view's worker posts back."""

from __future__ import annotations

from dataclasses import dataclass

from tui.workflows.messages import Answer
from yibao.services.views import CaseView


@dataclass
class CaseRead(Answer):
    case: CaseView


@dataclass
class IdRevealed(Answer):
    number: str  # the full ID number; shown in the heading, never logged
