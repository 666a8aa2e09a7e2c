"""Money as the clerk reads it: integer fen written as yuan with two decimals.

The one formatter of the code base. ``yuan(40000)`` → ``400.00``; ``unit="元"`` or
``unit=" 元"`` appends the unit; ``grouping=False`` drops the thousands separator
(for files read by other programs); ``None`` → ``—``.
"""

from __future__ import annotations


def yuan(fen: int | None, *, unit: object = "", grouping: object = True) -> str:
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    figure = f"{whole:,}" if grouping else str(whole)
    return f"{sign}{figure}.{cents:02d}{unit}"


IN_TEXT: dict[str, object] = {"unit": "元", "grouping": False}
"""``yuan(fen, **IN_TEXT)``: the form used inside a reason's sentence (``160.00元``)."""
PLAIN: dict[str, object] = {"grouping": False}
"""``yuan(fen, **PLAIN)``: for files and listings read by other programs (``1000.00``)."""
