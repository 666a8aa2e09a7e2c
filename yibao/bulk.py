"""Set-based writes: many rows of one table in one ``INSERT … executemany``.

An ORM object costs about 250 µs to build, track and flush; a row dict handed to
``sa.insert(table)`` costs a few. ``rows_for(model, values)`` completes each dict with
the model's own defaults (``default`` / ``default_factory``: ids, timestamps, status),
so a bulk row holds exactly what the ORM would have written. Used by the department
list import, the demo and the benchmark builders.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import date, datetime
from functools import lru_cache
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
    columns = list(table.columns)
    processors = [c.type._cached_bind_processor(dialect) for c in columns]
    names = ", ".join(f'"{c.name}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
    # Converted values are remembered per column: a bulk write repeats the same stamp,
    # dates and flags on most rows, and the conversion (UTC timestamps above all) costs
    # more than the insert itself.
    plan = [(name, default, factory, process, {}) for (name, default, factory), process in zip(spec, processors, strict=True)]
    for start in range(0, len(rows), _CHUNK):
        params = []
        for row in rows[start : start + _CHUNK]:
            values = []
            for name, default, factory, process, seen in plan:
                if name in row:
                    value = row[name]
                elif factory is not None:
                    value = factory()
                else:
                    value = default
                if process is not None and value is not None:
                    value = _converted(process, seen, value)
                values.append(value)
            params.append(tuple(values))
        connection.exec_driver_sql(sql, params)


_REMEMBERED = (date, datetime, bool, int, str)


def _converted(process: Callable[[Any], Any], seen: dict[Any, Any], value: Any) -> Any:
    if type(value) not in _REMEMBERED:  # JSON lists and dicts: not hashable, converted each time
        return process(value)
    # keyed by type too: True == 1 and a date is not a datetime, but both hash alike
    key = (type(value), value)
    done = seen.get(key, _MISSING)
    if done is _MISSING:
        if len(seen) > 200_000:  # unique values (ids, names): stop remembering
            seen.clear()
        done = seen[key] = process(value)
    return done


_MISSING = object()


def update_rows(
    session: Session, model: type[SQLModel], rows: Sequence[Mapping[str, Any]]
) -> None:
    """``UPDATE … WHERE id = :id`` for each row dict (``id`` plus the columns to set).

    Rows that set the same columns go in one ``executemany``.
    """
    table = model.__table__  # type: ignore[attr-defined]
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
            session.connection().execute(stmt, params[start : start + _CHUNK])


def analyze(session: Session, *tables: str) -> None:
    """Refresh the planner's statistics after a large write (SQLite ``PRAGMA optimize``,
    PostgreSQL ``ANALYZE``), so lookups keep their index plans."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(sa.text("PRAGMA optimize"))
    else:
        for table in tables:
            session.execute(sa.text(f'ANALYZE "{table}"'))
