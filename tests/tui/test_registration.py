"""F2 参保登记 end to end, typed as a clerk would; results checked in the registry."""

from __future__ import annotations

from datetime import date

import pytest

from tests.tui.conftest import SIZE, id_number, settle
from tui.modals.confirm import ConfirmModal
from tui.workflows.registration.screen import RegistrationScreen
from yibao.idgen import codes_for_year, make_id_number


def _text(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    widget = app.screen.query_one(selector)
    return getattr(widget, "plain", None) or str(widget.render())


async def test_new_person_registered_quoted_paid_and_receipt_saved(app, services, tmp_path) -> None:  # type: ignore[no-untyped-def]
    number = id_number(date(1980, 1, 1), 1)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        assert isinstance(app.screen, RegistrationScreen)
        await pilot.press(*number)
        await settle(app, pilot)
        assert "出生日期 1980-01-01" in _text(app, "#reg-id-info")
        assert app.focused.id == "reg-id"  # the registry's answer does not move the focus
        await pilot.press("tab", *"李四")
        await pilot.press("ctrl+s")  # 登记 + 核定
        await settle(app, pilot)
        quote = _text(app, "#reg-quote")
        assert "准予办理" in quote and "400.00 元" in quote and "商南政办发〔2024〕57号" in quote
        assert app.focused.id == "reg-received"
        await pilot.press(*"500")
        assert "找零 100.00 元" in _text(app, "#reg-change")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")
        await settle(app, pilot)
        result = _text(app, "#reg-result")
    person = services.persons.by_id_number(number)
    assert person is not None and person.name == "李四" and person.hukou_region == "611023"
    payment = services.payments.paid_for(person.id)
    assert payment is not None
    assert (payment.amount_fen, payment.received_fen, payment.change_fen) == (40000, 50000, 10000)
    receipt = tmp_path / "receipts" / f"{payment.receipt_no}.txt"
    assert receipt.is_file() and str(receipt) in result
    text = receipt.read_text(encoding="utf-8")
    assert number not in text and "612524********0017"[:6] in text
    assert "肆佰元整" in text and "王芳" in text



async def test_too_little_cash_says_how_much_is_missing_and_takes_nothing(app, services) -> None:  # type: ignore[no-untyped-def]
    """300 typed for 400.00 due (商南 一(三): 400 元 a year): the clerk is told 100.00 元 is
    missing, not asked to type an amount that is already there; nothing is paid."""
    number = id_number(date(1980, 1, 1), 2)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *number)
        await settle(app, pilot)
        await pilot.press("tab", *"李五", "ctrl+s")
        await settle(app, pilot)
        await pilot.press(*"300", "ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmModal)
        assert "实收不足" in app.status[0] and "还差 100.00 元" in app.status[0]  # 400 − 300
        assert app.focused.id == "reg-received"
    person = services.persons.by_id_number(number)
    assert person is not None and services.payments.paid_for(person.id) is None

async def test_invalid_id_number_shows_the_chinese_reason(app, services) -> None:  # type: ignore[no-untyped-def]
    good = id_number(date(1980, 1, 1), 1)
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *bad)
        await settle(app, pilot)
        assert "校验码" in _text(app, "#reg-id-info")
        assert "校验码" in app.status[0]
        await pilot.press("enter")  # Enter moves on like Tab, but not away from a wrong number
        assert app.focused.id == "reg-id"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert app.focused.id == "reg-id"
    assert services.lookup.search(bad[-6:]) == []


async def test_employee_insured_person_is_refused_and_nothing_paid(app, services) -> None:  # type: ignore[no-untyped-def]
    number = id_number(date(1985, 5, 5), 7)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *number)
        await settle(app, pilot)
        await pilot.press("tab", *"王五")
        app.screen.query_one("#reg-employee").focus()
        await pilot.press("space")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        panel = _text(app, "#reg-quote")
        assert "不予办理" in panel and "职工" in panel
        assert app.screen.query_one("#reg-payment").display is False
        await pilot.press("ctrl+s")  # nothing to pay: stays refused
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmModal)
    # One operation: the refusal leaves no person, household or enrolment behind, only
    # the refused attempt in the audit log (ID number masked).
    assert services.persons.by_id_number(number) is None
    refused = [e for e in services.audit.history(entity="enrolment") if e.outcome == "refused"]
    assert refused and all(e.action == "enrolment.register" for e in refused)
    assert number not in repr([e.after for e in refused]) and number[-4:] in repr(refused[0].after)


