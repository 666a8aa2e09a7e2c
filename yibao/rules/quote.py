"""What a person pays: the standard fee, the one subsidy they get, the extras the clerk ticks.

The documents list subsidies by identity. A person may hold several; they get
the highest, never two. Where a document defers (商南 独生子女 → 陕卫人口发〔2023〕36号,
晋城 "继续执行原有的参保资助政策") or says nothing about an identity the person
holds, the quote asks the clerk to confirm and counts no subsidy for it, saying plainly that
the amount shown is not yet the amount to collect. Also confirmed: an age condition whose
answer depends on the day it is read on (眉山 三(三)2(3), ``[contribution.age_reading]``) and a
定额资助 payment after the document's day for the personal share (眉山 三(三)3(2)). An identity
recognised inside the benefit year counts from the next year (商南 三(三)).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal

from yibao.identities import Identity
from yibao.identities import label as identity_label
from yibao.money import IN_TEXT, yuan
from yibao.policy.contribution import (
    Condition,
    ContributionRules,
    NewIdentities,
    Subsidy,
    SubsidyKind,
    percent_amount,
)
from yibao.policy.model import Policy
from yibao.policy.vocabulary import Clause
from yibao.rules.decision import Decision, Outcome, Reason, combine
from yibao.rules.facts import IdentityFact, PersonFacts
from yibao.rules.special import recognised_in_benefit_year


class Quote(Decision):
    standard_fen: int
    subsidy_fen: int
    personal_fen: int  # standard − subsidy, never negative
    subsidy_identity: Identity | None = None
    extras: tuple[tuple[str, str, int], ...] = ()  # (code, label, fen)
    total_fen: int  # personal share + extras: what the clerk collects
    window_note: str = ""
    # The clause beside each figure on the desk (never found by searching the reasons' text).
    standard_clause: Clause | None = None
    subsidy_clause: Clause | None = None  # of the subsidy counted; None when none is
    extra_clauses: tuple[tuple[str, Clause], ...] = ()  # (code of an extra, its clause)




def subsidy_amount(policy: Policy, entry: Subsidy) -> int:
    """The subsidy ``entry`` gives, in fen: full, fixed, or a percentage rounded as the file says."""
    return policy.contribution.subsidy_of(entry)


def age_reference_day(policy: Policy, paid_on: date) -> date:
    """The day age conditions are read on (see ``[contribution.age_reading]``)."""
    reading = policy.contribution.age_reading.on
    if reading == "benefit_year_start":
        return policy.periods.benefit.start
    if reading == "benefit_year_end":
        return policy.periods.benefit.end
    return paid_on


def counts_from_next_year(policy: Policy, rule: NewIdentities, fact: IdentityFact) -> bool:
    """An identity recognised after the notice's cut-off counts from the next year's subsidy."""
    day = fact.recognised_on
    if day is None:
        return False
    if rule.cutoff == "centralized_end":
        return day > policy.contribution.centralized.end
    if rule.cutoff == "fixed_date":
        assert rule.cutoff_date is not None
        return day > rule.cutoff_date
    return recognised_in_benefit_year(policy, fact)


def _next_year_words(policy: Policy, rule: NewIdentities) -> str:
    year = policy.benefit_year
    if rule.cutoff == "centralized_end":
        end = policy.contribution.centralized.end
        return f"晚于集中缴费期结束日（{end}），"
    if rule.cutoff == "fixed_date":
        return f"晚于文件规定的认定截止日（{rule.cutoff_date}），"
    return f"属{year}年度内动态新增人员，"


def _condition_holds(
    cond: Condition, person: PersonFacts, held: set[Identity], age_day: date
) -> bool | None:
    """True / False, or None when a fact it needs (the disability grade) is not recorded."""
    age = person.age_on(age_day)
    if cond.min_age is not None and age < cond.min_age:
        return False
    if cond.below_age is not None and age >= cond.below_age:
        return False
    if cond.with_identity is not None and cond.with_identity not in held:
        return False
    if cond.disability_grades is not None:
        if person.disability_grade is None:
            # Unknown only for someone recorded as disabled; otherwise there is no grade to have.
            disabled = held & {Identity.DISABILITY, Identity.SEVERE_DISABILITY}
            return None if disabled else False
        if person.disability_grade not in cond.disability_grades:
            return False
    return True


_READING_LABELS = {
    "paid_on": "缴费之日",
    "benefit_year_start": "待遇年度首日",
    "benefit_year_end": "待遇年度末日",
}


def _age_readings(
    policy: Policy, entry: Subsidy, person: PersonFacts, held: set[Identity], paid_on: date
) -> list[tuple[str, date, bool]]:
    """Whether ``entry``'s conditions hold under each day ``[contribution.age_reading]`` allows.

    Empty when no condition reads an age (nothing can differ between the days).
    """
    if not any(c.min_age is not None or c.below_age is not None for c in entry.conditions):
        return []
    days = {
        "paid_on": paid_on,
        "benefit_year_start": policy.periods.benefit.start,
        "benefit_year_end": policy.periods.benefit.end,
    }
    return [
        (
            reading,
            day,
            any(_condition_holds(c, person, held, day) is True for c in entry.conditions),
        )
        for reading, day in days.items()
    ]


def _age_doubt_reason(
    policy: Policy,
    entry: Subsidy,
    person: PersonFacts,
    readings: list[tuple[str, date, bool]],
    counted: bool,
) -> Reason:
    """眉山 三(三)2(3): the age condition's answer depends on the day it is read on."""
    said = "；".join(
        f"按{_READING_LABELS[r]}（{day}）{person.age_on(day)}周岁，{'符合' if ok else '不符合'}"
        for r, day, ok in readings
    )
    chosen = _READING_LABELS[policy.contribution.age_reading.on]
    result = "计此项资助" if counted else "不计此项资助"
    return Reason(
        text=(
            f"“{entry.label}”的年龄条件，文件未写明以哪一天的年龄为准，各种读法结论不同：{said}。"
            f"本系统按政策文件的读法（[contribution.age_reading]：{chosen}）{result}，"
            "请经办人员核实后再收款。"
        ),
        clause=policy.clause(policy.contribution.age_reading),
    )


