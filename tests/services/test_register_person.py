"""``enrolment.register_person``: F2's 登记 as one transaction (person, household, enrolment),
and ``persons.household_by_number``. Rows and audit rows checked on every backend."""

from __future__ import annotations

from datetime import date

import pytest

from tests.ids import id_number
from tests.services.helpers import audit_actions, counts, rows
from yibao.models import AuditLog, Enrolment, Household, Person
from yibao.services.enrolment import EnrolmentService
from yibao.services.errors import InvalidInput, Refused

TABLES = (Person, Household, Enrolment, AuditLog)


def _register(services, seq: int = 11, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("name", "张三")
    kwargs.setdefault("hukou_region", "611023")
    kwargs.setdefault("id_number", id_number(date(1980, 5, 6), seq=seq))
    return services.enrolment.register_person(**kwargs)


def test_new_person_new_household_and_enrolment_in_one_go(services) -> None:  # type: ignore[no-untyped-def]
    done = _register(services, household_number=" 0101 ", relation_to_head="02")
    assert done.created_person and done.created_household
    assert done.household.number == "0101" and [m.name for m in done.household.members] == ["张三"]
    assert done.enrolment.status == "registered" and done.enrolment.benefit_year == 2025
    (person,) = rows(services.engine, Person)
    (household,) = rows(services.engine, Household)
    (enrolment,) = rows(services.engine, Enrolment)
    assert person.household_id == household.id and person.relation_to_head == "02"
    assert enrolment.person_id == person.id and enrolment.registered_on == date(2024, 10, 15)
    assert [a for a in audit_actions(services.engine) if a[0] != "device.create" and a[0] != "clerk.create"] == [
        ("household.create", "done"),
        ("person.register", "done"),
        ("enrolment.register", "done"),
    ]


def test_a_second_head_is_refused_naming_the_field_and_nothing_is_written(services) -> None:  # type: ignore[no-untyped-def]
    _register(services, household_number="0101", relation_to_head="02")
    before = counts(services.engine, *TABLES)
    with pytest.raises(InvalidInput) as exc:
        _register(services, seq=13, name="张四", household_number="0101", relation_to_head="02")
    assert exc.value.field == "relation_to_head" and "户主" in exc.value.message
    assert counts(services.engine, *TABLES) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"household_number": "0101"}, "relation_to_head"),
        ({"relation_to_head": "10"}, "household_number"),
        ({"household_number": "0101", "relation_to_head": "99x"}, "relation_to_head"),
        ({"name": " "}, "name"),
        ({"hukou_region": "999999"}, "hukou_region"),
        ({"category": "astronaut"}, "category"),
        ({"id_number": "61102319800506001"}, "id_number"),
    ],
)
def test_bad_parts_name_their_field_and_write_nothing(services, changes, field) -> None:  # type: ignore[no-untyped-def]
    before = counts(services.engine, *TABLES)
    with pytest.raises(InvalidInput) as exc:
        _register(services, **changes)
    assert exc.value.field == field and exc.value.message
    assert counts(services.engine, *TABLES) == before


def test_a_failure_in_the_last_step_rolls_everything_back(services, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    before = counts(services.engine, *TABLES)

    def broken(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("injected")

    monkeypatch.setattr(EnrolmentService, "_register_in", broken)
    with pytest.raises(RuntimeError):
        _register(services, household_number="0101", relation_to_head="02")
    assert counts(services.engine, *TABLES) == before
    monkeypatch.undo()
    done = _register(services, household_number="0101", relation_to_head="02")  # the retry
    assert done.created_person and done.created_household
    assert counts(services.engine, Person, Household, Enrolment) == {
        "person": 1, "household": 1, "enrolment": 1
    }


def test_a_rules_refusal_writes_only_the_refused_attempt(services) -> None:  # type: ignore[no-untyped-def]
    number = id_number(date(1980, 5, 6), seq=11)
    before = counts(services.engine, Person, Household, Enrolment)
    with pytest.raises(Refused):
        _register(services, employee_insured=True, household_number="0101", relation_to_head="02")
    assert counts(services.engine, Person, Household, Enrolment) == before
    (entry,) = rows(services.engine, AuditLog, outcome="refused")
    assert entry.action == "enrolment.register" and entry.person_id is None
    assert entry.after["attempt"]["id_number"] == number[:6] + "********" + number[-4:]
    assert number not in repr(entry.after)


def test_the_person_on_file_is_corrected_and_joins_an_empty_household(services) -> None:  # type: ignore[no-untyped-def]
    first = _register(services)
    empty = services.persons.create_household(number="0202")
    assert services.persons.household_by_number("0202").members == ()
    done = _register(
        services, name="张三丰", residence_permit_region="610102",
        household_number="0202", relation_to_head="02",
    )
    assert not done.created_person and not done.created_household
    assert done.person.id == first.person.id and done.person.name == "张三丰"
    assert done.household.id == empty.id
    (person,) = rows(services.engine, Person)
    assert (person.household_id, person.relation_to_head, person.residence_permit_region) == (
        empty.id, "02", "610102"
    )
    assert len(rows(services.engine, Enrolment)) == 1
    assert audit_actions(services.engine, person_id=person.id) == [
        ("person.register", "done"),
        ("enrolment.register", "done"),
        ("person.update", "done"),
        ("household.join", "done"),
        ("enrolment.register", "done"),
    ]
    again = counts(services.engine, AuditLog)
    _register(services, name="张三丰", residence_permit_region="610102",
              household_number="0202", relation_to_head="02")  # repeated: only the enrolment row
    assert counts(services.engine, AuditLog)["audit_log"] == again["audit_log"] + 1


def test_a_person_on_file_keeps_their_id_number(services) -> None:  # type: ignore[no-untyped-def]
    first = _register(services)
    with pytest.raises(InvalidInput) as exc:
        _register(services, seq=13, person_id=first.person.id)
    assert exc.value.field == "id_number"
    assert rows(services.engine, Person)[0].id_number == first.person.id_number


def test_household_by_number(services) -> None:  # type: ignore[no-untyped-def]
    assert services.persons.household_by_number("0303") is None
    assert services.persons.household_by_number("  ") is None
    _register(services, household_number="0303", relation_to_head="02")
    _register(services, seq=13, name="李四", household_number="0303", relation_to_head="10")
    found = services.persons.household_by_number(" 03 03 ")
    assert found is not None and found.number == "0303"
    assert [(m.name, m.relation_to_head) for m in found.members] == [("张三", "02"), ("李四", "10")]
    with pytest.raises(InvalidInput) as exc:
        services.persons.create_household(number="0303")
    assert exc.value.field == "number"
