"""F8's worker calls: one service call, then the sheet's files (``yibao.printing.daysheet``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from tui.workflows.messages import Answer

if TYPE_CHECKING:
    from yibao.outreach.daysheet import CashierSheet
    from yibao.services import Services


@dataclass(frozen=True)
class Written:
    sheet: CashierSheet
    pdf: Path
    xlsx: Path


@dataclass
class SheetRead(Answer):
    sheet: CashierSheet


@dataclass
class SheetWritten(Answer):
    written: Written


def _write(services: Services, sheet: CashierSheet, directory: Path) -> Written:
    from yibao.printing.daysheet import write_sheet

    name = f"日结单-{sheet.day:%Y%m%d}-{sheet.device_prefix}-{services.clerk.name}"
    folder = directory / "dayclose"  # beside the receipts, 0700 like them
    return Written(sheet, write_sheet(sheet, folder / f"{name}.pdf"), write_sheet(sheet, folder / f"{name}.xlsx"))


def close(services: Services, directory: Path) -> Written:
    """日结 today's cash, then the closed sheet's files."""
    return _write(services, services.dayclose.close(), directory)


def write(services: Services, directory: Path) -> Written:
    """Today's sheet as it stands (a draft until closed), as files."""
    return _write(services, services.dayclose.sheet(), directory)
