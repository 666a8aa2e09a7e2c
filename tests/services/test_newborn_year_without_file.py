"""F3: a newborn whose benefit year has no policy file in the registry is refused, with the
file to make, and nothing is written; the file of another year never prices the baby."""

from __future__ import annotations

from datetime import date

import pytest

from tests.ids import id_number
from tests.services.helpers import counts, rows
from yibao.models import AuditLog, Enrolment, Payment, Person
from yibao.services.errors import Refused


@pytest.fixture
def policy_id() -> str:
    return "shanyin-2025"


@pytest.fixture
def guardian(services):  # type: ignore[no-untyped-def]
    return services.persons.register(
        name="王父", id_number=id_number(date(1990, 1, 1), seq=11, county="140621"), hukou_region="140621"
    )


def test_a_baby_born_in_a_year_without_a_file_is_refused_and_nothing_written(services, clock, guardian) -> None:  # type: ignore[no-untyped-def]
    """山阴 三(二)2 covers babies born from 2025-01-01 (free, 90 days). A baby born 2024-12-15
    is a 2024 newborn: the 2025 file must not price it (it gave the 400 元 of a general
    resident, 三); the registry has no 2024 file, so the desk refuses and says how to make it."""
    clock.set_local(2025, 1, 10)  # day 26 of 90: within the window
    before = counts(services.engine, Person, Enrolment, Payment)
    with pytest.raises(Refused) as refused:
        services.newborns.register_and_assess(
            guardian_id_number=guardian.id_number, name="王宝", birth_date=date(2024, 12, 15), sex="1",
            hukou_region="140621",
        )
    said = "\n".join(refused.value.decision.explain())
    assert "属2024年度" in said and "没有山阴县2024年度的政策文件" in said
    assert "yibao policy new shanyin --year 2024 --from shanyin-2025 --to shanyin-2024.toml" in said
    assert "400.00" not in said
    assert counts(services.engine, Person, Enrolment, Payment) == before
    (entry,) = rows(services.engine, AuditLog, outcome="refused")
    assert entry.action == "newborn.register"


def test_the_same_baby_on_file_is_refused_at_payment_too(services, clock, guardian) -> None:  # type: ignore[no-untyped-def]
    clock.set_local(2025, 1, 10)
    baby = services.newborns.register(name="王宝", birth_date=date(2024, 12, 15), sex="1",
                                      guardian_person_id=guardian.id, hukou_region="140621")
    with pytest.raises(Refused, match="2024年度"):
        services.newborns.assess(baby.id)
    with pytest.raises(Refused, match="2024年度"):
        services.newborns.enrol(baby.id, channel="cash", received_fen=40000, confirmed=True)
    assert counts(services.engine, Payment, Enrolment) == {"payment": 0, "enrolment": 0}


def test_a_baby_of_the_files_own_year_is_free(services, clock, guardian) -> None:  # type: ignore[no-untyped-def]
    """三(二)2: born 2025-01-05, registered within 90 days: 无需缴费."""
    clock.set_local(2025, 1, 10)
    case = services.newborns.register_and_assess(
        guardian_id_number=guardian.id_number, name="王宝", birth_date=date(2025, 1, 5), sex="1",
        hukou_region="140621",
    )
    assert case.assessment.due_fen == 0 and case.assessment.benefit_year == 2025


def test_after_the_window_the_general_rules_of_the_year_paid_in_apply(services, clock, guardian) -> None:  # type: ignore[no-untyped-def]
    """Born 2024-06-01, 90 days ended 2024-08-30: not a newborn case any more; the 2025 file's
    general rules (三: 400 元) apply, as before — no refusal for the missing 2024 file."""
    clock.set_local(2025, 1, 10)
    baby = services.newborns.register(name="王宝", birth_date=date(2024, 6, 1), sex="1",
                                      guardian_person_id=guardian.id, hukou_region="140621")
    assert services.newborns.assess(baby.id).benefit_year == 2025


@pytest.mark.parametrize("policy_id", ["shangnan-2025"])
def test_a_chosen_year_without_a_file_is_refused_the_other_is_priced(services, clock, policy_id) -> None:  # type: ignore[no-untyped-def]
    parent = services.persons.register(name="张父", id_number=id_number(date(1990, 1, 1), seq=11), hukou_region="611023")
    """商南 四(二)2(2): born fewer than 90 days before 31 December, the guardian chooses the
    birth year or the next. Born 2024-11-15, on 2025-01-10 (day 56): 2024 has no file here
    and is refused; 2025 is priced by the 2025 file."""
    clock.set_local(2025, 1, 10)
    baby = services.newborns.register(name="张宝", birth_date=date(2024, 11, 15), sex="1",
                                      guardian_person_id=parent.id, hukou_region="611023")
    view = services.newborns.assess(baby.id)  # the choice is asked first
    assert view.decision.choices == (2024, 2025)
    with pytest.raises(Refused, match="所选2024年度待遇"):
        services.newborns.assess(baby.id, year_choice=2024)
    assert services.newborns.assess(baby.id, year_choice=2025).benefit_year == 2025
