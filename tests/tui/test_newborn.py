"""F3 新生儿参保 end to end, typed as a clerk would; results checked in the registry."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.tui.conftest import SIZE, settle
from tests.tui.reading import shown
from tui.app import YibaoApp
from tui.modals.confirm import ConfirmModal
from tui.workflows.newborn.screen import NewbornScreen


def _text(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    """What a Static shows, as plain text (markup and rich renderables rendered)."""
    return shown(app.screen.query_one(selector))


def _audit_actions(services, person_id: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [entry.action for entry in services.persons.case(person_id).history]


async def _type_baby(pilot, *, guardian: str, cert: str, name: str, birth: str) -> None:  # type: ignore[no-untyped-def]
    """The paper form, top to bottom: guardian ID, certificate, (no ID), name, sex, birth date."""
    await pilot.press(*guardian, "tab", *cert, "tab", "tab", *name, "tab")
    await pilot.press("enter", "down", "enter")  # 性别: open the list, pick 男… then 女
    await pilot.press("tab", *birth)


async def test_newborn_within_90_days_paid_with_receipt(app, services, family, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock.set_local(2025, 5, 10)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        assert isinstance(app.screen, NewbornScreen)
        await pilot.press(*family.head_number)
        await settle(app, pilot)
        assert "张建国" in _text(app, "#nb-guardian-info")
        await pilot.press("tab", *"Q611023001", "tab", "tab", *"张小宝", "tab")
        await pilot.press("enter", "down", "enter")
        await pilot.press("tab", *"20250301")
        await pilot.press("ctrl+s")  # 登记并核定
        await settle(app, pilot)
        decision = _text(app, "#nb-decision")
        assert "准予办理" in decision and "400.00 元" in decision
        assert "2025-03-01 至 2025-12-31" in decision and "四(二)2(1)" in decision
        assert app.focused.id == "nb-received"
        await pilot.press(*"500")
        assert "找零 100.00 元" in _text(app, "#nb-change")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")
        await settle(app, pilot)
        result = _text(app, "#nb-result")
        assert "已办理新生儿参保" in result
    rows = services.lookup.search("张小宝")
    assert len(rows) == 1
    baby = services.persons.get(rows[0].person_id)
    assert baby.guardian_person_id == family.head_id and baby.birth_date == date(2025, 3, 1)
    payment = services.payments.paid_for(baby.id)
    assert payment is not None
    assert (payment.amount_fen, payment.received_fen, payment.change_fen) == (40000, 50000, 10000)
    case = services.persons.case(baby.id)
    enrolment = case.enrolments[0]
    assert (enrolment.category, enrolment.coverage_start, enrolment.coverage_end) == (
        "newborn", date(2025, 3, 1), date(2025, 12, 31),
    )
    assert {"person.register", "enrolment.paid", "newborn.enrol"} <= set(_audit_actions(services, baby.id))
    receipt = tmp_path / "receipts" / f"{payment.receipt_no}.txt"
    assert receipt.is_file() and str(receipt) in result


async def test_newborn_past_window_in_birth_year_covered_from_next_month(app, services, family, clock) -> None:  # type: ignore[no-untyped-def]
    """Born 120 days ago, same year (商南 四(二)2(1)): pay at the standard, covered from next month."""
    clock.set_local(2025, 5, 10)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await _type_baby(pilot, guardian=family.head_number, cert="Q611023002", name="张二宝", birth="20250110")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        decision = _text(app, "#nb-decision")
        assert "已超过期限" in decision and "2025-06-01 至 2025-12-31" in decision
        await pilot.press(*"400", "ctrl+s", "enter")
        await settle(app, pilot)
    baby = services.persons.get(services.lookup.search("张二宝")[0].person_id)
    enrolment = services.persons.case(baby.id).enrolments[0]
    assert enrolment.coverage_start == date(2025, 6, 1)


async def test_newborn_refused_after_window_born_near_year_end(app, services, family, clock) -> None:  # type: ignore[no-untyped-def]
    """Born 2024-12-01, asked 2025-05-10: past 90 days, general rules, outside the windows → refused."""
    clock.set_local(2025, 5, 10)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await _type_baby(pilot, guardian=family.head_number, cert="Q611023003", name="张三宝", birth="2024-12-01")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        decision = _text(app, "#nb-decision")
        assert "不予办理" in decision and "四(二)2(2)" in decision and "四(一)" in decision
        assert not app.screen.query_one("#nb-payment").display
        await pilot.press("ctrl+s")  # nothing to pay: asks the rules again, still refused
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmModal)
    baby = services.persons.get(services.lookup.search("张三宝")[0].person_id)
    assert services.payments.for_person(baby.id) == []


async def test_newborn_year_end_choice_next_year(app, services, family, clock) -> None:  # type: ignore[no-untyped-def]
    """Born 2024-12-20 (<90 days to year end), asked 2025-01-10: the guardian chooses the year."""
    clock.set_local(2025, 1, 10)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await _type_baby(pilot, guardian=family.head_number, cert="Q611023004", name="张四宝", birth="20241220")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "请监护人选择待遇年度" in _text(app, "#nb-step")
        assert app.focused.id == "nb-year"
        assert not app.screen.query_one("#nb-payment").display
        await pilot.press("enter", "down", "down", "enter")  # 2025年（出生次年）
        await settle(app, pilot)
        decision = _text(app, "#nb-decision")
        assert "2025-01-01 至 2025-12-31" in decision and "四(二)2(2)" in decision
        assert app.focused.id == "nb-received"
        await pilot.press(*"400", "ctrl+s", "enter")
        await settle(app, pilot)
        assert "已办理新生儿参保" in _text(app, "#nb-result")
    baby = services.persons.get(services.lookup.search("张四宝")[0].person_id)
    payment = services.payments.paid_for(baby.id, benefit_year=2025)
    assert payment is not None and payment.amount_fen == 40000


@pytest.fixture
def shanyin_app(engine, clock, tmp_path: Path) -> YibaoApp:  # type: ignore[no-untyped-def]
    from yibao.config import ensure_clerk, ensure_device
    from yibao.policy import load_policy
    from yibao.services import Services

    clock.set_local(2025, 4, 10)
    device = ensure_device(engine, name="测试窗口", now=clock())
    clerk = ensure_clerk(engine, name="王芳", device=device, now=clock())
    services = Services(engine, load_policy("shanyin-2025"), clerk, device, clock)
    return YibaoApp(services=services, receipts_dir=tmp_path / "receipts")


async def test_shanyin_newborn_enrols_free(shanyin_app) -> None:  # type: ignore[no-untyped-def]
    app = shanyin_app
    services = app.services
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3", "tab", *"Q140621001", "tab", "tab", *"赵小花", "tab")
        await pilot.press("enter", "down", "down", "enter")  # 女
        await pilot.press("tab", *"20250301")
        assert _text(app, "#nb-hukou-info")  # 山阴县, filled from the policy
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "无需缴费" in _text(app, "#nb-decision")
        assert not app.screen.query_one("#nb-payment").display
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "免缴费参保" in _text(app, "#nb-result")
    baby = services.persons.get(services.lookup.search("赵小花")[0].person_id)
    assert baby.sex == "2"
    payment = services.payments.paid_for(baby.id)
    assert payment is not None and payment.amount_fen == 0


class TestNewbornSnapshots:
    """The form with the rules' answer shown (fixed clock 2025-05-10, 商南)."""

    def test_within_window_decision(self, snap_compare, app, family, clock) -> None:  # type: ignore[no-untyped-def]
        clock.set_local(2025, 5, 10)

        async def fill(pilot) -> None:  # type: ignore[no-untyped-def]
            await pilot.press("f3")
            await _type_baby(pilot, guardian=family.head_number, cert="Q611023001", name="张小宝", birth="20250301")
            await pilot.press("ctrl+s")
            await settle(pilot.app, pilot)
            await pilot.press(*"500")

        assert snap_compare(app, run_before=fill, terminal_size=SIZE)

    def test_refusal_after_window(self, snap_compare, app, family, clock) -> None:  # type: ignore[no-untyped-def]
        clock.set_local(2025, 5, 10)

        async def fill(pilot) -> None:  # type: ignore[no-untyped-def]
            await pilot.press("f3")
            await _type_baby(pilot, guardian=family.head_number, cert="Q611023003", name="张三宝", birth="20241201")
            await pilot.press("ctrl+s")
            await settle(pilot.app, pilot)

        assert snap_compare(app, run_before=fill, terminal_size=SIZE)


