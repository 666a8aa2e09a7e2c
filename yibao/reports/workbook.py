"""Write report sheets as one Excel workbook, file mode 0600 (personal data).

Every cell (titles, headers, columns, rows, footers) goes through ``yibao.cells.neutralise``
(OWASP's CSV-injection rule: = + - @ tab CR), the one rule every export uses.

The sheets are written as SpreadsheetML straight into the zip, 2,000 rows at a time (a
ledger of a county holds half a million people: openpyxl, even write-only, spent ~7 µs per
cell on it, this ~0.2 µs: column by column in C, a bytes template per row, deflated by
ISA-L where installed). What is written is the small part of the format a report needs:
text as inline strings (a text repeated down a column of the rows as a shared string),
numbers, a bold title and header row, column widths, the panes frozen below the header.
openpyxl and Excel read it back as they read their own.

A workbook may also be written in pieces (``deflated``, ``joined``, ``write_pieces``): each
piece of a member deflated on its own, in another process if need be, and the zip written
from them (``yibao.reports.ledger_book`` writes the ledgers so, two processes at once).
"""

from __future__ import annotations

import os
import re
import struct
import time
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from operator import itemgetter
from pathlib import Path
from typing import IO, Any, NamedTuple
from xml.sax.saxutils import escape, quoteattr

from yibao.cells import FORMULA_START, neutralise
from yibao.reports.base import gc_paused
from yibao.reports.sheet import Cell, Sheet

try:
    from isal import isal_zlib as _isal_zlib
except ImportError:  # optional: zlib's deflate then
    _isal_zlib = None

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


class _SharedStrings:
    """The workbook's shared strings (``xl/sharedStrings.xml``): a text repeated down a column
    (town, village, sex, a label) is written once and referred to by number. Indexing this
    gives the rest of a cell after its reference, ``b' t="s"><v>7</v></c>'``; a text seen
    the first time is neutralised, stripped of what XML cannot hold, escaped and added."""

    def __init__(self, stride: int = 1, offset: int = 0) -> None:
        self.tails: dict[str, bytes] = _Tails(self)
        self.items: list[bytes] = []
        self.refs = 0  # cells referring to them (the part's ``count``)
        # Item k is referred to as number k * stride + offset: a workbook written by several
        # processes gives each its own numbers (``merged_shared``), none needs the others'.
        self.stride, self.offset = stride, offset

    def add(self, value: str) -> bytes:
        if not isinstance(value, str):
            raise TypeError(f"not a text: {type(value).__name__}")
        text = str(neutralise(value))
        self.items.append(b'<si><t xml:space="preserve">' + _text(text).encode() + b"</t></si>")
        return b' t="s"><v>%d</v></c>' % ((len(self.items) - 1) * self.stride + self.offset)

    def xml(self) -> Iterator[bytes]:
        yield (
            f'{_HEAD}<sst xmlns="{_MAIN}" count="{self.refs}" uniqueCount="{len(self.items)}">'
        ).encode()
        for start in range(0, len(self.items), _ROWS_PER_WRITE):
            yield b"".join(self.items[start : start + _ROWS_PER_WRITE])
        yield b"</sst>"


class _Tails(dict[str, bytes]):
    """Text → shared-string cell tail; a missing text is added (a dict, so a column is
    looked up by ``map`` in C, the Python call only for a text not seen before)."""

    def __init__(self, shared: _SharedStrings) -> None:
        super().__init__()
        self.shared = shared

    def __missing__(self, value: str) -> bytes:
        tail = self[value] = self.shared.add(value)
        return tail


# Over a column's texts encoded, joined and enclosed by NUL (a text holding NUL is caught by
# counting them): a character to escape (& < >) or that XML cannot hold (U+FFFE, U+FFFF as
# UTF-8); a text beginning with what neutralise quotes or with a blank, or ending with a
# blank (it needs xml:space). Three searches: each is a plain scan, where one pattern with
# the three as alternatives was tried at every byte.
_NEEDS_CARE = (
    re.compile(rb"[&<>\x01-\x08\x0b\x0c\x0e-\x1f]|\xef\xbf[\xbe\xbf]"),
    re.compile(rb"\x00[" + re.escape("".join(FORMULA_START)).encode() + rb" \t\r\n]"),
    re.compile(rb"[ \t\r\n]\x00"),
)
_ROW_NUMBER = b"%d".__mod__
# A text column goes to the shared strings when a chunk holds at most one distinct text per
# this many rows (a town, a label); else its texts are written in the cell.
_SHARE_BELOW = 8


