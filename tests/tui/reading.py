"""Reading what a widget shows, for the desk tests."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console


def shown(widget: Any) -> str:
    """What a ``Static`` shows, as plain text: markup and rich renderables rendered."""
    content = widget.content
    console = Console(width=200, file=io.StringIO(), color_system=None, legacy_windows=False)
    with console.capture() as capture:
        console.print(content)
    return capture.get()


def table_text(table: Any) -> str:
    """Every cell of a ``DataTable``, one row a line, cells separated by " | "."""
    rows = []
    for row_key in table.rows:
        rows.append(" | ".join(str(cell) for cell in table.get_row(row_key)))
    return "\n".join(rows)


def screen_lines(app: Any) -> list[str]:
    """The screen as the terminal shows it, one string a row: what the compositor draws,
    overlaps and cut wide characters included (a CJK character half covered shows as a
    space)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]
