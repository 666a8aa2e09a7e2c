"""F2 as the clerk reads it: the form's draft, options and labels, and the figures of an
``AssessmentView`` with the clause of each (a field of the decision, never a search of the
reasons' text). Presentation only; every rule is in the services.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from tui.formatting import local_time, show_date, yuan
from tui.widgets.decision import Figure, section

if TYPE_CHECKING:
    from datetime import date

    from yibao.printing.receipt import SavedReceipt
    from yibao.rules.assess import EnrolmentAssessment
    from yibao.rules.coverage import CoverageDecision
    from yibao.rules.decision import Decision
    from yibao.services.counter import CounterView
    from yibao.services.views import AssessmentView, HouseholdView, IdentityView, ReceiptView

CHANNELS: tuple[tuple[str, str], ...] = (("cash", "现金"), ("bank", "银行代收"), ("online", "线上缴费"))
WINDOW_LABELS = {
    "centralized": "集中缴费期",
    "make_up": "补缴期",
    "any_time": "随时可缴",
    "outside": "不在缴费期内",
}


def category_options() -> list[tuple[str, str]]:
    from yibao.rules.facts import Category

    return [(c.label, c.value) for c in Category if c.value != "newborn"]


def channel_options() -> list[tuple[str, str]]:
    return [(label, code) for code, label in CHANNELS]


def channel_label(code: str) -> str:
    return dict(CHANNELS).get(code, code)


def mask(id_number: str) -> str:
    from yibao.idnumbers import mask as mask_id

    return mask_id(id_number)


@dataclass(frozen=True)
class Draft:
    """The person part of the F2 form, as typed."""

    id_number: str
    name: str
    hukou_region: str
    residence_permit_region: str | None
    household_number: str | None
    relation_to_head: str | None
    employee_insured: bool
    category: str
    id_confirmed: bool = False  # the clerk checked a card whose county code postdates the birth
    town: str | None = None  # 乡镇/街道 from the jurisdiction's list
    village: str | None = None  # 村/社区


def draft_of(opened: CounterView) -> Draft:
    """The F2 form's person part as the registry has it (to tell whether the clerk changed it)."""
    p = opened.person
    return Draft(
        id_number=p.id_number or "",
        name=p.name,
        hukou_region=p.hukou_region or "",
        residence_permit_region=p.residence_permit_region,
        household_number=opened.household_number,
        relation_to_head=p.relation_to_head if opened.household_number else None,
        employee_insured=p.employee_insured,
        category=opened.assessment.category,
        town=p.town,
        village=p.village,
    )


@dataclass(frozen=True)
class Paid:
    receipt: ReceiptView
    saved: SavedReceipt


def household_text(household: HouseholdView | None) -> str:
    """The hint under 户号: whose household it is, or that it will be created."""
    if household is None:
        return "新户号：登记时新建此户。"
    if not household.members:
        return "已有此户，尚无成员：登记时加入此户。"
    head = next((m.name for m in household.members if m.relation_to_head == "02"), None)
    who = f"户主 {head}" if head else "尚无户主"
    return f"已有此户：{who}，共 {len(household.members)} 人。"


# -- display --------------------------------------------------------------------------------


def enrolment_assessment(view: AssessmentView) -> EnrolmentAssessment | None:
    """The assessment's chain (eligibility, window, quote, coverage), or None when the
    services refused without running it (already paid this year)."""
    from yibao.rules.assess import EnrolmentAssessment

    return view.decision if isinstance(view.decision, EnrolmentAssessment) else None


def _own_clause(decision: Decision | None) -> str:
    """The clause a one-question decision (eligibility, payment window) rests on: its first
    reason is its answer."""
    reasons = decision.reasons if decision is not None else ()
    return section(reasons[0].clause) if reasons else ""


def _waiting_clauses(coverage: CoverageDecision) -> str:
    """Every clause the waiting period adds up from: a make-up period's fixed months (商南 四)
    and the months per lapsed year (四(二)4(8))."""
    return "、".join(dict.fromkeys(section(c) for c in coverage.waiting_clauses))


