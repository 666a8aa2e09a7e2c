"""Set-based writes: many rows of one table in one ``INSERT … executemany``.

An ORM object costs about 250 µs to build, track and flush; a row dict handed to
``sa.insert(table)`` costs a few. ``rows_for(model, values)`` completes each dict with
the model's own defaults (``default`` / ``default_factory``: ids, timestamps, status),
so a bulk row holds exactly what the ORM would have written. Used by the department
list import, the demo and the benchmark builders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from functools import lru_cache
from operator import itemgetter
from typing import Any

import sqlalchemy as sa
from pydantic_core import PydanticUndefined
from sqlalchemy.orm import Session
from sqlmodel import SQLModel

_CHUNK = 5000


@lru_cache(maxsize=64)
def _defaults(model: type[SQLModel]) -> tuple[tuple[str, Any, Any], ...]:
    """(column, static default, factory) for every column of ``model``'s table."""
    out: list[tuple[str, Any, Any]] = []
    fields = model.model_fields
    for column in model.__table__.columns:  # type: ignore[attr-defined]
        field = fields.get(column.name)
        if field is None:
            out.append((column.name, None, None))
            continue
        default = None if field.default is PydanticUndefined else field.default
        out.append((column.name, default, field.default_factory))
    return tuple(out)


def rows_for(model: type[SQLModel], values: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Complete row dicts for ``model``'s table (every column present, defaults applied)."""
    spec = _defaults(model)
    out: list[dict[str, Any]] = []
    for given in values:
        row: dict[str, Any] = {}
        for name, default, factory in spec:
            if name in given:
                row[name] = given[name]
            elif factory is not None:
                row[name] = factory()
            else:
                row[name] = default
        out.append(row)
    return out


def insert_rows(session: Session, model: type[SQLModel], rows: Sequence[Mapping[str, Any]]) -> None:
    """``INSERT`` rows (missing columns get the model's defaults, see ``rows_for``) in
    batches of 5,000, in ``session``'s transaction.

    On SQLite the values go through each column type's own bind processor (the same
    conversion SQLAlchemy applies: dates, UTC timestamps, JSON) and then straight to
    ``sqlite3``'s ``executemany``: SQLAlchemy's per-row parameter handling is most of
    the cost of a bulk insert there. Elsewhere ``sa.insert(table)`` with the dicts.
    """
    if not rows:
        return
    table = model.__table__  # type: ignore[attr-defined]
    spec = _defaults(model)
    connection = session.connection()
    dialect = connection.dialect
    if dialect.name != "sqlite":
        complete = rows if all(name in rows[0] for name, _, _ in spec) else rows_for(model, rows)
        for start in range(0, len(complete), _CHUNK):
            session.execute(sa.insert(table), list(complete[start : start + _CHUNK]))
        return
    _insert_sqlite(connection, table, rows, lambda row: _completed(row, spec))


def insert_table_rows(connection: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """``INSERT`` rows of ``table`` in ``connection``'s transaction, as ``insert_rows`` does
    (on SQLite: each column's bind processor, then ``executemany`` on the driver), for rows
    of a table rather than a model (the outreach sync). Rows that do not name every column
    go through ``sa.insert``, which applies the columns' own defaults."""
    if not rows:
        return
    names = {c.name for c in table.columns}
    if connection.dialect.name != "sqlite" or not all(row.keys() >= names for row in rows):
        for start in range(0, len(rows), _CHUNK):
            connection.execute(sa.insert(table), list(rows[start : start + _CHUNK]))
        return
    _insert_sqlite(connection, table, rows, None)


def _insert_sqlite(
    connection: sa.Connection,
    table: sa.Table,
    rows: Sequence[Mapping[str, Any]],
    complete: Callable[[Mapping[str, Any]], tuple[Any, ...]] | None,
) -> None:
    dialect = connection.dialect
    columns = list(table.columns)
    processors = [c.type._cached_bind_processor(dialect) for c in columns]
    names = [c.name for c in columns]
    quoted = ", ".join(f'"{name}"' for name in names)
    marks = ", ".join("?" for _ in columns)
    sql = f'INSERT INTO "{table.name}" ({quoted}) VALUES ({marks})'
    take = itemgetter(*names) if len(names) > 1 else lambda row: (row[names[0]],)
    processed = [(i, process) for i, process in enumerate(processors) if process is not None]
    for start in range(0, len(rows), _CHUNK):
        chunk = rows[start : start + _CHUNK]
        try:  # rows that name every column (the demo's, the import's): a C-level pick
            picked = list(map(take, chunk))
        except KeyError:
            if complete is None:
                raise
            picked = [complete(row) for row in chunk]
        if processed:
            # Column by column: a bulk write repeats the same stamp, dates and flags on most
            # rows, and the conversion (UTC timestamps above all) costs more than the insert;
            # each distinct value of a column is converted once.
            values = list(zip(*picked, strict=True))
            for i, process in processed:
                values[i] = _converted_column(values[i], process)
            picked = list(zip(*values, strict=True))
        connection.exec_driver_sql(sql, picked)


def _completed(row: Mapping[str, Any], spec: tuple[tuple[str, Any, Any], ...]) -> tuple[Any, ...]:
    return tuple(
        row[name] if name in row else (factory() if factory is not None else default)
        for name, default, factory in spec
    )


def _converted_column(values: Sequence[Any], process: Callable[[Any], Any]) -> Sequence[Any]:
    try:
        distinct = set(values)
    except TypeError:  # JSON lists and dicts are not hashable: converted one by one
        return [None if v is None else process(v) for v in values]
    distinct.discard(None)
    if len({type(v) for v in distinct}) > 1:
        # mixed types in one column (True and 1, 1 and 1.0 hash alike): one by one
        return [None if v is None else process(v) for v in values]
    done = {value: process(value) for value in distinct}
    return list(map(done.get, values))  # None is not a key: stays None


def update_rows(
    session: Session, model: type[SQLModel], rows: Sequence[Mapping[str, Any]]
) -> None:
    """``UPDATE … WHERE id = :id`` for each row dict (``id`` plus the columns to set).

    Rows that set the same columns go in one ``executemany``.
    """
    update_table_rows(session.connection(), model.__table__, rows)  # type: ignore[attr-defined]


def update_table_rows(connection: sa.Connection, table: sa.Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """``update_rows`` for a table rather than a model, in ``connection``'s transaction."""
    groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
    for row in rows:
        columns = tuple(sorted(k for k in row if k != "id"))
        groups.setdefault(columns, []).append({"_id": row["id"], **{k: row[k] for k in columns}})
    for columns, params in groups.items():
        stmt = (
            sa.update(table)
            .where(table.c.id == sa.bindparam("_id"))
            .values({c: sa.bindparam(c) for c in columns})
        )
        for start in range(0, len(params), _CHUNK):
            connection.execute(stmt, params[start : start + _CHUNK])


def analyze(session: Session, *tables: str) -> None:
    """Refresh the planner's statistics after a large write (SQLite ``PRAGMA optimize``,
    PostgreSQL ``ANALYZE``), so lookups keep their index plans."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(sa.text("PRAGMA optimize"))
    else:
        for table in tables:
            session.execute(sa.text(f'ANALYZE "{table}"'))


@contextmanager
def indexes_deferred(session: Session, tables: Sequence[str]) -> Iterator[None]:
    """Fill ``tables`` without their secondary indexes, then build them (SQLite only).

    Inside the block the named indexes of ``tables`` are dropped; on leaving it they are
    created again from their own ``CREATE INDEX`` text in ``sqlite_master``, so the schema
    is exactly what it was. Keeping eight indexes up to date row by row costs several times
    more than building each once from the finished table. All of it runs in ``session``'s
    transaction: a failure rolls the drops back with the rows. The primary keys and
    ``UNIQUE`` constraints (``sqlite_autoindex_…``) stay, so duplicates are still refused
    row by row. Elsewhere (PostgreSQL) the block runs with the indexes in place.
    """
    if session.get_bind().dialect.name != "sqlite":
        yield
        return
    marks = ", ".join(f":t{i}" for i in range(len(tables)))
    indexes = session.execute(
        sa.text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
            f" AND tbl_name IN ({marks}) ORDER BY name"
        ),
        {f"t{i}": name for i, name in enumerate(tables)},
    ).all()
    connection = session.connection()
    for name, _sql in indexes:
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
    yield
    for _name, sql in indexes:
        connection.exec_driver_sql(sql)  # not sa.text: the text may hold a ':'
