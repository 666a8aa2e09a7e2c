"""退费受理: may the counter take in this refund request, until when, with what papers, for whom."""

from __future__ import annotations

from datetime import date, timedelta

from yibao.policy.model import Policy
from yibao.policy.refunds import RefundReason, RefundReasonRule, reason_label
from yibao.policy.vocabulary import Clause
from yibao.rules.decision import Decision, Outcome, Reason, combine

__all__ = ["RefundDecision", "RefundReason", "refund_intake"]


class RefundDecision(Decision):
    reason: str  # a ``RefundReason`` code or one the policy defines
    deadline: date | None = None  # last day a request may be taken in; None when not stated
    evidence: tuple[str, ...] = ()  # papers to ask for, in Chinese
    approver: str | None = None  # who gives final approval, as the document names it
    apply_to: str | None = None  # where the request is lodged
    # The clause each figure rests on, for the desk to print beside it.
    reason_clause: Clause | None = None  # the refund case (or the list it is not in)
    deadline_clause: Clause | None = None  # the time limit (or where the document is silent)
    approver_clause: Clause | None = None  # who takes it in and gives final approval


def refund_intake(
    policy: Policy,
    reason: str,
    paid_on: date,
    on: date,
    *,
    benefit_start: date | None = None,
    died_on: date | None = None,
) -> RefundDecision:
    """Check a refund request taken in on ``on`` for a fee paid on ``paid_on``.

    ``benefit_start``: when the refunded coverage starts (待遇享受期开始); by default the
    start of the policy's benefit year.
    """
    rules = policy.refunds
    reason = str(reason)
    if reason not in {r.value for r in RefundReason} | {r.code for r in rules.reasons}:
        offered = "、".join(
            dict.fromkeys([*(r.value for r in RefundReason), *(r.code for r in rules.reasons)])
        )
        raise ValueError(f"退费原因代码“{reason}”不存在。可选：{offered}。")
    label = reason_label(reason, rules)
    if benefit_start is None:
        benefit_start = _benefit_year_start(policy)
    if paid_on > on:
        raise ValueError(f"缴费日期（{paid_on}）晚于申请日期（{on}），请核对后重新录入。")
    entry: RefundReasonRule | None = next((r for r in rules.reasons if r.code == reason), None)
    evidence = rules.evidence + (entry.evidence if entry else ())
    reasons: list[Reason] = []
    outcomes: list[Outcome] = []

    def decide(deadline: date | None = None) -> RefundDecision:
        who = _approver_reason(policy)
        if Outcome.REFUSED not in outcomes and who is not None:
            reasons.append(who)
        listed = entry is not None and not entry.mention_only
        return RefundDecision(
            reason_clause=policy.clause(entry) if listed else policy.clause(rules.accepted),
            deadline_clause=None if rules.accepted.silent else policy.clause(rules.window_ref),
            approver_clause=who.clause if who is not None else None,
            rule="refund_intake",
            outcome=combine(outcomes),
            reasons=tuple(reasons),
            reason=reason,
            deadline=deadline,
            evidence=evidence,
            approver=rules.approver,
            apply_to=rules.apply_to,
        )

    # 1. Does the document say anything about refunds at all? (Its refund clause may also
    # exist but be unavailable to us: said so, not "未规定".)
    if rules.accepted.unavailable:
        outcomes.append(Outcome.CONFIRM)
        reasons.append(
            Reason(
                text=(
                    f"退费的规定见{rules.accepted.clause}，该部分原文未能取得，无法据以判断能否受理；"
                    "请经办人员取得原文或向医保经办机构核实后受理。"
                ),
                clause=policy.clause(rules.accepted),
            )
        )
        return decide()
    if rules.accepted.silent:
        outcomes.append(Outcome.CONFIRM)
        if entry is not None and entry.mention_only:
            reasons.append(
                Reason(
                    text=(
                        f"本文件仅提及“{entry.label}”，未规定退费的条件、时限和审批，"
                        "请经办人员按上级规定核实后受理。"
                    ),
                    clause=policy.clause(entry),
                )
            )
        reasons.append(
            Reason(
                text="本文件未规定居民医保退费的情形、时限和审批，请经办人员按上级规定核实后受理。",
                clause=policy.clause(rules.accepted),
            )
        )
        return decide()

    # 2. Is this reason one the document accepts?
    if entry is not None and entry.effect == "refused":
        # 商南 三(一): the document says this case gets nothing back.
        outcomes.append(Outcome.REFUSED)
        reasons.append(
            Reason(
                text=f"“{entry.label}”：个人已缴纳的参保费用不退回，已享受的资助参保金额不调整，不予受理。",
                clause=policy.clause(entry),
            )
        )
        return decide()
    if entry is not None and entry.effect == "settlement":
        # The amount and the checks are the settlement rule's (yibao.rules.settlement).
        raise ValueError(
            f"“{entry.label}”不是退回缴费，而是落实资助政策：请按“落实资助”办理（核算应享受的资助差额）。"
        )
    if entry is None or entry.mention_only:
        listed = "、".join(
            r.label for r in rules.reasons if not r.mention_only and r.effect == "refund"
        )
        if rules.closed_list:
            outcomes.append(Outcome.REFUSED)
            reasons.append(
                Reason(
                    text=f"“{label}”不在可退费的情形（{listed}）之内，其余情况不予退费。",
                    clause=policy.clause(rules.accepted),
                )
            )
            return decide()
        outcomes.append(Outcome.CONFIRM)
        reasons.append(
            Reason(
                text=f"文件列明的退费情形为：{listed}；未提及“{label}”，请经办人员核实能否受理。",
                clause=policy.clause(rules.accepted),
            )
        )
    else:
        outcomes.append(Outcome.ALLOWED)
        reasons.append(
            Reason(text=f"“{entry.label}”属文件列明的退费情形。", clause=policy.clause(entry))
        )

    # 3. Death must come before the benefit period.
    if reason == RefundReason.DIED and entry is not None:
        if died_on is None:
            outcomes.append(Outcome.CONFIRM)
            reasons.append(
                Reason(
                    text="因死亡申请退费须录入死亡日期，请补录后再审核。",
                    clause=policy.clause(entry),
                )
            )
        elif died_on >= benefit_start:
            outcomes.append(Outcome.REFUSED)
            reasons.append(
                Reason(
                    text=(
                        f"参保人于{died_on}死亡，已在待遇享受期（{benefit_start}起）内，"
                        "只有待遇享受期前死亡的才可退费。"
                    ),
                    clause=policy.clause(entry),
                )
            )
            return decide()

    # 4. The deadline.
    window = rules.window
    if window == "before_benefit_start":
        deadline = benefit_start - timedelta(days=1)
        if on > deadline and entry is not None and entry.after_window == "confirm":
            # 商南 五(四): "可在待遇享受期开始前…办理个人退费" governs the other cases; the death
            # sentence sets no deadline, while "进入待遇享受期后…不再退回" points the other way.
            outcomes.append(Outcome.CONFIRM)
            died = f"参保人于{died_on}死亡，" if died_on is not None else ""
            reasons.append(
                Reason(
                    text=(
                        f"{died}申请日{on}已进入待遇享受期（{benefit_start}起）。文件规定进入待遇享受期后"
                        "个人缴费不再退回，但对待遇享受期前死亡的退费未规定须在何时前申请"
                        "（“在待遇享受期开始前”只针对重复缴费、参加职工医保或在其他统筹区参保），"
                        "两处说法不一致，请经办人员向医保经办机构核实后再受理。"
                    ),
                    clause=policy.clause(rules.window_ref),
                )
            )
            reasons.append(
                Reason(
                    text=f"“{entry.label}”的退费条款未设申请期限。",
                    clause=policy.clause(entry),
                )
            )
        elif on > deadline:
            outcomes.append(Outcome.REFUSED)
            reasons.append(
                Reason(
                    text=(
                        f"已进入待遇享受期（{benefit_start}起），个人缴费不再退回；"
                        f"退费须在{deadline}（含）前申请。"
                    ),
                    clause=policy.clause(rules.window_ref),
                )
            )
        else:
            reasons.append(
                Reason(
                    text=f"申请日{on}在待遇享受期开始前，可在{deadline}（含）前终止参保关系并办理退费。",
                    clause=policy.clause(rules.window_ref),
                )
            )
        return decide(deadline)
    if window == "centralized":
        period = policy.contribution.centralized
        deadline = period.end
        if not period.contains(on):
            outcomes.append(Outcome.REFUSED)
            reasons.append(
                Reason(
                    text=(
                        f"退费受理日期与集中缴费期（{period.start}至{period.end}）一致，"
                        f"{on}不在此期间，不予受理。"
                    ),
                    clause=policy.clause(rules.window_ref),
                )
            )
        else:
            reasons.append(
                Reason(
                    text=f"申请日{on}在集中缴费期（{period.start}至{period.end}）内，可以受理。",
                    clause=policy.clause(rules.window_ref),
                )
            )
        return decide(deadline)
    outcomes.append(Outcome.CONFIRM)
    reasons.append(
        Reason(
            text="文件未规定退费申请的受理时限，请经办人员核实。",
            clause=policy.clause(rules.window_ref),
        )
    )
    return decide()


def _approver_reason(policy: Policy) -> Reason | None:
    rules = policy.refunds
    ref = rules.approver_ref
    if ref is None:
        return None
    if rules.approver:
        lodge = f"由缴费人向{rules.apply_to}提出申请，" if rules.apply_to else ""
        return Reason(
            text=f"退费{lodge}经{rules.approver}终审通过后办理退费。",
            clause=policy.clause(ref),
        )
    where = f"按{ref.defers_to}" if ref.defers_to else "按规定"
    return Reason(text=f"文件未写明退费由哪一机构终审，{where}办理。", clause=policy.clause(ref))


def _benefit_year_start(policy: Policy) -> date:
    """The first day of the benefit period, as ``[periods.benefit]`` states it."""
    return policy.periods.benefit.start
