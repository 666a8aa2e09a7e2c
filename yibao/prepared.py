"""A hot read as a prepared statement: compiled once per dialect, run on the driver's cursor.

SQLAlchemy spends 20–40 µs on each ``Connection.execute`` (cache key, execution context,
result metadata) around a query the database answers in 5–10 µs. The F2 quote reads a
person's rows with five such queries on every keystroke, so that overhead was most of its
cost. ``Prepared(stmt).rows(connection, pid=…)`` runs the same SQL the dialect compiles
for ``stmt``, on the connection's own transaction, and converts each column with its type's
result processor (dates on SQLite, UTC timestamps, JSON, booleans): the rows hold the same
values ``Connection.execute`` would give, as named tuples (attribute access by column key).
"""

from __future__ import annotations

import re
from collections import namedtuple
from collections.abc import Callable, Iterator, Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa


class _Compiled(NamedTuple):
    sql: str
    positions: tuple[str, ...] | None  # bind names in order for a positional paramstyle
    defaults: dict[str, Any]  # literal binds of the statement (e.g. a status compared with)
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]  # bind processors (dates on SQLite)
    row: Callable[..., Any]  # the row class
    # (column, result processor); None until the first result gives the cursor's description
    processors: list[tuple[int, Callable[[Any], Any]]] | None


class Prepared:
    """``stmt`` (a ``SELECT``) compiled per dialect on first use."""

    def __init__(self, stmt: sa.Select[Any]) -> None:
        self._stmt = stmt
        self._columns = list(stmt.selected_columns)
        self._compiled: dict[tuple[str, str], _Compiled] = {}

    def _compile(self, dialect: sa.Dialect, names: Sequence[str]) -> _Compiled:
        # ``IN`` lists rendered into the SQL (one parameter per value, ``name_1`` …), as
        # SQLAlchemy renders them at execution: the statement's lists are its own.
        compiled = self._stmt.compile(dialect=dialect, compile_kwargs={"render_postcompile": True})
        defaults = compiled.construct_params(dict.fromkeys(names))
        binds: dict[str, Callable[[Any], Any]] = {}  # a bind may be listed under two keys
        for bind in compiled.binds.values():
            process = bind.type._cached_bind_processor(dialect)
            if process is None:
                continue
            # By the name the SQL uses (an anonymous bind, a literal the statement compares
            # with, is keyed otherwise in ``binds``); a list's values each by theirs.
            name = compiled.bind_names[bind]
            if bind.expanding:
                binds.update((key, process) for key in defaults if re.fullmatch(rf"{re.escape(name)}_\d+", key))
            else:
                binds[name] = process
        return _Compiled(
            sql=compiled.string,
            positions=tuple(compiled.positiontup or ()) if compiled.positional else None,
            defaults=defaults,
            binds=tuple(binds.items()),
            row=namedtuple("Row", [str(c.key) for c in self._columns], rename=True),  # type: ignore[misc]
            processors=None,
        )

    def rows(self, connection: sa.Connection, **params: Any) -> tuple[Any, ...]:
        """Every row for ``params``, read in ``connection``'s current transaction (which the
        caller has begun: ``Session.connection()`` returns one that has)."""
        raw, processors, compiled = self._read(connection, params)
        make = compiled.row._make  # type: ignore[attr-defined]
        if not processors:
            return tuple(map(make, raw))
        return tuple(map(make, _converted(raw, processors)))

    def tuples(self, connection: sa.Connection, **params: Any) -> list[tuple[Any, ...]]:
        """``rows`` as plain tuples, in a list: for a large read (half a million rows) that
        sorts and picks columns by position, where a named tuple each costs time to make
        and a ``Row`` to index."""
        raw, processors, _compiled = self._read(connection, params)
        if not processors:
            return list(raw)
        return list(map(tuple, _converted(raw, processors)))

    def _read(
        self, connection: sa.Connection, params: dict[str, Any]
    ) -> tuple[list[Any], list[tuple[int, Callable[[Any], Any]]], _Compiled]:
        if not connection.in_transaction():
            raise RuntimeError("Prepared.rows runs inside the caller's transaction")
        dialect = connection.dialect
        which = (dialect.name, dialect.driver)
        compiled = self._compiled.get(which)
        if compiled is None:
            compiled = self._compiled[which] = self._compile(dialect, tuple(params))
        args: Any = {**compiled.defaults, **params}
        for name, process in compiled.binds:
            if args[name] is not None:
                args[name] = process(args[name])
        if compiled.positions is not None:
            args = tuple(args[name] for name in compiled.positions)
        raw, description = _run(connection, compiled.sql, args)
        processors = compiled.processors
        if processors is None:
            processors = self._processors(dialect, description)
            self._compiled[which] = compiled._replace(processors=processors)
        return raw, processors, compiled

    def _processors(
        self, dialect: sa.Dialect, description: Sequence[Sequence[Any]]
    ) -> list[tuple[int, Callable[[Any], Any]]]:
        out: list[tuple[int, Callable[[Any], Any]]] = []
        for i, column in enumerate(self._columns):
            process = column.type._cached_result_processor(dialect, description[i][1])
            if process is not None:
                out.append((i, process))
        return out


def _converted(raw: list[Any], processors: list[tuple[int, Callable[[Any], Any]]]) -> Iterator[list[Any]]:
    for values in raw:
        converted = list(values)
        for i, process in processors:
            converted[i] = process(converted[i])
        yield converted


def driver_rows(
    connection: sa.Connection, sql: str, params: Sequence[object]
) -> list[tuple[Any, ...]]:
    """Every row of ``sql`` (the driver's own SQL and positional parameters), read on the
    driver's cursor in ``connection``'s transaction, as the driver gives them: for a large
    read of plain text columns, where ``exec_driver_sql`` would still build a SQLAlchemy
    row per result row (the department list import matches 100,000 ID numbers)."""
    return _run(connection, sql, params)[0]


def _run(connection: sa.Connection, sql: str, args: Any) -> tuple[list[Any], Any]:
    """``sql`` on a driver cursor of ``connection``: (rows, cursor description)."""
    dialect = connection.dialect
    cursor = connection.connection.cursor()
    try:
        # Whoever watches the statements (``before_cursor_execute``: logging, the tests
        # that count a quote's reads) sees these too, as SQLAlchemy calls them
        # (without an execution context).
        for listener in connection.dispatch.before_cursor_execute:
            sql, args = listener(connection, cursor, sql, args, None, False)
        try:
            cursor.execute(sql, args)
            raw = cursor.fetchall()
        except dialect.loaded_dbapi.Error as exc:
            # The same exception a caller of ``Connection.execute`` would see.
            raise sa.exc.DBAPIError.instance(
                sql, args, exc, dialect.loaded_dbapi.Error, dialect=dialect
            ) from exc
        for listener in connection.dispatch.after_cursor_execute:
            listener(connection, cursor, sql, args, None, False)
        return raw, cursor.description
    finally:
        cursor.close()
