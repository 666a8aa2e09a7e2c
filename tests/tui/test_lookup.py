"""F6 查询: search as you type, Enter opens the case; workflows start from the case view."""

from __future__ import annotations

from textual.widgets import DataTable

from tests.tui.conftest import SIZE, settle
from tui.workflows.case.screen import CaseScreen
from tui.workflows.lookup.screen import LookupScreen
from tui.workflows.registration.screen import RegistrationScreen


async def test_search_by_initials_then_enter_opens_the_case(app, family) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6")
        assert isinstance(app.screen, LookupScreen)
        await pilot.press(*"zj")
        await settle(app, pilot)
        table = app.screen.query_one("#lookup-results", DataTable)
        assert table.row_count == 1
        row = table.get_row_at(0)
        assert row[0] == "张建国" and "********" in row[2]  # ID number masked on lists
        await pilot.press("enter")  # a single hit opens straight away
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        person = str(app.screen.query_one("#case-person").render())
        assert "张建国" in person and "户号 0001" in person
        members = app.screen.query_one("#case-members", DataTable)
        assert members.row_count == 3
        assert "未缴费" in str(app.screen.query_one("#case-year").render())


async def test_household_search_lists_members_and_down_enter_opens_one(app, family) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6", *"户0001")
        await settle(app, pilot)
        table = app.screen.query_one("#lookup-results", DataTable)
        assert table.row_count == 3
        assert "共 3 人" in str(app.screen.query_one("#lookup-count").render())
        await pilot.press("down", "down", "enter")  # into the list, second row
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        assert app.screen.person_id == table.coordinate_to_cell_key((1, 0)).row_key.value


async def test_bad_query_says_why(app, family) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6", *"12")
        await settle(app, pilot)
        assert "至少" in str(app.screen.query_one("#lookup-count").render())


async def test_f2_from_the_case_view_is_for_that_person_and_history_shows_it(app, services, family) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6", *"张小")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        await pilot.press("f2")
        await settle(app, pilot)
        assert isinstance(app.screen, RegistrationScreen)
        assert app.screen.query_one("#reg-name").value == "张小明"
        await pilot.press(*"400", "ctrl+s", "enter")
        await settle(app, pilot)
        await pilot.press("escape")  # back to the case view, which reloads
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "已缴费" in str(app.screen.query_one("#case-year").render())
        assert app.screen.query_one("#case-payments", DataTable).row_count == 1
        history = app.screen.query_one("#case-history", DataTable)
        assert history.row_count >= 2
    assert services.payments.paid_for(family.child_id) is not None


async def test_number_keys_switch_case_pages(app, services, family) -> None:  # type: ignore[no-untyped-def]
    services.enrolment.enrol_and_pay(family.head_id, channel="bank")
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(CaseScreen(family.head_id))
        await settle(app, pilot)
        await pilot.press("4")
        assert app.focused.id == "case-payments"
        assert app.focused.row_count == 1
        await pilot.press("7")
        assert app.focused.id == "case-history"
        await pilot.press("1", "down", "enter")  # 李秀英's case
        await settle(app, pilot)
        assert app.screen.person_id == family.spouse_id


async def test_the_count_says_exactly_whether_more_match(app, family, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import tui.workflows.lookup.screen as lookup_screen

    monkeypatch.setattr(lookup_screen, "LIMIT", 3)  # the household has exactly 3: no "more"
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6", *"户0001")
        await settle(app, pilot)
        count = str(app.screen.query_one("#lookup-count").render())
        assert "共 3 人" in count and "更多" not in count
        monkeypatch.setattr(lookup_screen, "LIMIT", 2)
        await pilot.press("backspace", "1")  # search again with a page of 2
        await settle(app, pilot)
        count = str(app.screen.query_one("#lookup-count").render())
        assert app.screen.query_one("#lookup-results", DataTable).row_count == 2
        assert "显示前 2 人，还有更多，请输入更多字" in count


async def test_case_view_masks_the_id_number_until_the_clerk_asks_and_the_look_is_audited(app, services, family) -> None:  # type: ignore[no-untyped-def]
    from tests.tui.reading import shown

    number = family.head_number
    masked = number[:6] + "********" + number[-4:]  # first 6, last 4
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f6", *"zj")
        await settle(app, pilot)
        assert number not in str(app.screen.query_one("#lookup-count").render())
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        heading = shown(app.screen.query_one("#case-person"))
        assert masked in heading and number not in heading
        assert "person.id_viewed" not in [a.action for a in services.audit.history(person_id=family.head_id)]
        await pilot.press("i")
        await settle(app, pilot)
        assert number in shown(app.screen.query_one("#case-person"))
        assert "记入操作记录" in app.status[0]
        await pilot.press("r")  # a reload hides it again
        await settle(app, pilot)
        assert number not in shown(app.screen.query_one("#case-person"))
    viewed = [a for a in services.audit.history(person_id=family.head_id) if a.action == "person.id_viewed"]
    assert len(viewed) == 1
    assert viewed[0].clerk_name == "王芳" and viewed[0].at is not None
    assert number not in viewed[0].summary and masked in viewed[0].summary  # never logged in clear
