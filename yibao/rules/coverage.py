"""When coverage starts and ends for a payment on ``paid_on`` (``coverage``).

The window the payment fell in decides the path:
- centralized → the benefit year (1 Jan – 31 Dec); a payment in Jan/Feb still inside the
  centralized period (眉山, 山阴) starts on 1 Jan, before the payment: ``retroactive`` by the
  document. A person who did not stay insured waits (商南 四(二)4(8), 山阴 三(二)1).
- any_time → the special group's own start (次日 / 次月 / 缴费之日 / 第4个月, 眉山's
  retroactive bridge over an employee-insurance gap).
- make_up → the waiting period after payment (商南 四(一)).
- outside → no coverage; the window's refusal or doubt is passed on.
Newborns are decided by ``yibao.rules.newborn``. Coverage never ends after the benefit
year and never starts before the payment unless ``retroactive`` says the document allows it.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from yibao.policy.vocabulary import Clause
from yibao.rules.days import cn, days_after, first_of_month, months_after
from yibao.rules.decision import Decision, Outcome, Reason, combine
from yibao.rules.facts import Category, PersonFacts
from yibao.rules.special import in_group
from yibao.rules.waiting import (
    lapsed_years,
    start_after_waiting,
    waiting_anchor,
    waiting_period,
)
from yibao.rules.windows import classify_window

if TYPE_CHECKING:
    from yibao.policy.model import Policy
    from yibao.policy.periods import Special


class CoverageDecision(Decision):
    rule: str = "coverage"
    start: date | None = None
    end: date | None = None
    waiting_months: int = 0
    waiting_days: int = 0  # a fixed waiting period the document counts in days (按90天计算)
    fixed_months: int = 0
    variable_months: int = 0
    repaired_months: int = 0
    retroactive: bool = False  # starts before the payment date, because the document says so
    # 大病保险最高支付限额 change this year (商南 四(二)4(7)); None: no figure in the document.
    illness_cap_change_fen: int | None = None
    window: str | None = None
    special: str | None = None
    # The clauses beside the figures on the desk: what sets ``start``, and every clause the
    # waiting period adds up from (a make-up period's months plus those per lapsed year).
    start_clause: Clause | None = None
    waiting_clauses: tuple[Clause, ...] = ()


def _once(*clauses: Clause) -> tuple[Clause, ...]:
    """``clauses`` in order, each once."""
    return tuple(dict.fromkeys(clauses))


def _group_start(
    policy: Policy, group: Special, person: PersonFacts, paid_on: date
) -> tuple[date, bool, str]:
    """(start, retroactive, words) for a special group's start rule."""
    if group.retroactive_from_exit and person.other_scheme_exit_on is not None:
        start = person.other_scheme_exit_on + timedelta(days=1)
        return (
            start,
            start < paid_on,
            f"从缴费之日起享受待遇，中断期间待遇追溯至{cn(start)}",
        )
    if group.start == "group_start":
        assert group.benefit_start is not None
        start = group.benefit_start
        return start, start < paid_on, f"自{cn(start)}起享受待遇"
    if group.start == "after_days":
        assert group.days is not None
        start = days_after(policy.day_counting, paid_on, group.days) + timedelta(days=1)
        return start, False, f"缴费之日起{group.days}天后，自{cn(start)}起享受待遇"
    if group.start == "payment_day":
        return paid_on, False, f"自缴费之日（{cn(paid_on)}）起享受待遇"
    if group.start == "next_day":
        start = paid_on + timedelta(days=1)
        return start, False, f"从缴费次日（{cn(start)}）起享受待遇"
    if group.start == "next_month":
        start = first_of_month(paid_on, 1)
        return start, False, f"待遇享受期从缴费后的次月（{cn(start)}）起"
    n = group.nth_month or 1
    start = first_of_month(paid_on, n - 1)
    return start, False, f"待遇从缴费当月起的第{n}个月（{cn(start)}）开始享受"


