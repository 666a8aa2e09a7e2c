from __future__ import annotations

from datetime import date

import pytest

from tests.ids import id_number, with_wrong_check_digit
from tests.services.helpers import audit_actions, counts, rows
from yibao.models import AuditLog, Household, Person, PersonIdentity
from yibao.services.errors import AlreadyRegistered, InvalidInput, NotFound


def test_register_stores_normalised_person_and_audit(services) -> None:  # type: ignore[no-untyped-def]
    number = id_number(date(1980, 5, 6), seq=11)
    typed = (
        number[:-1].translate(str.maketrans("0123456789", "０１２３４５６７８９"))
        + number[-1].lower()
    )
    view = services.persons.register(name=" 张三 ", id_number=typed, hukou_region="611023")
    assert view.id_number == number and view.id_masked.endswith(number[-4:])
    assert view.birth_date == date(1980, 5, 6) and view.sex == "1"
    (row,) = rows(services.engine, Person)
    assert row.name == "张三" and row.name_initials == "zs"
    assert row.id_tail == number[-6:] and row.birth_region == number[:6]
    assert row.device_id == services.device.id
    (entry,) = rows(services.engine, AuditLog, action="person.register")
    assert entry.person_id == row.id and entry.clerk_name == "王芳"
    assert entry.after["id_number"] == number[:6] + "********" + number[-4:]
    assert number not in repr(entry.after) and number not in entry.summary


def test_one_person_per_id_number(services) -> None:  # type: ignore[no-untyped-def]
    number = id_number(date(1980, 5, 6))
    first = services.persons.register(name="张三", id_number=number)
    with pytest.raises(AlreadyRegistered) as exc:
        services.persons.register(name="张三丰", id_number=number)
    assert exc.value.person_id == first.id and exc.value.field == "id_number"
    assert counts(services.engine, Person)["person"] == 1


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "甲"}, "id_number"),  # neither ID number nor birth certificate
        ({"name": "甲", "birth_cert_no": "Q610123456"}, "birth_date"),
        ({"name": "甲", "hukou_region": "6110"}, "hukou_region"),
        ({"name": "甲", "relation_to_head": "10"}, "household_id"),
    ],
)
def test_bad_input_is_refused_in_chinese(services, kwargs, field) -> None:  # type: ignore[no-untyped-def]
    if kwargs.get("name") and "birth_cert_no" not in kwargs:
        kwargs.setdefault("id_number", id_number(date(1990, 1, 1)))
        if field == "id_number":
            kwargs.pop("id_number")
    with pytest.raises(InvalidInput) as exc:
        services.persons.register(**kwargs)
    assert exc.value.field == field
    assert "请" in exc.value.message or "应" in exc.value.message
    assert counts(services.engine, Person, AuditLog)["person"] == 0


def test_wrong_check_digit_and_inconsistent_birth_date(services) -> None:  # type: ignore[no-untyped-def]
    number = id_number(date(1990, 1, 1))
    with pytest.raises(InvalidInput, match="校验码"):
        services.persons.register(name="甲", id_number=with_wrong_check_digit(number))
    with pytest.raises(InvalidInput, match="不一致"):
        services.persons.register(name="甲", id_number=number, birth_date=date(1990, 1, 2))


def test_household_head_and_members(services) -> None:  # type: ignore[no-untyped-def]
    house = services.persons.create_household(number="H001", hukou_region="611023")
    head = services.persons.register(
        name="张父",
        id_number=id_number(date(1960, 1, 1)),
        household_id=house.id,
        relation_to_head="02",
    )
    child = services.persons.register(name="张子", id_number=id_number(date(1990, 1, 1), seq=13))
    services.persons.join_household(child.id, household_id=house.id, relation_to_head="20")
    with pytest.raises(InvalidInput, match="户主"):
        services.persons.join_household(child.id, household_id=house.id, relation_to_head="02")
    view = services.persons.household(house.id)
    assert {m.person_id for m in view.members} == {head.id, child.id}
    assert all("*" in m.id_masked for m in view.members)
    assert ("household.join", "done") in audit_actions(services.engine, person_id=child.id)
    assert rows(services.engine, Household)[0].number == "H001"


def test_identities_add_revoke_and_facts(services) -> None:  # type: ignore[no-untyped-def]
    person = services.persons.register(name="低保户", id_number=id_number(date(1970, 1, 1)))
    ident = services.persons.add_identity(
        person.id,
        code="minimum_living",
        department="民政",
        recognised_on=date(2024, 3, 1),
        valid_from=date(2024, 3, 1),
        valid_to=date(2025, 2, 28),
    )
    assert ident.label == "低保对象"
    facts = services.persons.facts(person.id)
    assert [i.code for i in facts.identities] == ["minimum_living"]
    assert facts.identities[0].department == "民政"
    services.persons.revoke_identity(ident.id, note="复核不再符合")
    assert services.persons.facts(person.id).identities == ()
    (row,) = rows(services.engine, PersonIdentity)
    assert row.revoked_at is not None  # kept for history
    with pytest.raises(InvalidInput, match="特殊身份代码"):
        services.persons.add_identity(person.id, code="nonsense")
    with pytest.raises(InvalidInput, match="结束日期"):
        services.persons.add_identity(
            person.id, code="orphan", valid_from=date(2024, 5, 1), valid_to=date(2024, 1, 1)
        )


def test_update_records_before_and_after(services) -> None:  # type: ignore[no-untyped-def]
    person = services.persons.register(name="甲", id_number=id_number(date(1990, 1, 1)))
    services.persons.update(person.id, phone="13800000000", employee_insured=True)
    (entry,) = rows(services.engine, AuditLog, action="person.update")
    assert entry.before == {"phone": None, "employee_insured": False}
    assert entry.after == {"phone": "13800000000", "employee_insured": True}
    with pytest.raises(InvalidInput, match="不能在此修改"):
        services.persons.update(person.id, id_number="x")
    with pytest.raises(NotFound):
        services.persons.update("nobody", phone="1")


def test_case_view_collects_everything(services) -> None:  # type: ignore[no-untyped-def]
    person = services.persons.register(
        name="张三", id_number=id_number(date(1980, 5, 6)), hukou_region="611023"
    )
    services.persons.add_identity(person.id, code="disability", disability_grade=2)
    case = services.persons.case(person.id)
    assert case.person.id == person.id
    assert len(case.identities) == 1 and case.identities[0].disability_grade == 2
    assert [h.action for h in case.history] == ["person.register", "identity.add"]
    assert case.benefit_year == 2025 and not case.paid_this_year


def test_failure_mid_register_leaves_nothing(services, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import yibao.audit

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("disk full")

    monkeypatch.setattr(yibao.audit, "record", boom)
    with pytest.raises(RuntimeError):
        services.persons.register(name="甲", id_number=id_number(date(1990, 1, 1)))
    assert counts(services.engine, Person, AuditLog) == {
        "person": 0,
        "audit_log": 2,
    }  # device, clerk
