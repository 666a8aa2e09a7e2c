"""F5 退费 as the clerk reads it: figures with their clauses, the result, the review summary.

Presentation only. Every clause printed beside a figure is a field of the rules'
``RefundDecision`` (``reason_clause``, ``deadline_clause``, ``approver_clause``); every label
(payment status, request state, reason) comes from the services' views.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.formatting import local_time, show_date, yuan
from tui.widgets.decision import Figure, section

if TYPE_CHECKING:
    from yibao.services.views import PaymentView, RefundAssessmentView, RefundView

PAYMENT_COLUMNS = ("收据号", "年度", "缴费日期", "金额", "状态")
QUEUE_COLUMNS = ("受理日期", "收据号", "姓名", "原因", "金额", "状态", "办结期限")


def payment_cells(p: PaymentView) -> tuple[str, ...]:
    return (p.receipt_no, str(p.benefit_year), show_date(p.paid_on), yuan(p.amount_fen, unit=False),
            p.status_label or p.status)


def refund_fen(view: RefundAssessmentView) -> int:
    """What goes back: a subsidy settlement's difference as its decision says, else the payment."""
    settled = getattr(view.decision, "amount_fen", None)
    return int(settled) if isinstance(settled, int) else view.payment.amount_fen


def figures(view: RefundAssessmentView, reason_label: str) -> list[Figure]:
    d = view.decision
    p = view.payment
    rows = [
        Figure("收据号", p.receipt_no, ""),
        Figure("缴费日期", f"{show_date(p.paid_on)}（{p.benefit_year}年度）", ""),
        Figure("退费金额", yuan(refund_fen(view)), ""),
        Figure("退费原因", reason_label, section(d.reason_clause)),
        Figure("受理期限", f"{show_date(d.deadline)}（含）前" if d.deadline else "文件未规定",
               section(d.deadline_clause)),
    ]
    if d.refused:
        return rows
    if d.apply_to:
        rows.append(Figure("申请受理", d.apply_to, section(d.approver_clause)))
    if d.approver:
        rows.append(Figure("终审", d.approver, section(d.approver_clause)))
    if d.evidence:
        rows.append(Figure("须提交材料", "、".join(d.evidence), ""))
    return rows


def result_text(refund: RefundView) -> str:
    lines = [
        f"[b green]已受理退费申请[/]　状态 [b]{refund.state_label}[/]　收据号 {refund.receipt_no}",
        f"退费金额 {yuan(refund.amount_fen)}　受理日期 {show_date(refund.received_on)}"
        + (f"　受理期限 {show_date(refund.deadline)}" if refund.deadline else ""),
    ]
    if refund.approver:
        lines.append(f"由 {refund.approver} 终审。")
    lines.append("审核：审核人员按 Ctrl+R（退费审核）办理，或在个人档案“退费”页按 Enter。")
    lines.append("按 Esc 返回，或按 F5 受理下一笔。")
    return "\n".join(lines)


def summary_text(refund: RefundView) -> str:
    lines = [
        f"收据号 [b]{refund.receipt_no}[/]　退费金额 [b]{yuan(refund.amount_fen)}[/]　"
        f"当前状态 [b]{refund.state_label}[/]",
        f"原因：{refund.reason_label}" + (f"（{refund.reason_note}）" if refund.reason_note else ""),
        f"受理日期 {show_date(refund.received_on)}　受理期限 {show_date(refund.deadline)}"
        + (f"　终审：{refund.approver}" if refund.approver else ""),
    ]
    if refund.evidence:
        lines.append("已收材料：" + "、".join(refund.evidence))
    if refund.decision_note:
        lines.append(f"审核意见：{refund.decision_note}")
    return "\n".join(lines)


def transition_cells(refund: RefundView) -> list[tuple[str, str, str]]:
    return [(local_time(t.at), t.to_label, t.note or "") for t in refund.transitions]


def queue_cells(refund: RefundView, name: str) -> tuple[str, ...]:
    return (show_date(refund.received_on), refund.receipt_no, name, refund.reason_label,
            yuan(refund.amount_fen, unit=False), refund.state_label, show_date(refund.deadline))
