"""Rows of any registry table as plain JSON values, and their content hash.

Bundles carry rows this way so that every table (including ones added later on the same
metadata) travels without a hand-written serialiser: dates and datetimes become ISO 8601
strings, everything else is already JSON. The hash of a row is the SHA-256 of its canonical
JSON; it is computed the same way on the hall and the laptop, SQLite or PostgreSQL.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel

import yibao.models  # noqa: F401  (registers the core tables)
import yibao.outreach.models  # noqa: F401
from yibao.bulk import insert_table_rows
from yibao.outreach.models import LOCAL_ONLY_TABLES

Row = dict[str, Any]


def _python_type(column: sa.Column[Any]) -> type | None:
    kind = column.type
    if isinstance(kind, sa.types.TypeDecorator):
        kind = kind.impl_instance
    if isinstance(kind, sa.DateTime):
        return datetime
    if isinstance(kind, sa.Date):
        return date
    return None


def encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def encode_row(table: sa.Table, row: Mapping[str, Any]) -> Row:
    return {col.name: encode_value(row[col.name]) for col in table.columns}


@functools.cache
def _column_types(table: sa.Table) -> tuple[tuple[str, type | None], ...]:
    return tuple((col.name, _python_type(col)) for col in table.columns)


def decode_row(table: sa.Table, data: Mapping[str, Any]) -> Row:
    out: Row = {}
    for name, kind in _column_types(table):
        if name not in data:
            continue  # a column the sender did not have: the default applies
        value = data[name]
        if value is not None and isinstance(value, str):
            if kind is datetime:
                value = datetime.fromisoformat(value)
            elif kind is date:
                value = date.fromisoformat(value)
        out[name] = value
    return out


def row_hash(encoded: Mapping[str, Any]) -> str:
    text = json.dumps(encoded, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def row_key(table: sa.Table, row: Mapping[str, Any]) -> str:
    """The primary key of a row as one string (composite keys joined with ``|``)."""
    return "|".join(str(row[col.name]) for col in table.primary_key.columns)


def key_clause(table: sa.Table, key: str) -> sa.ColumnElement[bool]:
    parts = key.split("|")
    cols = list(table.primary_key.columns)
    return sa.and_(*(col == part for col, part in zip(cols, parts, strict=True)))


def sync_tables() -> list[sa.Table]:
    """Tables whose rows travel between hall and laptop, parents before children."""
    return [t for t in SQLModel.metadata.sorted_tables if t.name not in LOCAL_ONLY_TABLES]


def table(name: str) -> sa.Table:
    return SQLModel.metadata.tables[name]


def self_refs(table_: sa.Table) -> list[str]:
    """Columns referring to the same table (e.g. a person's guardian): filled in a second pass."""
    return [
        fk.parent.name for fk in table_.foreign_keys if fk.column.table.name == table_.name
    ]


def fetch(conn: sa.Connection, table_: sa.Table, where: Any = None) -> list[Row]:
    stmt = sa.select(table_)
    if where is not None:
        stmt = stmt.where(where)
    pk = list(table_.primary_key.columns)
    return [encode_row(table_, r) for r in conn.execute(stmt.order_by(*pk)).mappings()]


def insert_rows(conn: sa.Connection, table_: sa.Table, rows: Iterable[Row]) -> int:
    """Insert encoded rows; self-references are set after all rows of the table are in."""
    refs = self_refs(table_)
    decoded = [decode_row(table_, r) for r in rows]
    if not decoded:
        return 0
    first = [{**r, **dict.fromkeys(refs)} for r in decoded] if refs else decoded
    insert_table_rows(conn, table_, first)
    for r in decoded:
        later = {c: r[c] for c in refs if r.get(c) is not None}
        if later:
            conn.execute(
                sa.update(table_).where(key_clause(table_, row_key(table_, r))).values(**later)
            )
    return len(decoded)


def metadata_tables() -> set[str]:
    return set(SQLModel.metadata.tables)
