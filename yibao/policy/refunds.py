"""Policy section ``[refunds]``: which refund requests a counter may take in, until when, and who approves."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field, model_validator

from yibao.policy.base import Ref, Strict


class RefundReason(StrEnum):
    DUPLICATE = "duplicate"  # 重复缴费
    JOINED_EMPLOYEE = "joined_employee"  # 参加（已缴纳）职工医保
    INSURED_ELSEWHERE = "insured_elsewhere"  # 在其他统筹区参加居民医保
    DIED = "died"  # 待遇享受期前死亡
    MULTI_CHANNEL = "multi_channel"  # 特殊人群同一人不同缴费渠道缴费
    HUKOU_DUPLICATE = "hukou_duplicate"  # 重复参保到户籍地退费（眉山 附件1 提及）
    IDENTITY_CHANGED = "identity_changed"  # 缴费后身份变动影响资助标准（商南 三(一) 不退不调）
    SUBSIDY_SETTLEMENT = "subsidy_settlement"  # 系统未标识身份、已全额缴费：落实资助政策（商南 三(一)）
    OTHER = "other"  # 其他原因

    @property
    def label(self) -> str:
        return LABELS[self]


LABELS: dict[RefundReason, str] = {
    RefundReason.DUPLICATE: "重复缴费",
    RefundReason.JOINED_EMPLOYEE: "已参加职工医保",
    RefundReason.INSURED_ELSEWHERE: "已在其他统筹区参加居民医保",
    RefundReason.DIED: "待遇享受期前死亡",
    RefundReason.MULTI_CHANNEL: "同一人不同缴费渠道重复缴费",
    RefundReason.HUKOU_DUPLICATE: "重复参保到户籍地退费",
    RefundReason.IDENTITY_CHANGED: "缴费后身份变动（资助标准变化）",
    RefundReason.SUBSIDY_SETTLEMENT: "落实资助政策（身份未标识、已全额缴费）",
    RefundReason.OTHER: "其他原因",
}


def reason_label(code: str, rules: RefundRules | None = None) -> str:
    """The Chinese label of a refund reason: the policy's own wording for a reason it defines,
    else the common label, else the code itself."""
    if rules is not None:
        entry = next((r for r in rules.reasons if r.code == code), None)
        if entry is not None and entry.code not in LABELS:
            return entry.label
    try:
        return LABELS[RefundReason(code)]
    except ValueError:
        return code


class RefundReasonRule(Ref):
    """One refund case the document lists. ``code`` is one of the common ``RefundReason``
    codes, or the jurisdiction's own (lower-case, e.g. ``identity_changed``) with ``label``
    in the document's words: a notice's own refund reasons are data, not code."""

    code: str = Field(pattern=r"^[a-z][a-z_]*$")
    label: str  # the document's own wording of the case
    evidence: tuple[str, ...] = ()  # what the counter asks for (desk practice unless the text says)
    # The document only mentions the case (眉山 附件1 教育部门职责) without rules: confirm.
    mention_only: bool = False
    # A request after ``window``: ``refused``, or ``confirm`` where the document ties no
    # deadline to this case but a general sentence points the other way (商南 五(四): the death
    # sentence sets no deadline, "进入待遇享受期后…个人缴费不再退回" does). Say why in ``note``.
    after_window: Literal["refused", "confirm"] = "refused"
    # ``refund`` (the default): the payment is refunded. ``refused``: the document says this
    # case gets nothing back (商南 三(一) “个人已缴纳的参保费用不退回，已享受的资助参保金额不
    # 调整”): intake is refused citing the clause. ``settlement``: the office pays back the
    # subsidy the person should have had (商南 三(一) “由县医保经办机构落实资助政策”): the
    # amount is the difference, the payment stays valid (``yibao.rules.settlement``).
    effect: Literal["refund", "refused", "settlement"] = "refund"


class RefundRules(Strict):
    accepted: Ref  # the refund clause; silent where the document has none
    reasons: tuple[RefundReasonRule, ...] = ()
    # ``true``: cases not listed are refused (山阴 "其余情况不予退费"); ``false``: confirm them.
    closed_list: bool = False
    # ``before_benefit_start``: 待遇享受期开始前 (商南); ``centralized``: 受理日期与集中缴费期一致
    # (山阴); ``silent``: no deadline stated.
    window: Literal["before_benefit_start", "centralized", "silent"]
    window_ref: Ref
    apply_to: str | None = None  # 向谁提出申请
    approver: str | None = None  # 谁终审
    approver_ref: Ref | None = None
    evidence: tuple[str, ...] = ()  # asked for every refund request

    @model_validator(mode="after")
    def _unique(self) -> RefundRules:
        codes = [r.code for r in self.reasons]
        if len(set(codes)) != len(codes):
            raise ValueError("reasons 中有重复的退费原因代码")
        if self.accepted.silent and any(not r.mention_only for r in self.reasons):
            raise ValueError(
                "文件未规定退费（accepted.silent）时，reasons 只能是 mention_only 的提及"
            )
        return self
