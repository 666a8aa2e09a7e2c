"""F4 家庭共济缴费 end to end (商南, 2024-10-15, inside the centralized period)."""

from __future__ import annotations

from tests.tui.conftest import SIZE, settle
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


async def test_payer_not_employee_insured_is_refused_with_clause(app, services, family) -> None:  # type: ignore[no-untyped-def]
    child = services.persons.get(family.child_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f4", *family.head_number)
        await settle(app, pilot)
        assert "未参加职工医保" in _text(app, "#fa-payer-info")
        await pilot.press("tab", "tab")  # past the empty list to the bind fields
        await _bind(app, pilot, child.id_number, 3, 1)
        assert not isinstance(app.screen, ConfirmModal)
        decision = _text(app, "#fa-decision")
        assert "不予办理" in decision and "缴费人未参加职工医保" in decision
        assert "商南政办发〔2024〕57号" in decision
        assert "不予绑定" in _text(app, "#fa-step")
        await pilot.press("ctrl+s")  # nothing to pay
        assert not isinstance(app.screen, ConfirmModal)
    assert services.family_aid.bindings(family.head_id) == []
    refused = [a for a in services.persons.case(family.head_id).history if a.action == "family.bind"]
    assert refused and refused[-1].outcome == "refused"


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

    def test_refusal_payer_not_employee(self, snap_compare, app, services, family) -> None:  # type: ignore[no-untyped-def]
        child = services.persons.get(family.child_id)

        async def fill(pilot) -> None:  # type: ignore[no-untyped-def]
            await pilot.press("f4", *family.head_number)
            await settle(pilot.app, pilot)
            await pilot.press("tab", "tab")
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
