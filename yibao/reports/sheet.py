"""A report table as plain data: what the workbook and the PDF writers both render."""

from __future__ import annotations

from dataclasses import dataclass, field

Cell = str | int | float | None


@dataclass
class Sheet:
    name: str  # sheet tab (≤ 31 characters)
    title: str
    header: list[str]  # lines above the table: document, jurisdiction, year, as-of date …
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    footer: list[str] = field(default_factory=list)  # totals, notes, silences
    widths: list[int] | None = None  # column widths in characters (optional)
