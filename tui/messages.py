"""Messages posted by workers back to screens. Small dataclasses, no widgets inside.

A worker (a thread) never touches a widget: it calls a service and posts one of
these to the screen; an ``@on(...)`` handler on the screen updates the widgets.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.message import Message


@dataclass
class ServiceDone(Message):
    """A service call returned. ``op`` names the call, ``result`` is its view."""

    op: str
    result: Any
    token: int = 0


@dataclass
class ServiceRefused(Message):
    """The rules refused: ``decision`` carries the reasons with their clauses."""

    op: str
    decision: Any
    token: int = 0


@dataclass
class ServiceInvalid(Message):
    """Bad input: a Chinese ``message`` saying what is wrong, and the ``field`` if known."""

    op: str
    message: str
    field: str | None = None
    token: int = 0


@dataclass
class ServiceFailed(Message):
    """An unexpected error; shown in the status line, details in the log."""

    op: str
    error: str
    token: int = 0


@dataclass
class StatusChanged(Message):
    text: str
    severity: str = "information"  # information | warning | error
