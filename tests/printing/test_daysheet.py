"""The cashier's day-close sheet as .xlsx and PDF: totals by clerk and payment method, each
receipt masked, voids apart, signature lines; formula cells neutralised."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from datetime import UTC, date
from decimal import Decimal
from pathlib import Path

import pytest
from sqlmodel import Session

from tests.outreach.helpers import (
    POLICY,
    Clock,
    id_number,
    local_noon,
    pay_cash,
    register,
    services_for,
)
from tests.signin import PIN
from yibao.models import Channel, Role
from yibao.outreach.dayclose import close_day, void_receipt
from yibao.outreach.daysheet import CashierSheet, cashier_sheet
from yibao.printing.daysheet import write_sheet
from yibao.rules.facts import Category
from yibao.services.ruling import Amounts

DAY = date(2024, 10, 8)


def _pay_bank(svc, person_id: str, fen: int):  # type: ignore[no-untyped-def]
    with svc.payments.operation(action="payment.record", entity="payment", person_id=person_id) as session:
        person = svc.payments.person_or_404(session, person_id, for_update=True)
        return svc.payments.take(
            session, person, benefit_year=POLICY.benefit_year, category=Category.GENERAL,
            insured_region="611023", channel=Channel.BANK, received_fen=None, amounts=Amounts.fee(fen),
            coverage_start=date(2025, 1, 1), coverage_end=date(2025, 12, 31), waiting_months=0,
        )


@pytest.fixture
def day(registry_url: str):  # type: ignore[no-untyped-def]
    """王大厅: cash 400.00 (甲) + 380.00 (乙), and 380.50 (丙) voided; 赵审核: bank 400.00 (丁)."""
    clock = Clock(local_noon(DAY))
    svc = services_for(registry_url, "王大厅", clock)
    boss = services_for(registry_url, "赵审核", clock, role=Role.SUPERVISOR, engine=svc.engine)
    a, b, c, d = (register(svc, n, s) for n, s in (("甲", 11), ("乙", 12), ("丙", 13), ("丁", 14)))
    pay_cash(svc, a.id, 40_000)
    pay_cash(svc, b.id, 38_000)
    wrong = pay_cash(svc, c.id, 38_050)
    void_receipt(svc.engine, receipt_no=wrong.payment.receipt_no, reason="=1+2 金额收错", clerk=svc.clerk,
                 device=svc.device, today=DAY, now=clock())
    _pay_bank(boss, d.id, 40_000)
    close_day(svc.engine, clerk=svc.clerk, device=svc.device, day=DAY, today=DAY, now=clock())
    return svc, boss, clock


def _sheet(svc, clerk_id: str | None = None) -> CashierSheet:  # type: ignore[no-untyped-def]
    with Session(svc.engine) as session:
        return cashier_sheet(session, device_id=svc.device.id, day=DAY, clerk_id=clerk_id, jurisdiction="商南县")


def _rows(path: Path) -> list[list[object]]:
    from openpyxl import load_workbook

    book = load_workbook(path)
    return [list(r) for r in book.active.iter_rows(values_only=True)]


def _block(rows: list[list[object]], title: str) -> list[list[object]]:
    """The data rows under ``title`` (after its column heads) up to the next blank row."""
    start = next(i for i, r in enumerate(rows) if r[0] == title) + 2
    end = next((i for i in range(start, len(rows)) if all(v is None for v in rows[i])), len(rows))
    return [[v for v in r if v is not None] for r in rows[start:end]]


def test_the_workbook_reads_back_with_the_hand_worked_totals(day, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svc, _boss, _clock = day
    path = write_sheet(_sheet(svc), tmp_path / "out" / "日结单.xlsx")
    assert os.stat(path).st_mode & 0o777 == 0o600 and os.stat(path.parent).st_mode & 0o777 == 0o700
    rows = _rows(path)
    # 王大厅 cash: 400.00 + 380.00 = 780.00 (2 receipts; the voided 380.50 is not counted)
    # 赵审核 bank: 400.00 (1 receipt); all: 780.00 + 400.00 = 1180.00 (3 receipts)
    assert _block(rows, "按经办人和缴费方式汇总") == [
        ["王大厅", "现金", 2, Decimal("780.00")],
        ["王大厅", "小计", 2, Decimal("780.00")],
        ["赵审核", "银行代收", 1, Decimal("400.00")],
        ["赵审核", "小计", 1, Decimal("400.00")],
        ["合计", "全部方式", 3, Decimal("1180.00")],
    ]
    detail = _block(rows, "收据明细")
    assert [r[-2] for r in detail] == [400, 380, 400] and sum(Decimal(str(r[-2])) for r in detail) == 1180
    masked = f"{id_number(11)[:6]}********{id_number(11)[-4:]}"
    assert detail[0][4:6] == ["甲", masked]
    voids = _block(rows, "作废收据（不计入合计）")
    assert len(voids) == 1 and voids[0][2] == "丙" and voids[0][4] == 380.5
    assert voids[0][5] == "'=1+2 金额收错"  # a formula typed as a reason stays text
    every = " ".join(str(v) for r in rows for v in r if v is not None)
    assert all(id_number(n) not in every for n in (11, 12, 13, 14))
    assert "柒佰捌拾元整" in every  # the cash to pay in: 780.00
    assert "王大厅 现金已日结" in every and "赵审核 现金未日结" in every
    assert "经办人签字" in every and "复核人签字" in every and "出纳签字" in every and "回单号" in every


def test_one_clerks_sheet_has_only_their_receipts(day, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svc, boss, _clock = day
    sheet = _sheet(svc, boss.clerk.id)
    # 赵审核 alone: the bank 400.00; no cash to pay in, no voids
    assert (len(sheet.lines), sheet.total_fen, sheet.cash_fen, len(sheet.voided)) == (1, 40_000, 0, 0)


def test_the_pdf_renders_and_says_the_same_figures(day, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svc, _boss, _clock = day
    path = write_sheet(_sheet(svc), tmp_path / "日结单.pdf")
    assert path.read_bytes()[:5] == b"%PDF-" and os.stat(path).st_mode & 0o777 == 0o600
    if shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed: PDF written but not rendered")
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(path), str(tmp_path / "page")], check=True)
    assert (tmp_path / "page-1.png").stat().st_size > 1000
    words = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    words = words.replace(" ", "")
    assert "1,180.00" in words and "780.00" in words and "380.50" in words and "柒佰捌拾元整" in words
    assert id_number(12) not in words and "经办人签字" in words


def test_a_file_that_is_neither_pdf_nor_xlsx_is_refused(day, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svc, _boss, _clock = day
    with pytest.raises(ValueError, match=r"\.pdf 或 \.xlsx"):
        write_sheet(_sheet(svc), tmp_path / "日结单.csv")
    assert not (tmp_path / "日结单.csv").exists()


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    from yibao.cli.main import main

    stdin = sys.stdin
    sys.stdin = io.StringIO(f"{PIN}\n" * 5)
    try:
        code = main(["--password-stdin", *argv])
    finally:
        sys.stdin = stdin
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_the_command_writes_the_sheet_and_prints_it_when_asked(tmp_path: Path, capsys, lp) -> None:  # type: ignore[no-untyped-def]
    from yibao.db import sqlite_url

    db = tmp_path / "hall.db"
    clock = Clock(local_noon(DAY))
    svc = services_for(sqlite_url(db), "王大厅", clock)
    pay_cash(svc, register(svc, "甲", 11).id, 40_000)
    pay_cash(svc, register(svc, "乙", 12).id, 38_000)
    svc.engine.dispose()
    out_file = tmp_path / "日结单.xlsx"
    code, out, err = _cli(capsys, "--db", str(db), "--clerk", "王大厅", "dayclose", "sheet",
                          "--date", "2024-10-08", "--to", str(out_file))
    assert code == 0, err
    assert "合计 780.00 元" in out and "其中现金 780.00 元" in out  # 400.00 + 380.00
    assert _block(_rows(out_file), "按经办人和缴费方式汇总")[-1] == ["合计", "全部方式", 2, Decimal("780.00")]
    pdf = tmp_path / "日结单.pdf"
    code, out, err = _cli(capsys, "--db", str(db), "dayclose", "sheet", "--date", "2024-10-08",
                          "--to", str(pdf), "--clerk", "王大厅", "--printer", "A4-1")  # options after
    assert code == 0, err
    assert lp.calls() == [["-d", "A4-1", str(pdf.resolve())]] and "已送打印机 A4-1" in out
    code, _out, err = _cli(capsys, "--db", str(db), "--clerk", "王大厅", "dayclose", "sheet",
                           "--to", str(tmp_path / "日结单.docx"))
    assert code == 1 and ".pdf 或 .xlsx" in err


def test_another_clerks_or_every_clerks_sheet_is_for_a_supervisor_only(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    """``--all`` / ``--of``: a 经办 is refused in Chinese, the refusal audited, no file written;
    a 审核 gets the sheet. The clerk's own sheet needs no role."""
    import sqlalchemy as sa

    from yibao.db import sqlite_url

    db = tmp_path / "hall.db"
    clock = Clock(local_noon(DAY))
    svc = services_for(sqlite_url(db), "王大厅", clock)
    boss = services_for(sqlite_url(db), "赵审核", clock, role=Role.SUPERVISOR, engine=svc.engine)
    pay_cash(svc, register(svc, "甲", 11).id, 40_000)
    _pay_bank(boss, register(svc, "丁", 14).id, 40_000)
    svc.engine.dispose()
    every, others = tmp_path / "全部.pdf", tmp_path / "他人.xlsx"
    base = ("--db", str(db), "dayclose", "sheet", "--date", "2024-10-08")
    code, _out, err = _cli(capsys, "--clerk", "王大厅", *base, "--all", "--to", str(every))
    assert code == 1 and "只有审核人员" in err and "所有经办人员" in err and not every.exists()
    code, _out, err = _cli(capsys, "--clerk", "王大厅", *base, "--of", "赵审核", "--to", str(others))
    assert code == 1 and "只有审核人员" in err and "赵审核" in err and not others.exists()
    code, out, err = _cli(capsys, "--clerk", "王大厅", *base, "--of", "王大厅")  # oneself: no role needed
    assert code == 0, err
    code, _out, err = _cli(capsys, "--clerk", "王大厅", *base, "--all")
    assert code == 1 and "须与 --to 同用" in err
    engine = sa.create_engine(sqlite_url(db))
    with engine.connect() as connection:
        refused = connection.execute(sa.text(
            "SELECT action, summary FROM audit_log WHERE action = 'auth.refused' ORDER BY seq")).all()
    engine.dispose()
    assert len(refused) == 2 and all("日结单" in summary for _action, summary in refused)
    code, out, err = _cli(capsys, "--clerk", "赵审核", *base, "--all", "--to", str(every))
    assert code == 0, err
    assert "合计 800.00 元" in out and "其中现金 400.00 元" in out  # 400.00 cash (王大厅) + 400.00 bank (赵审核)
    code, out, err = _cli(capsys, "--clerk", "赵审核", *base, "--of", "王大厅", "--to", str(others))
    assert code == 0 and "合计 400.00 元" in out, err


def test_free_receipts_are_not_counted_as_cash_receipts() -> None:
    """A 特困 enrolment takes 0.00 元 (山阴 四1: 个人缴费部分给予全额资助) and is stored with the
    cash channel; on the sheet it is a line of its own, so 现金 counts the 2 receipts whose
    400.00 + 80.00 = 480.00 the clerk holds, not 3."""
    from datetime import datetime

    from yibao.outreach.daysheet import SheetLine, Total

    def line(no: int, fen: int, label: str) -> SheetLine:
        return SheetLine(f"QAH3-{no:08d}", datetime(2026, 12, 3, 10, tzinfo=UTC), "王经办", "某", "140621********0000",
                         2027, Channel.CASH.value, label, fen, "有效")

    sheet = CashierSheet(day=date(2026, 12, 3), device_prefix="QAH3", jurisdiction="山阴县",
                         lines=(line(1, 40_000, "现金"), line(2, 0, "免缴（全额资助）"), line(3, 8_000, "现金")),
                         voided=(), closes=())
    assert sheet.totals() == [Total("王经办", "现金", 2, 48_000), Total("王经办", "免缴（全额资助）", 1, 0)]
    assert sheet.cash_fen == 48_000
