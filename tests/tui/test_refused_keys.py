"""A key a field does not take is said on the status line, never dropped without a word
(issue: a name typed into a digits-only field vanished)."""

from __future__ import annotations

from tests.tui.conftest import SIZE, settle


async def test_a_refused_key_is_said_not_swallowed(app) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")
        phone = app.screen.query_one("#rf-phone")
        phone.focus()
        await pilot.press(*"138", "赵")  # the applicant's name typed one field too far
        await settle(app, pilot)
        assert phone.value == "138"
        assert "只能填数字" in app.status[0] and app.status[1] == "warning"
        await pilot.press("escape", "f2", *"61102", "a")
        await settle(app, pilot)
        assert app.screen.query_one("#reg-id").value == "61102"
        assert "身份证号码只能填18位数字" in app.status[0]
