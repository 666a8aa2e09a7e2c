"""Cash for a day the clerk has closed (日结) is refused by the payment service itself."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session, select

from tests.ids import id_number
from tests.services.helpers import counts, rows
from yibao.models import AuditLog, Enrolment, Payment, ReceiptSequence
from yibao.outreach.dayclose import close_day, reopen_day
from yibao.outreach.errors import DayClosed
from yibao.services.errors import InvalidInput

TODAY = date(2024, 10, 15)  # the conftest clock: 10:00 at the counter


def _person(services, name: str, seq: int):  # type: ignore[no-untyped-def]
    return services.persons.register(
        name=name, id_number=id_number(date(1980, 5, 6), seq=seq), hukou_region="611023"
    )


def _close(services, clock):  # type: ignore[no-untyped-def]
    return close_day(
        services.engine,
        clerk=services.clerk,
        device=services.device,
        day=TODAY,
        today=TODAY,
        now=clock(),
    )


def _audit_count(engine) -> int:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return len(session.exec(select(AuditLog)).all())


def test_closed_day_refuses_cash_until_a_supervisor_reopens(  # type: ignore[no-untyped-def]
    services, supervisor_services, clock
) -> None:
    first, late = _person(services, "张三", 11), _person(services, "李四", 12)
    services.enrolment.enrol_and_pay(first.id, channel="cash", received_fen=40000)
    sheet = _close(services, clock)
    assert sheet.status == "closed" and sheet.total_fen == 40000

    before = counts(services.engine, Enrolment, Payment)
    audit_before = _audit_count(services.engine)
    with pytest.raises(DayClosed) as exc:
        services.enrolment.enrol_and_pay(late.id, channel="cash", received_fen=40000)
    assert isinstance(exc.value, InvalidInput)
    assert "2024年10月15日的现金已日结" in exc.value.message
    assert "重新开启" in exc.value.message
    # Nothing written: no enrolment, no payment, no receipt number, no audit row.
    assert counts(services.engine, Enrolment, Payment) == before
    assert rows(services.engine, ReceiptSequence, device_id=services.device.id)[0].last_value == 1
    assert _audit_count(services.engine) == audit_before
    assert services.payments.paid_for(late.id) is None

    # The lock is the clerk's cash: another clerk at the counter still takes cash today.
    other = _person(services, "王五", 13)
    supervisor_services.enrolment.enrol_and_pay(other.id, channel="cash", received_fen=40000)

    reopen_day(
        services.engine,
        clerk_name=services.clerk.name,
        day=TODAY,
        device=services.device,
        supervisor=supervisor_services.clerk,
        reason="群众下午补交",
        now=clock(),
    )
    receipt = services.enrolment.enrol_and_pay(late.id, channel="cash", received_fen=50000)
    assert receipt.amount_fen == 40000 and receipt.change_fen == 10000
    assert receipt.payment.paid_on == TODAY
    assert _close(services, clock).total_fen == 80000  # closing again recounts


def test_closed_day_does_not_stop_non_cash(services, clock) -> None:  # type: ignore[no-untyped-def]
    person = _person(services, "张三", 11)
    _close(services, clock)
    receipt = services.enrolment.enrol_and_pay(person.id, channel="bank")
    assert receipt.payment.channel == "bank"


def test_yesterdays_close_does_not_lock_today(services, clock) -> None:  # type: ignore[no-untyped-def]
    person = _person(services, "张三", 11)
    close_day(
        services.engine,
        clerk=services.clerk,
        device=services.device,
        day=date(2024, 10, 14),
        today=TODAY,
        now=clock(),
    )
    receipt = services.enrolment.enrol_and_pay(person.id, channel="cash", received_fen=40000)
    assert receipt.payment.paid_on == TODAY
