"""家庭共济: an employee-insured payer pays a relative's resident-insurance fee from their account."""

from __future__ import annotations

from datetime import date

from yibao.money import IN_TEXT, yuan
from yibao.policy.base import Ref
from yibao.policy.model import Policy
from yibao.policy.vocabulary import Clause
from yibao.rules.decision import Decision, Outcome, Reason, combine
from yibao.rules.facts import PersonFacts
from yibao.rules.quote import quote
from yibao.rules.relations import Relation


class FamilyAidDecision(Decision):
    amount_fen: int  # the relative's personal share (from ``quote``), 0 when refused
    relation: Relation
    # The clause beside each figure on the desk (never found by searching the reasons' text).
    relation_clause: Clause | None = None  # None until the relation was looked at
    amount_clause: Clause | None = None


# Relations that say who is the older: a child is younger than the payer, a parent older.
YOUNGER = frozenset({Relation.CHILD, Relation.GRANDCHILD, Relation.MATERNAL_GRANDCHILD})
OLDER = frozenset({Relation.PARENT, Relation.GRANDPARENT, Relation.MATERNAL_GRANDPARENT})


def age_mismatch(payer: PersonFacts, relative: PersonFacts, relation: Relation) -> str | None:
    """Why the two birth dates do not fit ``relation`` (a 子女 older than the payer, a 父母
    younger), or None. Only the words of the relation are read: no age gap is assumed."""
    if relation in YOUNGER and relative.birth_date <= payer.birth_date:
        fits = "应比缴费人年轻"
    elif relation in OLDER and relative.birth_date >= payer.birth_date:
        fits = "应比缴费人年长"
    else:
        return None
    return (
        f"登记的出生日期与“{relation.label}”不符：亲属 {relative.birth_date} 出生，"
        f"缴费人 {payer.birth_date} 出生，{relation.label}{fits}。请核对户口簿等关系证明和两人的证件，"
        "核实关系确实如此（如继父母子女）后再办理；关系选错的请改选。"
    )


# What the clerk may name as seen when checking that the payer is in 职工医保 (the four
# documents name none: they say who may pay, not how it is shown).
PAYER_PROOFS: tuple[str, ...] = ("医保电子凭证", "职工医保参保凭证", "社会保障卡", "其他参保证明")


def payer_check(policy: Policy, *, name: str, proof: str, on_file: bool) -> Decision:
    """The clerk's check that ``name`` is in 职工医保, asked before F4 records it (a payer the
    registry does not know, or knows outside 职工医保). Always ``CONFIRM``: the documents
    say who may pay (晋城 三(三), 山阴 三(一)3: 参加职工医保的参保人员; 商南 and 眉山 say
    nothing on 家庭共济; ``family_aid`` cites it) and none says how the status is verified."""
    who = "登记库中此人登记为未参加职工医保" if on_file else "登记库中尚无此人"
    return Decision(
        rule="family_aid.payer",
        outcome=Outcome.CONFIRM,
        reasons=(
            Reason(
                text=(
                    f"{who}。文件未规定如何核实缴费人参加职工医保：请查验{name}的{proof}，"
                    "确认其正在参加职工医保；确认后登记库记为职工医保参保人员（记入操作日志）。"
                ),
                clause=policy.silent("如何核实缴费人参加职工医保"),
            ),
        ),
    )


