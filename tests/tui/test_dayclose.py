"""F8 现金日结 at the desk: today's totals, Ctrl+S closes the cash and saves the sheet."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from tests.outreach.helpers import pay_cash, register
from tests.tui.conftest import SIZE, settle
from tui.app import YibaoApp
from tui.modals.confirm import ConfirmModal
from tui.workflows.dayclose.screen import DayCloseScreen


async def test_f8_shows_the_day_closes_it_and_saves_pdf_and_xlsx(services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    pay_cash(services, register(services, "甲", 11).id, 40_000)
    pay_cash(services, register(services, "乙", 12).id, 38_000)
    app = YibaoApp(services=services, receipts_dir=tmp_path / "receipts")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")
        await settle(app, pilot)
        assert isinstance(app.screen, DayCloseScreen)
        shown = str(app.screen.query_one("#dc-summary").render())
        assert "现金：2 张，780.00" in shown  # 400.00 + 380.00
        assert "未日结" in shown
        await pilot.press("ctrl+s")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "日结单已保存" in app.status[0]
        assert "现金已日结" in str(app.screen.query_one("#dc-summary").render())
        await pilot.press("ctrl+s", "enter")  # a second close is refused in Chinese
        await settle(app, pilot)
        assert app.status[1] == "error" and "已经日结过了" in app.status[0]
    folder = tmp_path / "receipts" / "dayclose"
    (pdf,) = folder.glob("*.pdf")
    (xlsx,) = folder.glob("*.xlsx")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    cells = [c for row in load_workbook(xlsx).active.iter_rows(values_only=True) for c in row if c is not None]
    assert Decimal("780.00") in cells and "合计" in cells


async def test_f8_says_which_receipts_were_refunded_since(services, supervisor_services, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Walk finding: a receipt refunded the same day was in the cash total with nothing said;
    the cash was taken that day and is paid in; the refund is paid through the refund process."""
    first = pay_cash(services, register(services, "甲", 11).id, 40_000)
    pay_cash(services, register(services, "乙", 12).id, 40_000)
    request = services.refunds.intake(first.payment.id, reason="joined_employee")
    services.refunds.start_review(request.id)
    supervisor_services.refunds.approve(request.id)
    supervisor_services.refunds.mark_refunded(request.id)
    app = YibaoApp(services=services, receipts_dir=tmp_path / "receipts")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f8")
        await settle(app, pilot)
        shown = str(app.screen.query_one("#dc-summary").render())
        assert "现金：2 张，800.00" in shown  # 400.00 + 400.00: both were taken in cash that day
        assert f"其中 1 张已退费（{first.receipt_no}）" in shown
        assert "年0" not in shown and "月0" not in shown  # 2024年10月8日, as dates are written