class _RowsWriter:
    """Rows whose cells are all of one row of types (a ledger's are), written a chunk at a
    time column by column: each column's values mapped to bytes in C (``map``), repeated
    texts as shared strings, then every row by one bytes ``%`` template over a tuple. The
    template is made from the column types only, never from a value."""

    def __init__(self, kind: tuple[type, ...], shared: _SharedStrings) -> None:
        self.size = len(kind)
        self.kind = kind
        self.others = [(i, k) for i, k in enumerate(kind) if k is not str]
        self.shared = shared
        self.templates: dict[tuple[str, ...], bytes] = {}
        self.share: dict[int, bool] = {}  # text column → written as shared strings

    def fits(self, rows: list[list[Cell]]) -> bool:
        """True when every row has as many cells, each of the first row's type (the text
        columns' types are checked by ``write`` on the way: it gives None)."""
        if set(map(len, rows)) != {self.size}:
            return False
        return all(set(map(type, map(itemgetter(i), rows))) == {kind} for i, kind in self.others)

    def _template(self, modes: tuple[str, ...]) -> bytes:
        template = self.templates.get(modes)
        if template is None:
            cells = []
            for letter, mode in zip(_LETTERS, modes, strict=False):
                ref = f'<c r="{letter}%s"'
                cells.append({
                    "int": f"{ref}><v>%d</v></c>",
                    "float": f"{ref}><v>%s</v></c>",
                    "bool": f'{ref} t="b"><v>%d</v></c>',
                    "shared": f"{ref}%s",
                    "text": f'{ref} t="inlineStr"><is><t>%s</t></is></c>',
                    "escaped": f'{ref} t="inlineStr"><is><t xml:space="preserve">%s</t></is></c>',
                    "none": "",
                }[mode])
            template = self.templates[modes] = f'<row r="%s">{"".join(cells)}</row>'.encode()
        return template

    def fits_columns(self, columns: list[Sequence[Cell]]) -> bool:
        """``fits`` for rows given column by column (each column as long as the first)."""
        if len(columns) != self.size or len(set(map(len, columns))) > 1:
            return False
        return all(set(map(type, columns[i])) == {kind} for i, kind in self.others)

    def write(self, rows: list[list[Cell]], first: int) -> bytes | None:
        """The rows as XML; None when a text column holds something else (``fits`` did not
        look: ``str.encode`` and the shared strings refuse it on the way)."""
        return self.write_columns(list(zip(*rows, strict=True)), first)

    def write_columns(self, columns: list[Sequence[Cell]], first: int) -> bytes | None:
        """``write`` for rows given column by column: a ledger's cells are made by column,
        and making rows of them only to take the columns apart again cost ~0.5 s at 1.6 M."""
        numbers = list(map(_ROW_NUMBER, range(first, first + len(columns[0]))))
        modes: list[str] = []
        args: list[Any] = [numbers]
        refs = 0
        try:
            for i, (kind, column) in enumerate(zip(self.kind, columns, strict=True)):
                if kind is str:
                    mode, values = self._texts(i, column)
                    refs += len(values) if mode == "shared" else 0
                elif kind is type(None):
                    modes.append("none")
                    continue
                elif kind is float:
                    mode, values = "float", [repr(v).encode() for v in column]
                else:
                    mode, values = "bool" if kind is bool else "int", column
                modes.append(mode)
                args += (numbers, values)
        except TypeError:  # a text column holding something else
            return None
        self.shared.refs += refs
        return b"".join(map(self._template(tuple(modes)).__mod__, zip(*args, strict=True)))

    def _texts(self, i: int, texts: Any) -> tuple[str, list[bytes]]:
        """Column ``i``'s texts: as shared strings while the column repeats (decided on its
        first chunk by counting its distinct texts, given up for good when a chunk adds
        more than one new text per ``_SHARE_BELOW`` rows), else in the cell: as they are
        when none needs care (one search over them all), else each made safe."""
        share = self.share.get(i)
        if share is None:
            share = self.share[i] = len(set(texts)) * _SHARE_BELOW <= len(texts)
        if share:
            items = self.shared.items
            before = len(items)
            values = list(map(self.shared.tails.__getitem__, texts))
            if (len(items) - before) * _SHARE_BELOW > len(texts):
                self.share[i] = False
            return "shared", values
        values = list(map(str.encode, texts))
        joined = b"\x00" + b"\x00".join(values) + b"\x00"
        if joined.count(b"\x00") == len(values) + 1 and not any(pattern.search(joined) for pattern in _NEEDS_CARE):
            return "text", values
        return "escaped", [_text(str(neutralise(v))).encode() for v in texts]


