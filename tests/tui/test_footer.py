"""The key line at the bottom of every desk screen (tui.widgets.footer)."""

from __future__ import annotations

import pytest
from textual.widgets._footer import FooterKey

from tests.tui.conftest import SIZE, settle
from tests.tui.reading import screen_lines


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


# Every screen the footer is checked on, and the sizes a window's terminal has.
FOOTER_SCREENS = ("home", "f2", "f3", "f4", "f5", "f6", "f7")


@pytest.mark.parametrize("size", [(100, 30), (120, 36), (160, 45), (80, 24)])
async def test_the_footer_shows_whole_keys_or_drops_them_at_every_width(app, size) -> None:  # type: ignore[no-untyped-def]
    """At 100 columns the line was cut: "Ctrl+P 命" with a stray "▏", or "F7 进" under the
    palette key. Every key shown is whole, the palette key last, and the keys dropped are
    the last ones of the line (the desk's F-keys, F7 first), never the screen's own."""
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for key in FOOTER_SCREENS:
            if key != "home":
                await pilot.press(key)
            await settle(app, pilot)
            await pilot.pause()
            line = screen_lines(app)[-1]
            entries = _shown(app)
            assert entries[-1] == "Ctrl+P 命令", (key, size, entries)
            expected = " ".join(entries[:-1]) + " "
            left, bar, palette = line.rpartition("▏")
            assert bar and palette.strip() == "Ctrl+P 命令", (key, size, line)
            assert left.rstrip() + " " == expected.rstrip() + " ", (key, size, line)
            # the dropped keys are a tail: what is shown is the start of the full line
            full = [k for k in _all_keys(app) if k != "Ctrl+P 命令"]
            assert entries[:-1] == full[: len(entries) - 1], (key, size, entries, full)
            if size[0] >= 160:
                assert entries[:-1] == full, (key, size)  # room for every key
            if key != "home":
                await pilot.press("escape")
                await pilot.pause()


def _all_keys(app) -> list[str]:  # type: ignore[no-untyped-def]
    """Every key the screen's footer would show given room enough."""
    palette = app.COMMAND_PALETTE_BINDING
    return [
        f"{app.get_key_display(binding)} {binding.description}".strip()
        for key, (_node, binding, _enabled, _tooltip) in app.screen.active_bindings.items()
        if binding.show or key == palette
    ]
