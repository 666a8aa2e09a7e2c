"""Errors of the outreach package: a Chinese sentence a clerk can act on.

``OutreachError`` is an ``InvalidInput`` so the desk shows it like any other refusal.
"""

from __future__ import annotations

from yibao.services.errors import InvalidInput


class OutreachError(InvalidInput):
    """Refused bundle, bad backup, … ``message`` says what is wrong and what to do."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message, field)

    def __str__(self) -> str:
        return self.message


class DayClosed(OutreachError):
    """The clerk's cash day is closed (日结); a supervisor must reopen it first."""
