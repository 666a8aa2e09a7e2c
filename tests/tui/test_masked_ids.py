"""The full ID number appears only in the case view: once a person is found, F2/F3/F4 show
the number in their ID fields masked (first 6, last 4), while the value the services get is
the real one. The clerk who edits the field sees what they type."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.widgets import Input

from tests.tui.conftest import SIZE, settle
from tui.widgets.inputs import MaskedIdInput
from tui.workflows.family_aid.screen import FamilyAidScreen
from tui.workflows.newborn.screen import NewbornScreen
from tui.workflows.registration.screen import RegistrationScreen
from yibao.idnumbers import mask


def _shows(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    """What the field displays (not its value)."""
    return app.screen.query_one(selector, MaskedIdInput)._value.plain


def _on_screen(app) -> str:  # type: ignore[no-untyped-def]
    return app.export_screenshot()


async def test_f2_shows_the_found_persons_number_masked_and_uses_the_real_one(app, family) -> None:  # type: ignore[no-untyped-def]
    number = family.head_number
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        assert isinstance(app.screen, RegistrationScreen)
        await pilot.press(*number)
        await settle(app, pilot)
        assert "张建国" in _on_screen(app)  # found …
        assert _shows(app, "#reg-id") == mask(number)  # … and masked at once, the focus still there
        assert app.focused.id == "reg-id"
        assert number not in _on_screen(app)
        assert app.screen.query_one("#reg-id", Input).value == number  # the real one for the services
        await pilot.press("ctrl+s")  # 核定 with the real number
        await settle(app, pilot)
        assert "准予办理" in _on_screen(app)
        assert number not in _on_screen(app)


async def test_f4_payer_found_is_masked(app, family) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        assert isinstance(app.screen, FamilyAidScreen)
        await pilot.press(*family.head_number)
        await settle(app, pilot)
        assert "张建国" in _on_screen(app)
        assert _shows(app, "#fa-payer") == mask(family.head_number)
        assert family.head_number not in _on_screen(app)
        assert app.screen.query_one("#fa-payer", Input).value == family.head_number


async def test_f3_guardian_found_is_masked(app, family) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        assert isinstance(app.screen, NewbornScreen)
        await pilot.press(*family.head_number)
        await settle(app, pilot)
        assert "张建国" in _on_screen(app)
        assert _shows(app, "#nb-guardian") == mask(family.head_number)
        assert family.head_number not in _on_screen(app)


class _Harness(App[None]):
    def compose(self) -> ComposeResult:
        yield MaskedIdInput(id="idno")
        yield Input(id="other")


async def test_the_clerk_sees_what_they_type_and_the_number_is_masked_once_left() -> None:
    number = "611023198001020011"
    app = _Harness()
    async with app.run_test() as pilot:
        field = app.query_one("#idno", MaskedIdInput)
        field.focus()
        await pilot.press(*number)
        assert field._value.plain == number  # typing: shown as typed
        await pilot.press("tab")
        assert field._value.plain == "611023********0011"  # left: masked
        await pilot.press("shift+tab")
        assert app.focused is field and field._value.plain == "611023********0011"  # back by Tab: still masked
        await pilot.press("end")  # moving inside it (Tab selected it all): shown in full
        assert field._value.plain == number
        await pilot.press("backspace")  # correcting it
        assert field._value.plain == number[:-1]
        await pilot.press("1")
        assert field._value.plain == number and field.value == number
        field.found("61102319800102002X")
        assert field._value.plain == "611023********002X" and field.value == "61102319800102002X"


async def test_f5_search_field_masks_the_number_once_the_person_is_found(app, family) -> None:  # type: ignore[no-untyped-def]
    # A walk of F5 saw the full ID number stay in 收据号/身份证号 beside the case found:
    # personal data on screen. Masked once found, still the real number underneath.
    from tui.workflows.refund.screen import RefundScreen

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")
        assert isinstance(app.screen, RefundScreen)
        await pilot.press(*family.head_number, "enter")
        await settle(app, pilot)
        assert "张建国" in _on_screen(app)
        assert family.head_number not in _on_screen(app)
        assert _shows(app, "#rf-query") == mask(family.head_number)
        assert app.screen.query_one("#rf-query", Input).value == family.head_number
