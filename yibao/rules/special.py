"""Which special group (``[[periods.special]]``) a person falls in on a given day.

Shared by the payment window and coverage: the group decides both whether a
person may pay outside the centralized period and when their coverage starts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from yibao.identities import label as identity_label
from yibao.rules.days import cn, months_after
from yibao.rules.decision import Reason
from yibao.rules.facts import Category, IdentityFact, PersonFacts

if TYPE_CHECKING:
    from yibao.policy.model import Policy
    from yibao.policy.periods import Special


@dataclass(frozen=True)
class SpecialMatch:
    """The group that applies (or None), and why groups the person belongs to did not."""

    group: Special | None
    misses: tuple[Reason, ...] = ()


def recognised_in_benefit_year(policy: Policy, fact: IdentityFact) -> bool:
    """The identity was recognised (认定) inside the benefit year (商南 三(三) 动态新增人员)."""
    day = fact.recognised_on
    b = policy.periods.benefit
    return day is not None and b.start <= day <= b.end


def _group_identities(
    policy: Policy, group: Special, person: PersonFacts, on: date
) -> list[IdentityFact]:
    """The person's identities on ``on`` that count for ``group`` (``identities_recognised``)."""
    facts = [f for f in person.identities_on(on) if f.code in group.identities]
    if group.identities_recognised == "before_benefit_year":
        return [f for f in facts if not recognised_in_benefit_year(policy, f)]
    if group.identities_recognised == "in_benefit_year":
        return [f for f in facts if recognised_in_benefit_year(policy, f)]
    return facts


def in_group(policy: Policy, group: Special, person: PersonFacts, on: date) -> bool:
    if group.new_students_only and not person.new_student:
        return False
    if person.category in group.categories:
        return True
    return bool(_group_identities(policy, group, person, on))


def _who(policy: Policy, group: Special, person: PersonFacts, on: date) -> str:
    if person.category in group.categories:
        return person.category.label
    held = [identity_label(f.code) for f in _group_identities(policy, group, person, on)]
    return "、".join(dict.fromkeys(held)) or group.label


def _left_employee_insurance_this_year(policy: Policy, person: PersonFacts) -> bool:
    """An employee-insurance lapse whose exit day falls in the benefit year: the person was in
    basic insurance that year (眉山 二(二)2 "当年度未参加过任何基本医保" cannot apply),
    whatever ``insured_in_benefit_year`` says."""
    exit_on = person.other_scheme_exit_on
    b = policy.periods.benefit
    return (
        person.category is Category.EMPLOYEE_LAPSE
        and exit_on is not None
        and b.start <= exit_on <= b.end
    )


def match_special(policy: Policy, person: PersonFacts, on: date) -> SpecialMatch:
    """The first special group whose every condition holds on ``on`` (outside the centralized period)."""
    periods = policy.periods
    misses: list[Reason] = []
    for group in periods.special:
        if group.only_in_centralized or not in_group(policy, group, person, on):
            continue
        clause = policy.clause(group)
        who = _who(policy, group, person, on)
        if group.require_not_insured_this_year and (
            person.insured_in_benefit_year or _left_employee_insurance_this_year(policy, person)
        ):
            if person.insured_in_benefit_year:
                shown = f"登记显示本人{policy.benefit_year}年度已参保"
            else:
                assert person.other_scheme_exit_on is not None
                shown = (
                    f"本人参加职工医保至{cn(person.other_scheme_exit_on)}，"
                    f"{policy.benefit_year}年度已参加过基本医保"
                )
            misses.append(
                Reason(
                    text=f"该条适用于当年度未参加过任何基本医保的人员，{shown}，不适用",
                    clause=clause,
                )
            )
            continue
        if group.exit_within_months is not None:
            exit_clause = policy.clause(group.exit_ref) if group.exit_ref else clause
            if person.other_scheme_exit_on is None:
                misses.append(
                    Reason(
                        text=f"{who}须在退出原保障{group.exit_within_months}个月内办理，"
                        "未登记退出（中断）日期，无法判断，请补录退出日期",
                        clause=exit_clause,
                    )
                )
                continue
            last = months_after(
                policy.day_counting, person.other_scheme_exit_on, group.exit_within_months
            )
            if on > last:
                misses.append(
                    Reason(
                        text=f"{who}须在退出原保障{group.exit_within_months}个月内办理："
                        f"{cn(person.other_scheme_exit_on)}退出，期限至{cn(last)}，"
                        f"{cn(on)}已超过期限，不适用该条",
                        clause=exit_clause,
                    )
                )
                continue
        if (
            group.opens_after == "make_up"
            and periods.make_up is not None
            and on <= periods.make_up.end
        ):
            misses.append(
                Reason(
                    text=f"{who}按该条须在集中缴费期和补缴期之后办理，{cn(on)}仍在补缴期及以前，"
                    "按补缴期规定办理",
                    clause=clause,
                )
            )
            continue
        return SpecialMatch(group=group, misses=tuple(misses))
    return SpecialMatch(group=None, misses=tuple(misses))
