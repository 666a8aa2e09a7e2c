"""Read a department's list (CSV in UTF-8 or GBK, or Excel ``.xlsx``) as rows of text.

Departments send what their own systems export: a title line above the header,
GBK-encoded CSV, ID numbers stored as numbers in Excel, dates as Excel dates.
``read_table`` finds the header row and gives every data row its row number as
the clerk sees it in Excel or a text editor (1-based, header included).
"""

from __future__ import annotations

import csv
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


@dataclass(slots=True)
class _Source:
    rows: Iterator[Sequence[object]]
    encoding: str
    estimated_rows: int  # lines (CSV) or the sheet's dimension (xlsx), header included
    sha256: str


def _scan_csv(path: Path) -> tuple[str, int, str]:
    """(encoding, line count, sha256) read in 1 MB blocks: memory stays flat.

    UTF-8 (with or without BOM) first, then GBK (as GB18030).
    """
    import codecs
    import hashlib

    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)()
        digest = hashlib.sha256()
        lines = 0
        try:
            with path.open("rb") as handle:
                while block := handle.read(1 << 20):
                    digest.update(block)
                    lines += block.count(b"\n")
                    decoder.decode(block)
                decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            continue
        return encoding, lines + 1, digest.hexdigest()
    raise ImportFileError(
        "无法识别文件编码：既不是 UTF-8 也不是 GBK。请在 Excel 中另存为“CSV UTF-8”或 .xlsx 后再导入。"
    )


