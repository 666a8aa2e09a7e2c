"""The outcomes a worker posts back to its workflow screen (Harlequin's pattern).

A worker calls one service and posts exactly one message: the workflow's own typed
answer (a subclass of ``Answer``, defined in the workflow's package, e.g.
``PaymentsFound``, ``QuoteReady``), or one of the three shared outcomes below.
Every message carries the ``token`` of its call and the ``answer`` type it stands for,
so a screen can drop a superseded answer without comparing strings.
"""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as _default
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:
    from yibao.rules.decision import Decision
    from yibao.services.views import AssessmentView


class Answer(Message):
    """Base of a workflow's typed answers; the worker sets ``token``."""

    token: int = 0


@dataclass
class Refused(Message):
    """The rules refused: ``decision`` carries the reasons with their clauses; ``quote``
    what a draft year's file would charge (草稿·未确认, shown but never taken)."""

    decision: Decision
    answer: type[Answer] = _default(default=Answer)
    token: int = 0
    quote: AssessmentView | None = None


@dataclass
class Invalid(Message):
    """Bad input: a Chinese ``text`` saying what is wrong, and the ``field`` it names."""

    text: str
    field: str | None = None
    answer: type[Answer] = _default(default=Answer)
    token: int = 0


@dataclass
class Failed(Message):
    """An unexpected error (logged); the screen says it in the status line."""

    error: str
    answer: type[Answer] = _default(default=Answer)
    token: int = 0
