"""F3 as the clerk reads it: the form's draft, what the workers hand back, and the figures
of a ``NewbornAssessmentView`` with the clause of each. Presentation only; every rule is in
the services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from tui.formatting import show_date, yuan
from tui.widgets.decision import Figure, section

if TYPE_CHECKING:
    from yibao.printing.receipt import SavedReceipt
    from yibao.rules.newborn import NewbornDecision
    from yibao.services.views import NewbornAssessmentView, PersonView, ReceiptView


@dataclass(frozen=True)
class BabyDraft:
    """The form as typed (validated for shape only; the services check the rest)."""

    guardian_id_number: str | None
    birth_cert_no: str | None
    id_number: str | None
    name: str
    sex: str | None
    birth_date: date | None
    hukou_region: str


@dataclass(frozen=True)
class Assessed:
    baby: PersonView
    guardian: PersonView | None
    assessment: NewbornAssessmentView
    draft: BabyDraft | None


@dataclass(frozen=True)
class Enrolled:
    receipt: ReceiptView
    saved: SavedReceipt


def newborn_decision(view: NewbornAssessmentView) -> NewbornDecision | None:
    """The newborn rule's own answer (window, year, fee, coverage, choices), when it is one."""
    from yibao.rules.newborn import NewbornDecision

    return view.decision if isinstance(view.decision, NewbornDecision) else None


def year_choices(view: NewbornAssessmentView) -> tuple[int, ...]:
    """The benefit years the guardian may choose between (none when there is no choice)."""
    d = newborn_decision(view)
    return tuple(d.choices or ()) if d is not None else ()


def figures(view: NewbornAssessmentView) -> list[Figure]:
    """The newborn answer as rows (window, year, fee, coverage, choice), each with its clause."""
    rows = [Figure("出生日期", show_date(view.person.birth_date), "")]
    d = newborn_decision(view)
    if d is not None:
        if d.window_end is not None:
            inside = "在期限内" if d.within_window else "已超过期限"
            rows.append(
                Figure("出生后参保期限", f"至 {show_date(d.window_end)}（{inside}）", section(d.window_clause))
            )
        choices = year_choices(view)
        if len(choices) > 1:
            rows.append(
                Figure("可选待遇年度", "、".join(f"{y}年" for y in choices), section(d.choice_clause))
            )
        if d.benefit_year:
            rows.append(Figure("待遇年度", f"{d.benefit_year}年", ""))
        fee = d.fee_fen
        if fee is not None:
            rows.append(Figure("缴费金额", "无需缴费" if fee == 0 else yuan(fee), section(d.fee_clause)))
        if d.coverage_start is not None:
            rows.append(
                Figure(
                    "待遇享受期",
                    f"{show_date(d.coverage_start)} 至 {show_date(d.coverage_end)}",
                    section(d.coverage_clause),
                )
            )
    if view.existing_payment is not None:
        rows.append(Figure("已缴费", f"收据号 {view.existing_payment.receipt_no}", ""))
    if view.due_fen is not None:
        rows.append(Figure("本次应收", yuan(view.due_fen), ""))
    return rows


def result_text(done: Enrolled) -> str:
    r = done.receipt
    paid = "免缴费参保" if r.amount_fen == 0 else f"实缴 {yuan(r.amount_fen)}"
    change = f"　找零 {yuan(r.change_fen)}" if r.change_fen else ""
    start, end = r.enrolment.coverage_start, r.enrolment.coverage_end
    # 晋城: the document sets no newborn coverage; “— 至 —” read as a fault after taking money.
    coverage = (f"待遇享受期 {show_date(start)} 至 {show_date(end)}" if start or end
                else "待遇享受期：文件未规定，请向医保经办机构核实")
    return "\n".join(
        (
            f"[b green]已办理新生儿参保[/]　收据号 [b]{r.receipt_no}[/]　{r.person_name}（{r.id_masked or '—'}）",
            f"{paid}{change}　{r.enrolment.benefit_year}年度",
            coverage,
            done.saved.note,
            "按 Esc 返回，或按 F3 办理下一位。",
        )
    )