def _file_sha256(path: Path) -> str:
    import hashlib

    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _raw_rows(path: Path) -> _Source:
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(path, read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file (in English)
            raise ImportFileError(
                f"无法打开 Excel 文件 {path.name}：文件已损坏或不是 .xlsx 格式。"
                "请在 Excel 中打开，另存为 .xlsx（或“CSV UTF-8”）后再导入。"
            ) from exc
        if not workbook.worksheets:  # the sheet's part is missing from the file
            workbook.close()
            raise ImportFileError(
                f"Excel 文件 {path.name} 已损坏：文件中没有工作表，未导入任何内容。"
                "请在 Excel 中打开，另存为 .xlsx（或“CSV UTF-8”）后再导入。"
            )
        sheet = workbook.worksheets[0]

        def rows() -> Iterator[Sequence[object]]:
            read = 0
            try:
                for row in sheet.iter_rows(values_only=True):
                    read += 1
                    yield row
            except Exception as exc:  # a damaged sheet shows only when read (XML ParseError, zlib …)
                where = f"读到第 {read} 行后" if read else "工作表"
                raise ImportFileError(
                    f"Excel 文件 {path.name} 已损坏：{where}无法继续读取，未导入任何内容。"
                    "请在 Excel 中打开，另存为 .xlsx（或“CSV UTF-8”）后再导入。"
                ) from exc
            finally:
                workbook.close()

        return _Source(rows(), "xlsx", int(sheet.max_row or 0), _file_sha256(path))
    if suffix == ".xls":
        raise ImportFileError("不支持旧版 .xls 文件。请在 Excel 中另存为 .xlsx 或 CSV 后再导入。")
    encoding, lines, sha256 = _scan_csv(path)
    with path.open(encoding=encoding, newline="") as handle:
        sample = handle.read(4096)
    delimiter = "\t" if sample.count("\t") > sample.count(",") else ","

    def csv_rows() -> Iterator[Sequence[object]]:
        with path.open(encoding=encoding, newline="") as handle:
            yield from csv.reader(handle, delimiter=delimiter)

    shown = "utf-8" if encoding == "utf-8-sig" else encoding
    return _Source(csv_rows(), shown, lines, sha256)


def _broken_row(number: int, exc: csv.Error) -> ImportFileError:
    return ImportFileError(
        f"CSV 文件第 {number + 1} 行附近格式有误（{exc}）：请检查引号、分隔符和不可见字符，"
        "更正后重新导入。本次导入没有写入任何内容。"
    )


def _normalise_header(text: str) -> str:
    return "".join(text.split()).replace("（", "(").replace("）", ")").strip("*").lower()


@dataclass(slots=True)
class TableStream:
    """A table read as it goes: ``rows`` yields each data row once (memory: one row).

    ``sha256`` is the digest of the whole file; ``estimated_rows`` the number of data
    rows to expect (for a progress bar: lines after the header, blank ones included).
    """

    columns: tuple[str, ...]
    header_row: int
    rows: Iterator[SourceRow]
    encoding: str
    estimated_rows: int
    sha256: str


def open_table(
    path: Path, aliases: dict[str, tuple[str, ...]], required: Sequence[str]
) -> TableStream:
    """Open ``path`` and find its header; the data rows come from ``rows`` one by one.

    ``aliases`` maps canonical column names to accepted header texts. The header is
    the first of the leading rows that names every ``required`` column. Raises
    ``ImportFileError`` (Chinese) when the file cannot be read, also while iterating.
    """
    if not path.is_file():
        raise ImportFileError(f"找不到文件 {path}。请检查文件名和路径。")
    lookup = {
        _normalise_header(a): canonical for canonical, names in aliases.items() for a in names
    }
    source = _raw_rows(path)
    raw = iter(source.rows)
    header_map: dict[int, str] | None = None
    header_row = 0
    try:
        for number, raw_row in enumerate(raw, start=1):
            cells = [_cell_text(v) for v in raw_row]
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
                break
            if number >= _HEADER_SEARCH_ROWS:
                break
    except csv.Error as exc:
        raise ImportFileError(f"CSV 文件格式有误：{exc}。请检查引号和分隔符。") from exc
    if header_map is None:
        wanted = "、".join(aliases[r][0] for r in required)
        raise ImportFileError(
            f"在文件前 {_HEADER_SEARCH_ROWS} 行中找不到表头（至少需要列：{wanted}）。请检查列名。"
        )
    mapping = header_map
    picks = tuple(mapping.items())
    blank = dict.fromkeys(mapping.values(), "")
    no_numbers: frozenset[str] = frozenset()

    def text_rows() -> Iterator[SourceRow]:
        # CSV: every cell is text already, none is a number Excel rounded
        number = header_row
        try:
            for raw_row in raw:
                number += 1  # (a quoted cell spanning lines shifts the count; rare)
                width = len(raw_row)
                values = dict(blank)
                empty = True
                for index, canonical in picks:
                    if index < width:
                        text = raw_row[index].strip()  # type: ignore[union-attr]
                        values[canonical] = text
                        if text:
                            empty = False
                if empty and not any(c.strip() for c in raw_row):  # type: ignore[union-attr]
                    continue
                yield SourceRow(number, values, no_numbers)
        except csv.Error as exc:
            raise _broken_row(number, exc) from exc

    def data_rows() -> Iterator[SourceRow]:
        # .xlsx: cells are numbers, dates or text; only the mapped ones are converted
        number = header_row
        for raw_row in raw:
            number += 1
            width = len(raw_row)
            values = dict(blank)
            numeric: set[str] = set()
            empty = True
            for index, canonical in picks:
                if index < width:
                    value = raw_row[index]
                    text = _cell_text(value)
                    values[canonical] = text
                    if text:
                        empty = False
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        numeric.add(canonical)
            if empty and not any(_cell_text(v) for v in raw_row):
                continue
            yield SourceRow(number, values, frozenset(numeric) if numeric else no_numbers)

    return TableStream(
        columns=tuple(mapping.values()),
        header_row=header_row,
        rows=data_rows() if source.encoding == "xlsx" else text_rows(),
        encoding=source.encoding,
        estimated_rows=max(0, source.estimated_rows - header_row),
        sha256=source.sha256,
    )


def read_table(path: Path, aliases: dict[str, tuple[str, ...]], required: Sequence[str]) -> Table:
    """Read ``path`` whole (see ``open_table``); for small files and tests."""
    stream = open_table(path, aliases, required)
    rows = tuple(stream.rows)
    return Table(stream.columns, stream.header_row, rows, stream.encoding)