class _Candidate:
    __slots__ = ("entry", "identity", "amount", "rank", "department_code")

    def __init__(
        self,
        entry: Subsidy,
        identity: Identity,
        amount: int,
        rank: int,
        department_code: str | None = None,
    ) -> None:
        self.entry = entry
        self.identity = identity
        self.amount = amount
        self.rank = rank
        self.department_code = department_code


def _addressed(rules: ContributionRules) -> set[Identity]:
    """Identities the document speaks about in its subsidy list (even to refuse them)."""
    out: set[Identity] = set()
    for entry in rules.subsidies:
        out.update(entry.identities)
    return out


def quote(
    policy: Policy,
    person: PersonFacts,
    paid_on: date,
    *,
    extras: Sequence[str] = (),
) -> Quote:
    rules = policy.contribution
    standard = rules.standard_fen
    reasons: list[Reason] = [
        Reason(
            text=f"个人缴费标准为每人每年{yuan(standard, **IN_TEXT)}。",
            clause=policy.clause(rules.standard),
        )
    ]
    outcomes: list[Outcome] = [Outcome.ALLOWED]

    held_facts = person.identities_on(paid_on)
    held = {fact.code for fact in held_facts}
    expired = {fact.code for fact in person.identities} - held
    for code in sorted(expired):
        entry = next((e for e in rules.subsidies if code in e.identities), None)
        if entry is not None:  # only worth saying where the identity would have counted
            reasons.append(
                Reason(
                    text=f"“{identity_label(code)}”身份在缴费之日（{paid_on}）不在有效期内，不享受该项资助。",
                    clause=policy.clause(entry),
                )
            )
    new_ids = rules.new_identities
    if new_ids is not None:
        # 商南 三(三): recognised inside the benefit year → subsidised from the next year.
        fresh = [f for f in held_facts if counts_from_next_year(policy, new_ids, f)]
        older = {f.code for f in held_facts if not counts_from_next_year(policy, new_ids, f)}
        for fact in fresh:
            if fact.code in older or not any(fact.code in e.identities for e in rules.subsidies):
                continue
            year = policy.benefit_year
            reasons.append(
                Reason(
                    text=(
                        f"“{identity_label(fact.code)}”身份于{fact.recognised_on}认定，"
                        f"{_next_year_words(policy, new_ids)}纳入下一年度（{year + 1}年度）"
                        f"参保资助范围，{year}年度不计此项资助。"
                    ),
                    clause=policy.clause(new_ids),
                )
            )
        if new_ids.cutoff == "centralized_end":
            c = rules.centralized
            for fact in held_facts:
                day = fact.recognised_on
                if day is None or not (c.start <= day <= c.end) or fact.code not in older:
                    continue
                if not any(fact.code in e.identities for e in rules.subsidies):
                    continue
                reasons.append(
                    Reason(
                        text=(
                            f"“{identity_label(fact.code)}”身份于{day}认定，在集中缴费期"
                            f"（{c.start}至{c.end}）内，同缴同补，本年度计此项资助。"
                        ),
                        clause=policy.clause(new_ids),
                    )
                )
        held -= {f.code for f in fresh} - older
        held_facts = tuple(f for f in held_facts if f.code in held)
    age_day = age_reference_day(policy, paid_on)
    order = rules.import_order
    inside = rules.centralized.contains(paid_on)
    age_doubts: list[tuple[Subsidy, bool, list[tuple[str, date, bool]]]] = []

    candidates: list[_Candidate] = []
    deferred: list[Subsidy] = []
    for entry in rules.subsidies:
        matching = [code for code in entry.identities if code in held]
        if not matching:
            continue
        excluded = [code for code in entry.excludes if code in held]
        if excluded:
            names = "、".join(identity_label(c) for c in excluded)
            reasons.append(
                Reason(
                    text=f"“{entry.label}”的资助不含已为{names}的人员，本项不适用。",
                    clause=policy.clause(entry),
                )
            )
            continue
        if entry.conditions:
            results = [_condition_holds(c, person, held, age_day) for c in entry.conditions]
            readings = _age_readings(policy, entry, person, held, paid_on)
            if len({ok for _, _, ok in readings}) > 1:
                age_doubts.append((entry, any(r is True for r in results), readings))
            if not any(r is True for r in results):
                if any(r is None for r in results):
                    outcomes.append(Outcome.CONFIRM)
                    reasons.append(
                        Reason(
                            text=f"“{entry.label}”的资助取决于残疾等级，登记资料中无残疾等级，请核实后补录。",
                            clause=policy.clause(entry),
                        )
                    )
                else:
                    wanted = "、".join(c.label for c in entry.conditions)
                    reasons.append(
                        Reason(
                            text=f"“{entry.label}”的资助限于{wanted}，本人不符合，不计此项资助。",
                            clause=policy.clause(entry),
                        )
                    )
                continue
        if entry.kind is SubsidyKind.DEFERRED:
            deferred.append(entry)
            continue
        for identity in matching:  # one candidate per identity, so the import order can speak
            rank = order.rank(identity) if order else 0
            code = next((f.department_code for f in held_facts if f.code is identity), None)
            amount = subsidy_amount(policy, entry)
            candidates.append(_Candidate(entry, identity, amount, rank, code))

    # Highest subsidy wins; on a tie the identity imported later (眉山 导盘顺序) wins,
    # then the one listed first in the document.
    best: _Candidate | None = None
    for cand in candidates:
        if best is None or (cand.amount, cand.rank) > (best.amount, best.rank):
            best = cand
    subsidy = best.amount if best else 0
    full = subsidy >= standard

    if best is not None:
        reasons.append(_subsidy_reason(policy, best, standard))
        rounding = _rounding_reason(policy, best.entry, standard)
        if rounding is not None:
            reasons.append(rounding)
            if rules.rounding is not None and not rules.rounding.settled:
                outcomes.append(Outcome.CONFIRM)
        # An entry whose condition names another identity (山阴 低保户中的三级与四级残疾人)
        # already settles that combination: it is no rival.
        settled = {c.with_identity for c in best.entry.conditions if c.with_identity}
        rivals = [
            c for c in candidates if c is not best and c.amount > 0 and c.identity not in settled
        ]
        if rivals:
            reasons.append(_stacking_reason(policy, best, rivals, outcomes, full=full))

    for entry, counted, readings in age_doubts:
        amount = subsidy_amount(policy, entry)
        others = max((c.amount for c in candidates if c.entry is not entry), default=0)
        if amount <= others:
            continue  # another identity gives as much whatever the age reading
        outcomes.append(Outcome.CONFIRM)
        reasons.append(_age_doubt_reason(policy, entry, person, readings, counted))

    deadline = rules.personal_share_deadline
    if (
        deadline is not None
        and best is not None
        and inside
        and paid_on > deadline.last_day
        and best.entry.kind in deadline.kinds
        and 0 < subsidy < standard
    ):
        outcomes.append(Outcome.CONFIRM)
        reasons.append(
            Reason(
                text=(
                    f"定额资助对象应于{deadline.last_day}前完成个人缴费剩余部分的缴费，"
                    f"本次缴费日{paid_on}已过该日；文件未规定逾期缴费是否仍享受定额资助，"
                    f"暂按定额资助{yuan(subsidy, **IN_TEXT)}、个人缴纳{yuan(standard - subsidy, **IN_TEXT)}计，"
                    "请经办人员核实后再收款。"
                ),
                clause=policy.clause(deadline),
            )
        )

    unaddressed = sorted(held - _addressed(rules))
    if unaddressed and not full:
        outcomes.append(Outcome.CONFIRM)
        names = "、".join(identity_label(c) for c in unaddressed)
        reasons.append(
            Reason(
                text=(
                    f"本文件的参保资助政策未提及“{names}”身份，本系统不计此项资助，"
                    "如另有资助规定请经办人员核实。"
                ),
                clause=policy.silent(f"参保资助政策未提及：{names}"),
            )
        )

    period = f"{rules.centralized.start}至{rules.centralized.end}"
    if inside:
        window_note = f"缴费日在集中缴费期（{period}）内。"
    else:
        window_note = f"缴费日不在集中缴费期（{period}）内。"
        outside = rules.outside_centralized
        full_cost = (
            outside.subsidy == "full_cost"
            and outside.full_cost_fen is not None
            and person.category not in outside.exempt
        )
        if full_cost:
            assert outside.full_cost_fen is not None
            standard = outside.full_cost_fen
            reasons.append(
                Reason(
                    text=(
                        f"未在集中缴费期（{period}）参保缴费，按{yuan(standard, **IN_TEXT)}全额缴费"
                        "（个人缴费与财政补助之和），不享受财政补助和个人缴费资助。"
                    ),
                    clause=policy.clause(outside),
                )
            )
            subsidy = 0
            best = None
            deferred = []
        elif subsidy > 0 or deferred:
            outside = rules.outside_centralized
            if outside.subsidy == "none":
                reasons.append(
                    Reason(
                        text=(
                            f"未在集中缴费期（{period}）参保缴费，不享受个人缴费分类资助，"
                            f"按个人缴费标准{yuan(standard, **IN_TEXT)}缴费。"
                        ),
                        clause=policy.clause(outside),
                    )
                )
            else:
                outcomes.append(Outcome.CONFIRM)
                reasons.append(
                    Reason(
                        text=(
                            f"缴费日不在集中缴费期（{period}）内，文件未规定此时能否享受资助；"
                            f"暂按不资助、个人缴费{yuan(standard, **IN_TEXT)}计，请经办人员核实。"
                        ),
                        clause=policy.clause(outside),
                    )
                )
            subsidy = 0
            best = None

    personal = max(standard - subsidy, 0)
    for entry in deferred:
        if full:
            continue  # nothing deferred can exceed a full subsidy
        outcomes.append(Outcome.CONFIRM)
        if subsidy:
            shown = f"即个人缴费标准{yuan(standard, **IN_TEXT)}减去已计的资助{yuan(subsidy, **IN_TEXT)}"
        else:
            shown = f"即个人缴费标准{yuan(standard, **IN_TEXT)}全额"
        if entry.unavailable and not entry.defers_to:
            reasons.append(
                Reason(
                    text=(
                        f"“{entry.label}”的资助见{entry.clause}，该部分原文未能取得，"
                        f"现有文本中没有资助金额（不是文件未作规定）。本次显示的个人缴费{yuan(personal, **IN_TEXT)}"
                        f"（{shown}）尚未扣除该项资助，不是核定的应收金额：收款前须先取得该部分原文"
                        "或向有关部门核实资助金额。"
                    ),
                    clause=policy.clause(entry),
                )
            )
            continue
        reasons.append(
            Reason(
                text=(
                    f"“{entry.label}”的资助按{entry.defers_to}执行，本文件未给出金额。"
                    f"本次显示的个人缴费{yuan(personal, **IN_TEXT)}（{shown}）尚未扣除该项资助，"
                    "不是核定的应收金额：收款前须先向有关部门核实该项资助金额，再确定实收金额。"
                ),
                clause=policy.clause(entry),
            )
        )
    if rules.lump_sum is not None:
        reasons.append(
            Reason(
                text="个人缴费由参保人员按年度一次性足额缴纳，不分次、不部分缴纳。",
                clause=policy.clause(rules.lump_sum),
            )
        )
    for cover in rules.included:
        reasons.append(
            Reason(
                text=f"参加基本医疗保险即自动参加{cover.label}，个人无需另行缴费，不计入应收金额。",
                clause=policy.clause(cover),
            )
        )
    chosen, extra_outcome, extra_reasons = _extras(policy, extras, inside, paid_on)
    outcomes.append(extra_outcome)
    reasons.extend(extra_reasons)
    total = personal + sum(fen for _, _, fen in chosen)

    return Quote(
        rule="quote",
        outcome=combine(outcomes),
        reasons=tuple(reasons),
        standard_fen=standard,
        subsidy_fen=subsidy,
        personal_fen=personal,
        subsidy_identity=best.identity if best and subsidy > 0 else None,
        extras=chosen,
        total_fen=total,
        window_note=window_note,
        standard_clause=policy.clause(rules.standard),
        subsidy_clause=policy.clause(best.entry) if best and subsidy > 0 else None,
        extra_clauses=tuple(
            (e.code, policy.clause(e)) for e in rules.extras if e.code in {c for c, _l, _f in chosen}
        ),
    )