Writers = dict[tuple[type, ...], "_RowsWriter | None"]


def _writer(kind: tuple[type, ...], writers: Writers, shared: _SharedStrings) -> _RowsWriter | None:
    """The fast writer of rows of these cell types, made on first use (None: none can)."""
    if kind not in writers:
        writers[kind] = (
            _RowsWriter(kind, shared)
            if len(kind) <= len(_LETTERS) and set(kind) <= {str, int, float, bool, type(None)}
            else None
        )
    return writers[kind]


def _chunk(first: int, rows: list[list[Cell]], writers: Writers, shared: _SharedStrings) -> bytes:
    """Rows ``first``… as XML: the fast way (``_RowsWriter``) when the chunk fits it, else
    cell by cell (``_row``), as every title, header and footer line is written."""
    if rows:
        writer = _writer(tuple(map(type, rows[0])), writers, shared)
        if writer is not None and writer.fits(rows):
            written = writer.write(rows, first)
            if written is not None:
                return written
    return "".join([_row(first + i, row) for i, row in enumerate(rows)]).encode()


def _column_chunk(first: int, columns: list[Sequence[Cell]], writers: Writers, shared: _SharedStrings) -> bytes:
    """``_chunk`` for rows given column by column (as many rows in each)."""
    if columns and columns[0]:
        writer = _writer(tuple(type(column[0]) for column in columns), writers, shared)
        if writer is not None and writer.fits_columns(columns):
            written = writer.write_columns(columns, first)
            if written is not None:
                return written
    rows = [list(row) for row in zip(*columns, strict=True)]
    return "".join([_row(first + i, row) for i, row in enumerate(rows)]).encode()


def column_rows(first: int, columns: list[Sequence[Cell]], shared: _SharedStrings) -> Iterator[bytes]:
    """Rows ``first``… given column by column, as XML a chunk at a time (as ``_sheet_xml``
    writes a sheet's rows)."""
    writers: Writers = {}
    count = len(columns[0]) if columns else 0
    for start in range(0, count, _ROWS_PER_WRITE):
        part = [column[start : start + _ROWS_PER_WRITE] for column in columns]
        yield _column_chunk(first + start, part, writers, shared)


def sheet_head(sheet: Sheet) -> tuple[str, int]:
    """The sheet's XML up to its column names (title, header lines, an empty row, the
    columns), and the number of that last row: the rows follow it."""
    head_row = 2 + len(sheet.header) + 1  # title, header lines, an empty row, the columns
    parts = [
        f'{_HEAD}<worksheet xmlns="{_MAIN}" xmlns:r="{_REL}"><sheetViews><sheetView workbookViewId="0">'
        f'<pane ySplit="{head_row}" topLeftCell="A{head_row + 1}" activePane="bottomLeft" state="frozen"/>'
        '<selection pane="bottomLeft"/></sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
    ]
    if sheet.widths:
        parts.append("<cols>" + "".join(
            f'<col min="{i}" max="{i}" width="{w + 2}" customWidth="1"/>'
            for i, w in enumerate(sheet.widths, start=1)
        ) + "</cols>")
    parts.append("<sheetData>")
    parts.append(_row(1, [sheet.title], _TITLE))
    n = 2
    for line in sheet.header:
        parts.append(_row(n, [line]))
        n += 1
    n += 1  # an empty row before the columns
    parts.append(_row(n, list(sheet.columns), _COLUMN))
    return "".join(parts), n


