"""新生儿参保: the window after birth, the fee, coverage dates and the year-end choice (``newborn``).

商南 四(二)2: within 90 days of birth → from birth to 31 Dec; later in the birth year → from the
month after payment; born fewer than 90 days before 31 Dec → the birth year or the next year,
as the guardian chooses; a baby who dies after being paid for in time is covered.
眉山 二(二)4: enrol within one year; paid within 90 days (含) → from birth, else from the next day.
山阴 三(二)2: local babies born on/after 2025-01-01 registered within 90 days → free, from birth.
晋城: the document says nothing → CONFIRM.

"The birth year" is the benefit year whose 待遇享受期 holds the birth, and "31 Dec" its last
day: both come from ``[periods.benefit]`` (``Policy.benefit_period``), never from the calendar.
Where the document names the day ("出生当年12月31日") ``[newborn.year_end]`` holds the sentence,
checked on load against the benefit period.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import TYPE_CHECKING

from yibao.policy.vocabulary import Clause
from yibao.rules.days import cn, days_after, first_of_month, months_after
from yibao.rules.decision import Decision, Outcome, Reason, combine
from yibao.rules.facts import Category, PersonFacts

if TYPE_CHECKING:
    from yibao.policy.model import Policy


class NewbornDecision(Decision):
    rule: str = "newborn"
    within_window: bool | None = None  # None: the document has no window
    window_end: date | None = None  # last day of the window (day counting of the policy file)
    fee_fen: int | None = None
    coverage_start: date | None = None
    coverage_end: date | None = None
    benefit_year: int | None = None
    choices: tuple[int, ...] = ()  # benefit years the guardian may choose between
    retroactive: bool = False  # coverage starts before the payment date, by the document
    # The clause beside each figure on the desk (never found by searching the reasons' text).
    window_clause: Clause | None = None
    choice_clause: Clause | None = None  # where the guardian may choose the benefit year
    fee_clause: Clause | None = None
    coverage_clause: Clause | None = None


def window_end(policy: Policy, birth: date) -> date | None:
    """Last day of the newborn window (``[newborn.window]``); None when it has no deadline."""
    window = policy.newborn.window
    assert window is not None
    if window.days is not None:
        return days_after(policy.day_counting, birth, window.days)
    if window.months is not None:
        return months_after(policy.day_counting, birth, window.months)
    return None


_SCHEMES = {"resident": "居民医保", "employee": "职工医保"}


def year_end_clause(policy: Policy) -> Clause:
    """The sentence the end of a newborn's benefit year rests on: ``[newborn.year_end]`` where
    the document names it, else the benefit period (``[periods.benefit]``)."""
    nb = policy.newborn
    return policy.clause(nb.year_end if nb.year_end is not None else policy.periods.benefit)


def birth_year_end(policy: Policy, birth: date) -> tuple[int, date] | None:
    """The benefit year holding ``birth`` and its last day; None when the birth falls between
    two benefit periods (a period shorter than a year)."""
    year = policy.benefit_year_on(birth)
    if year is None:
        return None
    return year, policy.benefit_period(year)[1]


def near_year_end(policy: Policy, birth: date) -> bool:
    """商南 四(二)2(2) "出生日期距离当年12月31日不足90天": the birth's benefit year ends fewer
    than ``year_end_choice.days`` days after the birth."""
    choice = policy.newborn.year_end_choice
    found = birth_year_end(policy, birth)
    return choice is not None and found is not None and (found[1] - birth).days < choice.days


def _parent_fee(policy: Policy, baby: PersonFacts, year: int) -> tuple[int | None, Reason, bool]:
    """``none_if_parent_insured``: free when a parent is insured here for ``year``.

    (fee, reason, needs confirming). Nothing recorded about the parents → the standard is
    shown and the clerk confirms: the fee depends on a fact we do not hold."""
    from yibao.rules.eligibility import in_region  # local: eligibility is not needed otherwise

    nb = policy.newborn
    assert nb.fee is not None
    clause = policy.clause(nb.fee)
    standard = policy.contribution.standard_fen
    schemes = "或".join(_SCHEMES[x] for x in nb.fee.parent_schemes)
    insured = [
        p
        for p in baby.parents
        if p.scheme in nb.fee.parent_schemes
        and p.insured_year == year
        and in_region(p.insured_region, policy.region_code)
    ]
    if insured:
        who = "、".join(dict.fromkeys(p.relation for p in insured))
        return 0, Reason(
            text=f"新生儿的{who}已在{policy.jurisdiction}参加{year}年度{_SCHEMES[insured[0].scheme]}，"
            "新生儿免缴个人缴费",
            clause=clause,
        ), False
    if not baby.parents:
        return standard, Reason(
            text=f"父母一方在{policy.jurisdiction}参加{schemes}的新生儿免缴个人缴费；未登记父母的参保情况，"
            f"暂按个人缴费标准{standard // 100}元计，请核实父母参保情况后再收款",
            clause=clause,
        ), True
    return standard, Reason(
        text=f"登记的父母均未在{policy.jurisdiction}参加{year}年度{schemes}，不符合免缴条件，"
        f"按个人缴费标准缴纳{standard // 100}元",
        clause=clause,
    ), False


def _fee(policy: Policy, year: int, baby: PersonFacts) -> tuple[int | None, Reason, bool]:
    nb = policy.newborn
    assert nb.fee is not None
    clause = policy.clause(nb.fee)
    if year != policy.benefit_year:
        return None, Reason(
            text=f"待遇年度为{year}年，本文件只规定{policy.benefit_year}年度的参保缴费，"
            f"{year}年度的缴费标准和待遇以该年度文件为准，请核实",
            clause=clause,
        ), True
    if nb.fee.kind == "none":
        return 0, Reason(text="新生儿无需缴费", clause=clause), False
    if nb.fee.kind == "none_if_parent_insured":
        return _parent_fee(policy, baby, year)
    standard = policy.contribution.standard_fen
    return standard, Reason(
        text=f"按个人缴费标准缴纳{standard // 100}元（{policy.benefit_year}年度）",
        clause=policy.clause(policy.contribution.standard),
    ), False


def _as_general(
    policy: Policy, baby: PersonFacts, paid_on: date, base: NewbornDecision, why: Reason
) -> NewbornDecision:
    """Past the newborn rules: the general rules decide (商南 四(二)2(2) says so)."""
    from yibao.rules.coverage import coverage  # local: coverage delegates newborns back here

    general = coverage(policy, baby.model_copy(update={"category": Category.GENERAL}), paid_on)
    fee = policy.contribution.standard_fen if general.start is not None else None
    return base.model_copy(
        update={
            "outcome": general.outcome,
            "coverage_start": general.start,
            "coverage_end": general.end,
            "benefit_year": policy.benefit_year if general.start is not None else None,
            "retroactive": general.retroactive,
            "fee_fen": fee,
            "reasons": (*base.reasons, why, *general.reasons),
            "coverage_clause": general.start_clause,
            "fee_clause": policy.clause(policy.contribution.standard) if fee is not None else None,
        }
    )


def newborn(
    policy: Policy, baby: PersonFacts, paid_on: date, *, year_choice: int | None = None
) -> NewbornDecision:
    """The newborn's window, fee and coverage for a payment (or registration) on ``paid_on``."""
    nb = policy.newborn
    if nb.window is None:
        silent = nb.silent
        clause = policy.clause(silent) if silent is not None else policy.silent("新生儿参保")
        if silent is not None and silent.unavailable:
            return NewbornDecision(
                outcome=Outcome.CONFIRM,
                reasons=(
                    Reason(
                        text=f"新生儿参保的规定见{silent.clause}，该部分原文未能取得，"
                        "请取得原文或向医保经办机构核实后办理",
                        clause=clause,
                    ),
                ),
            )
        return NewbornDecision(
            outcome=Outcome.CONFIRM,
            reasons=(
                Reason(
                    text="文件未规定新生儿参保缴费的期限、费用和待遇起始日期，请向医保经办机构核实后办理",
                    clause=clause,
                ),
            ),
        )
    birth = baby.birth_date
    if paid_on < birth:
        raise ValueError(f"缴费日期 {cn(paid_on)} 早于出生日期 {cn(birth)}，请检查。")

    window = nb.window
    wclause = policy.clause(window)
    found = birth_year_end(policy, birth)
    if found is None:
        lo, hi = policy.periods.benefit.start, policy.periods.benefit.end
        return NewbornDecision(
            outcome=Outcome.CONFIRM,
            reasons=(
                Reason(
                    text=f"{cn(birth)}出生，不在任何待遇年度的待遇享受期内（本文件为{cn(lo)}至{cn(hi)}，"
                    "逐年顺延），文件未规定此时出生的新生儿待遇起止，请向医保经办机构核实后办理",
                    clause=policy.clause(policy.periods.benefit),
                ),
            ),
        )
    birth_year, year_end = found
    last_day = window_end(policy, birth)
    within = last_day is None or paid_on <= last_day
    choices: tuple[int, ...] = (birth_year,)
    if near_year_end(policy, birth):
        choices = (birth_year, birth_year + 1)
    reasons: list[Reason] = [
        Reason(
            text=(
                f"{cn(birth)}出生，{window.words}为{cn(birth)}至{cn(last_day)}，{cn(paid_on)}"
                + ("在期限内" if within else "已超过期限")
                if last_day is not None
                else f"{cn(birth)}出生，新生儿参保缴费不限期限"
            ),
            clause=wclause,
        )
    ]
    base = NewbornDecision(
        outcome=Outcome.ALLOWED, within_window=within, window_end=last_day, choices=choices,
        window_clause=wclause,
        choice_clause=policy.clause(nb.year_end_choice) if len(choices) > 1 and nb.year_end_choice else None,
    )

    if nb.effective is not None:
        eff = nb.effective
        day = birth if eff.on == "birth" else paid_on
        if day < eff.start:
            what = "出生" if eff.on == "birth" else "缴费"
            return base.model_copy(
                update={
                    "outcome": Outcome.CONFIRM,
                    "reasons": (
                        *reasons,
                        Reason(
                            text=f"该新生儿政策自{cn(eff.start)}起执行，{what}日期{cn(day)}在此之前，"
                            "请按此前规定办理并核实",
                            clause=policy.clause(eff),
                        ),
                    ),
                }
            )
    if nb.local_hukou_only is not None and baby.hukou_region != policy.region_code:
        where = "未登记户籍地" if baby.hukou_region is None else f"户籍地为{baby.hukou_region}"
        return base.model_copy(
            update={
                "outcome": Outcome.CONFIRM,
                "reasons": (
                    *reasons,
                    Reason(
                        text=f"该条只适用于{policy.jurisdiction}户籍新生儿，本人{where}，文件对此未作规定，请核实",
                        clause=policy.clause(nb.local_hukou_only),
                    ),
                ),
            }
        )

    outcome = Outcome.ALLOWED
    if baby.died_on is not None:
        if nb.death is not None and within:
            reasons.append(
                Reason(
                    text=f"新生儿于{cn(baby.died_on)}死亡，监护人在{window.words}参保缴费，"
                    "出生后发生的医疗费用按政策规定予以报销",
                    clause=policy.clause(nb.death),
                )
            )
        else:
            outcome = Outcome.CONFIRM
            clause = (
                policy.clause(nb.death)
                if nb.death is not None
                else policy.silent("新生儿死亡后参保")
            )
            reasons.append(
                Reason(
                    text=f"新生儿于{cn(baby.died_on)}死亡，文件对此情形（"
                    + ("超过期限缴费" if nb.death is not None else "死亡后参保")
                    + "）未作规定，请核实",
                    clause=clause,
                )
            )

    if within:
        if len(choices) > 1 and year_choice is None:
            assert nb.year_end_choice is not None
            return base.model_copy(
                update={
                    "outcome": Outcome.CONFIRM,
                    "reasons": (
                        *reasons,
                        Reason(
                            text=f"出生日期距{cn(year_end)}（出生当年末）不足{nb.year_end_choice.days}天，可选择享受出生当年"
                            f"（{choices[0]}年）或出生次年（{choices[1]}年）待遇，请监护人选择缴费年度",
                            clause=policy.clause(nb.year_end_choice),
                        ),
                    ),
                }
            )
        year = year_choice if year_choice is not None else birth_year
        if year not in choices:
            allowed = "、".join(f"{y}年" for y in choices)
            raise ValueError(f"新生儿可选择的缴费年度为{allowed}，不能选择{year}年。")
        if year == birth_year:
            start, end = birth, year_end
            start_clause = policy.clause(nb.coverage) if nb.coverage else wclause
            reasons.append(
                Reason(text=f"自出生之日起享受待遇：{cn(start)}至{cn(end)}", clause=start_clause)
            )
            if nb.year_end is None:  # the newborn clause names no end: the benefit period's
                reasons.append(
                    Reason(
                        text=f"待遇至出生当年（{year}年度）待遇享受期末{cn(end)}",
                        clause=year_end_clause(policy),
                    )
                )
        else:
            assert nb.year_end_choice is not None
            start, end = policy.benefit_period(year)
            start_clause = policy.clause(nb.year_end_choice)
            reasons.append(
                Reason(
                    text=f"选择出生次年待遇，须在{window.words}缴纳{year}年度医疗保险费，"
                    f"待遇享受期为{cn(start)}至{cn(end)}",
                    clause=start_clause,
                )
            )
        if baby.died_on is not None and baby.died_on < start:
            return base.model_copy(
                update={
                    "outcome": Outcome.CONFIRM,
                    "reasons": (
                        *reasons,
                        Reason(
                            text=f"新生儿已于{cn(baby.died_on)}死亡，早于所选待遇起始日{cn(start)}，无待遇期，请核实",
                            clause=policy.clause(nb.death) if nb.death else wclause,
                        ),
                    ),
                }
            )
        return _settled(
            policy,
            baby,
            base,
            outcome,
            reasons,
            start=start,
            end=end,
            year=year,
            coverage_clause=start_clause,
            retroactive=start < paid_on,
        )

    # After the window.
    if len(choices) > 1 and nb.year_end_choice is not None:
        why = Reason(
            text=f"出生日期距{cn(year_end)}不足{nb.year_end_choice.days}天且未在{window.span}内缴费，"
            "按一般人员规定执行",
            clause=policy.clause(nb.year_end_choice.late),
        )
        base = base.model_copy(update={"reasons": tuple(reasons)})
        general = _as_general(policy, baby, paid_on, base, why)
        later = general_rules_of_later_year(policy, baby, paid_on)
        if general.outcome is Outcome.REFUSED and later is not None:
            # 四(二)2(2) sends the baby to the general rules, of the year the payment falls in;
            # this document cannot say whether that year's rules (e.g. a 补缴期) let it pay.
            return general.model_copy(
                update={"outcome": Outcome.CONFIRM, "reasons": (*general.reasons, later)}
            )
        return general
    late = nb.late
    if late is None:
        return base.model_copy(
            update={
                "outcome": Outcome.CONFIRM,
                "reasons": (
                    *reasons,
                    Reason(
                        text=f"文件未规定出生{window.span}后办理的新生儿参保及待遇，请向医保经办机构核实",
                        clause=policy.silent(f"出生{window.span}后办理的新生儿参保"),
                    ),
                ),
            }
        )
    lclause = policy.clause(late)
    if nb.enrol_within is not None:
        last = months_after(policy.day_counting, birth, nb.enrol_within.months)
        if paid_on > last:
            why = Reason(
                text=f"新生儿须在出生后{nb.enrol_within.months}个月内（至{cn(last)}）办理，已超过，按一般人员规定执行",
                clause=policy.clause(nb.enrol_within),
            )
            base = base.model_copy(update={"reasons": tuple(reasons)})
            return _as_general(policy, baby, paid_on, base, why)
    if late.start == "next_day":
        start = paid_on + timedelta(days=1)
        found_year = policy.benefit_year_on(start)
        year = found_year if found_year is not None else policy.benefit_year
        text = f"出生{window.span}后缴费，从缴费次日{cn(start)}起享受待遇"
    else:
        if policy.benefit_year_on(paid_on) != birth_year:
            why = Reason(
                text=f"出生当年未在{window.span}内缴费，出生当年已过，按一般人员规定执行",
                clause=lclause,
            )
            base = base.model_copy(update={"reasons": tuple(reasons)})
            return _as_general(policy, baby, paid_on, base, why)
        start = first_of_month(paid_on, 1)
        year = birth_year
        text = f"出生当年未在{window.span}内缴费，待遇享受期从缴费次月{cn(start)}起"
    end = policy.benefit_period(year)[1]
    if policy.benefit_year_on(start) != year or year != policy.benefit_year:
        return base.model_copy(
            update={
                "outcome": Outcome.CONFIRM,
                "reasons": (
                    *reasons,
                    Reason(
                        text=f"{text}；该日期不在本文件待遇年度（{policy.benefit_year}年）内，请按对应年度规定办理",
                        clause=lclause,
                    ),
                ),
            }
        )
    reasons.append(Reason(text=f"{text}，至{cn(end)}", clause=lclause))
    if baby.died_on is not None and baby.died_on < start:
        return base.model_copy(
            update={
                "outcome": Outcome.CONFIRM,
                "reasons": (
                    *reasons,
                    Reason(
                        text=f"新生儿已于{cn(baby.died_on)}死亡，早于待遇起始日，无待遇期，请核实",
                        clause=lclause,
                    ),
                ),
            }
        )
    return _settled(
        policy, baby, base, outcome, reasons, start=start, end=end, year=year, retroactive=False,
        coverage_clause=lclause,
    )


