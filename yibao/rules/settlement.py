"""落实资助政策: a person who paid in full while the system had not marked an identity the
department had recognised is paid back the subsidy they should have had (商南 三(一)).

商南 三(一): “认定时间以缴费当年12月31日前各相关部门认定结果为准 … 县医保经办机构及时标识
人员身份，系统内未标识但已全额参保缴费的人员，由县医保经办机构落实资助政策。”

- ``identity_counts_for_payment``: whether an identity counts for a payment made on
  ``paid_on`` — where the policy has ``[contribution.recognition]`` (``payment_year_end``), an
  identity recognised on or before the day it names (12月31日) of the year of payment counts, even if it was
  recognised or marked after the payment day; one recognised inside the benefit year counts
  from the next year (三(三), ``[contribution.new_identities]``). Without the section an
  identity counts when it held on the payment day.
- ``subsidy_settlement``: the subsidy due for the payment with the identities as now
  recognised (the policy's own ``quote``), minus the subsidy the payment had: the difference
  goes back to the payer through refund review (``services.refunds``); the payment stays
  valid. The document sets no deadline for the settlement: the decision says so and asks the
  clerk to confirm.

Pure: no clock, no storage; ``on`` is the day the request is taken in.
"""

from __future__ import annotations

from datetime import date

from yibao.identities import Identity
from yibao.identities import label as identity_label
from yibao.money import IN_TEXT, yuan
from yibao.policy.model import Policy
from yibao.policy.refunds import RefundReason
from yibao.rules.decision import Outcome, Reason, combine
from yibao.rules.facts import IdentityFact, PersonFacts
from yibao.rules.quote import quote
from yibao.rules.refunds import RefundDecision, _approver_reason, _benefit_year_start
from yibao.rules.special import recognised_in_benefit_year

__all__ = ["SettlementDecision", "identity_counts_for_payment", "subsidy_settlement"]


class SettlementDecision(RefundDecision):
    amount_fen: int = 0  # what the office pays back to the payer (the subsidy difference)
    due_subsidy_fen: int = 0  # the subsidy the payment should have had
    paid_subsidy_fen: int = 0  # the subsidy the payment had
    subsidy_identity: Identity | None = None


def identity_counts_for_payment(policy: Policy, fact: IdentityFact, paid_on: date) -> bool:
    """Does ``fact`` count for a payment made on ``paid_on``? (see the module docstring)"""
    cutoff = policy.contribution.recognition
    if cutoff is None or fact.recognised_on is None:
        return fact.holds_on(paid_on)
    if recognised_in_benefit_year(policy, fact):
        return False  # 三(三): counts from the next year
    if fact.valid_to is not None and fact.valid_to < paid_on:
        return False  # ended before the payment
    return fact.recognised_on <= cutoff.last_day(paid_on)


def _as_recognised(
    policy: Policy, person: PersonFacts, paid_on: date
) -> tuple[PersonFacts, list[IdentityFact]]:
    """The person with every identity the cut-off counts made to hold on ``paid_on``."""
    moved: list[IdentityFact] = []
    facts: list[IdentityFact] = []
    for fact in person.identities:
        if not fact.holds_on(paid_on) and identity_counts_for_payment(policy, fact, paid_on):
            moved.append(fact)
            fact = fact.model_copy(update={"valid_from": paid_on})
        facts.append(fact)
    return person.model_copy(update={"identities": tuple(facts)}), moved