def _illness_cap(policy: Policy, person: PersonFacts) -> tuple[int | None, list[Reason]]:
    cap = policy.periods.illness_cap
    if cap is None:
        return None, []
    clause = policy.clause(cap)
    lapsed = lapsed_years(person)
    if lapsed:
        if cap.lapse_change_fen is None:
            return None, []  # the document sets no change for a lapse
        return cap.lapse_change_fen, [
            Reason(
                text=f"断保后再参保，大病保险最高支付限额降低{-cap.lapse_change_fen // 100}元，连续参保年数重新计算",
                clause=clause,
            )
        ]
    change = 0
    reasons: list[Reason] = []
    unknown = False
    years = person.resident_insurance_years_continuous + 1  # this benefit year included
    if cap.continuous_from_years is not None and years > cap.continuous_from_years:
        extra = years - cap.continuous_from_years
        if cap.per_continuous_year_fen is None:
            unknown = True
        else:
            change += extra * cap.per_continuous_year_fen
            reasons.append(
                Reason(
                    text=f"连续参保满{cap.continuous_from_years}年后又连续参保{extra}年，大病保险最高支付限额提高"
                    f"{extra * cap.per_continuous_year_fen // 100}元",
                    clause=clause,
                )
            )
    elif (
        cap.continuous_from_years is None
        and cap.per_continuous_year_fen is None
        and person.enrolled_previous_year
    ):
        unknown = True
    if person.zero_claims_last_year and cap.zero_claims_fen is not None:
        change += cap.zero_claims_fen
        reasons.append(
            Reason(
                text=f"上年度基金零报销，本年度大病保险最高支付限额提高{cap.zero_claims_fen // 100}元",
                clause=clause,
            )
        )
    if unknown:
        reasons.append(
            Reason(
                text="连续参保人员大病保险最高支付限额予以提高，文件未列明本人适用的具体金额，请核实",
                clause=clause,
            )
        )
        return None, reasons
    if change > 0 and cap.limit is not None:
        share = f"{cap.limit_percent}%" if cap.limit_percent is not None else "一定比例"
        reasons.append(
            Reason(
                text=f"累计提高总额不超过大病保险封顶线的{share}，封顶线及以往累计额未在文件中列明，请核实",
                clause=policy.clause(cap.limit),
            )
        )
    return (change if reasons else None), reasons


