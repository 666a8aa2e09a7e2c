"""May this person pay on this day, and in which window? (``payment_window``)

Windows, in the order they are tried:
- ``any_time`` for a newborn inside their own window (``[newborn]``), on any day;
- ``centralized``: the 集中缴费期, with 晋城/山阴's "每月1日至25日" and 商南's start that
  the tax department announces;
- ``any_time``: a special group the document lets pay outside the centralized period
  (``[[periods.special]]``: 眉山 二(二)2/3, 商南 四(二)1/3/4, 山阴 三(二)3);
- ``make_up``: 商南's 补缴期;
- ``outside``: refused where the document says so (商南 四(一)), CONFIRM where it is silent.

The registration-to-payment delay in working days (山阴 三(一)1) moves
``earliest_payment_on`` for a newly registered person.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Literal

from yibao.rules.days import cn, working_days_after
from yibao.rules.decision import Decision, Outcome, Reason, combine
from yibao.rules.facts import Category, PersonFacts
from yibao.rules.special import match_special

if TYPE_CHECKING:
    from yibao.policy.model import Policy

Window = Literal["centralized", "make_up", "any_time", "outside"]


class WindowDecision(Decision):
    rule: str = "payment_window"
    window: Window
    can_pay: bool
    earliest_payment_on: date | None = None
    special: str | None = None  # name of the ``[[periods.special]]`` group that applies
    # The notice's own name for the period after the centralized one (商南 "补缴期"); set
    # when ``window`` is ``make_up``. The desk shows this, not a fixed word.
    period_name: str | None = None


def next_open_day(policy: Policy, day: date) -> date | None:
    """The first day on or after ``day`` inside the centralized period that is open for payment."""
    c = policy.periods.centralized
    day = max(day, c.start)
    if day > c.end:
        return None
    md = c.monthly_days
    if md is None:
        return day
    if day.day < md.first:
        day = day.replace(day=md.first)
    elif day.day > md.last:
        year, month = (day.year + 1, 1) if day.month == 12 else (day.year, day.month + 1)
        day = date(year, month, md.first)
    return day if day <= c.end else None


def _centralized(policy: Policy, on: date) -> WindowDecision:
    c = policy.periods.centralized
    clause = policy.clause(c)
    md = c.monthly_days
    if md is not None and not (md.first <= on.day <= md.last):
        nxt = next_open_day(policy, on)
        tail = f"下一可缴费日为{cn(nxt)}" if nxt else "集中缴费期内已无可缴费日"
        extend = "" if md.holidays_extend else "，节假日不顺延"
        return WindowDecision(
            outcome=Outcome.REFUSED,
            window="centralized",
            can_pay=False,
            earliest_payment_on=nxt,
            reasons=(
                Reason(
                    text=f"集中缴费期内每月{md.first}日至{md.last}日可办理缴费{extend}；"
                    f"{cn(on)}是当月{on.day}日，当天不能缴费，{tail}",
                    clause=policy.clause(md),
                ),
            ),
        )
    reasons = [
        Reason(
            text=f"{cn(on)}在集中缴费期（{cn(c.start)}至{cn(c.end)}）内，可以缴费",
            clause=clause,
        )
    ]
    outcome = Outcome.ALLOWED
    deferred = c.start_deferred
    if deferred is not None and (on.year, on.month) == (c.start.year, c.start.month):
        outcome = Outcome.CONFIRM
        reasons.append(
            Reason(
                text=f"集中缴费期自{c.start.year}年{c.start.month}月开始，具体起征受理日期以"
                f"{deferred.defers_to or '税务部门公告'}为准，请先核实税务部门是否已开始受理",
                clause=policy.clause(deferred),
            )
        )
    return WindowDecision(
        outcome=outcome,
        window="centralized",
        can_pay=True,
        earliest_payment_on=on,
        reasons=tuple(reasons),
    )


def _newborn_window(policy: Policy, person: PersonFacts, on: date) -> WindowDecision | None:
    """A newborn may pay within their own window; None lets the general windows decide."""
    from yibao.rules.newborn import newborn_payment_open  # local: newborn imports this module

    opened = newborn_payment_open(policy, person, on)
    if opened is None:
        return None
    outcome, reason = opened
    return WindowDecision(
        outcome=outcome,
        window="any_time",
        can_pay=outcome is not Outcome.REFUSED,
        earliest_payment_on=on if outcome is not Outcome.REFUSED else None,
        special="newborn",
        reasons=(reason,),
    )


def classify_window(policy: Policy, person: PersonFacts, on: date) -> WindowDecision:
    """The window on ``on``, before the registration delay is applied."""
    periods = policy.periods
    c, b = periods.centralized, periods.benefit
    if on >= c.start and person.category is Category.NEWBORN:
        # The newborn's own window comes first: 山阴 registers babies free on any day,
        # 商南 lets a late-year baby pay the next year's fee after 31 Dec (四(二)2(2)).
        decided = _newborn_window(policy, person, on)
        if decided is not None:
            return decided
    if c.start <= on <= c.end:
        return _centralized(policy, on)
    if on < c.start:
        return WindowDecision(
            outcome=Outcome.REFUSED,
            window="outside",
            can_pay=False,
            earliest_payment_on=next_open_day(policy, c.start),
            reasons=(
                Reason(
                    text=f"{policy.benefit_year}年度集中缴费期自{cn(c.start)}开始，{cn(on)}尚未开始缴费",
                    clause=policy.clause(c),
                ),
            ),
        )
    if on > b.end:
        if person.category is Category.NEWBORN:
            from yibao.rules.newborn import general_rules_of_later_year  # local: see above

            later = general_rules_of_later_year(policy, person, on)
            if later is not None:
                return WindowDecision(
                    outcome=Outcome.CONFIRM, window="outside", can_pay=False, reasons=(later,)
                )
        return WindowDecision(
            outcome=Outcome.REFUSED,
            window="outside",
            can_pay=False,
            reasons=(
                Reason(
                    text=f"{policy.benefit_year}年度待遇享受期已于{cn(b.end)}结束，"
                    "不能再缴纳本年度费用，请按下一年度的文件办理",
                    clause=policy.clause(b),
                ),
            ),
        )
    match = match_special(policy, person, on)
    if match.group is not None:
        group = match.group
        return WindowDecision(
            outcome=Outcome.ALLOWED,
            window="any_time",
            can_pay=True,
            earliest_payment_on=on,
            special=group.name,
            reasons=(
                *match.misses,
                Reason(
                    text=f"{group.label}可在集中缴费期外办理参保缴费", clause=policy.clause(group)
                ),
            ),
        )
    m = periods.make_up
    if m is not None and m.start <= on <= m.end:
        waits = (
            f"缴费后设置待遇等待期{m.waiting_words}"
            if m.waiting_days or m.waiting_months
            else "文件未设待遇等待期"
        )
        return WindowDecision(
            outcome=Outcome.ALLOWED,
            window="make_up",
            can_pay=True,
            earliest_payment_on=on,
            period_name=m.name,
            reasons=(
                *match.misses,
                Reason(
                    text=f"{cn(on)}在{m.name}（{cn(m.start)}至{cn(m.end)}）内，可以缴费，{waits}",
                    clause=policy.clause(m),
                ),
            ),
        )
    out = periods.outside
    if out.effect == "refused":
        nxt = m.start if m is not None and on < m.start else None
        return WindowDecision(
            outcome=Outcome.REFUSED,
            window="outside",
            can_pay=False,
            earliest_payment_on=nxt,
            reasons=(
                *match.misses,
                Reason(
                    text=f"{cn(on)}不在集中缴费期"
                    + (f"或{m.name}" if m is not None else "")
                    + f"内，{person.category.label}不能缴纳{policy.benefit_year}年度费用",
                    clause=policy.clause(out),
                ),
            ),
        )
    return WindowDecision(
        outcome=Outcome.CONFIRM,
        window="outside",
        can_pay=False,
        reasons=(
            *match.misses,
            Reason(
                text=f"{cn(on)}不在集中缴费期（{cn(c.start)}至{cn(c.end)}）内，"
                f"文件未明确规定集中缴费期外能否参保缴费及待遇起始日期，请经办人员向医保经办机构核实",
                clause=policy.clause(out),
            ),
        ),
    )


def payment_window(policy: Policy, person: PersonFacts, on: date) -> WindowDecision:
    """Which window ``on`` falls in for ``person``, whether they can pay, and from when."""
    decided = classify_window(policy, person, on)
    rule = policy.day_counting.working_days
    if rule is None or person.registered_on is None or not decided.can_pay:
        return decided
    if rule.applies_to == "new_enrolees" and not person.first_enrolment:
        return decided  # 山阴 三(一)1 names 新参保人员: insured before, no delay
    first = working_days_after(person.registered_on, rule.min_days)
    sure = working_days_after(person.registered_on, rule.max_days)
    clause = policy.clause(rule)
    said = f"{cn(person.registered_on)}登记，登记成功后{rule.min_days}至{rule.max_days}个工作日可以缴费"
    if on < first:
        # The first day that is both after the delay and open (e.g. not the 26th).
        earliest = classify_window(policy, person, first).earliest_payment_on
        return decided.model_copy(
            update={
                "outcome": Outcome.REFUSED,
                "can_pay": False,
                "earliest_payment_on": earliest,
                "reasons": (
                    *decided.reasons,
                    Reason(
                        text=f"{said}，最早{cn(first)}可以缴费，当天尚不能缴费",
                        clause=clause,
                    ),
                ),
            }
        )
    if on < sure:
        return decided.model_copy(
            update={
                "outcome": combine((decided.outcome, Outcome.CONFIRM)),
                "reasons": (
                    *decided.reasons,
                    Reason(
                        text=f"{said}；当天为登记后第{rule.min_days}个工作日，登记信息可能尚未同步，"
                        f"如无法缴费请于{cn(sure)}再缴",
                        clause=clause,
                    ),
                ),
            }
        )
    return decided

