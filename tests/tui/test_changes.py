"""F9 修改审核: a reviewer decides what a laptop proposed, through sign-in; a 经办 is refused.

The proposals come from a real trip: the hall exports an outreach bundle, the laptop
corrects two persons, its sync bundle is imported, and the hall holds two change requests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.outreach.helpers import (
    PASSPHRASE,
    Clock,
    export_and_open,
    local_noon,
    register,
    services_for,
)
from tests.signin import PIN, signed_in
from tests.tui.conftest import SIZE, settle
from tests.tui.reading import shown, table_text
from tui.app import YibaoApp
from tui.modals.confirm import ConfirmModal
from tui.screens.home import HomeScreen
from tui.workflows.changes.screen import ChangesScreen
from yibao.models import AuditLog, Person
from yibao.outreach.sync import export_sync, import_sync
from yibao.policy import load_policy
from yibao.services.signin import SignInGate


@dataclass
class Hall:
    engine: object
    gate: SignInGate
    people: dict[str, str]  # name → person id


@pytest.fixture
def hall(registry_url: str, tmp_path: Path) -> Hall:
    clock = Clock(local_noon(date(2024, 10, 8)))
    clerk = services_for(registry_url, "王大厅", clock)
    people = {name: register(clerk, name, seq).id for name, seq in (("张甲", 11), ("李乙", 12))}
    trip = export_and_open(clerk, f"sqlite:///{tmp_path / 'laptop.db'}", tmp_path, clock)
    trip.laptop.persons.update(people["张甲"], name="张家")  # the team corrected the name …
    trip.laptop.persons.update(people["李乙"], address="商南县富水镇西岭村3组")  # … and an address
    sent = export_sync(trip.laptop.engine, to=tmp_path / "back.yibao", actor=trip.laptop.actor,
                       now=clock(), passphrase=PASSPHRASE)
    report = import_sync(clerk.engine, sent.path, actor=clerk.actor, now=clock(), passphrase=PASSPHRASE)
    assert len(report.proposed) == 2
    signed_in(clerk.engine, clerk.device, "赵审核", role="supervisor", now=clock())
    gate = SignInGate(clerk.engine, load_policy("shangnan-2025"), clerk.device, clock)
    return Hall(clerk.engine, gate, people)


def _app(hall: Hall, tmp_path: Path, name: str) -> YibaoApp:
    return YibaoApp(gate=hall.gate, receipts_dir=tmp_path / "receipts", signin_name=name)


async def _sign_in(app, pilot) -> None:  # type: ignore[no-untyped-def]
    app.screen.query_one("#signin-password").focus()
    await pilot.press(*PIN, "enter")
    await settle(app, pilot)
    assert isinstance(app.screen, HomeScreen)


def _person(hall: Hall, name: str) -> Person:
    with Session(hall.engine) as session:  # type: ignore[arg-type]
        row = session.get(Person, hall.people[name])
        assert row is not None
        return row


def _actions(hall: Hall) -> list[tuple[str, str, str]]:
    with Session(hall.engine) as session:  # type: ignore[arg-type]
        rows = session.exec(select(AuditLog).where(  # type: ignore[call-overload]
            AuditLog.action.startswith("change_request.") | (AuditLog.action == "auth.refused")  # type: ignore[attr-defined]
        ))
        return sorted(
            (a.action if a.action != "auth.refused" else f"auth.refused:{(a.after or {}).get('attempted')}",
             a.clerk_name or "", a.outcome)
            for a in rows
        )


async def test_a_clerk_sees_the_proposals_but_the_service_refuses_the_decision(hall, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = _app(hall, tmp_path, "王大厅")
    async with app.run_test(size=SIZE) as pilot:
        await _sign_in(app, pilot)
        await pilot.press("f9")
        await settle(app, pilot)
        assert isinstance(app.screen, ChangesScreen)
        listed = table_text(app.screen.query_one("#cr-table"))
        assert "张甲" in listed and "李乙" in listed and "待审核" in listed
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, ChangesScreen)
        # The shared role check's message, as for every other 审核-only operation.
        assert "只有审核人员可以采纳外出设备提议的修改" in shown(app.screen.query_one("#cr-message"))
        assert "只有审核人员可以采纳外出设备提议的修改" in app.status[0]
    assert _person(hall, "张甲").name == "张甲"  # nothing written
    assert ("auth.refused:change_request.accept", "王大厅", "refused") in _actions(hall)
    assert not any(a[0] in {"change_request.accept", "change_request.reject"} for a in _actions(hall))


async def test_a_reviewer_accepts_one_and_rejects_the_other_with_a_reason(hall, tmp_path) -> None:  # type: ignore[no-untyped-def]
    app = _app(hall, tmp_path, "赵审核")
    async with app.run_test(size=SIZE) as pilot:
        await _sign_in(app, pilot)
        await pilot.press("f9")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ChangesScreen)
        assert len(screen.requests) == 2
        at = [r.person_id for r in screen.requests].index(hall.people["张甲"])
        await pilot.press(*["down"] * at)  # the cursor onto 张甲's proposal; the detail follows it
        assert "姓名：张甲 → 张家" in shown(screen.query_one("#cr-detail"))
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ConfirmModal)
        assert "张甲 → 张家" in shown(app.screen.query_one("#confirm-body"))
        await pilot.press("enter")
        await settle(app, pilot)
        assert "已采纳" in shown(screen.query_one("#cr-message"))
        assert [r.person_id for r in screen.requests] == [hall.people["李乙"]]
        assert "西岭村3组" in shown(screen.query_one("#cr-detail"))

        await pilot.press("ctrl+n")  # no reason typed yet
        await settle(app, pilot)
        assert "驳回须写明理由" in shown(screen.query_one("#cr-message"))
        assert app.focused is screen.query_one("#cr-note")
        assert len(screen.requests) == 1  # still waiting
        await pilot.press(*"与户口簿不符", "ctrl+n")
        await settle(app, pilot)
        assert "已驳回" in shown(screen.query_one("#cr-message")) and "已驳回" in app.status[0]
        assert "与户口簿不符" in shown(screen.query_one("#cr-message"))
        assert screen.requests == []
        assert "没有待审核的提议修改" in shown(screen.query_one("#cr-summary"))
    assert _person(hall, "张甲").name == "张家"
    assert _person(hall, "李乙").address == "商南县富水镇东岭村"  # the hall's value stays
    actions = _actions(hall)
    assert ("change_request.accept", "赵审核", "done") in actions
    assert ("change_request.reject", "赵审核", "done") in actions


@pytest.fixture
def moved(registry_url: str, tmp_path: Path) -> Hall:
    """The laptop puts 李乙 into 张甲's household (户号 6110230001, head 张甲) as his wife,
    and corrects that household's address."""
    clock = Clock(local_noon(date(2024, 10, 8)))
    clerk = services_for(registry_url, "王大厅", clock)
    people = {name: register(clerk, name, seq).id for name, seq in (("张甲", 11), ("李乙", 12))}
    home = clerk.persons.create_household(number="6110230001", address="商南县富水镇东岭村1组")
    clerk.persons.join_household(people["张甲"], household_id=home.id, relation_to_head="02")
    trip = export_and_open(clerk, f"sqlite:///{tmp_path / 'laptop.db'}", tmp_path, clock)
    trip.laptop.persons.join_household(people["李乙"], household_id=home.id, relation_to_head="12")
    with Session(trip.laptop.engine) as session:  # type: ignore[arg-type]
        from yibao.models import Household

        row = session.get(Household, home.id)
        assert row is not None
        row.address = "商南县富水镇东岭村2组"
        session.add(row)
        session.commit()
    sent = export_sync(trip.laptop.engine, to=tmp_path / "back.yibao", actor=trip.laptop.actor,
                       now=clock(), passphrase=PASSPHRASE)
    report = import_sync(clerk.engine, sent.path, actor=clerk.actor, now=clock(), passphrase=PASSPHRASE)
    assert len(report.proposed) == 2, report.render()
    assert home.id not in report.render() and home.id[:8] not in report.render()
    signed_in(clerk.engine, clerk.device, "赵审核", role="supervisor", now=clock())
    gate = SignInGate(clerk.engine, load_policy("shangnan-2025"), clerk.device, clock)
    people["household"] = home.id
    return Hall(clerk.engine, gate, people)


async def test_household_proposals_name_the_household_and_its_head_never_a_row_id(moved, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.outreach.helpers import id_number
    from yibao.idnumbers import mask

    home = moved.people["household"]
    head = f"户号 6110230001（户主 张甲 {mask(id_number(11))}）"  # 张甲 registered with sequence 11
    app = _app(moved, tmp_path, "赵审核")
    async with app.run_test(size=SIZE) as pilot:
        await _sign_in(app, pilot)
        await pilot.press("f9")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, ChangesScreen)
        listed = table_text(screen.query_one("#cr-table"))
        details = []
        for _ in screen.requests:
            details.append(shown(screen.query_one("#cr-detail")))
            await pilot.press("down")
        seen = listed + "\n".join(details)
        assert home not in seen and home[:8] not in seen, seen
        assert id_number(11) not in seen and id_number(12) not in seen  # masked only
        assert f"家庭户：（空） → {head}" in seen  # 李乙 joins 张甲's household …
        assert "与户主关系：（空） → 妻" in seen  # … as 妻 (GB/T 4761 code 12), not "12"
        assert f"{head}：地址：商南县富水镇东岭村1组 → 商南县富水镇东岭村2组" in seen
