"""Cells and text of the case view, from a ``yibao.services.views.CaseView``. Presentation only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.formatting import local_time, show_date, yuan
from tui.labels import SEX_LABELS, STATUS_LABELS, audit_action_label, region_text, relation_label

if TYPE_CHECKING:
    from yibao.services.views import CaseView

ENROLMENT_STATUS = {"registered": "已登记未缴费", "paid": "已缴费", "refunded": "已退费", "cancelled": "已注销"}
AUDIT_OUTCOME = {"done": "已办理", "refused": "不予办理"}

Rows = list[tuple[str, tuple[str, ...]]]


def person_text(case: CaseView, revealed: str | None = None) -> str:
    """The heading; the ID number masked unless the clerk asked to see it (``revealed``)."""
    p = case.person
    if p.has_id_number:
        id_text = revealed or f"{p.id_masked}　[dim]（I 显示完整号码）[/]"
    else:
        id_text = f"出生医学证明 {p.birth_cert_masked}" if p.birth_cert_masked else "（无身份证号）"
    lines = [
        f"[b]{p.name}[/]　{p.sex_label}　出生日期 {show_date(p.birth_date)}　身份证号码 {id_text}",
        f"户籍地 {region_text(p.hukou_region)}　居住证发证地 {region_text(p.residence_permit_region)}"
        f"　状态 {STATUS_LABELS.get(p.status, p.status)}"
        + (f"（{show_date(p.died_on)}）" if p.died_on else ""),
    ]
    if p.employee_insured:
        lines.append("[b yellow]正在参加职工医保[/]")
    household = case.household
    if household is not None:
        lines.append(
            f"户号 {household.number or '—'}　与户主关系 {relation_label(p.relation_to_head)}"
            f"　家庭成员 {len(household.members)} 人"
        )
    identities = [i.label for i in case.identities if not i.revoked]
    lines.append("特殊身份 " + ("、".join(identities) if identities else "无"))
    return "\n".join(lines)


def year_text(case: CaseView) -> str:
    if case.paid_this_year:
        return f"[b green]{case.benefit_year} 年度：已缴费[/]"
    return f"[b yellow]{case.benefit_year} 年度：未缴费[/]　按 F2 办理参保登记"


def tab_rows(case: CaseView) -> dict[str, Rows]:
    rows: dict[str, Rows] = {}
    members = case.household.members if case.household is not None else ()
    rows["members"] = [
        (
            m.person_id,
            (
                m.name + ("（本人）" if m.person_id == case.person.id else ""),
                m.id_masked or "—",
                relation_label(m.relation_to_head),
                show_date(m.birth_date),
                SEX_LABELS.get(m.sex or "", "—"),
            ),
        )
        for m in members
    ]
    rows["identities"] = [
        (
            i.id,
            (
                i.label,
                i.department or "—",
                show_date(i.recognised_on),
                show_date(i.valid_from),
                show_date(i.valid_to),
                "已撤销" if i.revoked else "有效",
            ),
        )
        for i in case.identities
    ]
    rows["enrolments"] = [
        (
            e.id,
            (
                str(e.benefit_year),
                e.category_label,
                region_text(e.insured_region),
                ENROLMENT_STATUS.get(e.status, e.status),
                show_date(e.registered_on),
                show_date(e.coverage_start),
                show_date(e.coverage_end),
                f"{e.waiting_months}个月" if e.waiting_months else "无",
            ),
        )
        for e in case.enrolments
    ]
    rows["payments"] = [
        (
            p.id,
            (
                p.receipt_no,
                str(p.benefit_year),
                show_date(p.paid_on),
                p.channel_label,
                yuan(p.standard_fen, unit=False),
                yuan(p.subsidy_fen, unit=False),
                yuan(p.personal_fen, unit=False),
                yuan(p.amount_fen, unit=False),
                p.status_label or p.status,  # the services' label (conflict → 重复缴费待处理)
            ),
        )
        for p in case.payments
    ]
    rows["refunds"] = [
        (
            r.id,
            (
                r.receipt_no,
                r.reason_label + (f"（{r.reason_note}）" if r.reason_note else ""),
                yuan(r.amount_fen, unit=False),
                r.state_label,
                show_date(r.received_on),
                show_date(r.deadline),
            ),
        )
        for r in case.refunds
    ]
    bindings = [("为其缴费", b, b.relative_name, b.relative_id_masked) for b in case.bindings_as_payer]
    bindings += [("由其缴费", b, b.payer_name, b.payer_id_masked) for b in case.bindings_as_relative]
    rows["bindings"] = [
        (
            b.id,
            (direction, other, masked or "—", b.relation_label, show_date(b.bound_on),
             "有效" if b.status == "active" else "已解除"),
        )
        for direction, b, other, masked in bindings
    ]
    rows["history"] = [
        (
            a.id,
            (
                local_time(a.at),
                a.clerk_name or "—",
                audit_action_label(a.action),
                AUDIT_OUTCOME.get(a.outcome, a.outcome),
                a.summary,
            ),
        )
        for a in reversed(case.history)  # newest first on screen
    ]
    return rows
