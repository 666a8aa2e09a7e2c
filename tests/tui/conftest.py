"""Desk fixtures: the shared ``services`` (fresh registry, fixed clock 2024-10-15 10:00,
shangnan-2025, clerk 王芳, device 测试窗口) wrapped in a ``YibaoApp``, and people to find."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest

from tui.app import YibaoApp

SIZE = (120, 36)


def id_number(birth: date, sequence: int) -> str:
    """A valid 商南 ID number (612524 before 2012? the code of the birth year)."""
    from yibao.idgen import codes_for_year, make_id_number

    return make_id_number(codes_for_year("611023", birth.year)[0], birth, sequence)


@pytest.fixture(autouse=True)
def _no_cursor_blink(monkeypatch: pytest.MonkeyPatch) -> None:
    """A blinking cursor makes a snapshot depend on when it was taken (Harlequin does the same)."""
    from textual.widgets import Input

    monkeypatch.setattr(Input.__dict__["cursor_blink"], "_default", False)


@pytest.fixture(autouse=True)
def _receipt_pdfs(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Drawing a receipt's two PDFs costs ~0.7 s of CPU (the CJK font), in nearly every desk
    test that takes a payment. Outside tests marked ``receipt_pdfs`` (one in test_printing.py;
    tests/printing draws and reads the real ones) the payment's worker writes two stand-in files where
    the PDFs go, so everything after it (the files shown, the printer, the messages) runs."""
    if request.node.get_closest_marker("receipt_pdfs"):
        return
    from yibao.printing import receipt

    def stand_ins(text: receipt.ReceiptText, directory: Path) -> receipt.ReceiptFiles:
        from yibao.outreach.files import private_dir, private_tmp

        private_dir(directory)
        paths = []
        for paper in receipt.PAPERS:
            path = directory / f"{text.receipt_no}{paper.suffix}.pdf"
            with private_tmp(path, prefix=f".{path.name}.test-") as (handle, _tmp):
                handle.write(b"stand-in for the PDF (tests/tui/conftest.py)\n")
            paths.append(path)
        return receipt.ReceiptFiles(roll=paths[0], a5=paths[1])

    monkeypatch.setattr(receipt, "write_receipt_pdfs", stand_ins)


@pytest.fixture
def registry_url(tmp_path: Path, _sqlite_template: Path) -> str:
    """The desk runs on SQLite only (the storage tests cover PostgreSQL); this keeps
    snapshot names free of a backend parameter."""
    from tests.registries import migrated_copy

    return migrated_copy(tmp_path / "registry.sqlite3")


@pytest.fixture
def app(services, tmp_path: Path) -> YibaoApp:  # type: ignore[no-untyped-def]
    return YibaoApp(services=services, receipts_dir=tmp_path / "receipts")


@dataclass(frozen=True)
class Family:
    head_id: str
    spouse_id: str
    child_id: str
    head_number: str
    household_number: str


@pytest.fixture
def family(services) -> Family:  # type: ignore[no-untyped-def]
    """户 0001：张建国 (户主), 李秀英 (配偶), 张小明 (子), on file, not yet paid for 2025."""
    p = services.persons
    household = p.create_household(number="0001", hukou_region="611023")
    head_number = id_number(date(1970, 3, 8), 11)
    head = p.register(name="张建国", id_number=head_number, hukou_region="611023",
                      household_id=household.id, relation_to_head="02")
    spouse = p.register(name="李秀英", id_number=id_number(date(1972, 6, 1), 22), hukou_region="611023",
                        household_id=household.id, relation_to_head="10")
    child = p.register(name="张小明", id_number=id_number(date(2015, 9, 9), 33), hukou_region="611023",
                       household_id=household.id, relation_to_head="20")
    return Family(head.id, spouse.id, child.id, head_number, "0001")


async def settle(app: YibaoApp, pilot) -> None:  # type: ignore[no-untyped-def]
    """Let workers finish and their messages be handled. A worker cancelled because its
    screen closed (the sign-in's, once it has opened the desk) is finished too: under load
    it can still be running when its own answer dismisses the screen."""
    from textual.worker import WorkerCancelled

    for _ in range(3):
        for worker in list(app.workers):
            with contextlib.suppress(WorkerCancelled):
                await worker.wait()
        await pilot.pause()


def burst(app: YibaoApp, *keys: str) -> None:
    """Send ``keys`` the way a card reader or a paste does: all at once, no pause between
    them (``pilot.press`` waits for the app after each key, which hides focus races)."""
    from textual import events

    driver = app._driver
    assert driver is not None
    for key in keys:
        event = events.Key(key, key if len(key) == 1 else None)
        event.set_sender(app)
        driver.send_message(event)
