"""What F4 tells the clerk about a relative beyond the decision panel, and what its
workers hand back (the payer with their relatives' assessments, a binding, the receipts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from yibao.rules.decision import Outcome
from yibao.services.views import FamilyAidAssessmentView

if TYPE_CHECKING:
    from yibao.printing.receipt import SavedReceipt
    from yibao.services.views import BindingView, PersonView, ReceiptView


@dataclass(frozen=True)
class Payer:
    person: PersonView
    views: tuple[FamilyAidAssessmentView, ...]  # one per bound relative


@dataclass(frozen=True)
class Bound:
    binding: BindingView
    views: tuple[FamilyAidAssessmentView, ...]
    payer: PersonView | None = None  # the payer as now on file, when this bind recorded them


@dataclass(frozen=True)
class Paid:
    receipts: tuple[ReceiptView, ...]
    saved: tuple[SavedReceipt, ...]  # one per receipt


def place_to_fill(view: FamilyAidAssessmentView) -> str | None:
    """A relative refused only because the registry has no 户籍地 for them (known from a
    department list): F4 has no place field, so the clerk is sent to F2 and back."""
    if view.outcome is not Outcome.REFUSED or not view.place_unknown or view.existing_payment:
        return None
    name = view.binding.relative_name
    return f"{name}在登记库中没有户籍地：请按 F2 调出{name}补填户籍地，再回到 F4 勾选缴费。"


def bound_step(view: FamilyAidAssessmentView) -> str:
    """The step line once a relative is bound: tick and pay, or why this one cannot be."""
    b = view.binding
    done = f"已绑定 {b.relative_name}（{b.relation_label}）。"
    if view.outcome is not Outcome.REFUSED:
        return done + "勾选后按 Ctrl+S 缴费。"
    if view.existing_payment is not None:
        return done + f"{b.relative_name}本年度已缴费，无需代缴；绑定留作以后年度使用。"
    return done + (place_to_fill(view) or f"{b.relative_name}不予办理（理由见右侧），不能勾选代缴。")