async def test_existing_person_is_opened_and_quoted_at_once(app, services, family) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *family.head_number)
        await settle(app, pilot)
        assert app.screen.query_one("#reg-name").value == "张建国"
        assert app.screen.query_one("#reg-household").value == "0001"
        assert "准予办理" in _text(app, "#reg-quote")
        assert "已调出 张建国" in app.status[0]
        await pilot.press("ctrl+s")  # quoted: Ctrl+S goes on to 实收金额
        assert app.focused.id == "reg-received"
        await pilot.press(*"400", "ctrl+s", "enter")
        await settle(app, pilot)
    payment = services.payments.paid_for(family.head_id)
    assert payment is not None and payment.change_fen == 0


async def test_second_payment_in_the_year_is_refused(app, services, family) -> None:  # type: ignore[no-untyped-def]
    services.enrolment.enrol_and_pay(family.spouse_id, channel="bank")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        spouse = services.persons.get(family.spouse_id)
        await pilot.press(*spouse.id_number)
        await settle(app, pilot)
        assert "不予办理" in _text(app, "#reg-quote")
        assert "已缴费" in _text(app, "#reg-step")


async def test_a_correction_is_saved_before_payment(app, services, family) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *family.head_number)
        await settle(app, pilot)
        app.screen.query_one("#reg-permit").focus()
        await pilot.press(*"610102")  # 居住证 issued in 西安市新城区
        await pilot.press("ctrl+s")  # the form changed: 登记 again, no money yet
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmModal)
        assert services.persons.get(family.head_id).residence_permit_region == "610102", app.status
        await pilot.press(*"400", "ctrl+s")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")  # cancelled: nothing paid
        await settle(app, pilot)
    assert services.payments.paid_for(family.head_id) is None


async def test_subsidy_names_the_identity_and_its_clause(app, services, family) -> None:  # type: ignore[no-untyped-def]
    services.persons.add_identity(
        family.spouse_id, code="minimum_living", department="民政", valid_from=date(2024, 1, 1)
    )
    spouse = services.persons.get(family.spouse_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *spouse.id_number)
        await settle(app, pilot)
        assert "低保对象" in _text(app, "#reg-identities")
        quote = _text(app, "#reg-quote")
        assert "资助 -240.00 元（低保对象） 二(二)" in quote
        assert "个人应缴 160.00 元" in quote
        await pilot.press("ctrl+s", *"200", "ctrl+s", "enter")
        await settle(app, pilot)
        assert "找零 40.00 元" in _text(app, "#reg-result")
    payment = services.payments.paid_for(family.spouse_id)
    assert (payment.subsidy_fen, payment.amount_fen, payment.subsidy_identity) == (24000, 16000, "minimum_living")


async def test_a_doubt_is_shown_and_paying_records_the_clerks_check(app, services, clock, family) -> None:  # type: ignore[no-untyped-def]
    clock.set_local(2024, 9, 10)  # the notice only says "2024年9月" for the start of collection
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *family.head_number)
        await settle(app, pilot)
        quote = _text(app, "#reg-quote")
        assert "需人工核实" in quote and "税务部门" in quote
        await pilot.press("ctrl+s", *"400", "ctrl+s")
        assert isinstance(app.screen, ConfirmModal)
        assert "核实" in str(app.screen.query_one("#confirm-body").render())
        await pilot.press("enter")
        await settle(app, pilot)
    assert services.payments.paid_for(family.head_id) is not None


async def test_an_old_15_digit_number_becomes_18_and_opens_the_record(app, family) -> None:  # type: ignore[no-untyped-def]
    old = family.head_number[:6] + family.head_number[8:17]  # 19 dropped from the year, no check digit
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *old, "tab")
        await settle(app, pilot)
        assert app.screen.query_one("#reg-id").value == family.head_number
        assert app.screen.query_one("#reg-name").value == "张建国"


