"""Found walking the desk as clerks do, on fresh 眉山 and 晋城 registries (2026-12-02)."""

from __future__ import annotations

from tests.tui.conftest import SIZE, settle
from tui.modals.confirm import ConfirmModal


async def test_ctrl_q_in_the_middle_of_the_newborn_form_asks_first(app, family) -> None:  # type: ignore[no-untyped-def]
    """F3 with the guardian's number half typed: Ctrl+Q asks (it quit at once, the form lost);
    Esc goes back to the form with the digits kept."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(app, pilot)
        await pilot.press(*family.head_number[:8], "ctrl+q")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")
        assert app.screen.query_one("#nb-guardian").value == family.head_number[:8]
        assert app.is_running