def coverage(policy: Policy, person: PersonFacts, paid_on: date) -> CoverageDecision:
    """Coverage dates and waiting months for ``person`` who pays on ``paid_on``."""
    if person.category is Category.NEWBORN:
        from yibao.rules.newborn import newborn  # local: newborn delegates back here

        nb = newborn(policy, person, paid_on)
        return CoverageDecision(
            outcome=nb.outcome,
            start=nb.coverage_start,
            end=nb.coverage_end,
            retroactive=nb.retroactive,
            reasons=nb.reasons,
            window="any_time" if nb.within_window else None,
            special="newborn",
            start_clause=nb.coverage_clause,
        )

    periods = policy.periods
    b = periods.benefit
    w = classify_window(policy, person, paid_on)
    if not w.can_pay:
        return CoverageDecision(outcome=w.outcome, reasons=w.reasons, window=w.window)

    reasons = list(w.reasons)
    outcome = w.outcome
    fields: dict[str, object] = {"window": w.window, "special": w.special}
    retroactive = False

    if w.window == "centralized":
        group = next(
            (
                g
                for g in periods.special
                if g.also_in_centralized and in_group(policy, g, person, paid_on)
            ),
            None,
        )
        if group is not None:
            start, _, words = _group_start(policy, group, person, paid_on)
            floor = group.benefit_start or b.start
            start = max(start, floor)
            fields["special"] = group.name
            fields["start_clause"] = policy.clause(group.coverage or group)
            reasons.append(
                Reason(
                    text=f"{group.label}{words}，不早于{cn(floor)}",
                    clause=policy.clause(group.coverage or group),
                )
            )
        else:
            start = b.start
            wp = waiting_period(policy, person, in_centralized=True)
            if wp.waiting_months:
                start = max(b.start, start_after_waiting(policy, paid_on, wp.waiting_months))
                outcome = combine((outcome, wp.outcome, Outcome.CONFIRM))
                reasons.extend(wp.reasons)
                assert periods.waiting is not None
                counted = (
                    f"待遇享受期开始（{cn(b.start)}）"
                    if periods.waiting.counted_from == "later_of_payment_and_benefit_start"
                    else f"缴费次日（{cn(paid_on)}的次日）"
                )
                reasons.append(
                    Reason(
                        text="集中缴费期内缴费的断保人员，文件只说“参保后”设等待期，未写明从何日起算；"
                        f"本系统按自{counted}起算，等待期{wp.waiting_months}个月，待遇自{cn(start)}起，请核实",
                        clause=policy.clause(periods.waiting),
                    )
                )
                fields.update(
                    waiting_months=wp.waiting_months,
                    fixed_months=wp.fixed_months,
                    variable_months=wp.variable_months,
                    repaired_months=wp.repaired_months,
                    start_clause=policy.clause(periods.waiting),
                    waiting_clauses=_once(*(r.clause for r in wp.reasons), policy.clause(periods.waiting)),
                )
            else:
                fields["start_clause"] = policy.clause(b)
                note = f"（{b.note}）" if b.note else ""
                reasons.append(
                    Reason(
                        text=f"集中缴费期内缴费，待遇享受期为{cn(b.start)}至{cn(b.end)}{note}",
                        clause=policy.clause(b),
                    )
                )
        if start < paid_on:
            retroactive = True
            reasons.append(
                Reason(
                    text=f"缴费日{cn(paid_on)}在待遇享受期开始之后但仍在集中缴费期内，"
                    f"待遇按文件自{cn(start)}起计算",
                    clause=policy.clause(periods.centralized),
                )
            )
    elif w.window == "any_time":
        group = next(g for g in periods.special if g.name == w.special)
        start, retroactive, words = _group_start(policy, group, person, paid_on)
        floor = group.benefit_start or b.start
        if start < floor:
            start, retroactive = floor, floor < paid_on
            words += f"，不早于待遇享受期开始日{cn(floor)}"
        reasons.append(Reason(text=words, clause=policy.clause(group.coverage or group)))
        fields["start_clause"] = policy.clause(group.coverage or group)
        if group.bridge is not None:
            outcome = combine((outcome, _bridge(policy, group, person, paid_on, reasons)))
        m = periods.make_up
        if group.make_up_conflict is not None and m is not None and m.start <= paid_on <= m.end:
            outcome = combine(
                (outcome, _make_up_conflict(policy, group, person, paid_on, start, reasons))
            )
    elif w.window == "make_up" and periods.make_up is not None and periods.make_up.waiting_days:
        start, waited = _after_period_in_days(policy, person, paid_on, reasons, fields)
        outcome = combine((outcome, waited))
    elif w.window == "make_up":
        m = periods.make_up
        assert m is not None
        wp = waiting_period(policy, person, in_centralized=False, fixed_months=m.waiting_months)
        reasons.extend(wp.reasons)
        outcome = combine((outcome, wp.outcome))
        start = (
            start_after_waiting(policy, paid_on, wp.waiting_months)
            if wp.waiting_months
            else paid_on
        )
        waited = f"等待期{wp.waiting_months}个月" if wp.waiting_months else "不设待遇等待期"
        reasons.append(
            Reason(
                text=f"{m.name}内{cn(paid_on)}缴费，{waited}，待遇自{cn(start)}起",
                clause=policy.clause(m.waiting),
            )
        )
        fields.update(
            waiting_months=wp.waiting_months,
            fixed_months=wp.fixed_months,
            variable_months=wp.variable_months,
            repaired_months=wp.repaired_months,
            start_clause=policy.clause(m.waiting),
            # the make-up period's own months first, then those per lapsed year
            waiting_clauses=(
                _once(policy.clause(m.waiting), *(r.clause for r in wp.reasons)) if wp.waiting_months else ()
            ),
        )
    else:  # pragma: no cover - classify_window only lets centralized/any_time/make_up pay
        return CoverageDecision(outcome=Outcome.CONFIRM, reasons=tuple(reasons), window=w.window)

    if start > b.end:
        reasons.append(
            Reason(
                text=f"待遇起始日{cn(start)}已晚于本年度待遇享受期结束日{cn(b.end)}，本年度无待遇，请核实是否仍应缴纳本年度费用",
                clause=policy.clause(b),
            )
        )
        return CoverageDecision(outcome=Outcome.CONFIRM, reasons=tuple(reasons), **fields)  # type: ignore[arg-type]
    if person.died_on is not None and person.died_on < start:
        reasons.append(
            Reason(
                text=f"登记的死亡日期{cn(person.died_on)}早于待遇起始日{cn(start)}，无待遇期，请核实",
                clause=policy.clause(b),
            )
        )
        return CoverageDecision(outcome=Outcome.CONFIRM, reasons=tuple(reasons), **fields)  # type: ignore[arg-type]
    end = b.end
    if person.died_on is not None and person.died_on < end:
        end = person.died_on
    change, cap_reasons = _illness_cap(policy, person)
    reasons.extend(cap_reasons)
    return CoverageDecision(
        outcome=outcome,
        start=start,
        end=end,
        retroactive=retroactive,
        illness_cap_change_fen=change,
        reasons=tuple(reasons),
        **fields,  # type: ignore[arg-type]
    )


