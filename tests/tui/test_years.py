"""Benefit years in the desk: at 2026-12-01 the activated 2027 file is the year F2 collects
for; with two years open (眉山, 2024-10-15) F2 offers 办理年度 and the header follows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from textual.widgets import Select

from tests.notice import fill_notice
from tests.tui.conftest import SIZE, id_number, settle
from tui.app import YibaoApp
from tui.modals.confirm import ConfirmModal
from tui.widgets.year_choice import YearChoice
from tui.workflows.newborn.screen import NewbornScreen
from tui.workflows.registration.screen import RegistrationScreen
from yibao.config import ensure_clerk
from yibao.models import Role
from yibao.policy import load_policy
from yibao.policy.authoring import confirm, make_draft
from yibao.resources import policies_dir
from yibao.services import Services


def _activate(services, clock, tmp_path: Path, policy_id: str, year: int, *, day: str) -> None:  # type: ignore[no-untyped-def]
    """Draft from ``policy_id``, the notice's date typed and every entry confirmed (the
    test's act; the figures stay the source file's), activated by a supervisor."""
    key = policy_id.rsplit("-", 1)[0]
    target = tmp_path / f"{key}-{year}.toml"
    text = fill_notice(make_draft(policies_dir() / f"{policy_id}.toml", year=year), day=day)
    target.write_text(text, encoding="utf-8")
    target.write_text(confirm(target, everything=True, no_number=True).text, encoding="utf-8")
    boss = ensure_clerk(services.engine, name="李主任", device=services.device, role=Role.SUPERVISOR, now=clock())
    Services(services.engine, load_policy(policy_id), boss, services.device, clock).years.activate(target)


def _desk(services, clock, policy_id: str, tmp_path: Path) -> tuple[YibaoApp, Services]:  # type: ignore[no-untyped-def]
    desk = Services(services.engine, load_policy(policy_id), services.clerk, services.device, clock)
    desk.coverage = desk.years.settle()
    return YibaoApp(services=desk, receipts_dir=tmp_path / "receipts"), desk


async def test_2027_paid_in_f2_at_2026_12_01(services, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    clock.set_local(2026, 12, 1)
    _activate(services, clock, tmp_path, "shangnan-2025", 2027, day="2026-09-20")
    app, desk = _desk(services, clock, "shangnan-2025", tmp_path)
    number = id_number(date(1980, 1, 1), 1)
    async with app.run_test(size=SIZE) as pilot:
        assert app.info.benefit_year == 2027 and not app.info.draft
        await pilot.press("f2")
        assert isinstance(app.screen, RegistrationScreen)
        await settle(app, pilot)
        assert not app.screen.query_one(YearChoice).display  # one year open: nothing to choose
        await pilot.press(*number)
        await settle(app, pilot)
        await pilot.press("tab", *"李四")  # the focus stays in the ID number until the clerk moves on
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press(*"400")
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")
        await settle(app, pilot)
    person = desk.persons.by_id_number(number)
    payment = desk.payments.paid_for(person.id)
    # 商南 一(三) carried into 2027 unconfirmed-then-confirmed: 每人每年400元 = 40000 fen.
    assert payment is not None and payment.benefit_year == 2027 and payment.amount_fen == 40000


async def test_two_years_open_the_clerk_chooses(services, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # 眉山 2024 (benefit 2024-01-01 to 2024-12-31) and 2025 (centralized from 2024-09-01).
    clock.set_local(2024, 10, 15)
    _activate(services, clock, tmp_path, "meishan-2024", 2025, day="2024-08-20")
    app, desk = _desk(services, clock, "meishan-2024", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        assert app.info.benefit_year == 2025  # the default: its centralized period runs
        await pilot.press("f2")
        await settle(app, pilot)
        choice = app.screen.query_one(YearChoice)
        assert choice.display
        select = choice.query_one(Select)
        assert select.value == 2025
        select.value = 2024
        await settle(app, pilot)
        assert desk.benefit_year == 2024 and app.info.benefit_year == 2024
        assert "2024年度" in app.status[0]


async def test_f3_offers_both_years_for_a_newborn_and_works_in_the_one_chosen(services, clock, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # 眉山 2024 (benefit 2024-01-01 to 2024-12-31) and 2025 (its centralized period from
    # 2024-09-01, 二(二)1 moved a year): on 2024-10-15 a baby may be enrolled for either.
    # The default is 2025, whose centralized period is running.
    clock.set_local(2024, 10, 15)
    _activate(services, clock, tmp_path, "meishan-2024", 2025, day="2024-08-20")
    app, desk = _desk(services, clock, "meishan-2024", tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await settle(app, pilot)
        assert isinstance(app.screen, NewbornScreen)
        choice = app.screen.query_one(YearChoice)
        assert choice.display
        select = choice.query_one(Select)
        assert select.value == 2025
        assert [value for _label, value in select._options if value is not Select.NULL] == [2025, 2024]
        select.value = 2024
        await settle(app, pilot)
        assert desk.benefit_year == 2024 and desk.policy.id == "meishan-2024"
        assert app.info.benefit_year == 2024 and "2024年度" in app.status[0]
