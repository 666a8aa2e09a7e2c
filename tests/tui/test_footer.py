"""The key line at the bottom of every desk screen (tui.widgets.footer)."""

from __future__ import annotations

from textual.widgets._footer import FooterKey

from tests.tui.conftest import SIZE


def _shown(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [f"{key.key_display} {key.description}".strip() for key in app.screen.query(FooterKey)]


async def test_the_footer_follows_the_screen_and_is_not_rebuilt_by_tab(app) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        home = _shown(app)
        assert "F2 参保登记" in home and "F6 查询" in home  # keymap.DESK_KEYS, shown ones
        assert not any("确认提交" in key for key in home)  # a form's key, not the home screen's
        await pilot.press("f2")
        await pilot.pause()
        form = _shown(app)
        assert "Esc 返回" in form and "Ctrl+S 确认提交" in form and "F2 参保登记" in form
        keys = list(app.screen.query(FooterKey))
        assert all(key.has_class("-compact") for key in keys)
        first = app.focused
        await pilot.press("tab", "tab")
        await pilot.pause()
        assert app.focused is not first
        # The same keys are in force in every field of the form: the line is left as it is
        # (Textual rebuilt it on each focus change), same keys, same widgets.
        assert list(app.screen.query(FooterKey)) == keys and _shown(app) == form
        await pilot.press("escape")
        await pilot.pause()
        assert _shown(app) == home
