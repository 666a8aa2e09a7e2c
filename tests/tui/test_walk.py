"""Found walking the desk as clerks do, on fresh 眉山 and 晋城 registries (2026-12-02)."""

from __future__ import annotations

import pytest

from tests.tui import test_signin
from tests.tui.conftest import SIZE, settle
from tui.modals.confirm import ConfirmModal

desk = test_signin.desk  # the fixture: a desk with 李经办 and 赵审核 (PIN sign-in)


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


async def test_a_person_on_file_without_hukou_shows_no_stale_place_and_a_clear_message(app, services) -> None:  # type: ignore[no-untyped-def]
    """A person from a 民政 list has no 户籍地. Opening them in F2 emptied the field but left
    the prefilled “陕西省商洛市商南县” under it, and Ctrl+S said “\u201c\u201d不是行政区划代码”
    (an empty pair of quotes). Now the hint goes with the value, and the message asks for it."""
    from datetime import date

    from tests.tui.conftest import id_number
    from tests.tui.reading import shown

    number = id_number(date(1955, 6, 7), 42)
    services.persons.register(name="李秀兰", id_number=number)  # no hukou_region, as from a list
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await settle(app, pilot)
        await pilot.press(*number)
        await settle(app, pilot)
        assert app.screen.query_one("#reg-hukou").value == ""
        assert shown(app.screen.query_one("#reg-hukou-info")).strip() == ""
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        text = app.status[0]
        assert "请填写户籍地" in text and "\u201c\u201d" not in text, text
        assert app.focused is app.screen.query_one("#reg-hukou")


async def test_the_case_history_names_each_action_in_chinese(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """操作记录 showed “payment.record”, “enrolment.paid”, “person.register”: codes, not words."""
    from tests.tui.reading import table_text
    from tui.workflows.case.screen import CaseScreen

    services.enrolment.enrol_and_pay(family.head_id, channel="bank")
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(CaseScreen(family.head_id))
        await settle(app, pilot)
        text = table_text(app.screen.query_one("#case-history"))
    assert "收款" in text and "参保缴费" in text, text
    assert "payment.record" not in text and "enrolment." not in text, text


def test_the_day_sheet_lists_a_free_enrolment_as_free_not_as_cash(services, family) -> None:  # type: ignore[no-untyped-def]
    """F8 said “现金：2 张，400.00 元” for one cash receipt and one 全额资助 registration (0.00 元),
    and the sheet's detail listed the free one as 现金, while its receipt says 免缴（全额资助）."""
    from datetime import date

    from tui.workflows.dayclose.screen import summary

    services.persons.add_identity(
        family.spouse_id, code="extreme_poverty", department="民政", valid_from=date(2024, 1, 1)
    )
    services.enrolment.enrol_and_pay(family.head_id, channel="cash", received_fen=40000)  # 商南 400 元
    services.enrolment.enrol_and_pay(family.spouse_id, channel="cash")  # 特困: 400 − 400 = 0
    sheet = services.dayclose.sheet()
    text = summary(sheet)
    assert "现金：1 张，400.00 元" in text, text
    assert "免缴（全额资助）：1 张，0.00 元" in text, text
    assert [line.channel_label for line in sheet.lines] == ["现金", "免缴（全额资助）"]
    assert sheet.cash_fen == 40000


async def test_f1_lists_the_keys_of_the_progress_screen(app) -> None:  # type: ignore[no-untyped-def]
    """F7's own keys (Backspace 上一级, R, D 待缴名单, J) showed in its footer but not in F1."""
    from tests.tui.reading import table_text

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f1")
        text = table_text(app.screen.query_one("#help-keys"))
    assert "Backspace" in text and "征缴进度：回到上一级" in text, text
    assert "征缴进度：外出设备的待缴名单" in text, text


@pytest.mark.parametrize("policy_id", ["meishan-2024", "jincheng-2024"])
async def test_progress_on_another_desk_does_not_cite_shangnan(app, policy_id: str) -> None:  # type: ignore[no-untyped-def]
    """F7 on the 眉山 and 晋城 desks said “按上年缴费人数推算（商南附件2公式 …）”: another county's
    document, on a desk that has never seen it."""
    from tests.tui.reading import shown

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f7")
        await settle(app, pilot)
        text = shown(app.screen.query_one("#progress-summary"))
    assert "按上年缴费人数推算" in text, text
    assert "商南" not in text, text


async def test_another_clerk_signing_in_over_the_refund_queue_is_greeted_on_home(desk) -> None:  # type: ignore[no-untyped-def]
    """The 经办 had 退费审核 open and pressed F12; the 审核 signed in and reached 首页 under the
    queue's old line “退费审核：Enter 打开所选申请。” instead of being told they are signed in."""
    from tests.tui.test_signin import _type_password
    from tui.screens.home import HomeScreen

    app = desk
    async with app.run_test(size=SIZE) as pilot:
        await _type_password(app, pilot)
        await pilot.press("ctrl+r")
        await settle(app, pilot)
        await pilot.press("f12")
        await settle(app, pilot)
        await _type_password(app, pilot, name="赵审核")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen)
        assert app.status[0].startswith("赵审核 已登录"), app.status


