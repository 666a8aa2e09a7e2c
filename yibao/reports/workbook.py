"""Write report sheets as one Excel workbook (openpyxl), file mode 0600 (personal data).

Every cell (titles, headers, columns, rows, footers) goes through ``yibao.cells.neutralise``
(OWASP's CSV-injection rule: = + - @ tab CR), the one rule every export uses.
"""

from __future__ import annotations

import os
from pathlib import Path

from yibao.cells import neutralise
from yibao.reports.sheet import Sheet


def write_workbook(path: Path | str, sheets: list[Sheet]) -> Path:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    target = Path(path)
    book = Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(sheet.name[:31])
        ws.append([neutralise(sheet.title)])
        ws["A1"].font = Font(bold=True, size=14)
        for line in sheet.header:
            ws.append([neutralise(line)])
        ws.append([])
        ws.append([neutralise(c) for c in sheet.columns])
        head_row = ws.max_row
        for cell in ws[head_row]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(horizontal="center")
        for row in sheet.rows:
            ws.append([neutralise(v) for v in row])
        if sheet.footer:
            ws.append([])
            for line in sheet.footer:
                ws.append([neutralise(line)])
        for i, width in enumerate(sheet.widths or [], start=1):
            ws.column_dimensions[get_column_letter(i)].width = width + 2
        ws.freeze_panes = ws.cell(row=head_row + 1, column=1)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as handle:
        book.save(handle)
    os.chmod(tmp, 0o600)
    os.replace(tmp, target)
    return target
