"""What a spreadsheet cell may begin with: the one rule every export uses.

OWASP's rule for CSV (formula) injection: a text cell beginning with ``=`` ``+`` ``-``
``@``, a tab or a carriage return is prefixed with a single quote, so Excel or WPS shows it
as text and never runs it. The CSV export (``yibao.export``), the report workbooks (weekly
report, ledgers: ``yibao.reports.workbook``) and the day-close sheet
(``yibao.printing.daysheet``) all write their cells through :func:`neutralise`.
"""

from __future__ import annotations

import re

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# A full ID number written after a tab, so Excel keeps its 18 digits as text: digits only,
# nothing a spreadsheet can run (the full-ID CSV export, ``yibao.export``).
_FULL_ID_AS_TEXT = re.compile(r"\t\d{17}[\dX]")


def neutralise(value: object) -> object:
    """``value`` as it may go into a cell: a text beginning with = + - @ tab or CR gets a
    leading single quote; numbers, dates and other text are unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _FULL_ID_AS_TEXT.fullmatch(value):
        return "'" + value
    return value
