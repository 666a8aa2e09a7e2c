"""F2 with a printer: the receipt PDF goes to ``lp``; a failing printer loses no payment."""

from __future__ import annotations

import contextlib
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


async def _payment_done(app: YibaoApp, pilot) -> None:  # type: ignore[no-untyped-def]
    """Every worker but the receipts' printing has finished and its message is handled."""
    from textual.worker import WorkerCancelled, WorkerFailed

    for worker in [w for w in app.workers if w.name != "print-receipts"]:
        with contextlib.suppress(WorkerCancelled, WorkerFailed):
            await worker.wait()
    await pilot.pause()


@pytest.mark.receipt_pdfs  # end to end with the real PDF; the others here are about the printer
async def test_a_configured_printer_gets_the_80mm_pdf(services, tmp_path: Path, lp: FakeLp) -> None:  # type: ignore[no-untyped-def]
    app = YibaoApp(services=services, receipts_dir=tmp_path / "receipts", printer="HALL-1")
    number = id_number(date(1980, 1, 1), 1)
    await _pay_new_person(app, number)
    payment = services.payments.paid_for(services.persons.by_id_number(number).id)
    pdf = tmp_path / "receipts" / f"{payment.receipt_no}.pdf"
    assert lp.calls() == [["-d", "HALL-1", str(pdf.resolve())]]
    assert pdf.read_bytes()[:5] == b"%PDF-"
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


async def test_the_receipt_shows_before_its_pdfs_are_written(  # type: ignore[no-untyped-def]
    services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The payment's worker saves the text receipt and posts; the PDFs (a second or so for
    the CJK font) are written by a worker of their own, which then posts its outcome."""
    import threading

    from textual.worker import get_current_worker

    from tests.tui.reading import shown
    from yibao.printing import receipt as printing

    gate, writers = threading.Event(), []
    real = printing.write_receipt_pdfs

    def slow(content, directory):  # type: ignore[no-untyped-def]
        writers.append(get_current_worker().name)
        gate.wait(10)  # released below once the receipt is on screen (a cap, for the old code)
        return real(content, directory)

    monkeypatch.setattr(printing, "write_receipt_pdfs", slow)
    app = YibaoApp(services=services, receipts_dir=tmp_path / "receipts")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *id_number(date(1980, 1, 1), 5))
        await settle(app, pilot)
        await pilot.press("tab", *"李四", "ctrl+s")
        await settle(app, pilot)
        await pilot.press(*"400", "ctrl+s", "enter")  # 确认收款
        await _payment_done(app, pilot)
        result, status = shown(app.screen.query_one("#reg-result")), app.status
        gate.set()
        await settle(app, pilot)
        after = shown(app.screen.query_one("#reg-result"))
    assert writers == ["print-receipts"]  # not the payment's worker
    assert "已收款" in result and "正在生成 PDF 收据" in result
    assert "收款成功" in status[0] and "正在生成 PDF 收据" in status[0]
    no = services.payments.paid_for(services.persons.by_id_number(id_number(date(1980, 1, 1), 5)).id).receipt_no
    assert (tmp_path / "receipts" / f"{no}.pdf").is_file() and f"{no}.pdf" in after
    assert app.status[0].endswith("收据已保存（文本和 PDF）。")


async def test_a_printer_failure_after_the_clerk_moved_on_is_still_said(  # type: ignore[no-untyped-def]
    services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """F2 for the next person while the printer is still being asked: its failure comes to
    the status line of the desk, not to the screen that is gone."""
    import threading

    from yibao.printing import receipt as printing

    install_lp(tmp_path / "bin", monkeypatch, exit_code=1, stderr="lp: The printer or class does not exist.")
    gate = threading.Event()
    real = printing.write_receipt_pdfs

    def slow(content, directory):  # type: ignore[no-untyped-def]
        gate.wait(10)
        return real(content, directory)

    monkeypatch.setattr(printing, "write_receipt_pdfs", slow)
    app = YibaoApp(services=services, receipts_dir=tmp_path / "receipts", printer="NOSUCH")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *id_number(date(1980, 1, 1), 6))
        await settle(app, pilot)
        await pilot.press("tab", *"李四", "ctrl+s")
        await settle(app, pilot)
        await pilot.press(*"400", "ctrl+s", "enter")
        await _payment_done(app, pilot)
        first = app.screen
        await pilot.press("f2")  # the next person
        assert app.screen is not first
        gate.set()
        await settle(app, pilot)
        assert app.status[1] == "warning" and "没有名为 NOSUCH 的打印机" in app.status[0]
