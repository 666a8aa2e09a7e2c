"""Read a department's list (CSV in UTF-8 or GBK, or Excel ``.xlsx``) as rows of text.

Departments send what their own systems export: a title line above the header,
GBK-encoded CSV, ID numbers stored as numbers in Excel, dates as Excel dates.
``read_table`` finds the header row and gives every data row its row number as
the clerk sees it in Excel or a text editor (1-based, header included).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from yibao.imports.errors import ImportFileError

# How many leading rows may precede the header (title lines, notes).
_HEADER_SEARCH_ROWS = 15


@dataclass(frozen=True, slots=True)
class SourceRow:
    number: int  # row number in the file (1-based)
    cells: dict[str, str]  # canonical column → text ("" when empty)
    numeric: frozenset[str] = (
        frozenset()
    )  # columns Excel stored as numbers (ID numbers lose digits)


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[str, ...]  # canonical columns found
    header_row: int
    rows: tuple[SourceRow, ...]
    encoding: str  # "utf-8", "gb18030" or "xlsx"


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode CSV bytes: UTF-8 (with or without BOM) first, then GBK (as GB18030)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise ImportFileError(
            "无法识别文件编码：既不是 UTF-8 也不是 GBK。请在 Excel 中另存为“CSV UTF-8”或 .xlsx 后再导入。"
        ) from exc


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        # ID numbers typed into Excel become floats and lose digits; integers are fine.
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _raw_rows(path: Path) -> tuple[Iterator[Sequence[object]], str]:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise ImportFileError(
                f"无法打开 Excel 文件 {path.name}：{exc}。请确认是 .xlsx 格式。"
            ) from exc
        sheet = workbook.worksheets[0]

        def rows() -> Iterator[Sequence[object]]:
            try:
                yield from sheet.iter_rows(values_only=True)
            finally:
                workbook.close()

        return rows(), "xlsx"
    if suffix == ".xls":
        raise ImportFileError("不支持旧版 .xls 文件。请在 Excel 中另存为 .xlsx 或 CSV 后再导入。")
    data = path.read_bytes()
    text, encoding = decode_text(data)
    sample = text[:4096]
    delimiter = ","
    if sample.count("\t") > sample.count(","):
        delimiter = "\t"
    return csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), encoding


def _normalise_header(text: str) -> str:
    return "".join(text.split()).replace("（", "(").replace("）", ")").strip("*").lower()


def read_table(path: Path, aliases: dict[str, tuple[str, ...]], required: Sequence[str]) -> Table:
    """Read ``path``; ``aliases`` maps canonical column names to accepted header texts.

    The header is the first of the leading rows that names every ``required``
    column. Raises ``ImportFileError`` (Chinese) when the file cannot be read.
    """
    if not path.is_file():
        raise ImportFileError(f"找不到文件 {path}。请检查文件名和路径。")
    lookup = {
        _normalise_header(a): canonical for canonical, names in aliases.items() for a in names
    }
    raw, encoding = _raw_rows(path)
    header_map: dict[int, str] | None = None
    header_row = 0
    rows: list[SourceRow] = []
    try:
        for number, raw_row in enumerate(raw, start=1):
            cells = [_cell_text(v) for v in raw_row]
            if header_map is None:
                found = {
                    index: lookup[_normalise_header(c)]
                    for index, c in enumerate(cells)
                    if _normalise_header(c) in lookup
                }
                if all(r in found.values() for r in required):
                    # first occurrence of a canonical column wins
                    header_map = {}
                    for index, canonical in found.items():
                        if canonical not in header_map.values():
                            header_map[index] = canonical
                    header_row = number
                elif number >= _HEADER_SEARCH_ROWS:
                    break
                continue
            if not any(cells):
                continue
            values = {canonical: "" for canonical in header_map.values()}
            numeric: set[str] = set()
            for index, canonical in header_map.items():
                if index < len(cells):
                    values[canonical] = cells[index]
                    if isinstance(raw_row[index], int | float) and not isinstance(
                        raw_row[index], bool
                    ):
                        numeric.add(canonical)
            rows.append(SourceRow(number, values, frozenset(numeric)))
    except csv.Error as exc:
        raise ImportFileError(f"CSV 文件格式有误：{exc}。请检查引号和分隔符。") from exc
    if header_map is None:
        wanted = "、".join(aliases[r][0] for r in required)
        raise ImportFileError(
            f"在文件前 {_HEADER_SEARCH_ROWS} 行中找不到表头（至少需要列：{wanted}）。请检查列名。"
        )
    return Table(tuple(header_map.values()), header_row, tuple(rows), encoding)
