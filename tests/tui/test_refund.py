"""F5 退费受理 end to end (商南: refunds before the benefit period starts, 五(四))."""

from __future__ import annotations

from datetime import date

import pytest

from tests.tui.conftest import SIZE, settle
from tests.tui.reading import shown, table_text
from tui.modals.confirm import ConfirmModal
from tui.workflows.refund.screen import RefundScreen


def _text(app, selector: str) -> str:  # type: ignore[no-untyped-def]
    return shown(app.screen.query_one(selector))


def _pay(services, person_id: str):  # type: ignore[no-untyped-def]
    return services.enrolment.enrol_and_pay(person_id, channel="cash", received_fen=40000)



def _taken_in(services, family):  # type: ignore[no-untyped-def]
    """A paid child's payment and the refund request a clerk took in for it (重复缴费)."""
    receipt = _pay(services, family.child_id)
    return receipt, services.refunds.intake(receipt.payment.id, reason="duplicate", confirmed=True)

async def test_refund_taken_in_before_benefit_start(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """商南 五(四): a refund asked before 2025-01-01 is taken in until 2024-12-31.

    Finding 7: the registry holds one payment only for 张小明 2025, so 重复缴费 is not
    准予办理 outright: the clerk must see the other payment's papers and confirm.
    """
    receipt = _pay(services, family.child_id)
    child = services.persons.get(family.child_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")
        assert isinstance(app.screen, RefundScreen)
        await pilot.press(*child.id_number, "enter")
        await settle(app, pilot)
        assert "张小明" in _text(app, "#rf-query-info")
        assert app.focused.id == "rf-payments"
        await pilot.press("enter")  # this payment → 退费原因
        assert app.focused.id == "rf-reason"
        await pilot.press("enter", "down", "enter")  # 待遇享受期前重复缴费
        await settle(app, pilot)
        decision = _text(app, "#rf-decision")
        assert "需人工核实" in decision and "2024-12-31（含）前" in decision
        assert "只有这一笔缴费" in decision
        assert "五(四)" in decision and "原缴费地医保经办机构" in decision
        await pilot.press("ctrl+s")  # papers not ticked yet: refused by the form, says which
        assert not isinstance(app.screen, ConfirmModal)
        assert "材料未收齐" in app.status[0]
        assert app.focused.id == "rf-evidence"
        await pilot.press("space", "down", "space", "down", "space")
        await pilot.press("tab", *"张建国", "tab", *"13800000000", "tab", *"另一笔在线上缴费")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ConfirmModal)
        assert "确认即表示已核实" in shown(app.screen.query_one("#confirm-body"))
        await pilot.press("enter")
        await settle(app, pilot)
        result = _text(app, "#rf-result")
        assert "已受理退费申请" in result and "受理" in result
    [request] = services.refunds.requests()
    assert (request.state, request.state_label, request.reason) == ("received", "受理", "duplicate")
    assert request.reason_label == "重复缴费"  # the case view's 原因 column, not the code
    assert (request.receipt_no, request.amount_fen) == (receipt.receipt_no, 40000)
    assert request.deadline == date(2024, 12, 31) and request.approver == "原缴费地医保经办机构"
    assert "两笔缴费的凭证或税务缴费记录" in request.evidence
    assert request.reason_note == "另一笔在线上缴费"
    assert [t.to_label for t in request.transitions] == ["受理"]
    actions = [a.action for a in services.persons.case(family.child_id).history]
    assert "refund.intake" in actions


async def test_tab_order_does_not_move_when_the_papers_arrive(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """Finding 7: the clerk picks the reason and Tabs on at once, before the rules answer;
    the checklist is always in the Tab order, so the name lands in 申请人, the phone in 联系电话."""
    _pay(services, family.child_id)
    child = services.persons.get(family.child_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5", *child.id_number, "enter")
        await settle(app, pilot)
        await pilot.press("enter", "enter", "down", "enter")  # reason chosen; no waiting
        await pilot.press("tab", "tab", *"张建国", "tab", *"13800000000")
        await settle(app, pilot)
        assert app.screen.query_one("#rf-applicant").value == "张建国"
        assert app.screen.query_one("#rf-phone").value == "13800000000"


async def test_a_payment_in_sync_conflict_shows_its_label(app, services, family, engine) -> None:  # type: ignore[no-untyped-def]
    """Finding 7: the status column reads 重复缴费待处理, not a code cut to ``conflic``."""
    import sqlalchemy as sa

    receipt = _pay(services, family.child_id)
    with engine.begin() as connection:  # what sync import does to a duplicate from a laptop
        connection.execute(sa.text("UPDATE payment SET status = 'conflict' WHERE id = :id"),
                           {"id": receipt.payment.id})
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5", *receipt.receipt_no, "enter")
        await settle(app, pilot)
        rows = table_text(app.screen.query_one("#rf-payments"))
        assert "重复缴费待处理" in rows and "conflic" not in rows


async def test_future_death_date_is_refused(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """Finding 7: a death date after today (2024-10-15) is said wrong, and nothing is taken in."""
    _pay(services, family.child_id)
    child = services.persons.get(family.child_id)
    codes = [o.code for o in services.refunds.reason_options()]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5", *child.id_number, "enter")
        await settle(app, pilot)
        await pilot.press("enter", "enter", *(["down"] * (codes.index("died") + 1)), "enter")
        await settle(app, pilot)
        assert app.screen.query_one("#rf-died-row").display
        await pilot.press("tab", *"20241231")
        await settle(app, pilot)
        assert "晚于今天" in _text(app, "#rf-died-info")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmModal)
        assert "晚于今天" in app.status[0]
        app.screen.query_one("#rf-died").value = " "  # a space typed over the date: as if empty
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert not isinstance(app.screen, ConfirmModal)
        assert "None" not in app.status[0]  # was 死亡日期：None
    assert services.refunds.requests() == []


async def test_refund_after_benefit_start_is_refused(app, services, family, clock) -> None:  # type: ignore[no-untyped-def]
    receipt = _pay(services, family.child_id)
    clock.set_local(2025, 1, 6)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5", *receipt.receipt_no, "enter")
        await settle(app, pilot)
        await pilot.press("enter", "enter", "down", "enter")
        await settle(app, pilot)
        decision = _text(app, "#rf-decision")
        assert "不予办理" in decision and "个人缴费不再退回" in decision and "五(四)" in decision
        assert "不予受理" in _text(app, "#rf-step")
        await pilot.press("ctrl+s")
        assert not isinstance(app.screen, ConfirmModal)
    assert services.refunds.requests() == []


async def test_supervisor_reviews_from_the_case_views_refund_tab(services, supervisor_services, family, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Finding 1: Enter on the case view's 退费 tab opens the review, through to 已退费."""
    from tui.app import YibaoApp
    from tui.workflows.case.screen import CaseScreen
    from tui.workflows.refund.review import RefundReviewModal

    clerk_services = services
    # A clerk takes the intake; the supervisor, who did not (maker-checker), reviews it.
    receipt = _pay(clerk_services, family.child_id)
    request = clerk_services.refunds.intake(receipt.payment.id, reason="duplicate", confirmed=True)
    services = supervisor_services
    app = YibaoApp(services=services, receipts_dir=tmp_path / "receipts")
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(CaseScreen(family.child_id))
        await settle(app, pilot)
        await pilot.press("5")  # 退费 page
        await pilot.press("enter")  # the request under the cursor
        await settle(app, pilot)
        assert isinstance(app.screen, RefundReviewModal)
        assert "当前状态 受理" in _text(app, "#rr-summary")
        await pilot.press("enter", "down", "enter", "ctrl+s")  # 受理 → 审核中, chosen
        await settle(app, pilot)
        assert "当前状态 审核中" in _text(app, "#rr-summary")
        await pilot.press("enter", "down", "enter", "tab", *"材料齐全同意退费", "ctrl+s")  # → 已批准
        await settle(app, pilot)
        assert "当前状态 已批准" in _text(app, "#rr-summary")
        await pilot.press("enter", "down", "enter", "ctrl+s")  # → 已退费, asked first
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "已办结" in _text(app, "#rr-message")
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        assert "已退费" in table_text(app.screen.query_one("#case-refunds"))  # reloaded
    done = services.refunds.get(request.id)
    assert [t.to_label for t in done.transitions] == ["受理", "审核中", "已批准", "已退费"]
    assert done.decision_note == "材料齐全同意退费"
    assert services.payments.for_person(family.child_id)[0].status == "refunded"


async def test_the_review_note_typed_in_one_burst_with_ctrl_s_is_kept(services, supervisor_services, family, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A walk (晋城, at today's date): Tab, the note and Ctrl+S typed at once approved with no
    note: Ctrl+S ran at once, before the note's characters had reached the field."""
    from tests.tui.conftest import burst
    from tui.app import YibaoApp
    from tui.workflows.case.screen import CaseScreen
    from tui.workflows.refund.review import RefundReviewModal

    receipt, request = _taken_in(services, family)
    app = YibaoApp(services=supervisor_services, receipts_dir=tmp_path / "receipts")
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(CaseScreen(family.child_id))
        await settle(app, pilot)
        await pilot.press("5", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RefundReviewModal)
        await pilot.press("enter", "down", "enter", "ctrl+s")  # → 审核中
        await settle(app, pilot)
        burst(app, "enter", "down", "enter", "tab", *"材料齐全同意退费", "ctrl+s")  # → 已批准
        await settle(app, pilot)
        assert "当前状态 已批准" in _text(app, "#rr-summary")
    assert supervisor_services.refunds.get(request.id).decision_note == "材料齐全同意退费"


async def test_supervisor_reviews_from_the_command_palette(supervisor_services, family, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Finding 1: Ctrl+P “退费审核” lists the open requests; Enter reviews one."""
    from textual.command import CommandPalette

    from tui.app import YibaoApp
    from tui.workflows.refund.queue import RefundQueueScreen
    from tui.workflows.refund.review import RefundReviewModal

    services = supervisor_services
    receipt, request = _taken_in(services, family)
    app = YibaoApp(services=services, receipts_dir=tmp_path / "receipts")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+p", *"退费审核")
        await settle(app, pilot)
        assert isinstance(app.screen, CommandPalette)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RefundQueueScreen)
        assert "张小明" in table_text(app.screen.query_one("#rq-table"))
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RefundReviewModal)
        await pilot.press("enter", "down", "enter", "ctrl+s")  # → 审核中
        await settle(app, pilot)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, RefundQueueScreen)
        assert "审核中" in table_text(app.screen.query_one("#rq-table"))
    assert services.refunds.get(request.id).state == "reviewing"


async def test_clerk_cannot_approve(app, services, family) -> None:  # type: ignore[no-untyped-def]
    from tui.workflows.refund.review import RefundReviewModal

    receipt, request = _taken_in(services, family)
    services.refunds.start_review(request.id)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(RefundReviewModal(request.id))
        await settle(app, pilot)
        await pilot.press("enter", "down", "enter", "ctrl+s")  # → 已批准
        await settle(app, pilot)
        assert "审核人员" in _text(app, "#rr-message")
    assert services.refunds.get(request.id).state == "reviewing"


async def test_repeated_ctrl_s_moves_nothing_that_was_not_chosen(services, supervisor_services, family, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A supervisor pressing Ctrl+S again and again on a 受理 request: no step is chosen
    for them, so the request stays 受理 and the desk asks for the step."""
    from tui.app import YibaoApp
    from tui.workflows.case.screen import CaseScreen
    from tui.workflows.refund.review import RefundReviewModal

    receipt, request = _taken_in(services, family)
    app = YibaoApp(services=supervisor_services, receipts_dir=tmp_path / "receipts")
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(CaseScreen(family.child_id))
        await settle(app, pilot)
        await pilot.press("5", "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RefundReviewModal)
        for _ in range(6):
            await pilot.press("ctrl+s")
            await settle(app, pilot)
        assert "请选择下一步" in _text(app, "#rr-message")
        assert "当前状态 受理" in _text(app, "#rr-summary")
    assert supervisor_services.refunds.get(request.id).state == "received"
    assert receipt.receipt_no and services.payments.for_person(family.child_id)[0].status == "paid"


async def test_each_step_is_chosen_and_the_payout_is_confirmed_by_name_and_amount(services, supervisor_services, family, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Step by step: after each move nothing is chosen for the next one; 已退费 asks a
    confirmation naming the step and the amount, which Ctrl+S does not answer (a repeated
    Ctrl+S is not a deliberate choice); Enter on 确认 pays out."""
    from tui.app import YibaoApp
    from tui.workflows.refund.review import RefundReviewModal

    receipt, request = _taken_in(services, family)
    app = YibaoApp(services=supervisor_services, receipts_dir=tmp_path / "receipts")
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(RefundReviewModal(request.id))
        await settle(app, pilot)
        await pilot.press("enter", "down", "enter", "ctrl+s", "ctrl+s")  # 审核中, then Ctrl+S again
        await settle(app, pilot)
        assert "当前状态 审核中" in _text(app, "#rr-summary")
        assert supervisor_services.refunds.get(request.id).state == "reviewing"
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "请选择下一步" in _text(app, "#rr-message")
        await pilot.press("enter", "down", "enter", "tab", *"材料齐全", "ctrl+s")  # 已批准
        await settle(app, pilot)
        assert "当前状态 已批准" in _text(app, "#rr-summary")
        await pilot.press("ctrl+s", "ctrl+s")
        await settle(app, pilot)
        assert supervisor_services.refunds.get(request.id).state == "approved"
        await pilot.press("enter", "down", "enter", "ctrl+s")  # 已退费 chosen
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)
        body = shown(app.screen.query_one("#confirm-body"))
        assert "已退费" in body and "400.00" in body and receipt.receipt_no in body
        await pilot.press("ctrl+s", "ctrl+s")  # not an answer to this question
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)
        assert supervisor_services.refunds.get(request.id).state == "approved"
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RefundReviewModal)
        assert "已办结" in _text(app, "#rr-message")
    done = supervisor_services.refunds.get(request.id)
    assert [t.to_label for t in done.transitions] == ["受理", "审核中", "已批准", "已退费"]
    assert services.payments.for_person(family.child_id)[0].status == "refunded"


async def test_the_payout_confirmation_cancelled_pays_nothing(services, supervisor_services, family, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tui.app import YibaoApp
    from tui.workflows.refund.review import RefundReviewModal

    receipt, request = _taken_in(services, family)
    services.refunds.start_review(request.id)
    supervisor_services.refunds.approve(request.id)
    app = YibaoApp(services=supervisor_services, receipts_dir=tmp_path / "receipts")
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(RefundReviewModal(request.id))
        await settle(app, pilot)
        await pilot.press("enter", "down", "enter", "ctrl+s")
        await settle(app, pilot)
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, RefundReviewModal)
        assert "未退费" in _text(app, "#rr-message")
    assert supervisor_services.refunds.get(request.id).state == "approved"
    assert receipt.receipt_no and services.payments.for_person(family.child_id)[0].status == "paid"


@pytest.fixture
def fixed_app(engine, clock, tmp_path):  # type: ignore[no-untyped-def]
    """Like ``app`` but with a fixed device prefix, so receipt numbers are stable in snapshots."""
    from tui.app import YibaoApp
    from yibao.config import ensure_clerk, ensure_device
    from yibao.policy import load_policy
    from yibao.services import Services

    device = ensure_device(engine, name="测试窗口", prefix="SN01", now=clock())
    clerk = ensure_clerk(engine, name="王芳", device=device, now=clock())
    services = Services(engine, load_policy("shangnan-2025"), clerk, device, clock)
    return YibaoApp(services=services, receipts_dir=tmp_path / "receipts")


class TestRefundSnapshots:
    def test_accepted_decision(self, snap_compare, fixed_app, clock) -> None:  # type: ignore[no-untyped-def]
        from tests.tui.conftest import id_number

        services = fixed_app.services
        child = services.persons.register(name="张小明", id_number=id_number(date(2015, 9, 9), 33), hukou_region="611023")
        _pay(services, child.id)

        async def fill(pilot) -> None:  # type: ignore[no-untyped-def]
            await pilot.press("f5", *child.id_number, "enter")
            await settle(pilot.app, pilot)
            await pilot.press("enter", "enter", "down", "enter")
            await settle(pilot.app, pilot)
            await pilot.press("tab", "space")

        assert snap_compare(fixed_app, run_before=fill, terminal_size=SIZE)

    def test_refused_after_benefit_start(self, snap_compare, fixed_app, clock) -> None:  # type: ignore[no-untyped-def]
        from tests.tui.conftest import id_number

        services = fixed_app.services
        child = services.persons.register(name="张小明", id_number=id_number(date(2015, 9, 9), 33), hukou_region="611023")
        receipt = _pay(services, child.id)
        clock.set_local(2025, 1, 6)

        async def fill(pilot) -> None:  # type: ignore[no-untyped-def]
            await pilot.press("f5", *receipt.receipt_no, "enter")
            await settle(pilot.app, pilot)
            await pilot.press("enter", "enter", "down", "enter")
            await settle(pilot.app, pilot)

        assert snap_compare(fixed_app, run_before=fill, terminal_size=SIZE)


async def test_f5_from_the_case_view_lists_that_persons_payments(app, services, family) -> None:  # type: ignore[no-untyped-def]
    from tui.workflows.case.screen import CaseScreen

    receipt = _pay(services, family.child_id)
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(CaseScreen(family.child_id))
        await settle(app, pilot)
        await pilot.press("f5")
        await settle(app, pilot)
        assert isinstance(app.screen, RefundScreen)
        assert "张小明" in _text(app, "#rf-query-info")
        assert list(app.screen.payments) == [receipt.payment.id]


@pytest.fixture
def jincheng_app(engine, clock, tmp_path):  # type: ignore[no-untyped-def]
    from tui.app import YibaoApp
    from yibao.config import ensure_clerk, ensure_device
    from yibao.policy import load_policy
    from yibao.services import Services

    clock.set_local(2023, 10, 16)
    device = ensure_device(engine, name="测试窗口", now=clock())
    clerk = ensure_clerk(engine, name="王芳", device=device, now=clock())
    services = Services(engine, load_policy("jincheng-2024"), clerk, device, clock)
    return YibaoApp(services=services, receipts_dir=tmp_path / "receipts")


async def test_silent_document_needs_the_clerks_confirmation(jincheng_app) -> None:  # type: ignore[no-untyped-def]
    """晋城's document says nothing on refunds: the rules answer 需人工核实; the clerk confirms."""
    from yibao.idgen import codes_for_year, make_id_number

    app = jincheng_app
    services = app.services
    number = make_id_number(codes_for_year("140502", 1980)[0], date(1980, 1, 1), 5)
    person = services.persons.register(name="李明", id_number=number, hukou_region="140502")
    receipt = services.enrolment.enrol_and_pay(person.id, channel="bank", confirmed=True)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5", *number, "enter")
        await settle(app, pilot)
        await pilot.press("enter", "enter", "down", "enter")  # 重复缴费
        await settle(app, pilot)
        decision = _text(app, "#rf-decision")
        assert "需人工核实" in decision and "文件未作规定" in decision
        assert "需人工核实" in _text(app, "#rf-step")
        await pilot.press("tab", "space", "down", "space", "ctrl+s")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")
        await settle(app, pilot)
    [request] = services.refunds.requests()
    assert (request.receipt_no, request.state, request.deadline) == (receipt.receipt_no, "received", None)


async def test_f5_offers_a_subsidy_settlement_and_takes_it_in(app, services, supervisor_services, family, clock) -> None:  # type: ignore[no-untyped-def]
    """商南 三(一)(b): 张建国 paid 400 元 in full (2024-10-15) with no identity marked; 民政
    recognised him as 低保 on 2024-11-05 (before 2024-12-31), marked on 2024-11-20. 二(二):
    低保 定额资助 240 元, so 240 − 0 = 240 元 is owed back. F5 says so, with the clause, and
    the clerk takes it in; the supervisor's review takes it to 已退费."""
    receipt = services.enrolment.enrol_and_pay(family.head_id, channel="bank")
    assert receipt.payment.amount_fen == 40000 and receipt.payment.subsidy_fen == 0
    clock.set_local(2024, 11, 20)
    services.persons.add_identity(family.head_id, code="minimum_living", department="民政",
                                  recognised_on=date(2024, 11, 5), valid_from=date(2024, 11, 5))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5")
        await pilot.press(*family.head_number, "enter")
        await settle(app, pilot)
        step = _text(app, "#rf-step")
        assert "应落实资助政策" in step and "应退资助差额 240.00 元" in step and "三(一)" in step
        assert app.screen.query_one("#rf-reason").value == "subsidy_settlement"
        decision = _text(app, "#rf-decision")
        assert "240.00 元" in decision and "三(一)" in decision
        # [refunds] evidence (缴费人有效身份证件, 缴费凭证或税务缴费记录) and the settlement's own
        # (民政或农业农村部门的身份认定证明): three papers to tick.
        await pilot.press("ctrl+s")
        assert "材料未收齐" in app.status[0] and app.focused.id == "rf-evidence"
        await pilot.press("space", "down", "space", "down", "space", "ctrl+s")
        assert isinstance(app.screen, ConfirmModal), app.status
        assert "退费金额 240.00 元" in shown(app.screen.query_one("#confirm-body"))
        await pilot.press("enter")
        await settle(app, pilot)
        assert "已受理退费申请" in _text(app, "#rf-result")
    [request] = services.refunds.requests()
    assert (request.reason, request.amount_fen, request.state) == ("subsidy_settlement", 24000, "received")
    supervisor_services.refunds.start_review(request.id)
    supervisor_services.refunds.approve(request.id, note="民政认定证明已核")
    assert supervisor_services.refunds.mark_refunded(request.id).state == "refunded"
    assert services.refunds.offers(family.head_id) == []  # settled once


async def test_tab_out_of_the_receipt_number_looks_it_up(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """The clerk types the receipt number and presses Tab, as in F2 and F4: the payment is
    found (before, only Enter looked up and Tab left an empty list)."""
    receipt = _pay(services, family.child_id)
    asked: list[object] = []
    payments = services.refunds.payments

    def counted(**kwargs):  # type: ignore[no-untyped-def]
        asked.append(kwargs)
        return payments(**kwargs)

    services.refunds.payments = counted
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5", *receipt.receipt_no, "tab")
        await settle(app, pilot)
        assert "张小明" in _text(app, "#rf-query-info")
        assert receipt.receipt_no in table_text(app.screen.query_one("#rf-payments"))
        assert app.focused.id == "rf-payments"
        await pilot.press("shift+tab", "tab")  # back and out again: not looked up twice
        await settle(app, pilot)
        assert asked == [{"query": receipt.receipt_no}]


async def test_papers_ticked_in_one_burst_before_a_tab_stay_ticked(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """A walk of F5 (晋城): Tab, Space, Down, Space, Tab and the applicant's name typed at once
    ticked no paper (Ctrl+S then said 材料未收齐): the list ticked whatever was highlighted
    when its own message came round (the second line, twice), and a Space still queued when
    the Tab had moved on was looked up on the next field."""
    from tests.tui.conftest import burst

    _pay(services, family.child_id)
    child = services.persons.get(family.child_id)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f5", *child.id_number, "enter")
        await settle(app, pilot)
        await pilot.press("enter", "enter", "down", "enter")  # this payment, 待遇享受期前重复缴费
        await settle(app, pilot)
        evidence = app.screen.query_one("#rf-evidence")
        papers = [evidence.get_option_at_index(i).value for i in range(evidence.option_count)]
        assert len(papers) >= 2
        burst(app, "tab", "space", "down", "space", "tab", *"张建国")
        await settle(app, pilot)
        assert list(evidence.selected) == papers[:2]
        assert app.focused.id == "rf-applicant"
        assert app.screen.query_one("#rf-applicant").value == "张建国"


async def test_a_refusal_in_the_review_goes_once_the_choice_changes(services, supervisor_services, family, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Walk finding: 驳回 without a reason is refused; the supervisor then chose 已批准 and
    the red "须填写驳回理由" stayed under it, speaking of a choice no longer made."""
    from tui.app import YibaoApp
    from tui.workflows.refund.review import RefundReviewModal

    receipt, request = _taken_in(services, family)
    services.refunds.start_review(request.id)
    app = YibaoApp(services=supervisor_services, receipts_dir=tmp_path / "receipts")
    async with app.run_test(size=SIZE) as pilot:
        await app.push_screen(RefundReviewModal(request.id))
        await settle(app, pilot)
        await pilot.press("enter", "down", "down", "enter", "ctrl+s")  # 已驳回, no reason
        await settle(app, pilot)
        assert "驳回理由" in _text(app, "#rr-message")
        assert supervisor_services.refunds.get(request.id).state == "reviewing"
        await pilot.press("shift+tab", "enter", "up", "enter")  # 已批准 instead
        await settle(app, pilot)
        assert "驳回理由" not in _text(app, "#rr-message")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert supervisor_services.refunds.get(request.id).state == "approved"
