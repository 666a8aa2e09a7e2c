"""F2 with a printer: the receipt PDF goes to ``lp``; a failing printer loses no payment."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.fakelp import FakeLp, install_lp
from tests.tui.conftest import SIZE, id_number, settle
from tui.app import YibaoApp
from tui.modals.confirm import ConfirmModal


async def _pay_new_person(app: YibaoApp, number: str) -> None:
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *number)
        await settle(app, pilot)
        await pilot.press("tab", *"李四")
        await pilot.press("ctrl+s")  # 登记 + 核定
        await settle(app, pilot)
        await pilot.press(*"400", "ctrl+s")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")
        await settle(app, pilot)


async def test_a_configured_printer_gets_the_80mm_pdf(services, tmp_path: Path, lp: FakeLp) -> None:  # type: ignore[no-untyped-def]
    app = YibaoApp(services=services, receipts_dir=tmp_path / "receipts", printer="HALL-1")
    number = id_number(date(1980, 1, 1), 1)
    await _pay_new_person(app, number)
    payment = services.payments.paid_for(services.persons.by_id_number(number).id)
    pdf = tmp_path / "receipts" / f"{payment.receipt_no}.pdf"
    assert lp.calls() == [["-d", "HALL-1", str(pdf.resolve())]]
    assert app.status[1] == "information" and "已送打印机 HALL-1" in app.status[0]


async def test_a_missing_printer_is_on_the_status_line_and_the_payment_is_kept(  # type: ignore[no-untyped-def]
    services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    install_lp(tmp_path / "bin", monkeypatch, exit_code=1, stderr="lp: The printer or class does not exist.")
    app = YibaoApp(services=services, receipts_dir=tmp_path / "receipts", printer="NOSUCH")
    number = id_number(date(1980, 1, 1), 2)
    await _pay_new_person(app, number)
    payment = services.payments.paid_for(services.persons.by_id_number(number).id)
    assert payment is not None and payment.amount_fen == 40_000  # 每人每年400元, stored
    assert app.status[1] == "warning" and "没有名为 NOSUCH 的打印机" in app.status[0]
    assert (tmp_path / "receipts" / f"{payment.receipt_no}.pdf").is_file()


async def test_no_printer_configured_sends_nothing(services, tmp_path: Path, lp: FakeLp) -> None:  # type: ignore[no-untyped-def]
    app = YibaoApp(services=services, receipts_dir=tmp_path / "receipts")
    await _pay_new_person(app, id_number(date(1980, 1, 1), 3))
    assert lp.calls() == []
    assert "收据已保存" in app.status[0] and "打印机" not in app.status[0]


async def test_the_registry_setting_of_this_device_is_used(services, clock, tmp_path: Path, lp: FakeLp) -> None:  # type: ignore[no-untyped-def]
    from tests.signin import signed_in
    from yibao.config import set_registry_printer
    from yibao.models import Role

    admin = signed_in(services.engine, services.device, "赵管理", role=Role.ADMIN, now=clock())
    set_registry_printer(services.engine, "窗口1", admin, device=services.device, now=clock())
    app = YibaoApp(services=services, receipts_dir=tmp_path / "receipts")
    await _pay_new_person(app, id_number(date(1980, 1, 1), 4))
    assert [call[:2] for call in lp.calls()] == [["-d", "窗口1"]]
