"""Inputs for the counter: ID number, money in yuan, dates. Each shows why a value is wrong."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

from rich.text import Text
from textual import events
from textual.message import Message
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


class CharacterRefused(Message):
    """A key a field does not take (a letter in a digits-only field): said, never dropped
    without a word. The desk screen puts ``text`` on the status line."""

    def __init__(self, field: Input, text: str) -> None:
        super().__init__()
        self.field = field
        self.text = text


class Restricted(Input):
    """An input that takes only some characters (``restrict``) and says so when a key is
    refused: ``takes`` names what it takes (“数字和“-””)."""

    def __init__(self, *, takes: str, restrict: str, **kwargs) -> None:
        super().__init__(restrict=restrict, **kwargs)
        self.takes = takes

    def restricted(self) -> None:  # Textual calls this instead of inserting the key
        what = self.border_title or self.placeholder or "此栏"
        self.post_message(CharacterRefused(self, f"此栏只能填{self.takes}：刚按的键未收入（{what}）。"
                                                 "如要填别的栏目，请先按 Tab 或 Shift+Tab 移到该栏。"))


class Explained(Input):
    """An input that says under itself why its value is wrong.

    The reason goes to the ``Hint`` whose id is ``<input id>-problem`` (``tui.widgets.form.field``
    yields one under the row), as soon as the value is complete (``complete()``) or when the
    focus leaves the field; it is cleared once the value is right. Nothing typed vanishes
    without a word: these inputs do not restrict characters, they explain.
    """

    allow_empty: bool = False

    @property
    def problem(self) -> str | None:
        """Why the value is wrong, in Chinese; None when it is right (or empty and allowed)."""
        for validator in self.validators:
            result = validator.validate(self.value)
            if not result.is_valid:
                return "；".join(result.failure_descriptions) or "填写有误"
        return None

    def complete(self) -> bool:
        return True

    def explain(self, *, force: bool = False) -> None:
        if not self.id or not self.is_mounted:
            return
        problem = self.problem if (force or self.complete()) and self.value.strip() else None
        if force and not self.value.strip():
            problem = self.problem
        hints = self.screen.query(f"#{self.id}-problem")
        if hints:
            hints.first().update(f"[b red]{problem}[/]" if problem else "")  # type: ignore[attr-defined]
        elif problem and self.parent is not None and self.parent.parent is not None:
            from tui.widgets.form import Hint  # under the form row the input sits in

            self.parent.parent.mount(Hint(f"[b red]{problem}[/]", id=f"{self.id}-problem"), after=self.parent)

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.input is self:
            self.explain()

    def on_blur(self) -> None:
        self.explain(force=bool(self.value.strip()))


class DateInput(Explained):
    """Date typed as YYYY-MM-DD or YYYYMMDD."""

    def __init__(self, *, allow_empty: bool = False, **kwargs) -> None:
        kwargs.setdefault("placeholder", "YYYY-MM-DD 或 YYYYMMDD")
        self.allow_empty = allow_empty
        super().__init__(
            max_length=10,
            validators=[_Check(_date_problem, allow_empty=allow_empty)],
            **kwargs,
        )

    def complete(self) -> bool:
        value = self.value.strip()
        return len(value) >= (10 if "-" in value else 8) or not value.replace("-", "").isdigit()

    @property
    def date(self) -> date | None:
        try:
            return parse_date(self.value)
        except ValueError:
            return None


class MoneyInput(Explained):
    """Amount typed in yuan (two decimals at most); ``fen`` gives the integer fen."""

    def __init__(self, *, allow_empty: bool = False, **kwargs) -> None:
        kwargs.setdefault("placeholder", "金额（元）")
        self.allow_empty = allow_empty
        super().__init__(
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


def _field_keys() -> frozenset[str]:
    """The keys an Input acts on itself (cursor moves, deletions, copy and paste), but
    Enter: with a character typed, they mean the clerk is working inside the field."""
    keys = {k.strip() for b in Input.BINDINGS for k in (b.key if hasattr(b, "key") else b[0]).split(",")}
    return frozenset(keys - {"enter"})


_FIELD_KEYS = _field_keys()


def invalid_on_enter(event: Input.Submitted) -> bool:
    """Enter on a field whose value its validators refuse: the clerk stays to correct it
    (Enter otherwise moves on like Tab), with the field's message already shown."""
    result = event.validation_result
    return result is not None and not result.is_valid


class MaskedIdInput(Input):
    """An ID number field that shows a complete number masked (first 6, last 4), as
    everywhere outside the case view, unless the clerk is typing or correcting it.

    Only the display is masked: ``value`` keeps the real number for the service call, and
    the mask has the same length, so the cursor stays where it was. A number filled in
    after a lookup, or typed and then left (focus moved on), shows masked; any key that
    edits it or moves inside it shows it in full again until the field is left.
    """

    _editing = False

    async def _on_key(self, event: events.Key) -> None:
        if event.is_printable or event.key in _FIELD_KEYS:
            self._editing = True
            self.refresh()
        await super()._on_key(event)

    def _on_blur(self, event: events.Blur) -> None:
        self._editing = False
        super()._on_blur(event)

    def restricted(self) -> None:  # a letter, or a 19th character, typed into the number
        self.post_message(CharacterRefused(self, "身份证号码只能填18位数字（最后一位可以是X）：刚按的键未收入。"
                                                 "如要填别的栏目，请先按 Tab 移到该栏。"))

    def found(self, number: str) -> None:
        """The number of the person just found: in the field, masked."""
        self._editing = False
        self.value = number
        self.refresh()

    @property
    def masked(self) -> bool:
        """Whether the field shows the number masked now."""
        value = self.value
        return not self._editing and len(value) == 18 and value[:17].isdigit() and value[17] in "0123456789Xx"

    @property
    def _value(self) -> Text:
        if self.masked:
            from yibao.idnumbers import mask

            return Text(mask(self.value), no_wrap=True, overflow="ignore", end="")
        return super()._value


class IdNumberInput(MaskedIdInput):
    """居民身份证号码, validated as typed by ``check`` (the domain's validator)."""

    def __init__(self, check: Callable[[str], str | None], **kwargs) -> None:
        kwargs.setdefault("placeholder", "18位居民身份证号码")
        super().__init__(
            restrict=r"[0-9Xx]*",
            max_length=18,
            validators=[_Check(check)],
            **kwargs,
        )
