"""Inputs for the counter: ID number, money in yuan, dates. Each shows why a value is wrong."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from textual.validation import ValidationResult, Validator
from textual.widgets import Input

from tui.formatting import parse_date, parse_yuan


class _Check(Validator):
    """Validator wrapping ``check(value) -> error text or None``."""

    def __init__(self, check: Callable[[str], str | None], *, allow_empty: bool = False) -> None:
        super().__init__()
        self._check = check
        self._allow_empty = allow_empty

    def validate(self, value: str) -> ValidationResult:
        if not value.strip():
            return self.success() if self._allow_empty else self.failure("请填写此项")
        problem = self._check(value)
        return self.failure(problem) if problem else self.success()


def _date_problem(value: str) -> str | None:
    try:
        parse_date(value)
    except ValueError as error:
        return str(error)
    return None


def _money_problem(value: str) -> str | None:
    try:
        parse_yuan(value)
    except ValueError as error:
        return str(error)
    return None


class DateInput(Input):
    """Date typed as YYYY-MM-DD or YYYYMMDD."""

    def __init__(self, *, allow_empty: bool = False, **kwargs) -> None:
        kwargs.setdefault("placeholder", "YYYY-MM-DD 或 YYYYMMDD")
        super().__init__(
            restrict=r"[0-9\-]*",
            max_length=10,
            validators=[_Check(_date_problem, allow_empty=allow_empty)],
            **kwargs,
        )

    @property
    def date(self) -> date | None:
        try:
            return parse_date(self.value)
        except ValueError:
            return None


class MoneyInput(Input):
    """Amount typed in yuan (two decimals at most); ``fen`` gives the integer fen."""

    def __init__(self, *, allow_empty: bool = False, **kwargs) -> None:
        kwargs.setdefault("placeholder", "金额（元）")
        super().__init__(
            restrict=r"[0-9.]*",
            max_length=12,
            validators=[_Check(_money_problem, allow_empty=allow_empty)],
            **kwargs,
        )

    @property
    def fen(self) -> int | None:
        try:
            return parse_yuan(self.value)
        except ValueError:
            return None


class IdNumberInput(Input):
    """居民身份证号码, validated as typed by ``check`` (the domain's validator)."""

    def __init__(self, check: Callable[[str], str | None], **kwargs) -> None:
        kwargs.setdefault("placeholder", "18位居民身份证号码")
        super().__init__(
            restrict=r"[0-9Xx]*",
            max_length=18,
            validators=[_Check(check)],
            **kwargs,
        )
