"""F3's worker calls: each is one service call (with the reads that show its outcome, and
writing the text receipt after a payment; the PDF and the printer follow in a worker of
their own, ``tui.workflows.receipts``). They run in a thread and never touch a widget."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tui.workflows.newborn.presentation import Assessed, BabyDraft, Enrolled
from tui.workflows.receipts import save_text
from yibao.services import Services
from yibao.services.views import NewbornAssessmentView, PersonView


def find_guardian(services: Services, id_number: str) -> PersonView | None:
    return services.persons.by_id_number(id_number)


def register_and_assess(
    services: Services, draft: BabyDraft, baby_id: str | None, year_choice: int | None
) -> Assessed:
    """登记并核定: one service operation saves the baby (or corrects the one on file) and
    asks the rules about it; a bad part writes nothing."""
    case = services.newborns.register_and_assess(
        baby_id=baby_id,
        guardian_id_number=draft.guardian_id_number,
        name=draft.name,
        birth_date=draft.birth_date,
        sex=draft.sex,
        birth_cert_no=draft.birth_cert_no,
        id_number=draft.id_number,
        hukou_region=draft.hukou_region,
        year_choice=year_choice,
    )
    return Assessed(case.baby, case.guardian, case.assessment, draft)


def open_person(services: Services, person_id: str) -> Assessed | PersonView:
    """From the case view: the baby (assessed) when registered as one, else the guardian."""
    person = services.persons.get(person_id)
    if person.guardian_person_id:
        guardian = services.persons.get(person.guardian_person_id)
        return Assessed(person, guardian, services.newborns.assess(person.id), None)
    return person


def reassess(services: Services, baby_id: str, year_choice: int | None) -> NewbornAssessmentView:
    return services.newborns.assess(baby_id, year_choice=year_choice)


def enrol(
    services: Services,
    receipts_dir: Path,
    baby_id: str,
    *,
    channel: str,
    received_fen: int | None,
    year_choice: int | None,
    paid_on: date,
    confirmed: bool,
) -> Enrolled:
    receipt = services.newborns.enrol(
        baby_id, channel=channel, received_fen=received_fen, year_choice=year_choice,
        paid_on=paid_on, confirmed=confirmed,
    )
    return Enrolled(receipt, save_text(receipt, receipts_dir))