def family_aid(
    policy: Policy,
    payer: PersonFacts,
    relative: PersonFacts,
    relation: Relation,
    on: date,
    *,
    binding: bool = False,
) -> FamilyAidDecision:
    """May ``payer`` pay ``relative``'s resident share from the employee account on ``on``.

    ``binding``: asked when the relative is bound (today's date too): who may be bound and
    the share as of ``on``; the documents restrict when to *pay* (山阴 三(一)3 "在集中征缴期"),
    so the period is left to the payment."""
    rules = policy.family_aid
    relation = Relation(relation)
    reasons: list[Reason] = []
    outcomes: list[Outcome] = []
    permitted = rules.permitted

    def refused(text: str, clause_ref: Ref) -> FamilyAidDecision:
        reasons.append(Reason(text=text, clause=policy.clause(clause_ref)))
        return FamilyAidDecision(
            rule="family_aid",
            outcome=Outcome.REFUSED,
            reasons=tuple(reasons),
            amount_fen=0,
            relation=relation,
            relation_clause=relation_clause,
        )

    relation_clause: Clause | None = None

    if permitted.silent:
        outcomes.append(Outcome.CONFIRM)
        reasons.append(
            Reason(
                text="本文件未规定家庭共济（以职工医保个人账户为亲属缴纳居民医保费），请经办人员按上级规定核实。",
                clause=policy.clause(permitted),
            )
        )

    if not payer.employee_insured:
        return refused("缴费人未参加职工医保，不能通过家庭共济为亲属缴费。", permitted)
    if relative.employee_insured:
        return refused(
            "被缴费的亲属正在参加职工医保，家庭共济只能为参加居民医保的亲属缴费。", permitted
        )

    relation_clause = policy.clause(rules.relations_ref)
    if relation in rules.relations:
        if not rules.relations_ref.silent:
            reasons.append(
                Reason(
                    text=f"{relation.label}属可由家庭共济代缴的亲属范围。",
                    clause=policy.clause(rules.relations_ref),
                )
            )
    elif relation in rules.relations_to_confirm:
        outcomes.append(Outcome.CONFIRM)
        reasons.append(
            Reason(
                text=(
                    f"文件只说为“家庭成员”缴费；{relation.label}须与缴费人共同生活才属家庭成员"
                    "（民法典第一千零四十五条第三款），请经办人员核实。"
                ),
                clause=policy.clause(rules.relations_ref),
            )
        )
    else:
        allowed = "、".join(r.label for r in rules.relations + rules.relations_to_confirm)
        return refused(
            f"{relation.label}不在可共济的亲属范围（{allowed}）内，不能通过家庭共济缴费。",
            rules.relations_ref,
        )
    mismatch = age_mismatch(payer, relative, relation)
    if mismatch is not None:  # the document names the relation; the registry's dates disagree
        outcomes.append(Outcome.CONFIRM)
        reasons.append(Reason(text=mismatch, clause=policy.clause(rules.relations_ref)))

    if not binding:  # when to pay: the payment's matter (the binding is not a payment)
        centralized = policy.contribution.centralized
        inside = centralized.contains(on)
        period = f"{centralized.start}至{centralized.end}"
        # A 共济 payment is a payment: inside the period only the open days of each month count
        # (晋城 二, 山阴 三(一) "每月1日至25日"), as [periods.centralized] records.
        days = getattr(getattr(policy.periods, "centralized", None), "monthly_days", None)
        if inside and days is not None and not (days.first <= on.day <= days.last):
            return refused(
                f"集中缴费期内每月{days.first}日至{days.last}日才可办理缴费，{on}不可办理。", days
            )
        if rules.period == "centralized_only":
            if not inside:
                return refused(
                    f"家庭共济只能在集中征缴期（{period}）内办理，{on}不在此期间。", rules.period_ref
                )
            reasons.append(
                Reason(
                    text=f"{on}在集中征缴期（{period}）内，可办理家庭共济缴费。",
                    clause=policy.clause(rules.period_ref),
                )
            )
        elif not inside:
            outcomes.append(Outcome.CONFIRM)
            reasons.append(
                Reason(
                    text=f"文件未规定家庭共济的办理时段；{on}不在集中缴费期（{period}）内，请经办人员核实能否办理。",
                    clause=policy.clause(rules.period_ref),
                )
            )
        elif not permitted.silent:
            reasons.append(
                Reason(
                    text=f"文件未对家庭共济另定办理时段；{on}在集中缴费期（{period}）内，按正常缴费办理。",
                    clause=policy.clause(rules.period_ref),
                )
            )

    if not permitted.silent:
        outcomes.append(Outcome.ALLOWED)
        reasons.insert(
            0,
            Reason(
                text="职工医保参保人员可通过家庭共济为参加居民医保的亲属缴纳居民医保费。",
                clause=policy.clause(permitted),
            ),
        )

    share = quote(policy, relative, on)
    if not binding:  # what the share still asks (e.g. outside the period) is asked when paying
        outcomes.append(share.outcome)
    reasons.append(
        Reason(
            text=f"代缴金额为该亲属的个人缴费部分{yuan(share.personal_fen, **IN_TEXT)}。",
            clause=policy.clause(policy.contribution.standard),
        )
    )
    reasons.extend(share.reasons[1:])  # how the relative's share was reached
    return FamilyAidDecision(
        rule="family_aid",
        outcome=combine(outcomes),
        reasons=tuple(reasons),
        amount_fen=share.personal_fen,
        relation=relation,
        relation_clause=relation_clause,
        amount_clause=policy.clause(policy.contribution.standard),
    )