def sheet_foot(sheet: Sheet, last: int) -> str:
    """The sheet's XML after its rows, the last of which is row ``last``: an empty row, the
    footer lines, the closing tags."""
    parts = []
    if sheet.footer:
        n = last + 1  # an empty row before the footer
        for line in sheet.footer:
            n += 1
            parts.append(_row(n, [line]))
    parts.append("</sheetData></worksheet>")
    return "".join(parts)


def _sheet_xml(sheet: Sheet, shared: _SharedStrings) -> Iterator[str | bytes]:
    head, n = sheet_head(sheet)
    yield head
    rows = sheet.rows
    writers: Writers = {}
    for start in range(0, len(rows), _ROWS_PER_WRITE):
        yield _chunk(n + 1 + start, rows[start : start + _ROWS_PER_WRITE], writers, shared)
    yield sheet_foot(sheet, n + len(rows))


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
            '<Override PartName="/xl/sharedStrings.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
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
            f'<Relationship Id="rId{count + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId{count + 2}" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": _STYLES,
    }


@contextmanager
def _in_place(path: Path | str) -> Iterator[IO[bytes]]:
    """A file written beside ``path`` (0600: personal data) and renamed onto it when the
    block ends; removed if the block fails, so a reader never finds half a workbook."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.name + ".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    os.chmod(tmp, 0o600)
    os.replace(tmp, target)


def write_workbook(path: Path | str, sheets: list[Sheet]) -> Path:
    names = _sheet_names(sheets)
    shared = _SharedStrings()
    with gc_paused(), _in_place(path) as handle, zipfile.ZipFile(
        handle, "w", zipfile.ZIP_DEFLATED, compresslevel=1  # level 1: most of the size, a fifth of the time
    ) as book:
        for name, text in _parts(names).items():
            book.writestr(name, text)
        for i, sheet in enumerate(sheets, start=1):
            with book.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as part:
                _deflate_faster(part)
                for chunk in _sheet_xml(sheet, shared):
                    part.write(chunk if type(chunk) is bytes else chunk.encode())  # type: ignore[union-attr]
        with book.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            for chunk in shared.xml():
                part.write(chunk)
    return Path(path)


def _deflate_faster(part: IO[bytes]) -> None:
    """The member's deflate done by ISA-L (``isal``) instead of zlib, when it is installed:
    the same format (raw deflate, which zlib and every reader inflate), about a third of
    zlib level 1's time at the same size (0.19 against 0.52 s for 210 MB of a ledger's
    XML). zipfile has no way to be given a compressor, so the one it made for the member
    (nothing compressed yet) is replaced; with another zipfile, left as it is."""
    if _isal_zlib is None or getattr(part, "_compressor", None) is None:
        return
    part._compressor = _isal_zlib.compressobj(1, _isal_zlib.DEFLATED, -15)  # type: ignore[attr-defined]


# --- a workbook written in pieces ----------------------------------------------------------
# A member's deflate stream may be made in pieces by different processes and joined: every
# piece but the last ends with a sync flush (an empty stored block: byte-aligned, not the
# final block), so the pieces one after another are one stream, as pigz writes in parallel;
# the member's CRC is combined from the pieces' (crc32_combine).


class Piece(NamedTuple):
    """Part of a zip member: its deflated bytes, and the CRC-32 and length of what they hold."""

    data: list[bytes]
    crc: int
    size: int


def _compressor() -> Any:
    if _isal_zlib is not None:
        return _isal_zlib.compressobj(1, _isal_zlib.DEFLATED, -15)
    return zlib.compressobj(1, zlib.DEFLATED, -15)


def deflated(chunks: Iterator[str | bytes] | list[str | bytes], *, last: bool) -> Piece:
    """``chunks`` deflated as a piece of a member (``last``: the member's end)."""
    compressor = _compressor()
    data: list[bytes] = []
    crc = size = 0
    for chunk in chunks:
        raw = chunk if type(chunk) is bytes else chunk.encode()  # type: ignore[union-attr]
        crc = zlib.crc32(raw, crc)
        size += len(raw)
        out = compressor.compress(raw)
        if out:
            data.append(out)
    data.append(compressor.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH))
    return Piece(data, crc, size)