def _subsidy_reason(policy: Policy, best: _Candidate, standard: int) -> Reason:
    entry = best.entry
    personal = max(standard - best.amount, 0)
    who = identity_label(best.identity)
    group = "" if entry.label == who else f"，属“{entry.label}”"
    if entry.kind is SubsidyKind.NONE:
        text = f"本人为{who}{group}，不享受资助参保政策，个人全额缴纳{yuan(standard, **IN_TEXT)}。"
    elif entry.kind is SubsidyKind.FULL:
        text = f"本人为{who}{group}，个人缴费部分全额资助{yuan(best.amount, **IN_TEXT)}，个人缴纳0.00元。"
    elif entry.kind is SubsidyKind.PERCENT:
        text = (
            f"本人为{who}{group}，按个人缴费标准{yuan(standard, **IN_TEXT)}的{entry.percent}%资助"
            f"{yuan(best.amount, **IN_TEXT)}，个人缴纳{yuan(personal, **IN_TEXT)}。"
        )
    else:
        text = f"本人为{who}{group}，定额资助{yuan(best.amount, **IN_TEXT)}，个人缴纳{yuan(personal, **IN_TEXT)}。"
    return Reason(text=text, clause=policy.clause(entry))


_UNITS = {"fen": "分", "jiao": "角", "yuan": "元"}
_MODES = {"half_up": "四舍五入", "down": "舍去尾数", "up": "尾数进位"}