def _after_period_in_days(
    policy: Policy,
    person: PersonFacts,
    paid_on: date,
    reasons: list[Reason],
    fields: dict[str, object],
) -> tuple[date, Outcome]:
    """A period after the centralized one whose waiting the notice counts in days
    ("等待期3个月（按90天计算）"): the days are counted after the payment day (the day itself
    not counted, ``[day_counting]``), coverage starts the day after. Variable months for lapsed
    years (``[periods.waiting]``), where the document has them, are added after the days."""
    m = policy.periods.make_up
    assert m is not None and m.waiting_days is not None
    last = days_after(policy.day_counting, waiting_anchor(policy, paid_on), m.waiting_days)
    outcome = Outcome.ALLOWED
    variable = repaired = 0
    if policy.periods.waiting is not None:
        wp = waiting_period(policy, person, in_centralized=False)
        variable, repaired = wp.variable_months, wp.repaired_months
        reasons.extend(wp.reasons[1:])  # [0] is the rule's fixed months: the days replace them
        fields["waiting_clauses"] = tuple(r.clause for r in wp.reasons[1:])
        outcome = wp.outcome
        last = months_after(policy.day_counting, last, variable - repaired)
    start = last + timedelta(days=1)
    more = f"，另加变动等待期{variable - repaired}个月" if variable - repaired else ""
    reasons.append(
        Reason(
            text=f"{m.name}内{cn(paid_on)}缴费，待遇等待期{m.waiting_days}天（自缴费次日起算）"
            f"{more}，待遇自{cn(start)}起",
            clause=policy.clause(m.waiting),
        )
    )
    fields.update(
        start_clause=policy.clause(m.waiting),
        waiting_clauses=_once(policy.clause(m.waiting), *fields.get("waiting_clauses", ())),  # type: ignore[arg-type]
        waiting_days=m.waiting_days,
        waiting_months=variable - repaired,
        fixed_months=0,
        variable_months=variable,
        repaired_months=repaired,
    )
    return start, outcome


def _make_up_conflict(
    policy: Policy,
    group: Special,
    person: PersonFacts,
    paid_on: date,
    start: date,
    reasons: list[Reason],
) -> Outcome:
    """商南: 四(二)4(2) says 次月, 四(一) says a make-up payment waits 3 months: confirm.

    The group's start is kept (the sentence written for these people); the other reading's
    start is worked out with the make-up waiting rule and named, so the clerk sees both.
    """
    conflict = group.make_up_conflict
    m = policy.periods.make_up
    assert conflict is not None and m is not None
    wp = waiting_period(policy, person, in_centralized=False, fixed_months=m.waiting_months)
    other = (
        start_after_waiting(policy, paid_on, wp.waiting_months) if wp.waiting_months else paid_on
    )
    group_clause = policy.clause(group.coverage or group)
    reasons.append(
        Reason(
            text=f"{cn(paid_on)}在补缴期（{cn(m.start)}至{cn(m.end)}）内缴费：按{group_clause.section}"
            f"待遇自{cn(start)}起；按{conflict.clause}补缴期内缴费设置待遇等待期"
            f"{wp.waiting_months}个月，待遇自{cn(other)}起。文件两处规定不一致，"
            f"本系统暂按{group_clause.section}显示{cn(start)}，请经办人员核实后再确定待遇起始日",
            clause=policy.clause(conflict),
        )
    )
    reasons.extend(r for r in wp.reasons if r not in reasons)
    return Outcome.CONFIRM


def _bridge(
    policy: Policy, group: Special, person: PersonFacts, paid_on: date, reasons: list[Reason]
) -> Outcome:
    """商南 五(六): ≥2 years insured and a gap ≤3 months → no waiting period; else confirm."""
    bridge = group.bridge
    assert bridge is not None
    clause = policy.clause(bridge)
    exit_on = person.other_scheme_exit_on
    years = person.basic_insurance_years_continuous
    if exit_on is not None and years >= bridge.min_continuous_years:
        last = months_after(policy.day_counting, exit_on, bridge.max_gap_months)
        if paid_on <= last:
            reasons.append(
                Reason(
                    text=f"已连续参加基本医保{years}年，中断缴费未超过{bridge.max_gap_months}个月"
                    f"（{cn(exit_on)}至{cn(last)}内缴费），不设待遇等待期",
                    clause=clause,
                )
            )
            return Outcome.ALLOWED
    why = (
        "未登记中断日期"
        if exit_on is None
        else (
            f"连续参保{years}年，不足{bridge.min_continuous_years}年"
            if years < bridge.min_continuous_years
            else f"中断超过{bridge.max_gap_months}个月"
        )
    )
    reasons.append(
        Reason(
            text=f"{why}，不符合不设等待期的衔接条件；文件对此情形是否设置等待期未作明确规定，请核实",
            clause=clause,
        )
    )
    return Outcome.CONFIRM