def _settled(
    policy: Policy,
    baby: PersonFacts,
    base: NewbornDecision,
    outcome: Outcome,
    reasons: list[Reason],
    *,
    start: date,
    end: date,
    year: int,
    retroactive: bool,
    coverage_clause: Clause,
) -> NewbornDecision:
    """The decision once the start is known: a death before the year's end ends coverage, and
    the fee (or the document's silence on it, which asks to confirm) is added."""
    if baby.died_on is not None and baby.died_on < end:
        end = baby.died_on
    fee, fee_reason, doubt = _fee(policy, year, baby)
    reasons.append(fee_reason)
    if doubt:
        outcome = combine((outcome, Outcome.CONFIRM))
    return base.model_copy(
        update={
            "outcome": outcome,
            "coverage_start": start,
            "coverage_end": end,
            "benefit_year": year,
            "fee_fen": fee,
            "retroactive": retroactive,
            "reasons": tuple(reasons),
            "fee_clause": fee_reason.clause,
            "coverage_clause": coverage_clause,
        }
    )


def general_rules_of_later_year(policy: Policy, baby: PersonFacts, on: date) -> Reason | None:
    """商南 四(二)2(2): a baby born fewer than 90 days before 31 Dec, not paid for within the 90
    days, follows the general rules; once ``on`` is past this document's benefit year those are
    the next year's rules, which this document does not state: the reason to confirm, or None."""
    nb = policy.newborn
    choice = nb.year_end_choice
    if choice is None or nb.window is None or on <= policy.periods.benefit.end:
        return None
    birth = baby.birth_date
    if not near_year_end(policy, birth):
        return None
    last_day = window_end(policy, birth)
    if last_day is None or on <= last_day:
        return None
    later = policy.benefit_year_on(on) or policy.benefit_year + 1
    return Reason(
        text=f"出生后{nb.window.span}内未缴费，按一般人员参保缴费及享受待遇相关规定执行；"
        f"{cn(on)}已过本文件待遇年度（{policy.benefit_year}年），{later}年度一般人员能否缴费"
        f"（如补缴期）及待遇起始日以{later}年度文件为准，本文件不能确定，请经办人员核实，"
        "不按本文件拒绝办理",
        clause=policy.clause(choice.late),
    )