def _rounding_reason(policy: Policy, entry: Subsidy, standard: int) -> Reason | None:
    """A percentage that does not come out even: how it was rounded, and on what authority."""
    rules = policy.contribution
    if entry.kind is not SubsidyKind.PERCENT or entry.percent is None:
        return None
    amount, exact = percent_amount(standard, entry.percent, rules.rounding)
    if exact or rules.rounding is None:
        return None
    r = rules.rounding
    raw = standard * entry.percent
    how = f"按{_UNITS[r.unit]}{_MODES[r.mode]}"
    exact_words = format(Decimal(raw) / Decimal(10000), "f")
    if "." in exact_words:
        exact_words = exact_words.rstrip("0").rstrip(".")
    exact_words += "元"
    if r.settled:
        text = f"{yuan(standard, **IN_TEXT)}×{entry.percent}%={exact_words}，文件规定{how}，资助{yuan(amount, **IN_TEXT)}。"
    else:
        text = (
            f"{yuan(standard, **IN_TEXT)}×{entry.percent}%={exact_words}，不是整{_UNITS[r.unit]}；"
            f"文件未规定取整方法，本系统暂{how}计资助{yuan(amount, **IN_TEXT)}，请经办人员核实后再收款。"
        )
    return Reason(text=text, clause=policy.clause(r))


