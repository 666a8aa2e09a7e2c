"""What the desk shows before taking money: eligibility + window + amount + coverage (``assess_enrolment``).

One combined outcome (the worst of the four), every reason in that order, and the
figures a clerk reads out: whether they can pay today, how much, and from when
they are covered.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TYPE_CHECKING

from pydantic import SerializeAsAny

from yibao.rules.coverage import CoverageDecision, coverage
from yibao.rules.decision import Decision, Outcome, combine
from yibao.rules.facts import Category, PersonFacts
from yibao.rules.windows import WindowDecision, payment_window

if TYPE_CHECKING:
    from yibao.policy.model import Policy


class EnrolmentAssessment(Decision):
    rule: str = "assess_enrolment"
    eligibility: SerializeAsAny[Decision]
    payment_window: WindowDecision
    quote: SerializeAsAny[Decision]
    coverage: CoverageDecision | None = None  # None when paying on ``on`` is not possible
    # The figures the desk reads out, copied from the parts.
    can_pay: bool
    window: str
    earliest_payment_on: date | None = None
    personal_fen: int | None = None
    total_fen: int | None = None
    coverage_start: date | None = None
    coverage_end: date | None = None
    retroactive: bool = False
    waiting_months: int = 0


def assess_enrolment(
    policy: Policy, person: PersonFacts, on: date, *, extras: Sequence[str] = ()
) -> EnrolmentAssessment:
    """Every check the desk runs before taking a payment on ``on``, combined."""
    # Local imports: the rule modules import yibao.policy, which imports this package.
    from yibao.rules.eligibility import check_enrolment
    from yibao.rules.quote import quote as make_quote

    eligibility = check_enrolment(policy, person, on)
    window = payment_window(policy, person, on)
    quoted = make_quote(policy, person, on, extras=tuple(extras))
    cover = coverage(policy, person, on) if window.can_pay else None

    personal = getattr(quoted, "personal_fen", None)
    total = getattr(quoted, "total_fen", None)
    if person.category is Category.NEWBORN and cover is not None and policy.newborn.fee is not None:
        # The newborn clause sets the fee (山阴: none); the newborn rule already cited it.
        from yibao.rules.newborn import newborn

        fee = newborn(policy, person, on).fee_fen
        if fee is not None and personal is not None and total is not None:
            total = total - personal + fee
        personal = fee

    parts: list[Decision] = [eligibility, window, quoted]
    if cover is not None:
        parts.append(cover)
    # Coverage repeats the window's reasons; show each sentence once, in order.
    reasons = tuple(dict.fromkeys(r for part in parts for r in part.reasons))
    outcome = combine(p.outcome for p in parts)
    if outcome is Outcome.ALLOWED and not window.can_pay:  # defensive: never allow without a window
        outcome = Outcome.REFUSED
    return EnrolmentAssessment(
        outcome=outcome,
        reasons=reasons,
        eligibility=eligibility,
        payment_window=window,
        quote=quoted,
        coverage=cover,
        can_pay=window.can_pay,
        window=window.window,
        earliest_payment_on=window.earliest_payment_on,
        personal_fen=personal,
        total_fen=total,
        coverage_start=cover.start if cover else None,
        coverage_end=cover.end if cover else None,
        retroactive=cover.retroactive if cover else False,
        waiting_months=cover.waiting_months if cover else 0,
    )
