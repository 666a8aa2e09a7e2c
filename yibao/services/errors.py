"""What a service raises instead of writing: a refusal or a bad input, in Chinese.

- ``Refused(decision)``: the rules (or the registry's own invariants, e.g. a second
  payment for the same year) said no. ``decision.explain()`` gives the reasons with
  their clauses; ``str(exc)`` joins them.
- ``NeedsConfirmation(decision)``: a ``Refused`` whose decision is ``CONFIRM``: the
  document is silent or defers elsewhere; call again with ``confirmed=True`` once
  the clerk has checked.
- ``InvalidInput(message, field=None)``: the input is wrong; ``message`` says what
  and what to do; ``field`` names the argument so a form can focus it.
- ``NotFound``: an id that is not in the registry (an ``InvalidInput``).
- ``AlreadyRegistered``: the ID number (or birth certificate) is already on file;
  ``person_id`` is the existing person (an ``InvalidInput``).
- ``NotPermitted``: the clerk's role does not allow the operation.
- ``DraftQuote(decision, quote)``: a ``Refused`` for a year whose file is a draft: nothing
  was written, and ``quote`` is what the draft would charge (shown 草稿·未确认).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from yibao.rules.decision import Decision

if TYPE_CHECKING:
    from yibao.services.views import AssessmentView


class ServiceError(Exception):
    """Base of the errors a service raises on purpose."""

    message: str


class Refused(ServiceError):
    def __init__(self, decision: Decision) -> None:
        self.decision = decision
        self.message = "；".join(decision.explain()) or decision.outcome.label
        super().__init__(self.message)


class DraftQuote(Refused):
    """Refused because the year's file is a draft; ``quote`` is the 试算 (never paid)."""

    def __init__(self, decision: Decision, quote: AssessmentView) -> None:
        super().__init__(decision)
        self.quote = quote


class NeedsConfirmation(Refused):
    """The outcome is CONFIRM: retry with ``confirmed=True`` after the clerk has checked."""


class InvalidInput(ServiceError):
    def __init__(self, message: str, field: str | None = None) -> None:
        self.message = message
        self.field = field
        super().__init__(message)


class NotFound(InvalidInput):
    pass


class AlreadyRegistered(InvalidInput):
    def __init__(self, message: str, *, person_id: str, field: str | None = None) -> None:
        super().__init__(message, field)
        self.person_id = person_id


class NotPermitted(ServiceError):
    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)