def _stacking_reason(
    policy: Policy,
    best: _Candidate,
    rivals: list[_Candidate],
    outcomes: list[Outcome],
    *,
    full: bool,
) -> Reason:
    rules = policy.contribution
    others = "、".join(f"{identity_label(c.identity)}（{yuan(c.amount, **IN_TEXT)}）" for c in rivals)
    chosen = f"{identity_label(best.identity)}（{yuan(best.amount, **IN_TEXT)}）"
    amounts_differ = any(c.amount != best.amount for c in rivals)
    if rules.stacking.silent:
        # A full subsidy cannot be beaten, so only a partial one leaves a doubt.
        if amounts_differ and not full:
            outcomes.append(Outcome.CONFIRM)
            return Reason(
                text=(
                    f"本人同时具有多种资助身份（另有{others}）。文件未规定多重身份如何资助，"
                    f"暂按就高不重复取{chosen}，请经办人员核实。"
                ),
                clause=policy.clause(rules.stacking),
            )
        return Reason(
            text=f"本人同时具有多种资助身份（另有{others}），按{chosen}计，只享受一项资助。",
            clause=policy.clause(rules.stacking),
        )
    order = rules.import_order
    if order is not None:
        steps = order.entries(best.identity)
        # The person's own department code (e.g. 烈士遗属 9925) names the step precisely.
        if best.department_code:
            steps = tuple(s for s in steps if s.code == best.department_code) or steps
        codes = "、".join(f"{s.label} {s.code}" for s in steps)
        department = steps[0].department if steps else ""
        return Reason(
            text=(
                f"本人同时具有多种资助身份（另有{others}）。按导盘顺序，后导入的"
                f"{department}（{codes}）身份为准，取{chosen}，不重复享受。"
            ),
            clause=policy.clause(order),
        )
    return Reason(
        text=f"本人同时具有多种资助身份（另有{others}），资助标准就高不就低，取{chosen}，不重复享受。",
        clause=policy.clause(rules.stacking),
    )


