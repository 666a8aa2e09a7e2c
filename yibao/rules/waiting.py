"""待遇等待期: fixed months, variable months per lapsed year, repair, floor (``waiting_period``).

商南 四(二)4(8) and 山阴 三(二)1: people who pay outside the centralized period, or who did
not stay insured, wait a fixed 3 months; "每多断保1年" adds one variable month for every lapsed
year, the first included (``free_lapsed_years = 0``, the lead's reading). 商南 also lets
each repaid year take one variable month off, but after a lapse of 4 years or more the total
stays at 6 months at least. How "每多断保1年" is read (``free_lapsed_years``) and where the
waiting is counted from (``counted_from``) are in the policy file with a note.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from yibao.rules.days import months_after
from yibao.rules.decision import Decision, Outcome, Reason
from yibao.rules.facts import PersonFacts

if TYPE_CHECKING:
    from yibao.policy.model import Policy


class WaitingPeriod(Decision):
    rule: str = "waiting_period"
    waiting_months: int = 0  # fixed + variable − repaired
    fixed_months: int = 0
    variable_months: int = 0
    repaired_months: int = 0
    lapsed_years: int = 0  # as counted for the rule


def lapsed_years(person: PersonFacts) -> int:
    """Consecutive lapsed years; a person who skipped last year lapsed at least one."""
    if person.lapsed_years:
        return person.lapsed_years
    # Facts may say "did not pay last year" without counting years: that is one year.
    if not person.enrolled_previous_year and not person.first_enrolment:
        return 1
    return 0


def waiting_period(
    policy: Policy, person: PersonFacts, *, in_centralized: bool, fixed_months: int = 0
) -> WaitingPeriod:
    """The waiting period for a general person paying in (or outside) the centralized period.

    ``fixed_months`` is a fixed period another clause sets (商南 补缴期 "等待期3个月"); the
    larger of it and the waiting rule's fixed period applies, they are not added.
    """
    rule = policy.periods.waiting
    lapsed = lapsed_years(person)
    if rule is None:
        if fixed_months and policy.periods.make_up is not None:
            return WaitingPeriod(
                outcome=Outcome.ALLOWED,
                waiting_months=fixed_months,
                fixed_months=fixed_months,
                lapsed_years=lapsed,
                reasons=(
                    Reason(
                        text=f"补缴期内缴费，设置固定待遇等待期{fixed_months}个月",
                        clause=policy.clause(policy.periods.make_up.waiting),
                    ),
                ),
            )
        return WaitingPeriod(outcome=Outcome.ALLOWED, lapsed_years=lapsed)
    if in_centralized and lapsed == 0:
        return WaitingPeriod(outcome=Outcome.ALLOWED, lapsed_years=0)

    clause = policy.clause(rule)
    reasons: list[Reason] = []
    outcome = Outcome.ALLOWED
    fixed = max(rule.fixed_months, fixed_months)
    why = "未连续参保" if lapsed else "未在集中参保期内参保"
    reasons.append(Reason(text=f"{why}，设置参保后固定待遇等待期{fixed}个月", clause=clause))

    extra_years = max(0, lapsed - rule.free_lapsed_years)
    variable = extra_years * rule.variable_months_per_year
    if lapsed:
        per_year = rule.variable_months_per_year
        how = (
            f"第{rule.free_lapsed_years}年之后每多断保1年增加变动待遇等待期{per_year}个月"
            if rule.free_lapsed_years
            else f"每断保1年（第1年起）增加变动待遇等待期{per_year}个月"
        )
        reasons.append(
            Reason(
                text=f"连续断保{lapsed}年，{how}，变动等待期{variable}个月",
                clause=clause,
            )
        )

    repaired = 0
    if person.repaid_years:
        if rule.repair is None:
            outcome = Outcome.CONFIRM
            reasons.append(
                Reason(
                    text=f"登记有补缴{person.repaid_years}年，文件未规定补缴可减少等待期，未予减少，请核实",
                    clause=policy.silent("缴费修复变动待遇等待期"),
                )
            )
        else:
            repaired = min(variable, person.repaid_years * rule.repair.months_per_year)
            reasons.append(
                Reason(
                    text=f"补缴{person.repaid_years}年，每多缴纳1年减少变动等待期"
                    f"{rule.repair.months_per_year}个月，减少{repaired}个月",
                    clause=policy.clause(rule.repair),
                )
            )

    total = fixed + variable - repaired
    if (
        rule.floor_months is not None
        and rule.floor_from_lapsed_years is not None
        and lapsed >= rule.floor_from_lapsed_years
        and total < rule.floor_months
    ):
        # The floor limits what repair can take off; it never adds to an unrepaired period.
        repaired = max(0, fixed + variable - rule.floor_months)
        total = fixed + variable - repaired
        reasons.append(
            Reason(
                text=f"连续断缴{rule.floor_from_lapsed_years}年及以上，修复后固定和变动等待期之和不少于"
                f"{rule.floor_months}个月，修复只减少{repaired}个月，按{total}个月计",
                clause=clause,
            )
        )
    return WaitingPeriod(
        outcome=outcome,
        waiting_months=total,
        fixed_months=fixed,
        variable_months=variable,
        repaired_months=repaired,
        lapsed_years=lapsed,
        reasons=tuple(reasons),
    )


def waiting_anchor(policy: Policy, paid_on: date) -> date:
    """The day the waiting months are counted after (the day itself not counted)."""
    rule = policy.periods.waiting
    before_year = policy.periods.benefit.start - timedelta(days=1)
    if rule is not None and rule.counted_from == "later_of_payment_and_benefit_start":
        return max(paid_on, before_year)
    return paid_on


def start_after_waiting(policy: Policy, paid_on: date, months: int) -> date:
    """First covered day after ``months`` of waiting counted from ``waiting_anchor``."""
    anchor = waiting_anchor(policy, paid_on)
    return months_after(policy.day_counting, anchor, months) + timedelta(days=1)
