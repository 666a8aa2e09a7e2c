"""F4's worker calls: each is one service call (plus the reads that show its outcome, and
writing the text receipts after a payment; the PDFs and the printer follow in a worker of
their own, ``tui.workflows.receipts``). They run in a thread and never touch a widget."""

from __future__ import annotations

from pathlib import Path

from tui.workflows.family_aid.presentation import Bound, Paid, Payer
from tui.workflows.receipts import save_text
from yibao.services import Services
from yibao.services.family_aid import EmployeePayer
from yibao.services.views import PersonView


def open_payer(services: Services, *, id_number: str | None = None, person_id: str | None = None) -> Payer | None:
    person: PersonView | None
    if person_id:
        person = services.persons.get(person_id)
    elif id_number:
        person = services.persons.by_id_number(id_number)
    else:
        return None
    if person is None:
        return None
    return Payer(person, tuple(services.family_aid.assess(person.id)))


def bind(
    services: Services, payer_id: str | None, relative_id_number: str, *, relation: str, evidence: str,
    commitment_signed: bool, confirmed: bool, payer: EmployeePayer | None = None,
) -> Bound:
    """Bind the relative (``payer``: and record the payer as in 职工医保, in the same call)."""
    from yibao.services.errors import InvalidInput

    relative = services.persons.by_id_number(relative_id_number)
    if relative is None:
        raise InvalidInput(
            "登记库中没有这位亲属。请先按 F2 为其办理参保登记，再回来绑定。", field="relative"
        )
    binding = services.family_aid.bind(
        payer_person_id=None if payer is not None else payer_id, relative_person_id=relative.id,
        relation=relation, evidence=evidence, commitment_signed=commitment_signed,
        confirmed=confirmed, new_payer=payer,
    )
    payer_id = binding.payer_person_id
    recorded = services.persons.get(payer_id) if payer is not None else None
    return Bound(binding, tuple(services.family_aid.assess(payer_id)), recorded)


def pay(services: Services, receipts_dir: Path, payer_id: str, relative_ids: list[str], *, confirmed: bool) -> Paid:
    """One service call pays for every relative ticked; the text receipts are saved (the PDFs
    and the printer follow in their own worker)."""
    receipts = tuple(
        services.family_aid.pay(payer_id, relative_person_ids=relative_ids, confirmed=confirmed)
    )
    return Paid(receipts, tuple(save_text(r, receipts_dir) for r in receipts))