def subsidy_settlement(
    policy: Policy,
    person: PersonFacts,
    *,
    paid_on: date,
    paid_subsidy_fen: int,
    on: date,
    benefit_start: date | None = None,
) -> SettlementDecision:
    """The subsidy still owed for a payment made on ``paid_on`` that had ``paid_subsidy_fen``."""
    rules = policy.refunds
    if benefit_start is None:
        benefit_start = _benefit_year_start(policy)
    if paid_on > on:
        raise ValueError(f"缴费日期（{paid_on}）晚于申请日期（{on}），请核对后重新录入。")
    entry = next((r for r in rules.reasons if r.effect == "settlement"), None)
    evidence = rules.evidence + (entry.evidence if entry else ())
    reasons: list[Reason] = []
    outcomes: list[Outcome] = []

    adjusted, moved = _as_recognised(policy, person, paid_on)
    due = quote(policy, adjusted, paid_on)
    difference = due.subsidy_fen - paid_subsidy_fen

    def decide(amount: int = 0) -> SettlementDecision:
        if Outcome.REFUSED not in outcomes and (who := _approver_reason(policy)) is not None:
            reasons.append(who)
        return SettlementDecision(
            rule="subsidy_settlement",
            outcome=combine(outcomes),
            reasons=tuple(reasons),
            reason=RefundReason.SUBSIDY_SETTLEMENT,
            deadline=None,
            evidence=evidence,
            approver=rules.approver,
            apply_to=rules.apply_to,
            amount_fen=amount,
            due_subsidy_fen=due.subsidy_fen,
            paid_subsidy_fen=paid_subsidy_fen,
            subsidy_identity=due.subsidy_identity,
        )

    if entry is None:
        outcomes.append(Outcome.CONFIRM)
        reasons.append(
            Reason(
                text="本文件未规定缴费后补标识身份、落实资助政策的办法，请经办人员按上级规定核实后办理。",
                clause=policy.silent("缴费后补标识身份、落实资助政策"),
            )
        )
        return decide()

    recognition = policy.contribution.recognition
    for fact in moved:
        if recognition is not None and fact.recognised_on is not None:
            reasons.append(
                Reason(
                    text=f"“{identity_label(fact.code)}”身份于{fact.recognised_on}认定，在缴费当年"
                    f"（{paid_on.year}年）{recognition.month}月{recognition.day}日前，计入{paid_on}的缴费。",
                    clause=policy.clause(recognition),
                )
            )
    if difference <= 0:
        outcomes.append(Outcome.REFUSED)
        who = identity_label(due.subsidy_identity) if due.subsidy_identity else "无可计入的资助身份"
        reasons.append(
            Reason(
                text=f"按缴费时可计入的身份（{who}）应享受资助{yuan(due.subsidy_fen, **IN_TEXT)}，缴费时已享受"
                f"{yuan(paid_subsidy_fen, **IN_TEXT)}，没有需要落实的资助差额。",
                clause=policy.clause(entry),
            )
        )
        reasons.extend(
            r for r in due.reasons if r.clause.section != policy.contribution.standard.clause
        )
        return decide()

    outcomes.append(Outcome.ALLOWED)
    reasons.append(
        Reason(
            text=f"系统内未标识“{identity_label(due.subsidy_identity) if due.subsidy_identity else '资助'}”"
            f"身份但已全额参保缴费：应享受资助{yuan(due.subsidy_fen, **IN_TEXT)}，缴费时已享受"
            f"{yuan(paid_subsidy_fen, **IN_TEXT)}，由医保经办机构落实资助政策，退还缴费人差额{yuan(difference, **IN_TEXT)}。",
            clause=policy.clause(entry),
        )
    )
    outcomes.append(due.outcome)
    reasons.extend(
        r for r in due.reasons if r.clause.section != policy.contribution.standard.clause
    )
    # The clause sets no deadline; 五(四)-style "no refund once the benefit period runs" is
    # about refunds of the personal contribution: the clerk confirms.
    outcomes.append(Outcome.CONFIRM)
    late = f"申请日{on}已进入待遇享受期（{benefit_start}起）；" if on >= benefit_start else ""
    reasons.append(
        Reason(
            text=f"{late}文件未规定落实资助政策的办理期限，请经办人员核实后受理，由审核人员审批。",
            clause=policy.clause(entry),
        )
    )
    return decide(difference)