def crc32_combine(first: int, second: int, second_size: int) -> int:
    """The CRC-32 of two byte strings one after the other, from theirs. CRC-32 is affine in
    the data and the starting value, so crc(B, start=c) = crc(zeros, c) ^ crc(B) ^ crc(zeros)
    for zeros as long as B; ISA-L's combine does it without the zeros."""
    if _isal_zlib is not None:
        return int(_isal_zlib.crc32_combine(first, second, second_size))
    moved, plain = first, 0
    zeros = bytes(min(second_size, 1 << 20))
    left = second_size
    while left:
        step = zeros if left >= len(zeros) else zeros[:left]
        moved, plain = zlib.crc32(step, moved), zlib.crc32(step, plain)
        left -= len(step)
    return moved ^ second ^ plain


def joined(pieces: list[Piece]) -> Piece:
    """One member from its pieces in order (every one but the last deflated with ``last=False``)."""
    crc, size = pieces[0].crc, pieces[0].size
    for piece in pieces[1:]:
        crc = crc32_combine(crc, piece.crc, piece.size)
        size += piece.size
    return Piece([chunk for piece in pieces for chunk in piece.data], crc, size)


def merged_shared(parts: list[tuple[list[bytes], int]]) -> Piece:
    """The shared strings of a workbook whose pieces numbered theirs ``k * stride + offset``
    (``_SharedStrings(stride=len(parts), offset=i)``): each part's items taken in turn, an
    empty item where one part has fewer (never referred to). ``parts``: (items, refs)."""
    stride = len(parts)
    longest = max((len(items) for items, _refs in parts), default=0)
    empty = b'<si><t xml:space="preserve"></t></si>'
    items = [
        items[k] if k < len(items) else empty for k in range(longest) for items, _refs in parts
    ] if stride > 1 else list(parts[0][0]) if parts else []
    refs = sum(r for _items, r in parts)
    head = f'{_HEAD}<sst xmlns="{_MAIN}" count="{refs}" uniqueCount="{len(items)}">'.encode()
    body = (b"".join(items[start : start + _ROWS_PER_WRITE]) for start in range(0, len(items), _ROWS_PER_WRITE))
    return deflated([head, *body, b"</sst>"], last=True)


def workbook_members(names: list[str]) -> dict[str, Piece]:
    """The workbook's parts other than the sheets and the shared strings, deflated."""
    return {name: deflated([text], last=True) for name, text in _parts(names).items()}


_ZIP32 = 0xFFFFFFFF


def write_pieces(path: Path | str, members: list[tuple[str, Piece]]) -> Path:
    """A zip of members deflated already, written as ``write_workbook`` writes (``_in_place``).
    A plain zip (what zipfile writes for these parts: deflate, sizes in the local headers,
    no data descriptors); a member or the file beyond 4 GiB is refused (a sheet holds at
    most 1,048,576 rows in Excel, ~450 MB of XML)."""
    stamp = time.localtime()
    dos_time = stamp.tm_hour << 11 | stamp.tm_min << 5 | stamp.tm_sec // 2
    dos_date = (stamp.tm_year - 1980) << 9 | stamp.tm_mon << 5 | stamp.tm_mday
    with _in_place(path) as handle:
        central: list[bytes] = []
        offset = 0
        for name, piece in members:
            encoded = name.encode("ascii")
            compressed = sum(map(len, piece.data))
            if max(compressed, piece.size, offset) >= _ZIP32:
                raise ValueError(f"工作簿的 {name} 超过 4 GB，无法写入。请按乡镇分别导出。")
            fields = (20, 0, zipfile.ZIP_DEFLATED, dos_time, dos_date, piece.crc, compressed, piece.size)
            local = struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, len(encoded), 0) + encoded
            handle.write(local)
            handle.writelines(piece.data)
            central.append(
                struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 3 << 8 | 20, *fields, len(encoded),
                            0, 0, 0, 0, 0o600 << 16, offset) + encoded
            )
            offset += len(local) + compressed
        directory = b"".join(central)
        if offset + len(directory) >= _ZIP32:
            raise ValueError("工作簿超过 4 GB，无法写入。请按乡镇分别导出。")
        handle.write(directory)
        handle.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central),
                                 len(directory), offset, 0))
    return Path(path)


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
