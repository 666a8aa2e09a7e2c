"""A year the holiday calendar does not cover is a Chinese message, never a traceback."""

from __future__ import annotations

from datetime import date

import pytest

from tests.ids import id_number
from tests.services.helpers import counts
from yibao.models import Payment
from yibao.rules.days import CalendarNotCovered
from yibao.services import ruling
from yibao.services.errors import InvalidInput


@pytest.fixture
def policy_id() -> str:
    return "shanyin-2025"  # 三(一)1: pay 1 to 2 working days after registering


@pytest.fixture
def registered(services):  # type: ignore[no-untyped-def]
    person = services.persons.register(
        name="王五",
        id_number=id_number(date(1980, 5, 6), seq=15, county="140621"),
        hukou_region="140621",
    )
    services.enrolment.register(person.id)  # registered_on: the working-day rule applies
    return person


@pytest.fixture
def calendar_without_data(monkeypatch: pytest.MonkeyPatch) -> None:
    """The installed chinesecalendar has no data for the year (as for a year not yet published)."""
    import chinese_calendar

    def not_covered(day: date) -> bool:
        raise NotImplementedError(f"no available data for year {day.year}")

    monkeypatch.setattr(chinese_calendar, "is_workday", not_covered)


def _assert_message(exc: InvalidInput) -> None:
    assert not isinstance(exc, ValueError)
    assert "节假日日历没有 2024 年的数据" in exc.message
    assert "chinesecalendar" in exc.message and "人工确认" in exc.message


def test_assess_says_what_to_do(services, registered, calendar_without_data) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as exc:
        services.enrolment.assess(registered.id)
    _assert_message(exc.value)


def test_pay_is_refused_and_writes_nothing(services, registered, calendar_without_data) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput) as exc:
        services.enrolment.enrol_and_pay(registered.id, channel="cash", received_fen=100000)
    _assert_message(exc.value)
    assert counts(services.engine, Payment) == {"payment": 0}


def test_with_the_calendar_the_same_person_is_assessed(services, registered) -> None:  # type: ignore[no-untyped-def]
    assessment = services.enrolment.assess(registered.id)
    assert assessment.decision is not None


def test_the_doorway_converts_every_rule_call() -> None:
    with pytest.raises(InvalidInput, match="请升级"), ruling.calendar_covered():
        raise CalendarNotCovered("节假日日历没有 2031 年的数据。请升级 chinesecalendar。")