def _extras(
    policy: Policy, codes: Sequence[str], inside: bool, paid_on: date
) -> tuple[tuple[tuple[str, str, int], ...], Outcome, list[Reason]]:
    available = {extra.code: extra for extra in policy.contribution.extras}
    chosen: list[tuple[str, str, int]] = []
    reasons: list[Reason] = []
    outcome = Outcome.ALLOWED
    for code in codes:
        extra = available.get(str(code))
        if extra is None:
            offered = "、".join(f"{e.code}（{e.label}）" for e in available.values()) or "无"
            raise ValueError(f"{policy.jurisdiction}的政策没有附加险种“{code}”。可选：{offered}。")
        if extra.centralized_only and not inside:
            outcome = Outcome.CONFIRM
            reasons.append(
                Reason(
                    text=(
                        f"{extra.label}随集中征缴期同步缴费，缴费日（{paid_on}）不在集中缴费期内，"
                        "文件未规定此时能否缴纳，未计入本次应收，请经办人员核实。"
                    ),
                    clause=policy.clause(extra),
                )
            )
            continue
        chosen.append((extra.code, extra.label, extra.fee_fen))
        reasons.append(
            Reason(
                text=f"本人自愿参加{extra.label}，另收{yuan(extra.fee_fen, **IN_TEXT)}。",
                clause=policy.clause(extra),
            )
        )
    return tuple(chosen), outcome, reasons