def newborn_payment_open(
    policy: Policy, baby: PersonFacts, on: date
) -> tuple[Outcome, Reason] | None:
    """Whether the newborn rules let this baby pay on ``on``; None: the general windows decide."""
    nb = policy.newborn
    if nb.window is None or on < baby.birth_date:
        return None
    if nb.effective is not None:
        day = baby.birth_date if nb.effective.on == "birth" else on
        if day < nb.effective.start:
            return None
    if nb.local_hukou_only is not None and baby.hukou_region != policy.region_code:
        return None
    last_day = window_end(policy, baby.birth_date)
    if last_day is None or on <= last_day:
        until = f"（至{cn(last_day)}）" if last_day is not None else "（不限期限）"
        return Outcome.ALLOWED, Reason(
            text=f"新生儿{nb.window.words}{until}可办理参保",
            clause=policy.clause(nb.window),
        )
    if nb.late is None or on > policy.periods.benefit.end:
        return None  # late payments after the benefit year belong to the next year's document
    if nb.enrol_within is not None:
        last = months_after(policy.day_counting, baby.birth_date, nb.enrol_within.months)
        if on <= last:
            return Outcome.ALLOWED, Reason(
                text=f"新生儿出生{nb.enrol_within.months}个月内（至{cn(last)}）可随时办理参保缴费",
                clause=policy.clause(nb.enrol_within),
            )
        return None
    born_in = policy.benefit_year_on(baby.birth_date)
    if (
        nb.late.start == "next_month_in_birth_year"
        and born_in is not None
        and policy.benefit_year_on(on) == born_in
    ):
        if near_year_end(policy, baby.birth_date):
            return None  # 四(二)2(2): after 90 days the general rules apply
        return Outcome.ALLOWED, Reason(
            text="新生儿出生当年未在期限内缴费的，当年内可按个人缴费标准参保缴费",
            clause=policy.clause(nb.late),
        )
    return None
