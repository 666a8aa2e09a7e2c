"""The desk's sign-in screen and idle lock (``tui.workflows.signin``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.signin import PIN, signed_in
from tests.tui.conftest import SIZE, burst, settle
from tui.app import YibaoApp
from tui.screens.home import HomeScreen
from tui.workflows.signin import SignInScreen
from yibao.services.signin import IDLE_MINUTES, SignInGate


class Ticks:
    """A monotonic clock the test moves by hand (the lock never reads the real one here)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def desk(services, clock, tmp_path: Path):  # type: ignore[no-untyped-def]
    signed_in(services.engine, services.device, "李经办", now=clock())
    signed_in(services.engine, services.device, "赵审核", role="supervisor", now=clock())
    gate = SignInGate(services.engine, services.policy, services.device, clock)
    app = YibaoApp(gate=gate, receipts_dir=tmp_path / "receipts", signin_name="李经办")
    return app


async def _type_password(app, pilot, pin: str = PIN, name: str | None = None) -> None:  # type: ignore[no-untyped-def]
    if name is not None:
        field = app.screen.query_one("#signin-name")
        field.value = name
    app.screen.query_one("#signin-password").focus()
    await pilot.press(*pin, "enter")
    await settle(app, pilot)


async def test_the_desk_opens_on_sign_in_and_no_workflow_opens_before(desk) -> None:  # type: ignore[no-untyped-def]
    app = desk
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, SignInScreen)
        assert app.screen.query_one("#signin-name").value == "李经办"
        assert app.focused is app.screen.query_one("#signin-name")  # the last clerk's name, selected
        for key in ("f2", "f6", "escape", "ctrl+p"):
            await pilot.press(key)
            assert isinstance(app.screen, SignInScreen)
        await _type_password(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.services.clerk.name == "李经办" and app.info.clerk == "李经办"
        assert app.info.role == "经办"


async def test_idle_lock_keeps_the_form_for_the_same_clerk(desk) -> None:  # type: ignore[no-untyped-def]
    app = desk
    ticks = Ticks()
    async with app.run_test(size=SIZE) as pilot:
        app.desk_lock.monotonic = ticks
        await _type_password(app, pilot)
        await pilot.press("f2")
        await settle(app, pilot)
        form = app.screen
        name_field = form.query_one("#reg-name")
        name_field.focus()
        await pilot.press(*"张三")
        ticks.now += IDLE_MINUTES * 60 - 1  # not yet
        app.desk_lock.check()
        assert app.screen is form
        ticks.now += 1  # ten minutes without a key
        app.desk_lock.check()
        await settle(app, pilot)
        assert isinstance(app.screen, SignInScreen) and app.screen.locked_by == "李经办"
        await pilot.press("escape", "f6")  # nothing gets past the lock
        assert isinstance(app.screen, SignInScreen)
        await _type_password(app, pilot, "000000")  # a wrong PIN first
        assert isinstance(app.screen, SignInScreen)
        await _type_password(app, pilot)
        assert app.screen is form and form.query_one("#reg-name").value == "张三"  # kept


async def test_another_clerk_unlocking_starts_from_home(desk) -> None:  # type: ignore[no-untyped-def]
    app = desk
    async with app.run_test(size=SIZE) as pilot:
        await _type_password(app, pilot)
        await pilot.press("f2")
        await settle(app, pilot)
        app.desk_lock.lock()
        await settle(app, pilot)
        await _type_password(app, pilot, name="赵审核")
        assert isinstance(app.screen, HomeScreen)  # not 李经办's half-filled form
        assert app.services.clerk.name == "赵审核" and app.info.clerk == "赵审核"


async def test_a_key_resets_the_idle_time(desk) -> None:  # type: ignore[no-untyped-def]
    app = desk
    ticks = Ticks()
    async with app.run_test(size=SIZE) as pilot:
        app.desk_lock.monotonic = ticks
        await _type_password(app, pilot)
        ticks.now += IDLE_MINUTES * 60 - 5
        await pilot.press("down")
        ticks.now += 10
        app.desk_lock.check()
        assert isinstance(app.screen, HomeScreen)


async def test_f12_locks_so_a_supervisor_can_sign_in_at_this_window(desk) -> None:  # type: ignore[no-untyped-def]
    """A 审核 comes to a clerk's window to review refunds: F12 locks, the 审核 signs in and
    reaches 退费审核; a 经办 signed in there is refused the review by the services."""
    from tui.workflows.refund.queue import RefundQueueScreen

    app = desk
    async with app.run_test(size=SIZE) as pilot:
        await _type_password(app, pilot)
        await pilot.press("f12")
        await settle(app, pilot)
        assert isinstance(app.screen, SignInScreen) and app.screen.locked_by == "李经办"
        from tests.tui.reading import shown

        intro = shown(app.screen.query_one("#signin-intro"))  # locked by the key, not for being away
        assert "按 F12 锁定" in intro and "离开超过" not in intro
        await pilot.press("f2")  # nothing opens while locked
        assert isinstance(app.screen, SignInScreen)
        await _type_password(app, pilot, name="赵审核")
        assert isinstance(app.screen, HomeScreen)
        assert app.services.clerk.name == "赵审核" and app.info.clerk == "赵审核"
        # The header names the role signed in: it said 经办：赵审核 for a 审核.
        from tui.widgets.header import DeskHeader

        header = str(app.screen.query_one(DeskHeader).render())
        assert "审核：赵审核" in header and "经办：" not in header
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        assert isinstance(app.screen, RefundQueueScreen)


async def test_tab_typed_in_one_burst_moves_on_before_the_next_characters(desk) -> None:  # type: ignore[no-untyped-def]
    """Name, Tab, PIN sent at once (a paste, a fast clerk on a busy machine): the PIN lands in
    密码, not at the end of the name. Tab is handled before later keys reach a field."""
    app = desk
    async with app.run_test(size=SIZE) as pilot:
        name = app.screen.query_one("#signin-name")
        name.value = ""
        name.focus()
        await settle(app, pilot)
        burst(app, *"王", "tab", *"246810")
        await settle(app, pilot)
        assert app.screen.query_one("#signin-name").value == "王"
        assert app.screen.query_one("#signin-password").value == "246810"
        burst(app, "shift+tab", *"李四")
        await settle(app, pilot)
        # back in 姓名, its text selected as Tab leaves it in every form: typing replaces it
        assert app.screen.query_one("#signin-name").value == "李四"
        assert app.screen.query_one("#signin-password").value == "246810"


async def test_enter_typed_in_one_burst_submits_every_character_before_it(desk) -> None:  # type: ignore[no-untyped-def]
    """A name and Enter sent at once: Enter (the field's own key) acts on the whole name.
    Running a field's keys ahead of the characters queued before them would lose those."""
    app = desk
    async with app.run_test(size=SIZE) as pilot:
        name = app.screen.query_one("#signin-name")
        name.value = ""
        name.focus()
        await settle(app, pilot)
        burst(app, *"王芳", "enter")
        await settle(app, pilot)
        assert app.screen.query_one("#signin-name").value == "王芳"
        assert app.focused is app.screen.query_one("#signin-password")


async def test_ctrl_u_then_typing_in_one_burst_keeps_what_was_typed_after(desk) -> None:  # type: ignore[no-untyped-def]
    """Ctrl+U (clear the field) then a name, sent at once: the name stays. Textual alone ran
    Ctrl+U only after the name had reached the field, and cleared it."""
    app = desk
    async with app.run_test(size=SIZE) as pilot:
        name = app.screen.query_one("#signin-name")
        name.value = "张三"
        name.focus()
        name.cursor_position = len(name.value)
        await settle(app, pilot)
        burst(app, "ctrl+u", *"王芳", "enter")
        await settle(app, pilot)
        assert app.screen.query_one("#signin-name").value == "王芳"
        assert app.focused is app.screen.query_one("#signin-password")


async def test_another_clerk_typing_their_name_at_once_replaces_the_last_one(desk) -> None:  # type: ignore[no-untyped-def]
    """The desk remembers 李经办; 赵审核 sits down and types name, Tab, PIN, Enter at once: the
    name typed replaces the remembered one (it went into the password before, and the
    attempt counted as 李经办's wrong password)."""
    app = desk
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press(*"赵审核", "tab", *PIN, "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.services.clerk.name == "赵审核"


async def test_the_remembered_clerk_tabs_to_the_password(desk) -> None:  # type: ignore[no-untyped-def]
    app = desk
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab", *PIN, "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen) and app.services.clerk.name == "李经办"


async def test_the_idle_lock_asks_the_password_f12_the_name(desk) -> None:  # type: ignore[no-untyped-def]
    """After the idle lock the clerk who walked away mostly comes back: the password is
    focused. F12 hands the window over: the name is focused (selected)."""
    app = desk
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("tab", *PIN, "enter")
        await settle(app, pilot)
        app.desk_lock.lock()
        await settle(app, pilot)
        assert app.focused is app.screen.query_one("#signin-password")
        await pilot.press(*PIN, "enter")
        await settle(app, pilot)
        await pilot.press("f12")
        await settle(app, pilot)
        assert app.focused is app.screen.query_one("#signin-name")
        await pilot.press(*"赵审核", "tab", *PIN, "enter")
        await settle(app, pilot)
        assert app.services.clerk.name == "赵审核"


async def test_a_pin_typed_into_the_name_goes_to_the_password_hidden(desk) -> None:  # type: ignore[no-untyped-def]
    """Walk finding: at the F12 lock the clerk typed the PIN straight away; the name field
    (focused, the clerk's name in it) showed 357902 in clear. A name has no digits: they go to
    密码, where they are hidden, and Enter signs the clerk in."""
    app = desk
    async with app.run_test(size=SIZE) as pilot:
        await _type_password(app, pilot)
        await pilot.press("f12")
        await settle(app, pilot)
        assert app.focused is app.screen.query_one("#signin-name")
        await pilot.press(*PIN)
        assert app.screen.query_one("#signin-name").value == "李经办"
        assert app.screen.query_one("#signin-password").value == PIN
        assert app.focused is app.screen.query_one("#signin-password")
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.services.clerk.name == "李经办" and not isinstance(app.screen, SignInScreen)


async def test_the_lock_notice_breaks_between_chinese_characters(desk) -> None:  # type: ignore[no-untyped-def]
    """Walk finding at 100 columns: "窗口已锁定（演示经办员 按 F12\n锁定）" broke at the
    space only, leaving a short row."""
    from tests.tui.test_wrapping import _assert_filled, _rows

    app = desk
    async with app.run_test(size=(100, 30)) as pilot:
        await _type_password(app, pilot)
        await pilot.press("f12")
        await settle(app, pilot)
        assert isinstance(app.screen, SignInScreen)
        rows = _rows(app, "#signin-intro")
        assert len(rows) >= 2
        _assert_filled(rows, app.screen.query_one("#signin-intro").content_region.width)
