"""A status line goes when it stops being true (issue 10, finding 9): the clerk edits the
field it speaks of, or moves to another person. One about another field stays."""

from __future__ import annotations

from datetime import date

from tests.tui.conftest import SIZE, id_number, settle


def _status(app) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    return app.status


async def test_f2_missing_name_goes_once_the_name_is_typed(app) -> None:  # type: ignore[no-untyped-def]
    number = id_number(date(1990, 1, 1), 44)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *number)
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        assert _status(app) == ("请填写姓名。", "error")
        assert app.focused.id == "reg-name"
        await pilot.press("王")
        assert "请填写姓名" not in _status(app)[0]
        assert _status(app)[1] == "information"


async def test_f2_an_error_about_one_field_stays_while_another_is_edited(app) -> None:  # type: ignore[no-untyped-def]
    number = id_number(date(1990, 1, 1), 44)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *number)
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        assert _status(app) == ("请填写姓名。", "error")
        app.screen.query_one("#reg-village").focus()
        await pilot.press(*"河口村")
        assert _status(app) == ("请填写姓名。", "error")  # still true: 姓名 is still empty


async def test_f2_wrong_id_number_goes_when_the_number_is_corrected(app) -> None:  # type: ignore[no-untyped-def]
    number = id_number(date(1990, 1, 1), 44)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")  # the check digit changed
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *wrong)
        await settle(app, pilot)
        assert _status(app)[1] == "error" and "校验" in _status(app)[0]
        await pilot.press("backspace")
        assert _status(app)[1] == "information"


async def test_f3_missing_certificate_goes_when_the_guardian_is_typed(app, family) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3", "ctrl+s")
        assert _status(app)[1] == "error" and "出生医学证明" in _status(app)[0]
        app.screen.query_one("#nb-guardian").focus()
        await pilot.press(family.head_number[0])  # another person is being typed
        assert _status(app)[1] == "information"


async def test_f4_no_payer_goes_once_the_payer_is_typed(app, family) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4", "ctrl+s")
        assert _status(app) == ("请先输入缴费人身份证号，调出缴费人。", "error")
        await pilot.press(*family.head_number[:6])
        assert _status(app)[1] == "information"


async def test_what_a_closed_screen_said_goes_when_the_clerk_is_back(app, family) -> None:  # type: ignore[no-untyped-def]
    """Found on a walk: after F7 → a person's case view → Esc, the status line still said
    "张建国 的档案。F2–F5 为此人办理业务…" though that screen was gone."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6", *"zj")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "的档案" in _status(app)[0]
        await pilot.press("escape")
        await settle(app, pilot)
        assert "的档案" not in _status(app)[0]
