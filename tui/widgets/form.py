"""Shared pieces of the F3–F5 workflow screens (新生儿参保, 家庭共济缴费, 退费受理).

Presentation only: the form row, field checks that call the domain validators,
and the policy document's number for a panel's title.
No rule decides anything here; every figure comes from a service view.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.containers import Horizontal
from textual.validation import ValidationResult, Validator
from textual.visual import VisualType
from textual.widget import Widget
from textual.widgets import Label

from tui.widgets.inputs import MaskedIdInput
from tui.widgets.wrapping import CjkStatic

if TYPE_CHECKING:
    from yibao.services import Services
    from yibao.services.views import PersonView


def row(label: str, widget: Widget, *, id: str | None = None) -> Horizontal:  # noqa: A002
    """One line of the paper form: the label, then the field."""
    return Horizontal(Label(label, classes="field-label"), widget, classes="row", id=id)


def id_problem(value: str) -> str | None:
    """Why ``value`` is not a valid 居民身份证号码, in Chinese; None when it is."""
    from yibao.idnumbers import InvalidIdNumber, parse

    try:
        parse(value)
    except InvalidIdNumber as error:
        return error.message
    return None


def id_info(value: str) -> str:
    """``出生日期 … · 男 · 发证地 …`` for a valid ID number."""
    from yibao.idnumbers import parse

    parsed = parse(value)
    return f"出生日期 {parsed.birth_date.isoformat()} · {parsed.sex_label} · 发证地 {parsed.region_name}"


def birth_cert_problem(value: str) -> str | None:
    from yibao.idnumbers import InvalidIdNumber, validate_birth_cert

    try:
        validate_birth_cert(value)
    except InvalidIdNumber as error:
        return error.message
    return None


def region_problem(value: str) -> str | None:
    from yibao.regions import InvalidRegion, validate

    try:
        validate(value)
    except InvalidRegion as error:
        return str(error)
    return None


def region_name(value: str) -> str:
    from yibao.regions import full_name

    return full_name(value)


def document_of(services: Services) -> str:
    """The policy document number, e.g. ``商南政办发〔2024〕57号``."""
    document = getattr(getattr(services, "policy", None), "document", None)
    return str(getattr(document, "number", "") or "")


class _IdCheck(Validator):
    """An ID number field that may be left empty (the form says when it is needed)."""

    def validate(self, value: str) -> ValidationResult:
        problem = id_problem(value) if value.strip() else None
        return self.failure(problem) if problem else self.success()


class OptionalIdInput(MaskedIdInput):
    """居民身份证号码 validated as typed; empty is not marked wrong."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("placeholder", "18位居民身份证号码")
        super().__init__(restrict=r"[0-9Xx]*", max_length=18, validators=[_IdCheck()], **kwargs)


class Hint(CjkStatic):
    """The hint line under a field (what was found, why a value is wrong); empty, it takes
    no line."""

    def __init__(self, content: str = "", *, id: str | None = None) -> None:  # noqa: A002
        super().__init__(content, id=id, classes="hint field-hint")
        self.display = bool(content)

    def update(self, content: VisualType = "", *, layout: bool = True) -> None:
        super().update(content, layout=layout)
        self.display = bool(content)


def hint_for(field: str | None, targets: dict[str, str]) -> str | None:
    """The selector of the widget a service's ``InvalidInput.field`` points at."""
    return targets.get(field or "")


def person_line(person: PersonView) -> str:
    """``张三（611023********0012）`` for the person served (masked even here: it is a list line)."""
    shown = person.id_masked or person.birth_cert_masked or "无证件号"
    return f"{person.name}（{shown}）"
