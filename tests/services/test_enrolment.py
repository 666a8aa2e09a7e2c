from __future__ import annotations

from datetime import date

import pytest

from tests.ids import id_number
from tests.services.helpers import audit_actions, counts, rows
from yibao.models import AuditLog, Enrolment, Payment, ReceiptSequence
from yibao.services.errors import InvalidInput, NeedsConfirmation, Refused


def _person(services, *, seq: int = 11, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("hukou_region", "611023")
    return services.persons.register(
        name=kwargs.pop("name", "张三"), id_number=id_number(date(1980, 5, 6), seq=seq), **kwargs
    )


def test_assess_then_pay_cash_with_change(services) -> None:  # type: ignore[no-untyped-def]
    person = _person(services)
    assessment = services.enrolment.assess(person.id)
    assert assessment.decision.allowed and assessment.due_fen == 40000
    assert all("（商南政办发〔2024〕57号" in line for line in assessment.explain())
    assert counts(services.engine, Enrolment, Payment) == {"enrolment": 0, "payment": 0}

    receipt = services.enrolment.enrol_and_pay(person.id, channel="cash", received_fen=50000)

    assert receipt.amount_fen == 40000 and receipt.change_fen == 10000
    assert receipt.receipt_no == f"{services.device.prefix}-00000001"
    assert "人民币大写：肆佰元整" in receipt.text
    assert person.id_number not in receipt.text and receipt.id_masked in receipt.text
    (enrolment,) = rows(services.engine, Enrolment)
    assert (enrolment.status, enrolment.category, enrolment.benefit_year) == (
        "paid",
        "general",
        2025,
    )
    assert (enrolment.coverage_start, enrolment.coverage_end) == (
        date(2025, 1, 1),
        date(2025, 12, 31),
    )
    assert enrolment.registered_on == date(2024, 10, 15)
    (payment,) = rows(services.engine, Payment)
    assert (payment.standard_fen, payment.subsidy_fen, payment.personal_fen) == (40000, 0, 40000)
    assert (payment.received_fen, payment.change_fen, payment.channel) == (50000, 10000, "cash")
    assert payment.paid_on == date(2024, 10, 15) and payment.clerk_id == services.clerk.id
    assert audit_actions(services.engine, person_id=person.id) == [
        ("person.register", "done"),
        ("enrolment.paid", "done"),
        ("payment.record", "done"),
    ]
    case = services.persons.case(person.id)
    assert case.paid_this_year and case.payments[0].receipt_no == receipt.receipt_no


def test_second_payment_is_refused_and_points_to_refund_intake(services) -> None:  # type: ignore[no-untyped-def]
    person = _person(services)
    first = services.enrolment.enrol_and_pay(person.id, channel="bank")
    assert first.change_fen is None
    with pytest.raises(Refused) as exc:
        services.enrolment.enrol_and_pay(person.id, channel="cash", received_fen=40000)
    assert "退费受理" in exc.value.message and first.receipt_no in exc.value.message
    assert exc.value.decision.reasons[0].clause.section == "五(四)"
    assert counts(services.engine, Payment)["payment"] == 1
    assert rows(services.engine, ReceiptSequence)[0].last_value == 1
    assert audit_actions(services.engine, action="payment.record") == [
        ("payment.record", "done"),
        ("payment.record", "refused"),
    ]
    assessment = services.enrolment.assess(person.id)
    assert assessment.decision.refused and assessment.due_fen is None
    assert assessment.existing_payment.receipt_no == first.receipt_no


def test_rules_refusal_writes_nothing_but_the_refusal(services) -> None:  # type: ignore[no-untyped-def]
    person = _person(services, employee_insured=True)
    with pytest.raises(Refused) as exc:
        services.enrolment.enrol_and_pay(person.id, channel="cash", received_fen=40000)
    assert "职工医保" in exc.value.message
    assert counts(services.engine, Enrolment, Payment) == {"enrolment": 0, "payment": 0}
    (entry,) = rows(services.engine, AuditLog, outcome="refused")
    assert entry.person_id == person.id and "职工医保" in entry.summary
    assert entry.after["attempt"]["channel"] == "cash"


def test_subsidy_is_recorded_and_fully_subsidised_pays_nothing(services) -> None:  # type: ignore[no-untyped-def]
    low = _person(services, name="低保", seq=13)
    services.persons.add_identity(low.id, code="minimum_living", department="民政")
    receipt = services.enrolment.enrol_and_pay(low.id, channel="cash", received_fen=20000)
    assert receipt.payment.subsidy_fen == 24000 and receipt.amount_fen == 16000
    assert receipt.payment.subsidy_identity == "minimum_living"
    assert "资助：-240.00" in receipt.text and "壹佰陆拾元整" in receipt.text
    poor = _person(services, name="特困", seq=15)
    services.persons.add_identity(poor.id, code="extreme_poverty", department="民政")
    free = services.enrolment.enrol_and_pay(poor.id, channel="cash", received_fen=0)
    assert free.amount_fen == 0 and "零元整" in free.text


def test_confirmation_needed_when_the_document_defers(services) -> None:  # type: ignore[no-untyped-def]
    person = _person(services)
    services.persons.add_identity(person.id, code="only_child_family")
    assert services.enrolment.assess(person.id).decision.needs_confirmation
    with pytest.raises(NeedsConfirmation):
        services.enrolment.enrol_and_pay(person.id, channel="online")
    assert counts(services.engine, Payment)["payment"] == 0
    assert audit_actions(services.engine, outcome="refused") == []  # not a refusal
    receipt = services.enrolment.enrol_and_pay(person.id, channel="online", confirmed=True)
    assert receipt.payment.channel == "online"


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"channel": "cash", "received_fen": 30000}, "received_fen"),
        ({"channel": "cash"}, "received_fen"),
        ({"channel": "bank", "received_fen": 1}, "received_fen"),
        ({"channel": "family_account"}, "channel"),
        ({"channel": "cheque"}, "channel"),
        ({"channel": "cash", "received_fen": 40000, "category": "alien"}, "category"),
    ],
)
def test_bad_payment_input_writes_nothing(services, kwargs, field) -> None:  # type: ignore[no-untyped-def]
    person = _person(services)
    with pytest.raises(InvalidInput) as exc:
        services.enrolment.enrol_and_pay(person.id, **kwargs)
    assert exc.value.field == field
    assert counts(services.engine, Enrolment, Payment) == {"enrolment": 0, "payment": 0}
    assert rows(services.engine, ReceiptSequence)[0].last_value == 0