async def test_f3_from_the_babys_case_view_assesses_it(app, services, family, clock) -> None:  # type: ignore[no-untyped-def]
    from tui.workflows.case.screen import CaseScreen

    clock.set_local(2025, 5, 10)
    baby = services.newborns.register(
        name="张小宝", birth_date=date(2025, 3, 1), sex="1", birth_cert_no="Q611023009",
        guardian_person_id=family.head_id, hukou_region="611023",
    )
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(CaseScreen(baby.id))
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        assert isinstance(app.screen, NewbornScreen)
        assert "张建国" in _text(app, "#nb-guardian-info")
        assert "准予办理" in _text(app, "#nb-decision")
        assert app.focused.id == "nb-received"
        await pilot.press(*"400", "ctrl+s", "enter")
        await settle(app, pilot)
    assert services.payments.paid_for(baby.id).amount_fen == 40000


async def test_a_baby_of_a_year_without_a_file_is_refused_and_not_registered(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """商南's newborn clauses are for the 2025 benefit year (四(二)2(1), from 2025-01-01); a baby
    born 2024-09-26 is a 2024 newborn and this registry has no 2024 file: the desk says which
    file to make and registers nothing (before, the 2025 file charged it 400.00 元 as a general
    resident of 2025)."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await _type_baby(pilot, guardian=family.head_number, cert="Q611023002", name="张小花", birth="20240926")
        await pilot.press("ctrl+s")  # 登记并核定
        await settle(app, pilot)
        decision = _text(app, "#nb-decision")
        assert "不予办理" in decision and "没有商南县2024年度的政策文件" in decision
        assert "请按 2024 年度的新通知制作" in decision and "400.00" not in decision
    assert services.lookup.search("张小花") == []


async def test_a_confirm_answer_can_be_checked_and_paid(app, services, family, clock) -> None:  # type: ignore[no-untyped-def]
    """A baby born 2025-01-02 with its 户籍 outside 商南 (610102), on 2025-01-10: the rules
    answer 需人工核实 (a residence fact to check) with the 2025 contribution (一(三): 400 元) —
    and the clerk can confirm and take it instead of a dead end. The clerk types letters in
    实收金额 first: they are said wrong under the field."""
    clock.set_local(2025, 1, 10)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await _type_baby(pilot, guardian=family.head_number, cert="Q611023002", name="张小花", birth="20250102")
        await pilot.press("tab", *["backspace"] * 6, *"610102")  # 户籍地
        await pilot.press("ctrl+s")  # 登记并核定
        await settle(app, pilot)
        decision = _text(app, "#nb-decision")
        assert "需人工核实" in decision and "400.00 元" in decision
        assert "需人工核实" in _text(app, "#nb-step")
        assert app.focused.id == "nb-received"
        await pilot.press(*"4OO")  # letter O for zero
        await settle(app, pilot)
        assert "金额格式不对" in _text(app, "#nb-received-problem")
        await pilot.press("ctrl+s")
        assert not isinstance(app.screen, ConfirmModal)
        await pilot.press("backspace", "backspace", *"00")
        await settle(app, pilot)
        assert _text(app, "#nb-received-problem").strip() == ""
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ConfirmModal)
        assert "确认即表示已核实" in shown(app.screen.query_one("#confirm-body"))
        await pilot.press("enter")
        await settle(app, pilot)
        assert "已办理新生儿参保" in _text(app, "#nb-result")
    [row] = services.lookup.search("张小花")
    payment = services.payments.paid_for(row.person_id)
    assert payment is not None and payment.amount_fen == 40000 and payment.benefit_year == 2025


async def test_a_day_that_does_not_exist_is_said_under_the_field(app, family) -> None:  # type: ignore[no-untyped-def]
    """Finding 5: 2024-02-30 is said wrong where it was typed, and Ctrl+S says the same."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await _type_baby(pilot, guardian=family.head_number, cert="Q611023003", name="张小草", birth="20240230")
        await settle(app, pilot)
        assert "没有这一天" in _text(app, "#nb-birth-problem")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "没有这一天" in app.status[0] and "请填写出生日期" not in app.status[0]
        assert app.focused.id == "nb-birth"


async def test_a_baby_with_neither_id_number_nor_certificate_is_paid_for_then_linked(app, services, family, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Born before its 户口 and its 出生医学证明 number are to hand: the guardian enrols it
    (商南 四(二)2(1) "由监护人…办理参保登记"), identified by guardian and birth date; the ID
    number brought later is linked to the same person, not given to a second one."""
    from tests.tui.conftest import id_number

    clock.set_local(2025, 5, 10)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3", *family.head_number)
        await settle(app, pilot)
        await pilot.press("tab", "tab", "tab", *"张小宝", "tab")  # no certificate, no ID number
        await pilot.press("enter", "down", "enter")  # 男
        await pilot.press("tab", *"20250301", "ctrl+s")
        await settle(app, pilot)
        # born 2025-03-01, paid 2025-05-10: day 71 of 90 → 出生当年 400 元 (四(二)2(1), 四(一))
        decision = _text(app, "#nb-decision")
        assert "400.00 元" in decision and "2025-03-01 至 2025-12-31" in decision
        await pilot.press(*"400", "ctrl+s", "enter")
        await settle(app, pilot)
        assert "已办理新生儿参保" in _text(app, "#nb-result")
    rows = services.lookup.search("张小宝")
    assert len(rows) == 1
    baby = services.persons.get(rows[0].person_id)
    assert (baby.id_number, baby.birth_cert_masked, baby.guardian_person_id) == (None, "", family.head_id)
    payment = services.payments.paid_for(baby.id)
    assert payment.amount_fen == 40000
    receipt = (tmp_path / "receipts" / f"{payment.receipt_no}.txt").read_text(encoding="utf-8")
    # named by its guardian, masked (first 6, last 4) like any number on a receipt
    guardian = f"{family.head_number[:6]}********{family.head_number[-4:]}"
    assert f"监护人：张建国（{guardian}）" in receipt and family.head_number not in receipt

    number = id_number(date(2025, 3, 1), 55)
    clock.set_local(2025, 6, 2)  # the 户口 is registered: the same guardian brings the number
    app = YibaoApp(services=services, receipts_dir=tmp_path / "receipts")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3", *family.head_number)
        await settle(app, pilot)
        await pilot.press("tab", "tab", *number, "tab", *"张小宝", "ctrl+s")
        await settle(app, pilot)
        assert "本年度已缴费" in _text(app, "#nb-step")
    assert len(services.lookup.search("张小宝")) == 1
    assert services.persons.get(baby.id).id_number == number


async def test_a_baby_without_id_number_enrols_free_in_shanyin(shanyin_app, engine) -> None:  # type: ignore[no-untyped-def]
    """山阴 二2: a 本县户籍 newborn born on or after 2025-01-01 enrols free within 90 days;
    the guardian (on file) identifies the baby that has no number yet."""
    app = shanyin_app
    services = app.services
    mother = services.persons.register(
        name="赵红", id_number=_shanyin_number(date(1995, 2, 3), 66), hukou_region="140621",
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3", *mother.id_number)
        await settle(app, pilot)
        await pilot.press("tab", "tab", "tab", *"赵小花", "tab")
        await pilot.press("enter", "down", "down", "enter")  # 女
        await pilot.press("tab", *"20250301", "ctrl+s")
        await settle(app, pilot)
        assert "无需缴费" in _text(app, "#nb-decision")
        await pilot.press("ctrl+s", "enter")
        await settle(app, pilot)
        assert "免缴费参保" in _text(app, "#nb-result")
    baby = services.persons.get(services.lookup.search("赵小花")[0].person_id)
    assert (baby.id_number, baby.birth_cert_masked, baby.guardian_person_id) == (None, "", mother.id)
    assert services.payments.paid_for(baby.id).amount_fen == 0


def _shanyin_number(birth: date, sequence: int) -> str:
    from yibao.idgen import codes_for_year, make_id_number

    return make_id_number(codes_for_year("140621", birth.year)[0], birth, sequence)


async def test_a_refused_id_number_changes_no_one(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """登记并核定 is one service operation: the baby's certificate is on file, the clerk types
    another child's ID number and a corrected name — refused, and neither person changes
    (before, the other child was opened by its number and renamed)."""
    from tests.tui.conftest import id_number

    baby = services.newborns.register(
        name="张小宝", birth_date=date(2024, 9, 26), sex="1", birth_cert_no="Q611023009",
        guardian_person_id=family.head_id, hukou_region="611023",
    )
    other = services.persons.register(name="王某", id_number=id_number(date(2024, 9, 26), 31), hukou_region="611023")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3", *family.head_number, "tab", *"Q611023009", "tab", *other.id_number)
        await pilot.press("tab", *"张大宝", "tab", "tab", *"20240926", "ctrl+s")
        await settle(app, pilot)
        assert "王某" in app.status[0] and "出生医学证明编号不是同一人" in app.status[0]
        assert app.focused.id == "nb-idno"
    assert services.persons.get(baby.id).name == "张小宝"
    assert services.persons.get(other.id).name == "王某"


async def test_cash_on_a_closed_day_is_said_before_the_amount(app, services, family, clock) -> None:  # type: ignore[no-untyped-def]
    """As F2 (finding 8): once today's cash is closed (日结), F3's quote already switches to
    银行代收 and says why, instead of taking the amount, confirming and then refusing."""
    from yibao.outreach.dayclose import close_day

    clock.set_local(2025, 5, 10)
    close_day(services.engine, clerk=services.clerk, device=services.device, day=services.today(),
              today=services.today(), now=services.now())
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await _type_baby(pilot, guardian=family.head_number, cert="Q611023009", name="张小满", birth="20250301")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        step = _text(app, "#nb-step")
        assert "已日结" in step and "重新开启" in step
        assert app.screen.query_one("#nb-channel").value == "bank"
        assert app.focused.id == "nb-channel"
        await pilot.press("ctrl+s", "enter")  # 银行代收: no cash typed
        await settle(app, pilot)
        assert "已办理新生儿参保" in _text(app, "#nb-result")
    baby = services.persons.get(services.lookup.search("张小满")[0].person_id)
    payment = services.payments.paid_for(baby.id)
    assert payment is not None and payment.channel == "bank"


async def test_enter_on_a_certificate_number_cut_short_says_so_and_stays(app, family) -> None:  # type: ignore[no-untyped-def]
    """Walk finding: 9 characters (Q61012345) then Enter moved on to the baby's ID number
    with nothing said; the number is one letter and nine digits."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3", "tab", *"Q61012345", "enter")
        await settle(app, pilot)
        assert app.focused.id == "nb-cert"
        assert "1位字母加9位数字" in shown(app.screen.query_one("#nb-cert-info"))
        await pilot.press("6", "enter")  # Q610123456: whole, Enter moves on
        assert app.focused.id == "nb-idno"


async def test_keys_typed_at_once_after_enter_go_where_enter_moved(app, family) -> None:  # type: ignore[no-untyped-def]
    """Walk finding: the certificate number, Enter, Enter and the baby's name typed without a
    pause put the name in the certificate field (refused: letters and digits only): the app
    handed the keys to the field being left before its Enter had moved the focus on."""
    from tests.tui.conftest import burst

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3", "tab")
        burst(app, *"Q611023777", "enter", "enter", *"张小宝", "tab")
        await settle(app, pilot)
        for _ in range(20):  # the burst is in the driver's queue: let the app take all of it
            await pilot.pause()
        screen = app.screen
        assert screen.query_one("#nb-cert").value == "Q611023777"
        assert screen.query_one("#nb-idno").value == ""
        assert screen.query_one("#nb-name").value == "张小宝"


async def test_a_choice_made_at_once_in_a_list_is_kept(app, family) -> None:  # type: ignore[no-untyped-def]
    """Walk finding: Enter, Down, Down, Enter typed without a pause on 性别 left it 请选择: the
    list took the focus only after the keys had gone to the closed Select."""
    from tests.tui.conftest import burst

    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3", "tab", *"Q611023777", "tab", "tab", *"张小宝", "tab")
        assert app.focused.id == "nb-sex"
        burst(app, "enter", "down", "down", "enter", "tab", *"20241010")
        await settle(app, pilot)
        for _ in range(20):
            await pilot.pause()
        screen = app.screen
        assert str(screen.query_one("#nb-sex").value) != "Select.BLANK" and not screen.query_one("#nb-sex").is_blank()
        assert screen.query_one("#nb-birth").value == "20241010"
