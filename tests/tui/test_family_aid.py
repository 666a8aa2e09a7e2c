"""F4 家庭共济缴费 end to end (商南, 2024-10-15, inside the centralized period)."""

from __future__ import annotations

from datetime import date

from tests.tui.conftest import SIZE, id_number, settle
from tests.tui.reading import shown
from tui.modals.confirm import ConfirmModal
from tui.workflows.family_aid.screen import FamilyAidScreen


def _text(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    return shown(app.screen.query_one(selector))


async def _bind(app, pilot, number: str, relation_downs: int, evidence_downs: int) -> None:  # type: ignore[no-untyped-def]
    """Type the relative's ID number, pick relation and evidence by keyboard, Ctrl+B."""
    await pilot.press(*number, "tab")
    await pilot.press("enter", *["down"] * relation_downs, "enter", "tab")
    await pilot.press("enter", *["down"] * evidence_downs, "enter")
    await pilot.press("ctrl+b")
    await settle(app, pilot)


async def test_employee_binds_two_relatives_and_pays_both(app, services, family, tmp_path) -> None:  # type: ignore[no-untyped-def]
    services.persons.update(family.head_id, employee_insured=True)
    spouse = services.persons.get(family.spouse_id)
    child = services.persons.get(family.child_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        assert isinstance(app.screen, FamilyAidScreen)
        await pilot.press(*family.head_number)
        await settle(app, pilot)
        assert "张建国" in _text(app, "#fa-payer-info") and "职工医保参保" in _text(app, "#fa-payer-info")
        assert app.focused.id == "fa-payer"  # the lookup leaves the clerk where they are
        await pilot.press("tab", "tab")  # past the empty list to the bind fields
        await _bind(app, pilot, spouse.id_number, 1, 2)  # 配偶, 结婚证
        # 商南's document says nothing on 家庭共济: the clerk confirms after checking.
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "李秀英" in _text(app, "#fa-step")
        assert app.focused.id == "fa-relatives"
        await pilot.press("tab")
        await _bind(app, pilot, child.id_number, 3, 1)  # 子女, 户口簿
        await pilot.press("enter")
        await settle(app, pilot)
        total = _text(app, "#fa-total")
        assert "已勾选 2 人" in total and "800.00 元" in total
        assert "需人工核实" in _text(app, "#fa-decision") and "文件未作规定" in _text(app, "#fa-decision")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")
        await settle(app, pilot)
        result = _text(app, "#fa-result")
        assert "已代缴 2 人" in result
        # The list re-read after paying marks both 本年度已缴费; the panel under the receipts
        # must not then say 不予办理 about a relative just paid for.
        assert "本年度已缴费" in str(app.screen.query_one("#fa-relatives").get_option_at_index(0).prompt)
        assert "不予办理" not in _text(app, "#fa-decision")
    bindings = services.family_aid.bindings(family.head_id)
    assert {(b.relative_name, b.relation, b.evidence) for b in bindings} == {
        ("李秀英", "spouse", "结婚证"), ("张小明", "child", "户口簿"),
    }
    for relative_id in (family.spouse_id, family.child_id):
        payment = services.payments.paid_for(relative_id)
        assert payment is not None
        assert (payment.channel, payment.payer_person_id, payment.amount_fen) == (
            "family_account", family.head_id, 40000,
        )
        assert (tmp_path / "receipts" / f"{payment.receipt_no}.txt").is_file()
        assert payment.receipt_no in result
    actions = [a.action for a in services.persons.case(family.head_id).history]
    assert actions.count("family.bind") == 2
    assert "family.pay" in [a.action for a in services.persons.case(family.child_id).history]


async def test_a_payer_on_file_outside_employee_insurance_is_asked_for_the_proof(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """张建国 is on file, not in 职工医保: the bind asks which 职工医保 proof was checked
    (the name on file is not retyped), then the clerk's confirmation; until then, and when
    the clerk says no, nothing is written."""
    child = services.persons.get(family.child_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4", *family.head_number)
        await settle(app, pilot)
        assert "未参加职工医保" in _text(app, "#fa-payer-info")
        assert app.screen.query_one("#fa-payer-name").value == "张建国"
        await pilot.press("tab")  # the name on file is skipped
        assert app.focused.id == "fa-payer-proof"
        await pilot.press("tab", "tab")  # past the empty list to the bind fields
        await _bind(app, pilot, child.id_number, 3, 1)
        assert not isinstance(app.screen, ConfirmModal)
        assert "职工医保参保凭证" in app.status[0] and app.focused.id == "fa-payer-proof"
        await pilot.press("enter", "down", "down", "enter", "ctrl+b")  # 职工医保参保凭证
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)
        body = shown(app.screen.query_one("#confirm-body"))
        assert "登记库中此人登记为未参加职工医保" in body and "商南政办发〔2024〕57号（文件未作规定）" in body
        assert "已查验张建国的职工医保参保凭证" in body
        await pilot.press("escape")  # not seen after all
        await settle(app, pilot)
        assert app.status[0] == "未绑定。"
        await pilot.press("ctrl+s")  # nothing to pay
        assert not isinstance(app.screen, ConfirmModal)
    assert services.family_aid.bindings(family.head_id) == []
    assert not services.persons.get(family.head_id).employee_insured
    assert "family.bind" not in [a.action for a in services.persons.case(family.head_id).history]


class TestFamilyAidSnapshots:
    """Two relatives bound and ticked, the answer for the last one shown (商南, 2024-10-15)."""

    def test_two_relatives_ticked(self, snap_compare, app, services, family, clock) -> None:  # type: ignore[no-untyped-def]
        from datetime import timedelta

        services.persons.update(family.head_id, employee_insured=True)
        spouse = services.persons.get(family.spouse_id)
        child = services.persons.get(family.child_id)

        async def fill(pilot) -> None:  # type: ignore[no-untyped-def]
            app = pilot.app
            await pilot.press("f4", *family.head_number)
            await settle(app, pilot)
            await pilot.press("tab", "tab")
            await _bind(app, pilot, spouse.id_number, 1, 2)
            await pilot.press("enter")
            await settle(app, pilot)
            clock.moment += timedelta(minutes=1)  # a stable order in the list
            await pilot.press("tab")
            await _bind(app, pilot, child.id_number, 3, 1)
            await pilot.press("enter")
            await settle(app, pilot)

        assert snap_compare(app, run_before=fill, terminal_size=SIZE)

    def test_payer_not_employee_asked_for_the_proof(self, snap_compare, app, services, family) -> None:  # type: ignore[no-untyped-def]
        child = services.persons.get(family.child_id)

        async def fill(pilot) -> None:  # type: ignore[no-untyped-def]
            await pilot.press("f4", *family.head_number)
            await settle(pilot.app, pilot)
            await pilot.press("tab", "tab", "tab")
            await _bind(pilot.app, pilot, child.id_number, 3, 1)

        assert snap_compare(app, run_before=fill, terminal_size=SIZE)


async def test_f4_from_the_case_view_opens_the_payer(app, services, family) -> None:  # type: ignore[no-untyped-def]
    from tui.workflows.case.screen import CaseScreen

    services.persons.update(family.head_id, employee_insured=True)
    services.family_aid.bind(
        payer_person_id=family.head_id, relative_person_id=family.spouse_id, relation="spouse",
        evidence="结婚证", confirmed=True,
    )
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(CaseScreen(family.head_id))
        await settle(app, pilot)
        await pilot.press("f4")
        await settle(app, pilot)
        assert isinstance(app.screen, FamilyAidScreen)
        assert "张建国" in _text(app, "#fa-payer-info")
        assert list(app.screen.views) == [family.spouse_id]
        assert app.focused.id == "fa-relatives"
        await pilot.press("space", "ctrl+s", "enter")
        await settle(app, pilot)
        assert "已代缴 1 人" in _text(app, "#fa-result")
    assert services.payments.paid_for(family.spouse_id).payer_person_id == family.head_id


async def test_a_second_ctrl_s_while_paying_does_not_ask_again(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """Finding 6: Ctrl+S pressed twice on the confirmation pays once; no second confirmation,
    no red 不予办理 above the receipts."""
    services.persons.update(family.head_id, employee_insured=True)
    spouse = services.persons.get(family.spouse_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4", *family.head_number)
        await settle(app, pilot)
        await pilot.press("tab", "tab")
        await _bind(app, pilot, spouse.id_number, 1, 2)  # 配偶, 结婚证
        await pilot.press("enter")  # the document is silent on 家庭共济: checked, confirmed
        await settle(app, pilot)
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("ctrl+s", "ctrl+s")  # confirm, then the habit of pressing again
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmModal)
        assert "不予办理" not in _text(app, "#fa-step")
        assert "已代缴 1 人" in _text(app, "#fa-result")
    assert len([p for p in services.payments.for_person(family.spouse_id) if p.status == "paid"]) == 1


async def test_a_parent_younger_than_the_payer_is_asked_before_binding(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """李秀英 (born 1972-06-01) chosen as 张建国's (1970-03-08) 父母: the registry's dates
    contradict the word; the clerk is asked (with both dates) and may correct the relation."""
    services.persons.update(family.head_id, employee_insured=True)
    spouse = services.persons.get(family.spouse_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4", *family.head_number)
        await settle(app, pilot)
        await pilot.press("tab", "tab")
        await _bind(app, pilot, spouse.id_number, 2, 2)  # 父母, 结婚证
        assert isinstance(app.screen, ConfirmModal)
        body = shown(app.screen.query_one("#confirm-body"))
        assert "与“父母”不符" in body and "1972-06-01" in body and "1970-03-08" in body
        assert "请核对户口簿" in body
        await pilot.press("escape")  # not so: the clerk picks the right relation
        await settle(app, pilot)
        assert app.status[0] == "未绑定。"
    assert services.family_aid.bindings(family.head_id) == []


async def _register_at_f2(app, pilot, number: str, name: str) -> None:  # type: ignore[no-untyped-def]
    """参保登记 at F2 without paying (the relative pays through 家庭共济), then back home."""
    await pilot.press("f2", *number)
    await settle(app, pilot)
    await pilot.press("tab", *name, "ctrl+s")
    await settle(app, pilot)
    await pilot.press("escape")
    await settle(app, pilot)


async def test_a_payer_the_registry_does_not_know_is_recorded_by_the_bind(app, services, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A registry built at the desk alone: F2 refuses anyone in 职工医保, so the payer is on
    file nowhere. F4 asks for the name and the 职工医保 proof checked, records the payer with
    the first binding after the clerk's confirmation, and pays for both relatives."""
    from tests.ids import with_wrong_check_digit
    from tests.tui.conftest import id_number

    payer_number = id_number(date(1970, 3, 8), 11)
    spouse_number, child_number = id_number(date(1972, 6, 1), 22), id_number(date(2015, 9, 9), 33)
    async with app.run_test(size=SIZE) as pilot:
        await _register_at_f2(app, pilot, spouse_number, "李秀英")
        await _register_at_f2(app, pilot, child_number, "张小明")
        await pilot.press("f4", *with_wrong_check_digit(payer_number))  # a wrong number first
        await settle(app, pilot)
        assert "校验码" in _text(app, "#fa-payer-info")
        assert not app.screen.query_one("#fa-payer-check").display
        await pilot.press("backspace", payer_number[-1])
        await settle(app, pilot)
        assert "登记库中没有此人" in _text(app, "#fa-payer-info")
        assert app.focused.id == "fa-payer"
        await pilot.press("tab")
        assert app.focused.id == "fa-payer-name"
        await pilot.press(*"张建国", "tab")
        assert app.focused.id == "fa-payer-proof"
        await pilot.press("enter", "down", "enter")  # 医保电子凭证
        await pilot.press("tab", "tab")  # past the empty list to the relative's number
        assert app.focused.id == "fa-relative"
        await _bind(app, pilot, spouse_number, 1, 2)  # 配偶, 结婚证
        assert isinstance(app.screen, ConfirmModal)
        body = shown(app.screen.query_one("#confirm-body"))
        assert "登记库中尚无此人" in body and "文件未规定如何核实缴费人参加职工医保" in body
        assert "已查验张建国的医保电子凭证" in body
        assert services.persons.by_id_number(payer_number) is None  # asked: nothing written yet
        await pilot.press("enter")
        await settle(app, pilot)
        assert "职工医保参保（查验医保电子凭证）" in _text(app, "#fa-payer-info")
        assert not app.screen.query_one("#fa-payer-check").display
        await pilot.press("tab")
        await _bind(app, pilot, child_number, 3, 1)  # 子女, 户口簿
        await pilot.press("enter")  # 商南 is silent on 家庭共济: checked, confirmed
        await settle(app, pilot)
        assert "已勾选 2 人" in _text(app, "#fa-total")
        await pilot.press("ctrl+s", "enter")
        await settle(app, pilot)
        result = _text(app, "#fa-result")
        assert "已代缴 2 人" in result
    payer = services.persons.by_id_number(payer_number)
    assert payer is not None and payer.name == "张建国" and payer.employee_insured
    for number in (spouse_number, child_number):
        relative = services.persons.by_id_number(number)
        payment = services.payments.paid_for(relative.id)
        # 商南 一(三): 个人缴费标准 400 元 a year; neither has a subsidy identity.
        assert (payment.channel, payment.payer_person_id, payment.amount_fen) == (
            "family_account", payer.id, 40000,
        )
        assert (tmp_path / "receipts" / f"{payment.receipt_no}.txt").is_file()
    actions = [a.action for a in services.persons.case(payer.id).history]
    assert actions[:2] == ["person.register", "family.bind"]


async def test_a_burst_typed_into_the_empty_list_reaches_the_relative_number_whole(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """One Tab after the payer, nobody bound: a card reader's 18 keys at once land in 亲属身份证号
    in order (the list forwarded only the first before, the rest were lost)."""
    from tests.tui.conftest import burst

    services.persons.update(family.head_id, employee_insured=True)
    spouse = services.persons.get(family.spouse_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4", *family.head_number)
        await settle(app, pilot)
        await pilot.press("tab")
        burst(app, *spouse.id_number)
        await settle(app, pilot)
        assert app.focused.id == "fa-relative"
        assert app.screen.query_one("#fa-relative").value == spouse.id_number


async def test_a_relative_without_a_place_on_file_is_sent_to_f2(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """Walk finding: a relative known only from a department list (no 户籍地) is refused in F4,
    which has no place field; the step line said 勾选后按 Ctrl+S 缴费 as for anyone."""
    services.persons.update(family.head_id, employee_insured=True)
    number = id_number(date(1956, 11, 2), 44)
    services.persons.register(name="李建国", id_number=number)  # as a department list leaves him
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4", *family.head_number)
        await settle(app, pilot)
        await pilot.press("tab", "tab")
        await _bind(app, pilot, number, 2, 1)  # 父母, 户口簿
        await pilot.press("enter")  # 商南 is silent on 家庭共济: the clerk confirms
        await settle(app, pilot)
        step = _text(app, "#fa-step")
        assert "李建国在登记库中没有户籍地" in step and "F2" in step
        assert "勾选后按 Ctrl+S 缴费" not in step


async def test_back_from_f2_the_relatives_are_assessed_again(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """Walk finding: the relative's 户籍地 filled in at F2, Esc back to F4 still showed her
    不予办理; the list is re-read when F4 comes back."""
    services.persons.update(family.head_id, employee_insured=True)
    number = id_number(date(1968, 1, 30), 62)
    relative = services.persons.register(name="陈玉梅", id_number=number)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4", *family.head_number)
        await settle(app, pilot)
        await pilot.press("tab", "tab")
        await _bind(app, pilot, number, 4, 1)  # 兄弟姐妹, 户口簿
        await pilot.press("enter")
        await settle(app, pilot)
        assert "不予办理" in str(app.screen.query_one("#fa-relatives").get_option_at_index(0).prompt)
        services.persons.update(relative.id, hukou_region="611023")  # what F2 does meanwhile
        await pilot.press("f2")
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, FamilyAidScreen)
        prompt = str(app.screen.query_one("#fa-relatives").get_option_at_index(0).prompt)
        # 商南 一(三): 400 元 a person; she holds no subsidised identity → 400.00 代缴
        assert "400.00" in prompt and "不予办理" not in prompt


async def test_a_relative_already_paid_for_is_not_told_to_be_ticked(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """Walk finding (山阴 demo): binding a spouse who has paid this year said 勾选后按 Ctrl+S 缴费
    although the list marks her 本年度已缴费 and she cannot be ticked."""
    services.persons.update(family.head_id, employee_insured=True)
    spouse = services.persons.get(family.spouse_id)
    services.enrolment.enrol_and_pay(family.spouse_id, channel="bank")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4", *family.head_number)
        await settle(app, pilot)
        await pilot.press("tab", "tab")
        await _bind(app, pilot, spouse.id_number, 1, 2)  # 配偶, 结婚证
        await pilot.press("enter")  # 商南 is silent on 家庭共济: the clerk confirms
        await settle(app, pilot)
        step = _text(app, "#fa-step")
        assert "李秀英本年度已缴费，无需代缴" in step and "勾选后按 Ctrl+S 缴费" not in step


async def test_digits_typed_in_the_list_of_relatives_go_to_the_relative_number(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """A walk: one relative bound, the focus on the list, the clerk types the next relative's
    number: the digits vanished in the list (only an empty list passed them on). Space still
    ticks the relative highlighted."""
    from tests.tui.conftest import burst

    services.persons.update(family.head_id, employee_insured=True)
    spouse = services.persons.get(family.spouse_id)
    child = services.persons.get(family.child_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4", *family.head_number)
        await settle(app, pilot)
        await pilot.press("tab", "tab")
        await _bind(app, pilot, spouse.id_number, 1, 2)  # 配偶, 结婚证
        if isinstance(app.screen, ConfirmModal):  # 商南's document is silent: the clerk confirms
            await pilot.press("enter")
            await settle(app, pilot)
        relatives = app.screen.query_one("#fa-relatives")
        assert app.focused is relatives and relatives.option_count == 1
        burst(app, *child.id_number)
        await settle(app, pilot)
        assert app.focused.id == "fa-relative"
        assert app.screen.query_one("#fa-relative").value == child.id_number
        relatives.focus()
        before = set(relatives.selected)
        await pilot.press("space")
        await settle(app, pilot)
        assert set(relatives.selected) ^ before == {family.spouse_id}  # ticked or unticked


async def test_a_select_opened_and_chosen_in_one_burst_keeps_the_choice(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """A walk: Enter, Down, Down, Enter typed at once on 与缴费人关系 left it 请选择 (the
    Downs and the Enter reached the Select before its list had the focus). The list opens
    on 请选择 (blank), so two Downs choose the second relation, as typed slowly (``_bind``:
    1 Down is 配偶, 2 are 父母); the same for 已核验材料 (2 Downs: 结婚证)."""
    from tests.tui.conftest import burst

    services.persons.update(family.head_id, employee_insured=True)
    spouse = services.persons.get(family.spouse_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4", *family.head_number)
        await settle(app, pilot)
        await pilot.press("tab", "tab", *spouse.id_number, "tab")
        await settle(app, pilot)
        assert app.focused.id == "fa-relation"
        burst(app, "enter", "down", "down", "enter")
        await settle(app, pilot)
        assert app.screen.query_one("#fa-relation").value == "parent"
        assert app.focused.id == "fa-relation"
        burst(app, "tab", "enter", "down", "down", "enter")
        await settle(app, pilot)
        assert app.screen.query_one("#fa-evidence").value == "结婚证"
        assert app.focused.id == "fa-evidence"
        # And Ctrl+B typed in the same burst binds with the evidence just chosen (it ran
        # before the choice had reached the Select, and was refused for want of it).
        burst(app, "enter", "up", "enter", "ctrl+b")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)  # 商南 is silent on 家庭共济: the clerk confirms
        await pilot.press("enter")
        await settle(app, pilot)
    (binding,) = services.family_aid.bindings(family.head_id)
    assert (binding.relative_name, binding.relation, binding.evidence) == ("李秀英", "parent", "户口簿")


async def test_f2_sent_to_from_f4_opens_the_relative_without_a_place(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """F4 sends the clerk to F2 to fill a relative's 户籍地: F2 opens that relative (the ID
    number was left empty, to be typed again); the place filled, Esc is back in F4 with the
    relative assessed again."""
    from tui.workflows.registration.screen import RegistrationScreen

    services.persons.update(family.head_id, employee_insured=True)
    number = id_number(date(1956, 11, 2), 44)
    relative = services.persons.register(name="李建国", id_number=number)  # as a department list leaves him
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4", *family.head_number)
        await settle(app, pilot)
        await pilot.press("tab", "tab")
        await _bind(app, pilot, number, 2, 1)  # 父母, 户口簿
        await pilot.press("enter")
        await settle(app, pilot)
        assert "F2" in _text(app, "#fa-step")
        await pilot.press("f2")
        await settle(app, pilot)
        assert isinstance(app.screen, RegistrationScreen)
        assert app.screen.query_one("#reg-id").value == number
        assert app.screen.query_one("#reg-name").value == "李建国"
        assert app.screen.person_id == relative.id
        assert app.focused.id == "reg-hukou"  # the field the step line asks for
        await pilot.press("ctrl+u", *"611023", "ctrl+s")
        await settle(app, pilot)
        assert services.persons.get(relative.id).hukou_region == "611023"
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, FamilyAidScreen)
        prompt = str(app.screen.query_one("#fa-relatives").get_option_at_index(0).prompt)
        assert "不予办理" not in prompt
        await pilot.press("f3")  # another workflow from F4 is not opened for that relative
        await settle(app, pilot)
        assert getattr(app.screen, "person_id", None) is None


async def test_a_down_and_space_typed_before_the_relatives_arrive_are_kept(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """The payer's number, Tab, Down, Space typed at once (a card reader, then the clerk's
    habit): the Down and the Space reached the list while it was still empty, waiting for
    the payer's relatives, and were lost (the first relative stayed highlighted, none ticked)."""
    from tests.tui.conftest import burst

    services.persons.update(family.head_id, employee_insured=True)
    for relative_id, relation in ((family.spouse_id, "spouse"), (family.child_id, "child")):
        services.family_aid.bind(payer_person_id=family.head_id, relative_person_id=relative_id,
                                 relation=relation, evidence="户口簿", confirmed=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4")
        await settle(app, pilot)
        burst(app, *family.head_number, "tab", "down", "space")
        await settle(app, pilot)
        relatives = app.screen.query_one("#fa-relatives")
        assert app.focused is relatives and relatives.option_count == 2
        second = relatives.get_option_at_index(1).value
        assert relatives.highlighted == 1
        assert list(relatives.selected) == [second]
        assert app.screen.query_one("#fa-relative").value == ""  # the Space did not land there
