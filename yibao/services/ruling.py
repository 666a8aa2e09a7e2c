"""The services' one doorway into the rules engine.

Every call to ``yibao.rules`` goes through here, so the services see one shape:
``Ruling(decision, quote, coverage_start, coverage_end, waiting_months)``. The
decision is the rules' own object (its reasons and clauses are shown verbatim).

A rule that cannot count working days because the installed holiday calendar does not
cover the year (``yibao.rules.days.CalendarNotCovered``) surfaces as ``InvalidInput``
with the rule's Chinese message, never as a traceback (``calendar_covered``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from yibao.rules.days import CalendarNotCovered
from yibao.rules.decision import Clause, Decision, Outcome, Reason
from yibao.rules.facts import PersonFacts
from yibao.services.errors import InvalidInput

if TYPE_CHECKING:
    from yibao.policy.base import Ref
    from yibao.policy.model import Policy
    from yibao.rules.assess import EnrolmentAssessment
    from yibao.rules.family_aid import FamilyAidDecision
    from yibao.rules.newborn import NewbornDecision
    from yibao.rules.refunds import RefundDecision
    from yibao.rules.relations import Relation
    from yibao.rules.settlement import SettlementDecision


@contextmanager
def calendar_covered() -> Iterator[None]:
    """Turn the rules' ``CalendarNotCovered`` (the installed chinesecalendar package has no
    data for the year, so working days cannot be counted) into ``InvalidInput`` carrying
    the rule's Chinese message: update the package, or confirm the working days by hand."""
    try:
        yield
    except CalendarNotCovered as exc:
        raise InvalidInput(str(exc)) from None


@dataclass(frozen=True)
class Amounts:
    """What a payment row records, in fen. ``total_fen`` is what the clerk collects."""

    standard_fen: int
    subsidy_fen: int
    personal_fen: int
    total_fen: int
    extras: tuple[tuple[str, str, int], ...] = ()
    subsidy_identity: str | None = None

    @classmethod
    def fee(cls, fee_fen: int) -> Amounts:
        """A flat fee (newborn): no subsidy, no extras."""
        return cls(standard_fen=fee_fen, subsidy_fen=0, personal_fen=fee_fen, total_fen=fee_fen)


@dataclass(frozen=True)
class Ruling:
    decision: Decision  # the combined decision shown to the clerk
    amounts: Amounts | None
    coverage_start: date | None = None
    coverage_end: date | None = None
    waiting_months: int | None = None
    eligibility: Decision | None = None  # the EnrolmentDecision inside the assessment

    @property
    def due_fen(self) -> int | None:
        if self.decision.outcome is Outcome.REFUSED or self.amounts is None:
            return None
        return self.amounts.total_fen


def amounts_of(assessment: EnrolmentAssessment) -> Amounts | None:
    quote = getattr(assessment, "quote", None)
    personal = getattr(assessment, "personal_fen", None)
    total = getattr(assessment, "total_fen", None)
    if quote is None or personal is None or total is None:
        return None
    extras = tuple((str(c), str(label), int(f)) for c, label, f in getattr(quote, "extras", ()))
    identity = getattr(quote, "subsidy_identity", None)
    if personal != quote.personal_fen:
        # The rules replaced the personal share (newborn fee): no subsidy line.
        return Amounts(personal, 0, personal, total, extras, None)
    return Amounts(
        standard_fen=int(quote.standard_fen),
        subsidy_fen=int(quote.subsidy_fen),
        personal_fen=int(personal),
        total_fen=int(total),
        extras=extras,
        subsidy_identity=str(identity) if identity else None,
    )


def assess_enrolment(
    policy: Policy, facts: PersonFacts, on: date, *, extras: Sequence[str] = ()
) -> Ruling:
    """Eligibility + window + quote + coverage (``yibao.rules.assess``), as one ruling."""
    from yibao.rules.assess import assess_enrolment as rules_assess

    with calendar_covered():
        assessment = rules_assess(policy, facts, on, extras=tuple(extras))
    return Ruling(
        decision=assessment,
        amounts=amounts_of(assessment),
        coverage_start=assessment.coverage_start,
        coverage_end=assessment.coverage_end,
        waiting_months=assessment.waiting_months if assessment.coverage is not None else None,
        eligibility=assessment.eligibility,
    )


def eligibility_of(result: Ruling) -> Decision | None:
    return result.eligibility


def newborn(
    policy: Policy, facts: PersonFacts, paid_on: date, *, year_choice: int | None = None
) -> NewbornDecision:
    from yibao.rules.newborn import newborn as rules_newborn

    with calendar_covered():
        return rules_newborn(policy, facts, paid_on, year_choice=year_choice)


def family_aid(
    policy: Policy, payer: PersonFacts, relative: PersonFacts, relation: Relation, on: date,
    *, binding: bool = False,
) -> FamilyAidDecision:
    from yibao.rules.family_aid import family_aid as rules_family_aid

    with calendar_covered():
        return rules_family_aid(policy, payer, relative, relation, on, binding=binding)


def refund_intake(
    policy: Policy,
    reason: str,
    *,
    paid_on: date,
    on: date,
    benefit_start: date,
    died_on: date | None = None,
) -> RefundDecision:
    from yibao.rules.refunds import refund_intake as rules_refund_intake

    with calendar_covered():
        return rules_refund_intake(
            policy, reason, paid_on=paid_on, on=on, benefit_start=benefit_start, died_on=died_on
        )


def subsidy_settlement(
    policy: Policy,
    person: PersonFacts,
    *,
    paid_on: date,
    paid_subsidy_fen: int,
    on: date,
    benefit_start: date,
) -> SettlementDecision:
    from yibao.rules.settlement import subsidy_settlement as rules_settlement

    with calendar_covered():
        return rules_settlement(
            policy,
            person,
            paid_on=paid_on,
            paid_subsidy_fen=paid_subsidy_fen,
            on=on,
            benefit_start=benefit_start,
        )


def registry_refusal(policy: Policy, text: str, *, rule: str, ref: Ref | None = None) -> Decision:
    """A refusal that comes from the registry (not a policy rule), citing ``ref`` if the
    policy has a matching clause, else the document as silent on the matter."""
    clause: Clause = policy.clause(ref) if ref is not None else policy.silent(text)
    return Decision(rule=rule, outcome=Outcome.REFUSED, reasons=(Reason(text=text, clause=clause),))


def duplicate_payment_refusal(
    policy: Policy, *, person_name: str, year: int, receipt_no: str
) -> Decision:
    """A second payment for the same person and year: refused, pointing to refund intake."""
    ref = None
    for rule in getattr(getattr(policy, "refunds", None), "reasons", ()) or ():
        if getattr(rule, "code", None) == "duplicate" and not getattr(rule, "mention_only", False):
            ref = rule
            break
    text = (
        f"{person_name} {year}年度已缴费（收据号 {receipt_no}），不能重复缴费。"
        "如确属重复缴费需要退费，请转“退费受理”办理。"
    )
    return registry_refusal(policy, text, rule="duplicate_payment", ref=ref)
