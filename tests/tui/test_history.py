"""F2 参保历史, typed as a clerk would; results checked in the registry.

The expected dates are worked out by hand from the policy documents (/work/shared/seeds),
not read from the code:

商南政办发〔2024〕57号 (shangnan-2025):
- 四(一): 集中缴费期 (2024年9月至12月20日) 内缴费，待遇享受期为2025年1月1日至12月31日；
  补缴期 (2025-01-01 至 2025-03-31) 内缴费“设置固定待遇等待期3个月”.
- 四(二)4(8): 未在集中参保期内参保或未连续参保的 → 固定待遇等待期3个月 (one fixed period,
  whichever of the two conditions holds); 未连续参保的“每多断保1年……增加变动待遇等待期1个月”
  (the policy file reads it as every lapsed year, the first included); “每多缴纳1年可减少1个月”.
  The period runs “参保后”: from the start of the benefit year for a payment before it, from the
  payment day for a payment in the 补缴期. Periods in months end on the same day number
  (民法典 第二百零一、二百零二条, which the policy file cites as the document is silent);
  benefits start the next day.
- 四(二)1: 职工医保断保人员 “待遇享受期为参加居民医保缴费后的次月起”; 五(六): 已连续两年以上
  参加基本医保、中断缴费3个月（含）以内的 “不设待遇等待期”.

山政办发〔2024〕25号 (shanyin-2025) 三(二)1: 3个月固定等待期 + 每多断保1年1个月变动等待期;
the document has no clause repairing the variable period by paying for lapsed years.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.services.helpers import audit_actions, counts, rows
from tests.tui.conftest import SIZE, id_number, settle
from tests.tui.reading import shown
from tui.modals.confirm import ConfirmModal
from yibao.models import AuditLog, Enrolment, Payment


def _text(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    widget = app.screen.query_one(selector)
    return getattr(widget, "plain", None) or shown(widget)


def _written(services) -> dict[str, int]:  # type: ignore[no-untyped-def]
    from yibao.models import Household, Person

    return counts(services.engine, Person, Household, Enrolment, Payment, AuditLog)


async def _choose_previous_year(pilot, presses_down: int) -> None:  # type: ignore[no-untyped-def]
    """上年度参保 is focused: open the list, move down, choose (0 按登记库记录, 1 已参保, 2 未参保)."""
    await pilot.press("enter", *["down"] * presses_down, "enter")


async def _new_person_to_history(app, pilot, number: str, name: str) -> None:  # type: ignore[no-untyped-def]
    """F2, the ID number (not on file), the name, then Tab down the paper form to 上年度参保."""
    await pilot.press("f2", *number)
    await settle(app, pilot)
    assert app.focused.id == "reg-id"  # the lookup's answer leaves the focus where it was
    await pilot.press("tab", *name)
    for _ in range(9):  # 户籍地, 居住证发证地, 户号, 与户主关系, 乡镇, 村, 职工医保, 参保类别, 上年度参保
        await pilot.press("tab")
    assert app.focused.id == "hist-previous"


REASON = "外县参保证明"  # 申报理由, typed before 收款


async def _type_reason(app, pilot) -> None:  # type: ignore[no-untyped-def]
    """The declaration differs from the registry: the clerk writes why, then goes to 实收."""
    app.screen.query_one("#hist-reason").focus()
    await pilot.press(*REASON)
    await settle(app, pilot)
    app.screen.query_one("#reg-received").focus()


async def test_focus_order_follows_the_paper_form(app) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *id_number(date(1983, 3, 4), 3))
        await settle(app, pilot)
        order = [app.focused.id]
        for _ in range(12):
            await pilot.press("tab")
            order.append(app.focused.id)
        assert "参保历史" in _text(app, "#hist-title")
    assert order == [
        "reg-id", "reg-name", "reg-hukou", "reg-permit", "reg-household", "reg-relation", "reg-town",
        "reg-village", "reg-employee", "reg-category", "hist-previous", "hist-lapsed", "hist-repaid",
    ]


async def test_declared_lapse_sets_the_waiting_period_and_is_audited_with_the_payment(  # type: ignore[no-untyped-def]
    app, services
) -> None:
    """Paid on 2024-10-15, in the 集中缴费期, lapsed 2 years (declared, the registry is new):
    四(二)4(8) 3 + 2 × 1 = 5 months from 2025-01-01 (四(一)) → 2025-01 … 2025-05 waiting,
    benefits from 2025-06-01 to 2025-12-31."""
    number = id_number(date(1983, 3, 4), 3)
    async with app.run_test(size=SIZE) as pilot:
        await _new_person_to_history(app, pilot, number, "李四")
        await _choose_previous_year(pilot, 2)
        assert "至少1年" in _text(app, "#hist-hint")
        await pilot.press("tab", "2")
        assert app.screen.query_one("#hist-lapsed").value == "2"
        await pilot.press("ctrl+s")  # 登记, then quoted with the declared history
        await settle(app, pilot)
        quote = _text(app, "#reg-quote")
        assert "等待期 5个月 四(二)4(8)" in quote
        assert "待遇享受期 2025-06-01 至 2025-12-31" in quote
        assert "连续断保2年" in quote and "需人工核实" in quote  # “参保后” counted from 1 January: to check
        assert "等待期5个月" in app.status[0]
        assert app.focused.id == "reg-received"
        await pilot.press(*"400", "ctrl+s")  # no reason yet: refused, focus on 申报理由
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmModal)
        assert app.focused.id == "hist-reason" and "理由" in _text(app, "#hist-hint")
        await _type_reason(app, pilot)
        await pilot.press(*"400", "ctrl+s")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "2025-06-01 至 2025-12-31" in _text(app, "#reg-result")
    person = services.persons.by_id_number(number)
    (payment,) = rows(services.engine, Payment, person_id=person.id)
    assert (payment.status, payment.amount_fen, payment.benefit_year) == ("paid", 40000, 2025)
    (enrolment,) = rows(services.engine, Enrolment, person_id=person.id)
    assert (enrolment.status, enrolment.waiting_months) == ("paid", 5)
    assert (enrolment.coverage_start, enrolment.coverage_end) == (date(2025, 6, 1), date(2025, 12, 31))
    # The declaration is audited next to the payment, in its transaction.
    actions = audit_actions(services.engine, person_id=person.id)
    assert actions[-2:] == [("payment.record", "done"), ("enrolment.history_declared", "done")]
    (declared,) = rows(services.engine, AuditLog, action="enrolment.history_declared")
    assert declared.entity_id == enrolment.id
    assert declared.after["declared"] == {
        "first_enrolment": False,
        "lapsed_years": 2,
        "declaration_reason": REASON,
    }
    assert "申报理由：外县参保证明" in declared.summary
    assert declared.after["receipt_no"] == payment.receipt_no and declared.after["payment_id"] == payment.id
    assert declared.after["waiting"]["waiting_months"] == 5
    assert "连续断保年数：2" in declared.summary and number not in repr(declared.after)


async def test_make_up_payment_with_a_repaired_year_for_a_person_on_file(  # type: ignore[no-untyped-def]
    app, services, clock, family
) -> None:
    """Paid on 2025-02-10, in the 补缴期, lapsed 2 years of which 1 repaid: fixed 3 months
    (四(一) and 四(二)4(8) say the same 3 months) + variable 2 − repaired 1 = 4 months from the
    payment day → 2025-06-10; benefits from 2025-06-11."""
    clock.set_local(2025, 2, 10)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *family.head_number)
        await settle(app, pilot)
        assert "无本人以往年度缴费记录" in _text(app, "#hist-known")  # prefilled from the registry
        assert "等待期 3个月" in _text(app, "#reg-quote")  # 补缴期, nothing declared yet
        app.screen.query_one("#hist-previous").focus()
        await _choose_previous_year(pilot, 2)
        await pilot.press("tab", "2", "tab", "1")
        await settle(app, pilot)
        quote = _text(app, "#reg-quote")
        assert "等待期 4个月" in quote and "待遇享受期 2025-06-11 至 2025-12-31" in quote
        assert "变动等待期2个月" in quote and "减少1个月（商南政办发〔2024〕57号 四(二)4(8)）" in quote
        # the 等待期 row names both sources: the make-up period's fixed months (四(一) "补缴期内
        # 缴纳…设置固定待遇等待期3个月") and the months per lapsed year (四(二)4(8))
        [row] = [line for line in quote.splitlines() if line.startswith("等待期")]
        assert row == "等待期 4个月 四(一)、四(二)4(8)", row
        assert app.focused.id == "hist-repaid"  # quoting again left the clerk in the field
        await _type_reason(app, pilot)
        await pilot.press(*"400", "ctrl+s", "enter")
        await settle(app, pilot)
    (enrolment,) = rows(services.engine, Enrolment, person_id=family.head_id)
    assert (enrolment.waiting_months, enrolment.coverage_start) == (4, date(2025, 6, 11))
    (declared,) = rows(services.engine, AuditLog, action="enrolment.history_declared")
    assert declared.after["declared"] == {
        "first_enrolment": False,
        "lapsed_years": 2,
        "repaid_years": 1,
        "declaration_reason": REASON,
    }
    assert declared.after["waiting"] == {
        "waiting_months": 4, "fixed_months": 3, "variable_months": 2, "repaired_months": 1,
    }


async def test_employee_lapse_needs_the_stop_date_then_bridges_without_waiting(  # type: ignore[no-untyped-def]
    app, services, clock
) -> None:
    """职工医保断保, paid 2025-02-10, stopped 2025-01-20 after 3 years of basic insurance:
    四(二)1 次月 → from 2025-03-01; 五(六) ≥ 2 years and a gap ≤ 3 months → no waiting period."""
    clock.set_local(2025, 2, 10)
    number = id_number(date(1990, 7, 7), 4)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *number)
        await settle(app, pilot)
        await pilot.press("tab", *"赵六")
        app.screen.query_one("#reg-category").focus()
        await pilot.press("enter", "down", "down", "enter")  # 职工医保断保人员
        assert app.screen.query_one("#hist-exit-row").display is True
        await pilot.press("ctrl+s")  # 登记: the stop date is asked for
        await settle(app, pilot)
        assert app.focused.id == "hist-exit"
        assert "职工医保停保日期" in app.status[0] and "职工医保停保日期" in _text(app, "#hist-hint")
        await pilot.press("ctrl+s")  # no payment while the history is refused
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmModal) and app.focused.id == "hist-exit"
        assert rows(services.engine, Payment) == []
        await pilot.press(*"20250120")
        app.screen.query_one("#hist-continuous").focus()
        await pilot.press(*"3")
        await settle(app, pilot)
        quote = _text(app, "#reg-quote")
        assert "待遇享受期 2025-03-01 至 2025-12-31" in quote and "等待期 无" in quote
        assert "不设待遇等待期" in quote and "五(六)" in quote
        await _type_reason(app, pilot)
        await pilot.press(*"400", "ctrl+s", "enter")
        await settle(app, pilot)
    person = services.persons.by_id_number(number)
    (enrolment,) = rows(services.engine, Enrolment, person_id=person.id)
    assert (enrolment.category, enrolment.coverage_start, enrolment.waiting_months) == (
        "employee_lapse", date(2025, 3, 1), 0
    )
    (declared,) = rows(services.engine, AuditLog, action="enrolment.history_declared")
    assert declared.after["declared"]["other_scheme_exit_on"] == "2025-01-20"
    assert declared.after["declared"]["basic_insurance_years_continuous"] == 3


@pytest.mark.parametrize("policy_id", ["shanyin-2025"])
async def test_shanyin_has_no_repair_of_the_variable_period(app, services) -> None:  # type: ignore[no-untyped-def]
    """山阴 三(二)1: 3 + 2 lapsed years = 5 months; a repaid year changes nothing (no repair
    clause). Paid 2024-10-15 in the 集中缴费期 → waiting 2025-01 … 2025-05, benefits from 2025-06-01."""
    person = services.persons.register(
        name="刘七", id_number=id_number(date(1979, 9, 9), 6), hukou_region="140621"
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *person.id_number)
        await settle(app, pilot)
        app.screen.query_one("#hist-previous").focus()
        await _choose_previous_year(pilot, 2)
        await pilot.press("tab", "2", "tab", "1")
        await settle(app, pilot)
        quote = _text(app, "#reg-quote")
        assert "等待期 5个月 三(二)1" in quote and "待遇享受期 2025-06-01 至 2025-12-31" in quote
        await _type_reason(app, pilot)
        await pilot.press(*"500", "ctrl+s")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")
        await settle(app, pilot)
    (enrolment,) = rows(services.engine, Enrolment, person_id=person.id)
    assert (enrolment.waiting_months, enrolment.coverage_start) == (5, date(2025, 6, 1))
    (declared,) = rows(services.engine, AuditLog, action="enrolment.history_declared")
    assert declared.after["waiting"]["repaired_months"] == 0


@pytest.mark.parametrize(
    ("previous_down", "typed", "field", "words"),
    [
        (2, {"hist-lapsed": "51"}, "hist-lapsed", "0至50"),  # more than allowed
        (2, {"hist-lapsed": ""}, "hist-lapsed", "至少为1年"),  # 未参保 with no lapse
        (1, {"hist-lapsed": "2"}, "hist-lapsed", "应为0"),  # 已参保 yet lapsed
        (2, {"hist-lapsed": "1", "hist-repaid": "3"}, "hist-repaid", "不能多于"),
        (2, {"hist-lapsed": "1", "hist-continuous": "3"}, "hist-continuous", "重新计算"),
    ],
)
async def test_a_refused_declaration_writes_nothing(  # type: ignore[no-untyped-def]
    app, services, family, previous_down, typed, field, words
) -> None:
    before = _written(services)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *family.head_number)
        await settle(app, pilot)
        app.screen.query_one("#hist-previous").focus()
        await _choose_previous_year(pilot, previous_down)
        for widget_id, value in typed.items():
            app.screen.query_one(f"#{widget_id}").focus()
            await pilot.press("backspace", *value)  # the value is selected on focus: replace it
        await settle(app, pilot)
        assert words in _text(app, "#hist-hint") and words in app.status[0]
        assert app.screen.query_one("#reg-quote").has_class("-stale")  # the old quote says it is old
        app.screen.query_one("#reg-received").focus()
        await pilot.press(*"400", "ctrl+s")  # 收款 is refused: the message again, focus on the field
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmModal)
        assert app.focused.id == field and words in app.status[0]
    assert _written(services) == before
    assert services.payments.paid_for(family.head_id) is None


async def test_minus_signs_and_letters_cannot_be_typed(app, family) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *family.head_number)
        await settle(app, pilot)
        app.screen.query_one("#hist-lapsed").focus()
        await pilot.press("backspace", "-", "1", "a", "x")
        assert app.screen.query_one("#hist-lapsed").value == "1"


async def test_a_stop_date_that_is_not_a_date_stops_the_payment(app, services, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set_local(2025, 2, 10)
    number = id_number(date(1991, 1, 1), 8)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *number)
        await settle(app, pilot)
        await pilot.press("tab", *"孙八")
        app.screen.query_one("#reg-category").focus()
        await pilot.press("enter", "down", "down", "enter")
        app.screen.query_one("#hist-exit").focus()
        await pilot.press(*"20250120")
        await pilot.press("ctrl+s")  # 登记 with the stop date
        await settle(app, pilot)
        assert "2025-03-01" in _text(app, "#reg-quote")
        app.screen.query_one("#hist-exit").focus()
        await pilot.press("backspace", *"20251301")  # no 13th month
        app.screen.query_one("#reg-received").focus()
        await pilot.press(*"400", "ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmModal)
        assert app.focused.id == "hist-exit" and "不是有效日期" in app.status[0]
    person = services.persons.by_id_number(number)
    assert services.payments.paid_for(person.id) is None
    assert rows(services.engine, AuditLog, action="enrolment.history_declared") == []
    assert [a for a, _ in audit_actions(services.engine, person_id=person.id)] == [
        "person.register", "enrolment.register"
    ]


async def test_a_new_person_after_one_on_file_starts_from_a_clean_history(app, services, family) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *family.head_number)
        await settle(app, pilot)
        app.screen.query_one("#hist-lapsed").focus()
        await pilot.press("backspace", "3")
        id_input = app.screen.query_one("#reg-id")
        id_input.focus()
        id_input.value = ""
        await pilot.press(*id_number(date(1986, 6, 6), 2))
        await settle(app, pilot)
        assert app.focused.id == "reg-id"
        assert app.screen.query_one("#hist-lapsed").value == "0"
        assert app.screen.query_one("#hist-previous").value == "registry"


async def test_history_from_imported_lists_needs_no_declaration(app, services, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The 2022 list has 周九, the 2023 and 2024 lists do not: lapsed 2 years, derived and shown
    with its source. 四(二)4(8): 3 + 2 = 5 months from 2024-12-31 → covered from 2025-06-01;
    the payment needs no declaration and no reason."""
    number = id_number(date(1966, 6, 6), 8)
    other = id_number(date(1967, 7, 7), 9)
    for year, line in (
        (2022, f"{number},周九,2022,普通居民,2021-10-15,320"),
        (2023, f"{other},吴十,2023,普通居民,2022-10-15,350"),
        (2024, f"{other},吴十,2024,普通居民,2023-10-15,380"),
    ):
        path = tmp_path / f"名单{year}.csv"
        path.write_text("身份证号码,姓名,年度,参保类别,缴费日期,缴费金额\n" + line + "\n", encoding="utf-8")
        assert services.imports.enrolments(path, year=year).problems == []
    person = services.persons.by_id_number(number)
    services.persons.update(person.id, hukou_region="611023")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *number)
        await settle(app, pilot)
        assert "已断保2年" in _text(app, "#hist-known") and "来自导入名单" in _text(app, "#hist-known")
        years = _text(app, "#hist-years")
        assert "2024年度  断保" in years and "2022年度  已参保  导入名单 名单2022.csv 第 2 行" in years
        assert app.screen.query_one("#hist-lapsed").value == "2"  # prefilled from the lists
        quote = _text(app, "#reg-quote")
        assert "等待期 5个月" in quote and "待遇享受期 2025-06-01 至 2025-12-31" in quote
        app.screen.query_one("#reg-received").focus()
        await pilot.press(*"400", "ctrl+s")
        assert isinstance(app.screen, ConfirmModal)  # no reason asked: nothing is declared
        await pilot.press("enter")
        await settle(app, pilot)
    (enrolment,) = rows(services.engine, Enrolment, person_id=person.id)
    assert (enrolment.waiting_months, enrolment.coverage_start) == (5, date(2025, 6, 1))
    assert rows(services.engine, AuditLog, action="enrolment.history_declared") == []
