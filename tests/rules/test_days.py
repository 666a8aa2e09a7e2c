"""Day, month and working-day counting (yibao/rules/days.py)."""

from __future__ import annotations

from datetime import date

import pytest

from yibao.policy.loader import load_policy
from yibao.rules.days import (
    CalendarNotCovered,
    add_months,
    days_after,
    is_workday,
    months_after,
    working_days_after,
)

COUNTING = load_policy("shangnan-2025").day_counting


def test_n_days_after_excludes_the_start_day() -> None:
    assert days_after(COUNTING, date(2025, 3, 2), 90) == date(2025, 5, 31)
    assert days_after(COUNTING, date(2024, 2, 29), 90) == date(2024, 5, 29)


def test_start_included_reading_ends_a_day_earlier() -> None:
    counting = COUNTING.model_copy(update={"days_after": "start_included"})
    assert days_after(counting, date(2025, 3, 2), 90) == date(2025, 5, 30)


@pytest.mark.parametrize(
    ("start", "months", "end"),
    [
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2024, 2, 29), 12, date(2025, 2, 28)),
        (date(2025, 1, 31), 3, date(2025, 4, 30)),
        (date(2024, 11, 30), 3, date(2025, 2, 28)),
        (date(2025, 5, 20), 3, date(2025, 8, 20)),
    ],
)
def test_months_after_same_day_or_month_end(start: date, months: int, end: date) -> None:
    assert months_after(COUNTING, start, months) == end
    assert add_months(start, months) == end


def test_working_days_skip_national_day_and_count_makeup_saturday() -> None:
    # 2024: 10月1日–7日放假，10月12日（周六）调休上班。
    assert working_days_after(date(2024, 9, 30), 1) == date(2024, 10, 8)
    assert working_days_after(date(2024, 10, 11), 1) == date(2024, 10, 12)
    assert working_days_after(date(2024, 9, 30), 0) == date(2024, 9, 30)


def test_calendar_gap_is_a_clear_chinese_error() -> None:
    with pytest.raises(CalendarNotCovered, match="节假日日历没有 2099 年的数据"):
        is_workday(date(2099, 1, 5))
    with pytest.raises(CalendarNotCovered, match="chinesecalendar"):
        working_days_after(date(2099, 1, 1), 2)


def test_negative_counts_are_refused_in_chinese() -> None:
    with pytest.raises(ValueError, match="不能为负数"):
        days_after(COUNTING, date(2025, 1, 1), -1)
    with pytest.raises(ValueError, match="不能为负数"):
        working_days_after(date(2025, 1, 1), -1)