async def test_a_second_head_is_refused_and_the_retry_does_not_register_twice(app, services, family) -> None:  # type: ignore[no-untyped-def]
    number = id_number(date(1990, 2, 2), 5)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *number)
        await settle(app, pilot)
        await pilot.press("tab", *"张建军")
        app.screen.query_one("#reg-household").focus()
        await pilot.press(*"0001")
        app.screen.query_one("#reg-relation").value = "02"  # 户主, but 张建国 is the head
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "户主" in app.status[0]
        assert app.focused.id == "reg-relation"
        app.screen.query_one("#reg-relation").value = "70"  # 兄弟姐妹
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "准予办理" in _text(app, "#reg-quote")
    person = services.persons.by_id_number(number)
    assert person.relation_to_head == "70"
    assert len(services.lookup.search("户0001")) == 4


def _counts(services) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from tests.services.helpers import counts
    from yibao.models import AuditLog, Enrolment, Household, Person

    return counts(services.engine, Person, Household, Enrolment, AuditLog)


async def test_a_failure_in_the_last_step_writes_nothing_and_the_retry_works(  # type: ignore[no-untyped-def]
    app, services, monkeypatch
) -> None:
    """登记 is one transaction: the enrolment step failing leaves no person, no new
    household, no enrolment and no audit row; Ctrl+S again registers everything once."""
    from yibao.services.enrolment import EnrolmentService

    number = id_number(date(1988, 8, 8), 9)
    before = _counts(services)
    real = EnrolmentService._register_in

    def broken(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        raise RuntimeError("磁盘已满（测试注入）")

    monkeypatch.setattr(EnrolmentService, "_register_in", broken)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *number)
        await settle(app, pilot)
        await pilot.press("tab", *"赵一")
        app.screen.query_one("#reg-household").focus()
        await pilot.press(*"0777")
        await settle(app, pilot)
        assert "新户号" in _text(app, "#reg-household-info")
        app.screen.query_one("#reg-relation").value = "02"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "磁盘已满" in app.status[0]
        assert _counts(services) == before  # nothing at all was written
        assert services.persons.by_id_number(number) is None
        assert services.persons.household_by_number("0777") is None
        monkeypatch.setattr(EnrolmentService, "_register_in", real)
        await pilot.press("ctrl+s")  # the same form, again
        await settle(app, pilot)
        assert "准予办理" in _text(app, "#reg-quote")
    person = services.persons.by_id_number(number)
    assert person is not None and person.relation_to_head == "02"
    household = services.persons.household_by_number("0777")
    assert household is not None and [m.name for m in household.members] == ["赵一"]
    assert [e.status for e in services.enrolment.for_person(person.id)] == ["registered"]
    after = _counts(services)
    assert (after["person"], after["household"], after["enrolment"]) == (
        before["person"] + 1, before["household"] + 1, before["enrolment"] + 1
    )
    assert [e.action for e in services.audit.history(person_id=person.id)] == [
        "person.register", "enrolment.register"
    ]


async def test_a_household_without_members_is_joined_by_its_number(app, services) -> None:  # type: ignore[no-untyped-def]
    empty = services.persons.create_household(number="0042", hukou_region="611023")
    number = id_number(date(1975, 4, 4), 3)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *number)
        await settle(app, pilot)
        await pilot.press("tab", *"钱二")
        app.screen.query_one("#reg-household").focus()
        await pilot.press(*"0042")
        await settle(app, pilot)
        assert "尚无成员" in _text(app, "#reg-household-info")
        app.screen.query_one("#reg-relation").value = "02"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "准予办理" in _text(app, "#reg-quote")
    person = services.persons.by_id_number(number)
    assert person.household_id == empty.id and person.relation_to_head == "02"
    assert len(services.lookup.search("户0042")) == 1


