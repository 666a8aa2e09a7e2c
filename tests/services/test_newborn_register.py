"""``newborns.register_and_assess``: F3's 登记并核定 as one operation — the baby saved or
corrected and its ID number linked in one transaction, then assessed. A bad part writes
nothing (the name corrected before a refused ID number is not kept)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.ids import id_number
from tests.services.helpers import audit_actions, counts, rows
from yibao.models import AuditLog, Person
from yibao.services.errors import AlreadyRegistered, InvalidInput


@pytest.fixture
def policy_id() -> str:
    return "meishan-2024"  # 90 days (含) from birth


@pytest.fixture
def mother(services, clock):  # type: ignore[no-untyped-def]
    clock.set_local(2024, 3, 10)
    return services.persons.register(
        name="李母", id_number=id_number(date(1995, 5, 6), seq=12, county="511402"), hukou_region="511402",
    )


def _form(mother, **changes):  # type: ignore[no-untyped-def]
    form = {"guardian_id_number": mother.id_number, "name": "李宝", "birth_date": date(2024, 2, 1),
            "sex": "1", "birth_cert_no": "Q510123456", "hukou_region": "511402"}
    return {**form, **changes}


def test_a_new_baby_is_registered_and_assessed_in_one_call(services, mother) -> None:  # type: ignore[no-untyped-def]
    case = services.newborns.register_and_assess(**_form(mother))
    assert case.guardian.id == mother.id and case.baby.guardian_person_id == mother.id
    assert case.assessment.person.id == case.baby.id
    # born 2024-02-01, today 2024-03-10: 38 days, within the 90 days
    assert case.assessment.decision.within_window
    assert [a for a in audit_actions(services.engine, person_id=case.baby.id)] == [("person.register", "done")]


def test_the_same_certificate_again_opens_the_baby_and_corrects_it(services, mother) -> None:  # type: ignore[no-untyped-def]
    first = services.newborns.register_and_assess(**_form(mother))
    again = services.newborns.register_and_assess(**_form(mother, name="李小宝"))
    assert again.baby.id == first.baby.id and again.baby.name == "李小宝"
    assert len(rows(services.engine, Person, birth_cert_no="Q510123456")) == 1
    actions = audit_actions(services.engine, person_id=first.baby.id)
    assert actions == [("person.register", "done"), ("person.update", "done")]


def test_an_id_number_brought_later_is_linked(services, mother) -> None:  # type: ignore[no-untyped-def]
    first = services.newborns.register_and_assess(**_form(mother))
    number = id_number(date(2024, 2, 1), seq=31, county="511402")  # odd sequence: 男, as registered
    linked = services.newborns.register_and_assess(**_form(mother, id_number=number), baby_id=first.baby.id)
    assert linked.baby.id_number == number
    assert audit_actions(services.engine, person_id=first.baby.id)[-1] == ("person.link_id", "done")


def test_a_refused_id_number_keeps_the_name_correction_out_too(services, mother) -> None:  # type: ignore[no-untyped-def]
    """Name corrected, then the ID number is another person's: the whole call is refused and
    the registry is as before (no 李小宝, no update row, no link)."""
    first = services.newborns.register_and_assess(**_form(mother))
    other = services.persons.register(
        name="王某", id_number=id_number(date(2024, 2, 1), seq=33, county="511402"), hukou_region="511402",
    )
    before = counts(services.engine, Person, AuditLog)
    with pytest.raises(AlreadyRegistered) as refused:
        services.newborns.register_and_assess(
            **_form(mother, name="李小宝", id_number=other.id_number), baby_id=first.baby.id
        )
    assert refused.value.field == "id_number" and "王某" in refused.value.message
    assert counts(services.engine, Person, AuditLog) == before
    assert services.persons.get(first.baby.id).name == "李宝"


def test_a_guardian_not_on_file_writes_nothing(services, mother) -> None:  # type: ignore[no-untyped-def]
    before = counts(services.engine, Person, AuditLog)
    stranger = id_number(date(1990, 1, 1), seq=55, county="511402")
    with pytest.raises(InvalidInput) as refused:
        services.newborns.register_and_assess(**_form(mother, guardian_id_number=stranger))
    assert refused.value.field == "guardian" and "没有这位监护人" in refused.value.message
    assert counts(services.engine, Person, AuditLog) == before


def test_another_birth_date_for_the_baby_on_file_is_refused(services, mother) -> None:  # type: ignore[no-untyped-def]
    services.newborns.register_and_assess(**_form(mother))
    before = counts(services.engine, Person, AuditLog)
    with pytest.raises(InvalidInput) as refused:
        services.newborns.register_and_assess(**_form(mother, name="李小宝", birth_date=date(2024, 2, 2)))
    assert refused.value.field == "birth_date" and "2024-02-01" in refused.value.message
    assert counts(services.engine, Person, AuditLog) == before


def test_a_certificate_and_an_id_number_of_two_people_are_refused(services, mother) -> None:  # type: ignore[no-untyped-def]
    """The baby's certificate is on file and the number typed is another child's: neither
    person is changed (the other child is not renamed to the baby's name)."""
    first = services.newborns.register_and_assess(**_form(mother))
    other = services.persons.register(
        name="王某", id_number=id_number(date(2024, 2, 1), seq=33, county="511402"), hukou_region="511402",
    )
    before = counts(services.engine, Person, AuditLog)
    with pytest.raises(InvalidInput) as refused:
        services.newborns.register_and_assess(**_form(mother, name="李小宝", id_number=other.id_number))
    assert refused.value.field == "id_number" and "王某" in refused.value.message
    assert counts(services.engine, Person, AuditLog) == before
    assert (services.persons.get(first.baby.id).name, services.persons.get(other.id).name) == ("李宝", "王某")


def test_the_baby_joins_its_guardians_household(services, mother) -> None:  # type: ignore[no-untyped-def]
    # A walk of F3: the guardian's household did not list the baby, nor the baby's case its
    # household. A newborn is entered on its parent's 户口簿: it joins the guardian's
    # household, related to the head as the guardian's child (GB/T 4761: the head's or the
    # spouse's child 20 子 / 30 女, a son's child 41 孙子 / 42 孙女).
    household = services.persons.create_household(number="0009", hukou_region="511402")
    services.persons.join_household(mother.id, household_id=household.id, relation_to_head="10")  # 配偶
    case = services.newborns.register_and_assess(**_form(mother))  # sex "1"
    baby = services.persons.get(case.baby.id)
    assert (baby.household_id, baby.relation_to_head) == (household.id, "20")  # 子
    grandmother = services.persons.register(
        name="王奶奶", id_number=id_number(date(1950, 1, 2), seq=22, county="511402"),
        hukou_region="511402", household_id=household.id, relation_to_head="02",
    )
    son = services.persons.register(
        name="王儿", id_number=id_number(date(1985, 1, 2), seq=33, county="511402"),
        hukou_region="511402", household_id=household.id, relation_to_head="20",
    )
    assert grandmother.household_id == household.id
    girl = services.newborns.register_and_assess(
        **_form(son, name="王孙女", sex="2", birth_cert_no="Q510123457")
    )
    assert services.persons.get(girl.baby.id).relation_to_head == "42"  # 孙女


def test_a_baby_on_file_without_a_household_joins_the_guardians(services, mother) -> None:  # type: ignore[no-untyped-def]
    first = services.newborns.register_and_assess(**_form(mother))  # the mother has no household yet
    assert services.persons.get(first.baby.id).household_id is None
    household = services.persons.create_household(number="0010", hukou_region="511402")
    services.persons.join_household(mother.id, household_id=household.id, relation_to_head="02")  # 户主
    again = services.newborns.register_and_assess(**_form(mother, sex="1"))
    baby = services.persons.get(again.baby.id)
    assert (baby.household_id, baby.relation_to_head) == (household.id, "20")
    assert audit_actions(services.engine, person_id=baby.id)[-1] == ("household.join", "done")