@pytest.mark.parametrize("policy_id", ["jincheng-2024"])
async def test_progress_on_a_city_goes_county_town_village_person(app, services, policy_id: str) -> None:  # type: ignore[no-untyped-def]
    """F7 on the 晋城 desk opened on towns: the county targets of the document's 附件 were never
    shown, and each county's “（乡镇未知）” came as a row of its own, same name, and Enter on
    any of them listed the people of every county. Now: 县区 → 乡镇 → 村 → 人员, each county's
    people apart."""
    from datetime import date

    from tests.tui.conftest import id_number
    from tests.tui.reading import table_text

    def number(code: str, birth: date, seq: int) -> str:  # a valid number of that county
        return _with_check(code + id_number(birth, seq)[6:17])

    services.persons.register(name="城区甲", id_number=number("140502", date(1990, 1, 1), 11),
                              hukou_region="140502")
    services.persons.register(name="阳城乙", id_number=number("140522", date(1991, 2, 2), 22),
                              hukou_region="140522")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f7")
        await settle(app, pilot)
        table = app.screen.query_one("#progress-table")
        text = table_text(table)
        assert "阳城县" in text and "城区" in text and "泽州县" in text, text  # the 附件's counties
        assert "（乡镇未知）" not in text, text
        table.move_cursor(row=app.screen._keys.index("140522"))
        await pilot.press("enter")  # 阳城县 → its towns
        await settle(app, pilot)
        assert table_text(table).count("（乡镇未知）") == 1
        await pilot.press("enter", "enter")  # → its villages → the people of the first
        await settle(app, pilot)
        people = table_text(table)
        assert "阳城乙" in people and "城区甲" not in people, people
        await pilot.press("backspace", "backspace", "backspace")  # village, town, county list
        await settle(app, pilot)
        assert "泽州县" in table_text(table)


def _with_check(first17: str) -> str:
    from stdnum.cn import ric

    return first17 + ric.calc_check_digit(first17 + "0")


def test_after_intake_the_desk_names_the_review_key() -> None:
    """After 受理 the screen said “Ctrl+P 搜‘退费审核’” and never Ctrl+R, the key F1 lists for it."""
    from datetime import date
    from types import SimpleNamespace

    from tui.workflows.refund.presentation import result_text

    refund = SimpleNamespace(state_label="受理", receipt_no="HHBD-00000001", amount_fen=38000,
                             received_on=date(2026, 12, 2), deadline=None, approver=None)
    assert "Ctrl+R" in result_text(refund)  # type: ignore[arg-type]


def test_a_newborn_enrolled_where_the_document_sets_no_coverage_says_so() -> None:
    """晋城 sets no newborn coverage (“文件未规定新生儿参保缴费的期限、费用和待遇起始日期”):
    after taking 380 元 the screen said “待遇享受期 — 至 —”."""
    from types import SimpleNamespace

    from tui.workflows.newborn.screen import result_text

    receipt = SimpleNamespace(
        amount_fen=38000, change_fen=0, receipt_no="DURB-00000003", person_name="张小雨",
        id_masked="S*****3456",
        enrolment=SimpleNamespace(benefit_year=2024, coverage_start=None, coverage_end=None),
    )
    text = result_text(SimpleNamespace(receipt=receipt, saved=SimpleNamespace(note="")))  # type: ignore[arg-type]
    assert "— 至 —" not in text and "待遇享受期：文件未规定" in text, text