async def test_a_county_code_newer_than_the_birth_warns_and_the_clerk_confirms(app, services) -> None:  # type: ignore[no-untyped-def]
    # 611023 (商南县) is in use from 2001 (stdnum's GB/T 2260 table); born 1990, the number was
    # assigned later (GB 11643: the county where it was first assigned): warn, never refuse.
    from stdnum.cn import ric

    first17 = "61102319900506003"
    number = first17 + ric.calc_check_digit(first17 + "0")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *number)
        await settle(app, pilot)
        info = _text(app, "#reg-id-info")
        assert "出生日期 1990-05-06" in info and "2001 年起" in info and "不是有效" not in info
        await pilot.press("tab", *"王建华")  # the focus stays in the ID number until the clerk moves on
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)  # the clerk is asked, nothing refused
        assert services.persons.by_id_number(number) is None
        await pilot.press("enter")
        await settle(app, pilot)
        assert "准予办理" in _text(app, "#reg-quote")
    person = services.persons.by_id_number(number)
    assert person is not None and person.name == "王建华"


async def test_tab_after_the_lookup_lands_where_the_clerk_expects(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """Finding 4: the lookup's answer does not move the focus, so the clerk's habitual Tab
    after the ID number goes to 姓名; letters typed into 户籍地 are said wrong, not dropped."""
    number = id_number(date(1980, 1, 1), 1)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *number)
        await settle(app, pilot)  # not on file: the answer comes back while the clerk reads
        await pilot.press("tab", *"李四")
        assert app.screen.query_one("#reg-name").value == "李四"
        await pilot.press("tab", "end", *["backspace"] * 6, *"shangnan")  # the wrong thing first
        assert app.screen.query_one("#reg-hukou").value == "shangn"  # kept (6 at most), and said wrong
        assert "不是行政区划代码" in _text(app, "#reg-hukou-info")