def test_failure_after_receipt_number_rolls_everything_back(services, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    person = _person(services)
    import yibao.services.payments as payments

    original = payments.PaymentService._receipt_view

    def boom(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("printer on fire")

    monkeypatch.setattr(payments.PaymentService, "_receipt_view", boom)
    with pytest.raises(RuntimeError):
        services.enrolment.enrol_and_pay(person.id, channel="cash", received_fen=40000)
    assert counts(services.engine, Enrolment, Payment) == {"enrolment": 0, "payment": 0}
    assert rows(services.engine, ReceiptSequence)[0].last_value == 0
    assert audit_actions(services.engine, person_id=person.id) == [("person.register", "done")]
    monkeypatch.setattr(payments.PaymentService, "_receipt_view", original)
    receipt = services.enrolment.enrol_and_pay(person.id, channel="cash", received_fen=40000)
    assert receipt.receipt_no.endswith("-00000001")


def test_register_without_payment_then_pay(services) -> None:  # type: ignore[no-untyped-def]
    person = _person(services)
    enrolment = services.enrolment.register(person.id, category="general")
    assert enrolment.status == "registered" and enrolment.registered_on == date(2024, 10, 15)
    services.enrolment.enrol_and_pay(person.id, channel="bank")
    (row,) = rows(services.engine, Enrolment)
    assert row.id == enrolment.id and row.status == "paid"
    assert [a for a, _ in audit_actions(services.engine, entity="enrolment")] == [
        "enrolment.register",
        "enrolment.paid",
    ]


def test_outside_the_window_is_refused(services, clock) -> None:  # type: ignore[no-untyped-def]
    person = _person(services)
    clock.set_local(2025, 4, 2)
    with pytest.raises(Refused, match="不在集中缴费期或补缴期内"):
        services.enrolment.enrol_and_pay(person.id, channel="bank")


def test_receipt_reprint_and_day_list(services) -> None:  # type: ignore[no-untyped-def]
    a = _person(services, name="甲", seq=11)
    b = _person(services, name="乙", seq=13)
    ra = services.enrolment.enrol_and_pay(a.id, channel="bank")
    rb = services.enrolment.enrol_and_pay(b.id, channel="bank")
    assert rb.receipt_no.endswith("00000002")
    again = services.payments.receipt(ra.receipt_no.lower())
    assert again.text == ra.text
    day = services.payments.on_day(date(2024, 10, 15))
    assert [p.receipt_no for p in day] == [ra.receipt_no, rb.receipt_no]
