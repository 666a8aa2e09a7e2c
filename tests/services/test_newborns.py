from __future__ import annotations

from datetime import date

import pytest

from tests.ids import id_number
from tests.services.helpers import audit_actions, counts, rows
from yibao.models import Enrolment, Payment, Person
from yibao.services.errors import AlreadyRegistered, InvalidInput, Refused


@pytest.fixture
def policy_id() -> str:
    return "meishan-2024"  # 90 days (含), fee = 380 yuan standard, covered from birth


@pytest.fixture
def baby(services, clock):  # type: ignore[no-untyped-def]
    clock.set_local(2024, 3, 10)
    mother = services.persons.register(
        name="李母",
        id_number=id_number(date(1995, 5, 6), seq=12, county="511402"),
        hukou_region="511402",
    )
    return services.newborns.register(
        name="李宝",
        birth_date=date(2024, 2, 1),
        sex="男",
        birth_cert_no="q510123456",
        guardian_person_id=mother.id,
        hukou_region="511402",
    )


def test_register_by_birth_certificate(services, baby) -> None:  # type: ignore[no-untyped-def]
    assert not baby.has_id_number and baby.birth_cert_masked == "Q*****3456"
    row = rows(services.engine, Person, id=baby.id)[0]
    assert row.birth_cert_no == "Q510123456" and row.id_number is None and row.sex == "1"
    with pytest.raises(AlreadyRegistered):
        services.newborns.register(
            name="重复", birth_date=date(2024, 2, 1), sex="女", birth_cert_no="Q510123456"
        )


def test_assess_and_enrol_within_90_days(services, baby) -> None:  # type: ignore[no-untyped-def]
    assessment = services.newborns.assess(baby.id)
    assert assessment.outcome == "allowed" and assessment.due_fen == 38000
    assert assessment.decision.within_window and assessment.benefit_year == 2024
    receipt = services.newborns.enrol(baby.id, channel="cash", received_fen=40000)
    assert receipt.change_fen == 2000 and "出生医学证明编号：Q*****3456" in receipt.text
    (enrolment,) = rows(services.engine, Enrolment)
    assert enrolment.category == "newborn" and enrolment.benefit_year == 2024
    assert (enrolment.coverage_start, enrolment.coverage_end) == (
        date(2024, 2, 1),
        date(2024, 12, 31),
    )
    (payment,) = rows(services.engine, Payment)
    assert payment.amount_fen == 38000 and payment.person_id == baby.id
    assert audit_actions(services.engine, person_id=baby.id)[-1] == ("newborn.enrol", "done")
    with pytest.raises(Refused, match="退费受理"):
        services.newborns.enrol(baby.id, channel="bank")


def test_paid_on_must_be_today(services, baby) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput, match="只能是今天"):
        services.newborns.enrol(baby.id, channel="bank", paid_on=date(2024, 3, 1))
    assert counts(services.engine, Payment)["payment"] == 0


def test_link_id_number_later(services, baby) -> None:  # type: ignore[no-untyped-def]
    services.newborns.enrol(baby.id, channel="bank")
    wrong_day = id_number(date(2024, 2, 2), seq=11, county="511402")
    with pytest.raises(InvalidInput, match="不一致"):
        services.newborns.link(baby.id, id_number=wrong_day)
    number = id_number(date(2024, 2, 1), seq=11, county="511402")
    linked = services.newborns.link(baby.id, id_number=number)
    assert linked.id_number == number and linked.has_id_number
    row = rows(services.engine, Person, id=baby.id)[0]
    assert row.birth_cert_no == "Q510123456" and row.id_tail == number[-6:]
    assert services.payments.for_person(baby.id)[0].person_id == baby.id  # history stays
    assert ("person.link_id", "done") in audit_actions(services.engine, person_id=baby.id)
    other = services.persons.register(
        name="别人", id_number=id_number(date(2024, 2, 1), seq=13, county="511402")
    )
    with pytest.raises(InvalidInput):
        services.newborns.link(baby.id, id_number=other.id_number)


def test_after_the_window_the_rules_decide(services, baby, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set_local(2024, 6, 10)  # > 90 days: pays from the next day (眉山 二(二)4)
    assessment = services.newborns.assess(baby.id)
    assert assessment.decision.within_window is False
    assert any("90天" in line for line in assessment.explain())


def test_failure_mid_enrol_writes_nothing(services, baby, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import yibao.receipts

    def boom(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("sequence table locked")

    monkeypatch.setattr(yibao.receipts, "next_receipt_no", boom)
    with pytest.raises(RuntimeError):
        services.newborns.enrol(baby.id, channel="bank")
    assert counts(services.engine, Enrolment, Payment) == {"enrolment": 0, "payment": 0}
    assert ("newborn.enrol", "done") not in audit_actions(services.engine, person_id=baby.id)


def test_register_by_guardian_and_birth_date(services, clock) -> None:  # type: ignore[no-untyped-def]
    """No ID number and no 出生医学证明 number yet: the guardian on file identifies the baby; the
    same guardian's unnumbered child of that name and birth date is the same person."""
    clock.set_local(2024, 3, 10)
    mother = services.persons.register(
        name="王母", id_number=id_number(date(1994, 4, 4), seq=21, county="511402"),
        hukou_region="511402",
    )
    baby = services.newborns.register(
        name="王宝", birth_date=date(2024, 2, 1), sex="女", guardian_person_id=mother.id,
        hukou_region="511402",
    )
    row = rows(services.engine, Person, id=baby.id)[0]
    assert (row.id_number, row.birth_cert_no, row.guardian_person_id) == (None, None, mother.id)
    with pytest.raises(AlreadyRegistered) as again:
        services.newborns.register(
            name="王宝", birth_date=date(2024, 2, 1), sex="女", guardian_person_id=mother.id,
            id_number=id_number(date(2024, 2, 1), seq=22, county="511402"),
        )
    assert again.value.person_id == baby.id
    twin = services.newborns.register(  # another name: a twin, another person
        name="王贝", birth_date=date(2024, 2, 1), sex="女", guardian_person_id=mother.id,
    )
    assert twin.id != baby.id
    assert counts(services.engine, Person) == {"person": 3}


def test_neither_number_nor_guardian_is_refused_in_chinese(services) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as refused:
        services.newborns.register(name="无名", birth_date=date(2024, 2, 1), sex="女")
    assert "监护人" in refused.value.message and refused.value.field == "id_number"
    assert counts(services.engine, Person) == {"person": 0}