def figures(view: AssessmentView) -> list[Figure]:
    """The quote as rows: standard, subsidy (and the identity that gave it), personal share,
    extras, payment window, coverage or waiting period — each with its clause."""
    from yibao.identities import label as identity_label
    from yibao.rules.facts import CATEGORY_LABELS, Category
    from yibao.rules.quote import Quote

    a = enrolment_assessment(view)
    eligibility = a.eligibility if a is not None else None
    rows = [Figure("参保类别", CATEGORY_LABELS.get(Category(view.category), view.category), _own_clause(eligibility))]
    quote = a.quote if a is not None else None
    if isinstance(quote, Quote):
        rows.append(Figure("个人缴费标准", yuan(quote.standard_fen), section(quote.standard_clause)))
        if quote.subsidy_fen:
            who = identity_label(quote.subsidy_identity) if quote.subsidy_identity else "资助"
            rows.append(Figure("资助", f"-{yuan(quote.subsidy_fen)}（{who}）", section(quote.subsidy_clause)))
        else:
            rows.append(Figure("资助", "无", ""))
        rows.append(Figure("个人应缴", yuan(quote.personal_fen), ""))
        extra_clauses = dict(quote.extra_clauses)
        for code, label, fen in quote.extras:
            rows.append(Figure(label, yuan(fen), section(extra_clauses.get(code))))
    window = a.payment_window if a is not None else None
    if window is not None:
        # The notice's own name for the period after the centralized one, where it has one.
        text = window.period_name or WINDOW_LABELS.get(str(window.window), str(window.window))
        if window.earliest_payment_on and window.earliest_payment_on > view.on:
            text += f"，最早 {show_date(window.earliest_payment_on)} 可缴"
        rows.append(Figure("缴费期", text, _own_clause(window)))
    coverage = a.coverage if a is not None else None
    if coverage is not None and coverage.start is not None:
        rows.append(Figure("待遇享受期", f"{show_date(coverage.start)} 至 {show_date(coverage.end)}", section(coverage.start_clause)))
        days = coverage.waiting_days
        parts = [f"{days}天"] if days else []
        parts += [f"{coverage.waiting_months}个月"] if coverage.waiting_months else []
        waiting = "＋".join(parts) or "无"
        rows.append(Figure("等待期", waiting, _waiting_clauses(coverage) if parts else ""))
    if view.due_fen is not None:
        rows.append(Figure("本次应收", yuan(view.due_fen), ""))
    return rows


DRAFT_LINE = ("{year}年度政策文件是草稿·未确认：金额、期限和条款沿用上一年度文件，"
              "尚未对照新通知逐条确认，只能试算，不能收费。")


REFUSED_STEP = "[b red]不予办理，理由如下。[/]按 F2 办理下一位。"


def place_missing(view: AssessmentView) -> bool:
    """Refused only for want of a 户籍地 (a person from a department list): the form fixes it."""
    a = enrolment_assessment(view)
    eligibility = a.eligibility if a is not None else None
    facts = view.facts
    place_unknown = facts.hukou_region is None and facts.residence_permit_region is None
    return eligibility is not None and eligibility.refused and place_unknown


def refused_step(view: AssessmentView) -> tuple[str, str, str]:
    """What the clerk does next when the quote does not let money be taken: the line above
    the quote, the status line and its severity. Read from the facts and the decision's
    fields, so that a fixable form (no 户籍地 on file) or a wait (登记后… 个工作日可缴) is not
    told as a refusal."""
    if place_missing(view):
        return ("[b yellow]登记库中没有本人的户籍地：请在左侧填写户籍地（持居住证的填写居住证发证地），"
                "再按 Ctrl+S 重新核定。[/]",
                "请填写户籍地后按 Ctrl+S 重新核定。", "warning")
    wait = payable_from(view)
    window = a.payment_window if (a := enrolment_assessment(view)) is not None else None
    if window is not None and wait is not None:
        when = f"{wait:%Y年%-m月%-d日}"
        clause = window.reasons[-1].clause.cite() if window.reasons else ""
        return (f"[b yellow]登记信息已保存，今天尚不能缴费：最早 {when} 可以缴费（{clause}）。"
                "请告知居民届时来缴费。[/]按 F2 办理下一位。",
                f"今天尚不能缴费，最早 {when} 可缴；登记信息已保存。按 F2 办理下一位。", "warning")
    return REFUSED_STEP, "不予办理：理由见右侧。按 F2 办理下一位，Esc 返回。", "error"


def payable_from(view: AssessmentView) -> date | None:
    """The day money may first be taken when the only thing in the way is a wait the
    document sets (山阴 三(一)1: 登记成功后1至2个工作日可以缴费); None otherwise."""
    a = enrolment_assessment(view)
    if a is None or a.payment_window is None:
        return None
    if not all(d is not None and not d.refused for d in (a.eligibility, a.quote)):
        return None
    earliest = a.payment_window.earliest_payment_on
    return earliest if earliest is not None and earliest > view.on else None


def payable(view: AssessmentView | None) -> bool:
    """Whether the F2 form may go on to payment (the services decide; this only reads it)."""
    return view is not None and view.due_fen is not None and not view.decision.refused and not view.draft


def total_due(view: AssessmentView | None) -> int | None:
    return None if view is None else view.due_fen


def identities_text(identities: tuple[IdentityView, ...]) -> str:
    shown = [
        f"{i.label}（{i.department or '部门未记'}，{show_date(i.valid_from)}起）" for i in identities if not i.revoked
    ]
    return "；".join(shown) if shown else "无"


def result_text(paid: Paid) -> str:
    r = paid.receipt

    free = r.amount_fen == 0  # 全额资助: no money taken, no cash receipt
    done = "[b green]已办理参保登记[/]（全额资助，免缴费）" if free else "[b green]已收款[/]"
    lines = [
        f"{done}　收据号 [b]{r.receipt_no}[/]　{r.person_name}（{r.id_masked}）",
        "个人应缴 0.00 元，未收现金" if free else
        f"实缴 {yuan(r.amount_fen)}" + (f"　找零 {yuan(r.change_fen)}" if r.change_fen is not None else ""),
        f"待遇享受期 {show_date(r.enrolment.coverage_start)} 至 {show_date(r.enrolment.coverage_end)}",
        paid.saved.note,
        f"时间 {local_time(r.payment.paid_at)}",
        "按 Esc 返回，或按 F2 办理下一位。",
    ]
    return "\n".join(lines)
