"""Write report sheets as one Excel workbook, file mode 0600 (personal data).

Every cell (titles, headers, columns, rows, footers) goes through ``yibao.cells.neutralise``
(OWASP's CSV-injection rule: = + - @ tab CR), the one rule every export uses.

The sheets are written as SpreadsheetML text straight into the zip, a row at a time (a
ledger of a county holds half a million people: openpyxl, even write-only, spent ~7 µs per
cell on it, this ~0.6 µs). What is written is the small part of the format a report needs:
text as inline strings, numbers, a bold title and header row, column widths, the panes
frozen below the header. openpyxl and Excel read it back as they read their own.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable, Iterator
from itertools import chain
from operator import itemgetter
from pathlib import Path
from xml.sax.saxutils import escape, quoteattr

from yibao.cells import FORMULA_START, neutralise
from yibao.reports.sheet import Cell, Sheet

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
# Style indexes of ``_STYLES``' cellXfs: plain, title (bold 14), column header (bold, centred).
_PLAIN, _TITLE, _COLUMN = 0, 1, 2
_STYLES = (
    f'{_HEAD}<styleSheet xmlns="{_MAIN}">'
    '<fonts count="3"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="14"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1" applyAlignment="1">'
    '<alignment horizontal="center"/></xf></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
# Characters XML 1.0 cannot hold (openpyxl refuses them) are dropped; a text holding one of
# these or & < > is escaped, the others go as they are.
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SPECIAL = re.compile(r"[&<>\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_ROWS_PER_WRITE = 2000


def _letters(n: int) -> str:
    """Column letters of the 1-based column ``n`` (1 → A, 27 → AA)."""
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


_LETTERS = [_letters(i) for i in range(1, 703)]  # A … ZZ


def _text(value: str) -> str:
    return escape(_ILLEGAL.sub("", value))


def _row(n: int, values: list[Cell], style: int = _PLAIN) -> str:
    letters = _LETTERS if len(values) <= len(_LETTERS) else [_letters(i + 1) for i in range(len(values))]
    s = f' s="{style}"' if style else ""
    cells = [f'<row r="{n}">']
    append = cells.append
    for letter, value in zip(letters, map(neutralise, values), strict=False):
        if type(value) is str:
            if _SPECIAL.search(value) is not None:
                value = _text(value)
            # xml:space: a cell may begin or end with blanks (a neutralised tab, an address).
            append(f'<c r="{letter}{n}"{s} t="inlineStr"><is><t xml:space="preserve">{value}</t></is></c>')
        elif value is None:
            continue
        elif isinstance(value, bool):
            append(f'<c r="{letter}{n}"{s} t="b"><v>{int(value)}</v></c>')
        elif isinstance(value, str):  # a str subclass
            append(f'<c r="{letter}{n}"{s} t="inlineStr"><is><t xml:space="preserve">{_text(value)}</t></is></c>')
        else:
            append(f'<c r="{letter}{n}"{s}><v>{value!r}</v></c>')
    append("</row>")
    return "".join(cells)


# A cell of each type the fast way writes, ``{v}`` its value, ``{n}`` the row number.
_CELL_BY_TYPE = {
    str: '<c r="{letter}{{n}}" t="inlineStr"><is><t>{{{v}}}</t></is></c>',
    int: '<c r="{letter}{{n}}"><v>{{{v}!r}}</v></c>',
    float: '<c r="{letter}{{n}}"><v>{{{v}!r}}</v></c>',
    bool: '<c r="{letter}{{n}}" t="b"><v>{{{v}:d}}</v></c>',
    type(None): "",
}


class _RowsWriter:
    """Rows whose cells are all of one row of types (a ledger's are), written by one generated
    list comprehension of f-strings (``_CELL_BY_TYPE``: the code is made from the types only,
    never from a value): about half the time of writing them cell by cell."""

    def __init__(self, kind: tuple[type, ...]) -> None:
        self.size = len(kind)
        self.texts = tuple(i for i, t in enumerate(kind) if t is str)
        self.others = tuple((i, t) for i, t in enumerate(kind) if t is not str)
        names = [f"v{i}" for i in range(len(kind))]
        cells = "".join(
            _CELL_BY_TYPE[t].format(letter=letter, v=v) for letter, t, v in zip(_LETTERS, kind, names, strict=False)
        )
        unpack = f"({', '.join(names)},)" if names else "_"
        source = f"lambda rows, first: ''.join([f'<row r=\"{{n}}\">{cells}</row>' for n, {unpack} in enumerate(rows, first)])"
        self.write: Callable[[list[list[Cell]], int], str] = eval(source, {})  # noqa: S307  (made from the fixed cell templates above)

    def fits(self, rows: list[list[Cell]]) -> bool:
        """True when every row has these types and no text needs escaping, quoting,
        ``xml:space`` or dropping (one search over the chunk's texts, ``_NEEDS_CARE``)."""
        if set(map(len, rows)) != {self.size}:
            return False
        for i, kind in self.others:
            if set(map(type, map(itemgetter(i), rows))) != {kind}:
                return False
        if not self.texts:
            return True
        pick = itemgetter(*self.texts)
        values = map(pick, rows) if len(self.texts) == 1 else chain.from_iterable(map(pick, rows))
        try:
            joined = "\x00" + "\x00".join(values) + "\x00"
        except TypeError:  # a value not text where the first row has text
            return False
        return joined.count("\x00") == len(rows) * len(self.texts) + 1 and _NEEDS_CARE.search(joined) is None


# Over the texts of a chunk joined by NUL (a text holding NUL is caught by counting them):
# a character to escape (& < >) or that XML cannot hold; a text beginning with what
# neutralise quotes or with a blank, or ending with a blank (it needs xml:space).
_NEEDS_CARE = re.compile(
    r"[&<>\x01-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]"
    rf"|\x00[{re.escape(''.join(FORMULA_START))} \t\r\n]|[ \t\r\n]\x00"
)


def _chunk(first: int, rows: list[list[Cell]], writers: dict[tuple[type, ...], _RowsWriter | None]) -> str:
    """Rows ``first``… as XML: the fast way (``_RowsWriter``) when the chunk fits it, else
    cell by cell (``_row``), as every title, header and footer line is written."""
    if rows:
        kind = tuple(map(type, rows[0]))
        if kind not in writers:
            writers[kind] = _RowsWriter(kind) if len(kind) <= len(_LETTERS) and set(kind) <= _CELL_BY_TYPE.keys() else None
        writer = writers[kind]
        if writer is not None and writer.fits(rows):
            return writer.write(rows, first)
    return "".join([_row(first + i, row) for i, row in enumerate(rows)])


def _sheet_xml(sheet: Sheet) -> Iterator[str]:
    head_row = 2 + len(sheet.header) + 1  # title, header lines, an empty row, the columns
    yield (
        f'{_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetViews><sheetView workbookViewId="0">'
        f'<pane ySplit="{head_row}" topLeftCell="A{head_row + 1}" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
    )
    if sheet.widths:
        yield "<cols>" + "".join(
            f'<col min="{i}" max="{i}" width="{w + 2}" customWidth="1"/>'
            for i, w in enumerate(sheet.widths, start=1)
        ) + "</cols>"
    yield "<sheetData>"
    yield _row(1, [sheet.title], _TITLE)
    n = 2
    for line in sheet.header:
        yield _row(n, [line])
        n += 1
    n += 1  # an empty row before the columns
    yield _row(n, list(sheet.columns), _COLUMN)
    rows = sheet.rows
    writers: dict[tuple[type, ...], _RowsWriter | None] = {}
    for start in range(0, len(rows), _ROWS_PER_WRITE):
        yield _chunk(n + 1 + start, rows[start : start + _ROWS_PER_WRITE], writers)
    n += len(rows)
    if sheet.footer:
        n += 1  # an empty row before the footer
        for line in sheet.footer:
            n += 1
            yield _row(n, [line])
    yield "</sheetData></worksheet>"


def _parts(names: list[str]) -> dict[str, str]:
    count = len(names)
    sheets = "".join(
        f'<sheet name={quoteattr(_ILLEGAL.sub("", name))} sheetId="{i}" r:id="rId{i}"/>'
        for i, name in enumerate(names, start=1)
    )
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, count + 1)
    )
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for i in range(1, count + 1)
    )
    return {
        "[Content_Types].xml": (
            f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>"
        ),
        "_rels/.rels": (
            f'{_HEAD}<Relationships xmlns="{_PKG_REL}">'
            f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'{_HEAD}<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
            f"<sheets>{sheets}</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{_HEAD}<Relationships xmlns="{_PKG_REL}">{rels}'
            f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/></Relationships>'
        ),
        "xl/styles.xml": _STYLES,
    }


def write_workbook(path: Path | str, sheets: list[Sheet]) -> Path:
    target = Path(path)
    names = _sheet_names(sheets)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle, zipfile.ZipFile(
            handle, "w", zipfile.ZIP_DEFLATED, compresslevel=1  # level 1: most of the size, a fifth of the time
        ) as book:
            for name, text in _parts(names).items():
                book.writestr(name, text)
            for i, sheet in enumerate(sheets, start=1):
                with book.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as part:
                    for chunk in _sheet_xml(sheet):
                        part.write(chunk.encode())
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.chmod(tmp, 0o600)
    os.replace(tmp, target)
    return target


def _sheet_names(sheets: list[Sheet]) -> list[str]:
    """Tab names as Excel takes them: ≤ 31 characters, none of : \\ / ? * [ ], each once."""
    names: list[str] = []
    for sheet in sheets:
        base = re.sub(r"[:\\/?*\[\]]", "_", sheet.name)[:31] or "Sheet"
        name, k = base, 1
        while name.lower() in (n.lower() for n in names):
            k += 1
            name = f"{base[: 31 - len(str(k)) - 1]}_{k}"
        names.append(name)
    return names
