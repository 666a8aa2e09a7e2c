"""Counting days, months and working days, the way the policy file says to read them.

The documents write "出生90天内", "中断缴费3个月内", "登记成功后1至2个工作日". Where a
document gives no counting rule we follow 《民法典》第二百零一条、第二百零二条: the day the
period starts from is not counted, so an N-day period after day D ends on D+N; an N-month
period ends on the same day N months later, or on the last day of that month when the day
does not exist (31 Jan + 1 month → 28/29 Feb). The reading is in ``[day_counting]`` of each
policy file, so a supervisor can see it and change it without touching code.
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from yibao.policy.periods import DayCounting


class CalendarNotCovered(ValueError):
    """The working-day calendar has no data for the date asked about."""


def cn(day: date) -> str:
    """A date as a clerk reads it out: 2025年5月1日."""
    return f"{day.year}年{day.month}月{day.day}日"


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return date(year, month, min(day.day, last))


def first_of_month(day: date, months_later: int = 0) -> date:
    """The first day of the month ``months_later`` months after ``day``'s month."""
    return add_months(day.replace(day=1), months_later)


def days_after(counting: DayCounting, start: date, days: int) -> date:
    """Last day of an N-day period that runs after ``start`` (e.g. "出生90天内")."""
    if days < 0:
        raise ValueError(f"天数不能为负数（{days}）。")
    if counting.days_after == "start_included":
        return start + timedelta(days=max(days - 1, 0))
    return start + timedelta(days=days)


def months_after(counting: DayCounting, start: date, months: int) -> date:  # noqa: ARG001
    """Last day of an N-month period that runs after ``start`` (e.g. "中断3个月内")."""
    # Only the 民法典 第二百零二条 reading exists today; ``counting`` is taken so a
    # different reading can be added in the policy file without changing callers.
    if months < 0:
        raise ValueError(f"月数不能为负数（{months}）。")
    return add_months(start, months)


def is_workday(day: date) -> bool:
    """Whether ``day`` is a working day in mainland China (调休 included).

    Raises ``CalendarNotCovered`` with a Chinese message for a year the installed
    ``chinesecalendar`` package has no data for: guessing weekends only would give
    a wrong date around 春节 and 国庆.
    """
    import chinese_calendar  # local: only the working-day rule needs it

    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        raise CalendarNotCovered(
            f"节假日日历没有 {day.year} 年的数据，无法计算工作日（{cn(day)}）。"
            "请升级 chinesecalendar（pip install -U chinesecalendar）后再办理，"
            "或由经办人员按国务院办公厅当年节假日安排人工确认。"
        ) from None


def working_days_after(start: date, count: int) -> date:
    """The ``count``-th working day after ``start`` (``start`` itself is not counted).

    ``count = 0`` gives ``start`` back.
    """
    if count < 0:
        raise ValueError(f"工作日数不能为负数（{count}）。")
    day = start
    found = 0
    while found < count:
        day += timedelta(days=1)
        if is_workday(day):
            found += 1
    return day