async def test_a_person_on_file_is_quoted_without_moving_the_focus(app, family) -> None:  # type: ignore[no-untyped-def]
    """Finding 4, for a person on file: quoted at once, the focus stays in the ID number."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *family.head_number)
        await settle(app, pilot)
        assert app.focused.id == "reg-id" and "准予办理" in _text(app, "#reg-quote")
        await pilot.press("tab")
        assert app.focused.id == "reg-name"


async def test_a_zero_due_person_is_not_asked_for_cash(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """Finding 8: 特困 (full subsidy, 商南 二(二)): no 实收金额, no cash receipt."""
    services.persons.add_identity(
        family.spouse_id, code="extreme_poverty", department="民政", valid_from=date(2024, 1, 1)
    )
    spouse = services.persons.get(family.spouse_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *spouse.id_number)
        await settle(app, pilot)
        assert "个人应缴 0.00 元" in _text(app, "#reg-quote")  # 400.00 − 400.00 资助
        assert app.screen.query_one("#reg-payment").display is False
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ConfirmModal)
        assert "不收现金" in str(app.screen.query_one("#confirm-body").render())
        await pilot.press("enter")
        await settle(app, pilot)
        result, status = _text(app, "#reg-result"), app.status[0]
    payment = services.payments.paid_for(family.spouse_id)
    assert payment is not None and payment.amount_fen == 0
    assert payment.received_fen is None and payment.change_fen is None
    assert payment.channel_label == "免缴（全额资助）"
    # the receipt and the screen say so too: no 现金, no 已收款 of 0.00 元
    assert "已办理参保登记（全额资助，免缴费）" in result and "已收款" not in result
    assert status.startswith("办理成功（免缴费）")
    receipt = services.payments.receipt(payment.receipt_no).text
    assert "缴费方式：免缴（全额资助）" in receipt and "现金" not in receipt


async def test_after_a_refusal_f2_opens_the_next_form(app, services) -> None:  # type: ignore[no-untyped-def]
    """Finding 8: after 不予办理, F2 gives a fresh form (not “已在参保登记”)."""
    number = id_number(date(1985, 5, 5), 7)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *number, "tab", *"王五")
        app.screen.query_one("#reg-employee").focus()
        await pilot.press("space", "ctrl+s")
        await settle(app, pilot)
        assert "不予办理" in _text(app, "#reg-quote")
        first = app.screen
        await pilot.press("f2")
        await settle(app, pilot)
        assert isinstance(app.screen, RegistrationScreen) and app.screen is not first
        assert app.screen.query_one("#reg-id").value == ""
        assert "下一位" in app.status[0]


async def test_cash_on_a_closed_day_is_said_before_the_amount(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """Finding 8: once the day is closed (日结), the quote already says cash cannot be taken,
    in the step line (which wraps), not only in the one-line status."""
    from yibao.outreach.dayclose import close_day

    close_day(services.engine, clerk=services.clerk, device=services.device, day=services.today(),
              today=services.today(), now=services.now())
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f2", *family.head_number)
        await settle(app, pilot)
        step = _text(app, "#reg-step")
        assert "已日结" in step and "重新开启" in step
        assert app.screen.query_one("#reg-channel").value == "bank"
        assert "日的现金已日结" in step  # one run of text: wraps at the edge, not after the date
        assert "请输入实收金额" not in _text(app, "#reg-change")  # no cash asked for a bank payment
        await pilot.press("ctrl+s", "enter")  # 银行代收: no cash typed at all
        await settle(app, pilot)
    payment = services.payments.paid_for(family.head_id)
    assert payment is not None and payment.channel == "bank"



@pytest.mark.parametrize("policy_id", ["shanyin-2025"])
async def test_shanyin_new_person_is_registered_and_told_when_to_pay(app, services) -> None:  # type: ignore[no-untyped-def]
    """山阴 三(一)1: "登记成功后1至2个工作日可以进行缴费". Registered on Tuesday 2024-10-15
    (the clock), the first working day after is Wednesday 2024-10-16: the step says so and
    that the registration is kept — not 不予办理, which would send the resident away for good.
    Then a person known only from a department list (no 户籍地 on file) is asked for it, and
    the line under the empty 户籍地 is not the last person's county."""
    number = make_id_number(codes_for_year("140621", 1990)[0], date(1990, 7, 7), 345)
    listed_number = make_id_number(codes_for_year("140621", 1992)[0], date(1992, 8, 8), 456)
    listed = services.persons.register(name="钱特困", id_number=listed_number)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *number)
        await settle(app, pilot)
        await pilot.press("tab", *"赵山阴", "ctrl+s")
        await settle(app, pilot)
        step = _text(app, "#reg-step")
        assert "不予办理" not in step
        assert "今天尚不能缴费" in step and "最早 2024年10月16日" in step and "三(一)1" in step
        assert "登记信息已保存" in step and app.status[1] == "warning"
        panel = app.screen.query_one("#reg-quote").plain
        assert "不予办理" not in panel and "今天尚不能缴费（最早 2024-10-16 可缴）" in panel
        assert services.persons.by_id_number(number) is not None  # the registration is kept
        await pilot.press("f2", *listed.id_number)
        await settle(app, pilot)
        step = _text(app, "#reg-step")
        assert "不予办理" not in step and "请在左侧填写户籍地" in step
        assert app.screen.query_one("#reg-hukou").value == ""
        assert _text(app, "#reg-hukou-info") == ""  # not 山西省朔州市山阴县 from the form's default


@pytest.mark.parametrize("policy_id", ["meishan-2024"])
async def test_a_city_desk_does_not_prefill_the_citys_own_code_as_hukou(app) -> None:  # type: ignore[no-untyped-def]
    """眉山 is a city (511400): no 户口簿 names 511400, so F2 starts with 户籍地 empty (a
    person filed under "眉山市（511400）" made a pseudo-county row in F7). 商南, one county,
    still starts with 611023 (the first test above registers 李四 with it untyped)."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2")
        await settle(app, pilot)
        assert app.screen.query_one("#reg-hukou").value == ""


@pytest.mark.parametrize("policy_id", ["shanyin-2025"])
async def test_a_county_without_a_town_list_offers_no_empty_town_choice(app) -> None:  # type: ignore[no-untyped-def]
    """山阴's documents name no towns (data/regions/towns.csv lists 商南's only): the walk met a
    乡镇 list holding nothing but its prompt. The field says why and Tab goes past it to 村."""
    number = make_id_number(codes_for_year("140621", 1990)[0], date(1990, 7, 7), 345)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *number)
        await settle(app, pilot)
        town = app.screen.query_one("#reg-town")
        assert town.disabled and "无乡镇名单" in str(town.prompt)
        app.screen.query_one("#reg-relation").focus()
        await pilot.press("tab")
        await settle(app, pilot)
        assert app.focused is not None and app.focused.id == "reg-village"
