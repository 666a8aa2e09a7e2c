"""Display and input conversions for the desk: fen ↔ yuan text, typed dates.

Pure helpers with no business rule: they only change how a value is written.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from yibao import money
from yibao.timezone import to_local

_YUAN = re.compile(r"^\s*(?P<int>\d{1,9})(?:\.(?P<frac>\d{0,2}))?\s*(?:元)?\s*$")
_DATE_DASH = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})\s*$")
_DATE_COMPACT = re.compile(r"^\s*(\d{4})(\d{2})(\d{2})\s*$")


def yuan(fen: int | None, *, unit: bool = True) -> str:
    """``38000`` → ``"380.00 元"`` (``unit=False``: ``"380.00"``); ``None`` → ``"—"``."""
    return money.yuan(fen, unit=" 元" if unit else "")


def change_markup(due: int | None, *, cash: bool, received: int | None) -> str:
    """The line under 实收金额: what is due, what is short, or the change to hand back."""
    if due is None:
        return ""
    if not cash:
        return f"应收 {yuan(due)}"
    if received is None:
        return f"应收 {yuan(due)}，请输入实收金额"
    if received < due:
        return f"[b red]实收不足：应收 {yuan(due)}，还差 {yuan(due - received)}[/]"
    return f"应收 {yuan(due)}　找零 [b]{yuan(received - due)}[/]"


def cash_problem(due: int, text: str) -> str | None:
    """Why the cash typed in 实收金额 cannot be taken (``None``: it covers ``due``)."""
    if not text.strip():
        return f"请输入实收金额（应收 {yuan(due)}）。"
    try:
        received = parse_yuan(text)
    except ValueError as error:
        return f"实收金额：{error}"
    if received < due:
        return f"实收不足：应收 {yuan(due)}，实收 {yuan(received)}，还差 {yuan(due - received)}。收足后再按 Ctrl+S。"
    return None


def parse_yuan(text: str) -> int:
    """``"380"`` / ``"380.5"`` / ``"380.50元"`` → fen. Raises ``ValueError`` in Chinese."""
    match = _YUAN.match(text.replace(",", "").replace("，", ""))
    if not match:
        raise ValueError("金额格式不对：请输入元，最多两位小数，如 380 或 380.00")
    frac = (match["frac"] or "").ljust(2, "0")
    return int(match["int"]) * 100 + int(frac)


def parse_date(text: str) -> date:
    """``"2025-01-05"`` or ``"20250105"`` → date. Raises ``ValueError`` in Chinese."""
    match = _DATE_DASH.match(text) or _DATE_COMPACT.match(text)
    if not match:
        raise ValueError("日期格式不对：请按 YYYY-MM-DD 或 YYYYMMDD 输入，如 2025-01-05")
    year, month, day = (int(part) for part in match.groups())
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError(f"没有这一天：{year}年{month}月{day}日，请核对后重新输入") from None


def show_date(day: date | None) -> str:
    return day.isoformat() if day is not None else "—"



def local_time(moment: datetime | None) -> str:
    """A stored timestamp (UTC) as the clerk's wall clock: ``2024-10-15 10:00``."""
    if moment is None:
        return "—"
    return to_local(moment).strftime("%Y-%m-%d %H:%M")
