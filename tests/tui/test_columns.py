"""The columns of the workflow forms are not in the Tab order (a Tab there moved the focus
to nothing a clerk can type in); PageDown / PageUp scroll the answer column instead."""

from __future__ import annotations

from tests.tui.conftest import settle

SMALL = (100, 30)  # the smallest desk terminal: the answer column overflows


async def test_tab_never_lands_on_a_column(app, family) -> None:  # type: ignore[no-untyped-def]
    columns = {"reg-person", "reg-right", "nb-form", "nb-right", "fa-form", "fa-right", "rf-form", "rf-right"}
    async with app.run_test(size=SMALL) as pilot:
        for key in ("f2", "f3", "f4", "f5"):
            await pilot.press(key)
            await settle(app, pilot)
            chain = {w.id for w in app.screen.focus_chain}
            assert not chain & columns, key
            await pilot.press("escape")
            await settle(app, pilot)


async def test_pagedown_scrolls_the_reasons_wherever_the_focus_is(app, family) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=SMALL) as pilot:
        await pilot.press("f2", *family.head_number)
        await settle(app, pilot)
        await pilot.press("ctrl+s")  # 登记并核定: the reasons are longer than the screen
        await settle(app, pilot)
        right = app.screen.query_one("#reg-right")
        assert right.max_scroll_y > 0
        focused = app.screen.query_one("#reg-name")
        focused.focus()  # a field of the left column: the answer column still scrolls
        await pilot.press("pagedown")
        await settle(app, pilot)
        assert right.scroll_y > 0 and app.focused is focused
        await pilot.press("pageup")
        await settle(app, pilot)
        assert right.scroll_y == 0
