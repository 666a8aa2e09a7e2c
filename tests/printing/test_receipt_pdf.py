"""The receipt as PDF (80 mm roll and A5) next to the text receipt, and sending it to ``lp``."""

from __future__ import annotations

import os
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from tests.fakelp import FakeLp, install_lp
from tests.outreach.helpers import Clock, id_number, local_noon, pay_cash, register, services_for
from yibao.printing.printer import send
from yibao.printing.receipt import issue

DAY = date(2024, 10, 8)
MM = 72 / 25.4  # PDF points per millimetre


@pytest.fixture
def receipt(registry_url: str):  # type: ignore[no-untyped-def]
    svc = services_for(registry_url, "王大厅", Clock(local_noon(DAY)))
    person = register(svc, "张三丰", 11)
    taken = pay_cash(svc, person.id, 40_000, received_fen=50_000)
    return svc.payments.receipt(taken.payment.receipt_no)


def _page_size(path: Path) -> tuple[float, float]:
    """The page's own size in points (pdfinfo reads the page object, not the document default)."""
    if shutil.which("pdfinfo") is None:
        pytest.skip("pdfinfo (poppler-utils) not installed: the page size cannot be read back")
    done = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    line = next(x for x in done.stdout.splitlines() if x.startswith("Page size:"))
    width, _x, height = line.split(":", 1)[1].split()[:3]
    return float(width), float(height)


def _text_of(path: Path) -> str:
    if shutil.which("pdftotext") is None:
        pytest.skip("pdftotext (poppler-utils) not installed: the PDF's words cannot be read back")
    done = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True)
    return done.stdout


def test_receipt_pdfs_are_written_next_to_the_text_private_sized_and_masked(receipt, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "receipts"
    saved = issue(receipt.content, receipt.text, folder)
    no = receipt.receipt_no
    assert saved.text == folder / f"{no}.txt" and saved.text.is_file()  # the text receipt stays
    assert saved.pdf == folder / f"{no}.pdf" and saved.a5 == folder / f"{no}-A5.pdf"
    assert saved.printed is None  # no printer configured: nothing sent
    assert os.stat(folder).st_mode & 0o777 == 0o700
    for path in (saved.text, saved.pdf, saved.a5):
        assert os.stat(path).st_mode & 0o777 == 0o600
    width, height = _page_size(saved.pdf)
    assert round(width / MM) == 80  # receipt-printer roll
    assert 60 < height / MM < 150  # cut to its ~25 lines, not a whole page
    assert tuple(round(v / MM) for v in _page_size(saved.a5)) == (148, 210)  # A5 portrait
    raw = saved.pdf.read_bytes()
    assert b"/FontFile3" in raw and b"NotoSansCJK" in raw  # the CJK font is embedded
    for path in (saved.pdf, saved.a5):
        words = _text_of(path).replace(" ", "")
        # 400.00 yuan charged (40 000 fen), 500.00 received → 100.00 change
        assert "实收金额：400.00元" in words and "肆佰元整" in words
        assert "收到：500.00元" in words and "找零：100.00元" in words
        assert id_number(11) not in words and f"{id_number(11)[:6]}********{id_number(11)[-4:]}" in words
        assert no in words and "张三丰" in words and "王大厅" in words


def test_the_roll_pdf_goes_to_lp_with_the_printer_name(receipt, tmp_path: Path, lp: FakeLp) -> None:  # type: ignore[no-untyped-def]
    saved = issue(receipt.content, receipt.text, tmp_path / "receipts", printer="HALL-1")
    assert saved.printed is not None and saved.printed.ok and not saved.print_failed
    assert lp.calls() == [["-d", "HALL-1", str(saved.pdf)]]
    assert "已送打印机 HALL-1" in saved.note


def test_a_missing_printer_is_said_in_chinese_and_the_files_stay(receipt, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    fake = install_lp(tmp_path / "bin", monkeypatch, exit_code=1,
                      stderr="lp: The printer or class does not exist.")
    saved = issue(receipt.content, receipt.text, tmp_path / "receipts", printer="NOSUCH")
    assert fake.calls() == [["-d", "NOSUCH", str(saved.pdf)]]
    assert saved.print_failed and "没有名为 NOSUCH 的打印机" in saved.note
    assert saved.pdf is not None and saved.pdf.is_file() and saved.text.is_file()


def test_without_lp_installed_the_clerk_is_told(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(b"%PDF-")
    printed = send(pdf, "HALL-1")
    assert not printed.ok and "没有安装 lp" in printed.message


def test_a_name_lp_would_read_as_an_option_is_not_sent(tmp_path: Path, lp: FakeLp) -> None:
    pdf = tmp_path / "r.pdf"
    pdf.write_bytes(b"%PDF-")
    printed = send(pdf, "-o evil")
    assert not printed.ok and "不合规" in printed.message
    assert lp.calls() == []


def _pixels(path: Path, out: Path) -> bytes:
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm (poppler-utils) not installed: the PDF cannot be rendered")
    subprocess.run(["pdftoppm", "-r", "60", "-png", "-singlefile", str(path), str(out)], check=True)
    return out.with_suffix(".png").read_bytes()


@pytest.mark.parametrize("second", ["实收金额：400.00元 张三丰", "退费：欧阳龘 1234.56元"])
def test_a_document_made_like_a_written_one_renders_as_if_the_font_were_read_whole(
    tmp_path: Path, second: str
) -> None:
    """The A5 receipt embeds the roll's cut-down font (yibao.printing.pdf): drawn with the
    same characters it must render exactly as with the whole font, and drawn with others
    (欧阳龘, 退) the whole font is read again rather than a glyph going missing."""
    from yibao.printing.pdf import FONT, new_document, save

    def draw(pdf, text: str) -> None:  # type: ignore[no-untyped-def]
        pdf.add_page()
        pdf.set_font(FONT, "", 12)
        pdf.cell(0, 10, text, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "B", 12)
        pdf.cell(0, 10, text)

    first = new_document(orientation="P", format=(148, 210))
    draw(first, "实收金额：400.00元 张三丰")
    save(first, tmp_path / "first.pdf")
    alike = new_document(orientation="P", format=(148, 210), like=first)
    draw(alike, second)
    whole = new_document(orientation="P", format=(148, 210))
    draw(whole, second)
    rendered = _pixels(save(alike, tmp_path / "alike.pdf"), tmp_path / "alike")
    assert rendered == _pixels(save(whole, tmp_path / "whole.pdf"), tmp_path / "whole")
    assert second in _text_of(tmp_path / "alike.pdf").replace("\n", "")
