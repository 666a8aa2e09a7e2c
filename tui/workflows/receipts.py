"""Receipts after a payment: the text receipt is written with the payment, the PDFs and
the printer come after, in a worker of their own.

The payment's worker makes its one service call and saves the text receipt
(``save_text``, fast), so the screen shows the receipt number at once. The screen then
calls ``print_receipts``: a thread writes both PDFs per receipt (the CJK font takes a
second or so to load) and sends the 80 mm one to the printer, then posts
``ReceiptsPrinted`` or ``ReceiptPrintFailed`` (the Chinese sentence of what went wrong).
The screen's ``receipts_printed`` shows the outcome. A thread never touches a widget.

The worker belongs to the app, not the screen: a clerk who presses F2 for the next
person at once still gets the printer's answer on the status line.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, cast

from textual.message import Message

if TYPE_CHECKING:
    from tui.screens.base import DeskScreen
    from yibao.printing.receipt import SavedReceipt
    from yibao.services.views import ReceiptView

log = logging.getLogger(__name__)


def save_text(receipt: ReceiptView, directory: Path) -> SavedReceipt:
    """The text receipt of ``receipt`` in ``directory`` (run in the payment's worker)."""
    from yibao.printing.receipt import save_text as save

    return save(receipt.content, receipt.text, directory)


@dataclass
class ReceiptsPrinted(Message):
    """The PDFs are written (and sent to the printer when one is configured)."""

    saved: tuple[SavedReceipt, ...]


@dataclass
class ReceiptPrintFailed(Message):
    """A PDF could not be written or the printer refused: ``text`` says so in Chinese.
    The payments are stored; what could be saved is in ``saved``."""

    saved: tuple[SavedReceipt, ...]
    text: str


def _finish_all(receipts: Sequence[ReceiptView], saved: Sequence[SavedReceipt],
                printer: str | None) -> ReceiptsPrinted | ReceiptPrintFailed:
    from yibao.printing.printer import Printed
    from yibao.printing.receipt import SavedReceipt, finish

    done: list[SavedReceipt] = []
    for receipt, one in zip(receipts, saved, strict=True):
        try:
            done.append(finish(receipt.content, one, printer=printer))
        except Exception as error:  # noqa: BLE001 - the payment is stored: say it, never crash
            log.exception("receipt %s: PDF failed", receipt.receipt_no, exc_info=error)
            done.append(SavedReceipt(text=one.text, pdf=None, a5=None, printed=Printed(
                False, f"未生成 PDF 收据（{type(error).__name__}）。请打印文本收据。")))
    failed = next((s.printed.message for s in done if s.printed is not None and not s.printed.ok), None)
    return ReceiptPrintFailed(tuple(done), failed) if failed else ReceiptsPrinted(tuple(done))


class PrintsReceipts:
    """For a workflow screen that takes payments: ``print_receipts`` after the payment's
    answer is shown; ``receipts_printed`` shows the outcome (the screen's own layout)."""

    def print_receipts(self, receipts: Sequence[ReceiptView], saved: Sequence[SavedReceipt]) -> None:
        node = cast("DeskScreen", self)  # mixed into desk screens only
        app = node.desk
        printer = app.receipt_printer  # read here: it may read the registry's setting
        receipts, saved = tuple(receipts), tuple(saved)

        def deliver(message: ReceiptsPrinted | ReceiptPrintFailed) -> None:
            if node.is_attached:
                node.post_message(message)
            elif isinstance(message, ReceiptPrintFailed):  # the clerk moved on: say it anyway
                app.set_status(message.text, "warning")

        def job() -> None:
            message = _finish_all(receipts, saved, printer)
            with suppress(RuntimeError):  # the desk closed meanwhile: the files are written
                app.call_from_thread(deliver, message)

        app.run_worker(job, name="print-receipts", group="print-receipts", thread=True,
                       exit_on_error=False)

    # handlers by name: ``@on`` is only collected on Textual's own classes, not on a mixin
    def on_receipts_printed(self, message: ReceiptsPrinted) -> None:
        self.receipts_printed(message.saved, None)

    def on_receipt_print_failed(self, message: ReceiptPrintFailed) -> None:
        self.receipts_printed(message.saved, message.text)

    def receipts_printed(self, saved: tuple[SavedReceipt, ...], failed: str | None) -> None:
        """Show the receipts' files and the printer's answer (``failed``: what went wrong)."""
        raise NotImplementedError
