"""F2's worker calls: each is one service call (plus writing the text receipt after a
payment; the PDFs and the printer follow in a worker of their own, ``tui.workflows.receipts``).
They run in a thread and never touch a widget."""

from __future__ import annotations

from pathlib import Path

from tui.workflows.receipts import save_text
from tui.workflows.registration.presentation import Draft, Paid
from yibao.services import Services
from yibao.services.counter import CounterView
from yibao.services.history import DeclaredHistory


def register(services: Services, draft: Draft, person_id: str | None) -> CounterView:
    """参保登记: one operation saves (or corrects) the person, creates or joins the household
    by its 户号, and registers the enrolment. All or nothing."""
    return services.counter.register(
        person_id=person_id,
        category=draft.category,
        name=draft.name,
        id_number=draft.id_number,
        hukou_region=draft.hukou_region,
        residence_permit_region=draft.residence_permit_region,
        employee_insured=draft.employee_insured,
        household_number=draft.household_number,
        relation_to_head=draft.relation_to_head,
        id_confirmed=draft.id_confirmed,
        town=draft.town,
        village=draft.village,
    )


def pay(
    services: Services, receipts_dir: Path, person_id: str, *, category: str,
    declared: DeclaredHistory, channel: str, received_fen: int | None, confirmed: bool,
) -> Paid:
    receipt = services.counter.pay(
        person_id, category=category, declared=declared, channel=channel,
        received_fen=received_fen, confirmed=confirmed,
    )
    return Paid(receipt, save_text(receipt, receipts_dir))
