"""The ledger workbook (``report ledgers``), written by two processes at once.

At 1.6 M residents the six sheets take ~8 s of CPU in one process: the four ledgers'
people (one query, half a million rows), their cells and XML, the subsidy ledger. The work is
cut in two *parts* by the ledgers' own order (county, town, village, name): part 0 writes
every ledger's rows before a boundary village, part 1 the rows from it on, the subsidy ledger,
its totals by source; part 0 also counts last year's payers gone. The boundary is chosen from
the kept counts (or the registry) so both parts take about as long. Each part makes its rows'
sheet XML and deflates it; the parent joins each ledger's pieces (its head, part 0's rows,
part 1's, its footer) into one member, merges the shared strings and writes the zip.

One moment for all six sheets. Both parts read one snapshot of the registry:
- SQLite (WAL): once the child has opened its connection (no read yet), the parent takes
  the write lock (``BEGIN IMMEDIATE`` on a connection of its own, waiting for a write under
  way as any write would), begins its read, tells the child to begin its own and lets the
  lock go when it has. No commit can come between the two reads' starts, so both see the
  last commit before the lock. Writers wait for two small reads on each side and a message
  to the child and back (milliseconds). The boundary is chosen after, in the snapshot.
- PostgreSQL: the parent's ``REPEATABLE READ`` transaction exports its snapshot
  (``pg_export_snapshot``) and the child's imports it (``SET TRANSACTION SNAPSHOT``).
Both report whether the kept counts serve; they must agree. Written in one process, both
parts run in one transaction (``REPEATABLE READ`` on PostgreSQL), and the file is the same:
the parts, their shared-string numbers and so every member's XML do not depend on where
they run (the tests compare them).

The child is forked before either side opens the registry (the engine's pool closed first):
SQLite keeps per-process state on an open file (the locks the process holds), which a
forked child would take over, so the fork happens only with the file closed in this process
(``_registry_open_here``). And only where fork is safe: Linux, two or more cores for this
process, no other thread running (a thread holding a lock at the fork would leave it held
in the child), a plain SQLite file or PostgreSQL. Otherwise the parts run one after the
other here. A part that fails ends the whole: no file, a Chinese message.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import threading
from collections.abc import Callable
from contextlib import ExitStack, suppress
from dataclasses import dataclass, field
from itertools import compress
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from yibao.reports import ledgers as L
from yibao.reports import workbook as W
from yibao.reports.base import Scope, gc_paused, table
from yibao.reports.sheet import Sheet

PARTS = 2
# How long the parent waits for the child to begin its read (the write lock is held till
# then) and, after that, for its part; a child that says nothing for this long is stopped.
READY_TIMEOUT_S = 60.0
PART_TIMEOUT_S = 3600.0
# The cost of a subsidy line against a ledger row (query, cells, XML), and of the count of
# last year's payers gone per resident: measured at 1.6 M (~25 µs, ~10 µs; ~0.3 s).
_SUBSIDY_WEIGHT = 2.5
_GONE_WEIGHT = 0.02


class LedgerBookFailed(RuntimeError):
    """The workbook could not be written; ``message`` is Chinese. No file is left."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class _Part:
    """What one part hands back: per ledger its rows' count and deflated XML, the whole
    subsidy sheets (part 1), the count gone (part 0), its shared strings."""

    counts: dict[str, int]
    pieces: dict[str, W.Piece]
    sheets: list[tuple[str, W.Piece, int]] = field(default_factory=list)  # name, member, rows
    gone: int = 0
    shared: tuple[list[bytes], int] = ([], 0)


def write_ledger_book(
    engine: Engine, scope: Scope, path: Path | str, *, full_ids: bool = False,
    processes: bool | None = None,
) -> dict[str, int]:
    """Write the ledger workbook (the four ledgers, the subsidy ledger and its totals by
    source) to ``path``; the rows of each sheet. ``processes``: None, two processes where
    fork is safe (``_can_fork``); True or False to say so (the tests). The caller holds no
    connection of ``engine`` (the pool's are closed before the fork)."""
    forked = _can_fork(engine) if processes is None else processes
    with gc_paused(), ExitStack() as stack:
        started = _start_child(engine, scope, full_ids) if forked else None
        forked = started is not None
        if started is not None:
            child, pipe = started
            stack.callback(_stop, child)
        conn = stack.enter_context(engine.connect())
        if engine.dialect.name == "postgresql":  # one snapshot for every statement
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        stack.enter_context(conn.begin())
        if not forked:
            boundary = _boundary(conn, scope)
            first = _run(conn, scope, 0, boundary, full_ids, lambda counts: _zeros())
            second = _run(conn, scope, 1, boundary, full_ids, lambda counts: dict(first.counts))
            return _assemble(path, scope, [first, second], full_ids)
        boundary = _begin_together(engine, conn, scope, child, pipe)
        mine = _run(conn, scope, 0, boundary, full_ids, lambda counts: _sent(pipe, child, counts))
        theirs = _result(child, pipe)
        return _assemble(path, scope, [mine, theirs], full_ids)
    raise AssertionError("unreachable")  # pragma: no cover


# --- the parts ------------------------------------------------------------------------------


def _zeros() -> dict[str, int]:
    return dict.fromkeys(L.LEDGERS, 0)


def _run(
    conn: sa.Connection, scope: Scope, index: int, boundary: L.Key | None, full_ids: bool,
    before: Callable[[dict[str, int]], dict[str, int]],
) -> _Part:
    """Part ``index``: its stretch of the ledgers (part 0 before ``boundary``, part 1 from it;
    None: part 0 has them all); part 0 also counts the gone, part 1 makes the subsidy sheets.
    ``before(counts)`` is given this part's rows per ledger once they are known and returns
    how many rows of each ledger come before this part's (part 0's, for part 1)."""
    shared = W._SharedStrings(stride=PARTS, offset=index)
    low, high = (None, boundary) if index == 0 else (boundary, None)
    if index == 1 and boundary is None:
        lines: list[Any] = []
        held: dict[str, list[str]] = {}
    else:
        lines, held = L._ledger_rows_on(conn, scope, L.LEDGERS, dates_as_text=True, low=low, high=high)
    columns = L._columns(lines, held, full_ids)
    flags = L.ledger_flags(lines)
    del lines, held
    mine = {which: [list(compress(column, flags[which])) for column in columns] for which in L.LEDGERS}
    del columns, flags
    counts = {which: len(cells[0]) for which, cells in mine.items()}
    part = _Part(counts=counts, pieces={})
    if index == 0:
        part.gone = L._gone_on(conn, scope)
    else:
        subsidy = L.subsidy_sheets_of(scope, L._subsidy_ledger_on(conn, scope), full_ids=full_ids)
    earlier = before(counts)
    for which in L.LEDGERS:
        cells = mine.pop(which)
        _head, last = W.sheet_head(L.ledger_frame(scope, which, 0, 0, full_ids=full_ids))
        start = earlier[which]
        numbers = list(range(start + 1, start + 1 + counts[which]))
        part.pieces[which] = W.deflated(W.column_rows(last + 1 + start, [numbers, *cells], shared), last=False)
        del cells, numbers
    if index == 1:
        for sheet in subsidy:
            part.sheets.append((sheet.name, W.deflated(W._sheet_xml(sheet, shared), last=True), len(sheet.rows)))
        del subsidy
    part.shared = (shared.items, shared.refs)
    return part


def _boundary(conn: sa.Connection, scope: Scope) -> L.Key | None:
    """The (county, town, village) part 1 begins at, so both parts take about as long: part
    0 the ledger rows before it and the count gone, part 1 those from it on and the subsidy
    lines. The rows per village are estimated (registered and not paid on the day) from the
    kept counts, else counted on the registry. None: part 0 takes every ledger row."""
    from yibao.reports import tally

    counts = tally.village_counts(
        conn, region_code=scope.policy.region_code, year=scope.year, as_of=scope.as_of,
        week_ago=scope.as_of, town=scope.town,
    )
    if counts is not None:
        rows = {(c.county, c.town, c.village): max(c.registered - c.paid, 0) for c in counts}
        residents = sum(c.registered for c in counts)
    else:
        rows = _registered_by_village(conn, scope)
        residents = sum(rows.values())
    payment = table("payment")
    subsidised = conn.scalar(
        sa.select(sa.func.count()).select_from(payment).where(
            payment.c.benefit_year == scope.year, payment.c.paid_on <= scope.as_of,
            payment.c.subsidy_fen > sa.literal_column("0"),  # the partial index's condition
        )
    ) or 0
    gone = _GONE_WEIGHT * residents
    half = (sum(rows.values()) + _SUBSIDY_WEIGHT * subsidised + gone) / PARTS
    taken = gone  # part 0's
    for key in sorted(rows):  # code point order, as the ledgers are ordered
        if taken + rows[key] / 2 > half:
            return key
        taken += rows[key]
    return None


def _registered_by_village(conn: sa.Connection, scope: Scope) -> dict[L.Key, int]:
    from yibao.reports.base import persons_with_place, place_columns, town_filter

    person = table("person")
    county, town, village = place_columns(scope.policy.region_code)
    query = (
        sa.select(county, town, village, sa.func.count())
        .select_from(persons_with_place())
        .where(person.c.status == "active", person.c.employee_insured.is_(False), *town_filter(scope))
        .group_by(county, town, village)
    )
    return {(c, t, v): int(n) for c, t, v, n in conn.execute(query)}


# --- the child ------------------------------------------------------------------------------


def _can_fork(engine: Engine) -> bool:
    """Fork is safe and worth it here: Linux, two cores or more for this process, no other
    thread (one holding a lock at the fork would leave it held in the child), and for
    SQLite a plain file (a SQLCipher laptop registry is written in one process)."""
    if not sys.platform.startswith("linux") or threading.active_count() > 1:
        return False
    if len(os.sched_getaffinity(0)) < 2:
        return False
    if engine.dialect.name == "sqlite":
        module = getattr(engine.dialect.dbapi, "__name__", "")
        return module.split(".")[0] == "sqlite3" and bool(engine.url.database)
    return engine.dialect.name == "postgresql"


def _registry_open_here(engine: Engine) -> bool:
    """True when this process still has the SQLite file (or its -wal / -shm) open. SQLite
    keeps per-process state on an open file (which locks the process holds): a child forked
    then would take it over, and its own connection could read without the locks a reader
    needs. So the fork happens with the file closed, and each side opens its own."""
    database = engine.url.database
    if engine.dialect.name != "sqlite" or not database:
        return False
    base = os.path.realpath(database)
    names = {base, base + "-wal", base + "-shm", base + "-journal"}
    for fd in os.listdir("/proc/self/fd"):
        try:
            if os.readlink(f"/proc/self/fd/{fd}") in names:
                return True
        except OSError:
            continue
    return False


@dataclass
class _Child:
    process: Any


def _start_child(engine: Engine, scope: Scope, full_ids: bool) -> tuple[_Child, Any] | None:
    """Fork the child for part 1, with no registry connection open here (``engine``'s pool
    closed first: ``_registry_open_here``); it opens its own and waits to be told to begin its read. None (the
    parts are then run here) when the file is still open in this process: a connection
    held elsewhere."""
    # The pool's connections closed; not ``engine.dispose()``, whose event lets go of the
    # registry's shared lock (``yibao.outreach.lock``), which must stay held.
    engine.pool.dispose()
    if _registry_open_here(engine):
        return None
    context = multiprocessing.get_context("fork")
    mine, theirs = context.Pipe()
    process = context.Process(target=_child_main, args=(engine, scope, full_ids, theirs, mine), daemon=True)
    process.start()
    theirs.close()
    child = _Child(process)
    try:
        _expect(mine, child, "connected", READY_TIMEOUT_S)
    except BaseException:
        _stop(child)
        raise
    return child, mine


def _begin_together(engine: Engine, conn: sa.Connection, scope: Scope, child: _Child, pipe: Any) -> L.Key | None:
    """Begin the parent's read and the child's on one snapshot (see the module's note);
    then choose the boundary (in that snapshot, the lock let go) and hand it to the child."""
    with ExitStack() as held:
        snapshot = None
        if engine.dialect.name == "postgresql":
            snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
        else:
            held.enter_context(_write_lock(held.enter_context(engine.connect())))
        serves = L._tally_serves(conn, scope)  # the parent's first read: its snapshot
        pipe.send(("begin", snapshot))
        message = _expect(pipe, child, "begun", READY_TIMEOUT_S)
        if message[1] != serves:
            raise LedgerBookFailed("生成台账时两个进程读到的登记库不一致，未写入文件。请重试。")
    boundary = _boundary(conn, scope)
    pipe.send(("boundary", boundary))
    return boundary


class _write_lock:  # noqa: N801  (a context manager, used as one)
    """SQLite's write lock held on ``connection`` for the block (``BEGIN IMMEDIATE``, waiting
    as a write does), then let go: nothing is written."""

    def __init__(self, connection: sa.Connection) -> None:
        from yibao.db import IMMEDIATE_OPTION

        self.connection = connection.execution_options(**{IMMEDIATE_OPTION: True})

    def __enter__(self) -> None:
        self.transaction = self.connection.begin()

    def __exit__(self, *exc: object) -> None:
        self.transaction.rollback()


def _child_main(engine: Engine, scope: Scope, full_ids: bool, pipe: Any, parents: Any) -> None:
    """Part 1 in the forked child; every outcome goes back through ``pipe`` (never a
    traceback on the clerk's screen). The parent's end, inherited, is closed first: so if
    the parent dies the child's next read ends (EOF) instead of waiting for ever."""
    parents.close()
    try:
        engine.pool = engine.pool.recreate()  # nothing of the parent's pool is used here
        with gc_paused(), engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                conn = conn.execution_options(isolation_level="REPEATABLE READ")
            conn.exec_driver_sql("SELECT 1")  # connected (SQLite: the file opened, no read yet)
            conn.rollback()
            pipe.send(("connected",))
            message = pipe.recv()
            if message[0] != "begin":
                return
            snapshot = message[1]
            with conn.begin():
                if snapshot is not None:
                    conn.exec_driver_sql(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
                pipe.send(("begun", L._tally_serves(conn, scope)))  # its first read: begun
                message = pipe.recv()
                if message[0] != "boundary":
                    return
                boundary = message[1]

                def before(counts: dict[str, int]) -> dict[str, int]:
                    message = pipe.recv()
                    if message[0] != "counts":
                        raise LedgerBookFailed("主进程已停止。")
                    return dict(message[1])

                part = _run(conn, scope, 1, boundary, full_ids, before)
        pipe.send(("done", part))
    except BaseException as exc:  # noqa: BLE001  (said to the parent, which says it in Chinese)
        with suppress(BaseException):  # the parent may be gone: nothing to tell then
            pipe.send(("failed", getattr(exc, "message", None), type(exc).__name__))
    finally:
        pipe.close()


def _sent(pipe: Any, child: _Child, counts: dict[str, int]) -> dict[str, int]:
    """Part 0's counts to the child (which numbers its rows after them); part 0 is first.
    A child already gone has said why (or died): that is raised."""
    try:
        pipe.send(("counts", counts))
    except OSError:
        _expect(pipe, child, "counts taken", READY_TIMEOUT_S)
        raise LedgerBookFailed("生成台账的后台进程提前结束，未写入文件。请重试。") from None
    return _zeros()


def _expect(pipe: Any, child: _Child, tag: str, timeout: float) -> tuple[Any, ...]:
    """The child's next message, which must be ``tag``; else ``LedgerBookFailed`` saying why."""
    if not pipe.poll(timeout):
        raise LedgerBookFailed("生成台账的后台进程长时间没有响应，已停止，未写入文件。请稍后重试。")
    try:
        message = tuple(pipe.recv())
    except (EOFError, OSError):
        child.process.join(5)
        raise LedgerBookFailed(
            f"生成台账的后台进程意外退出（退出码 {child.process.exitcode}），未写入文件。"
            "请重试；如仍失败，请联系维护人员。"
        ) from None
    if message[0] == tag:
        return message
    if message[0] == "failed":
        said, kind = message[1], message[2]
        raise LedgerBookFailed(
            f"生成台账失败：{said}未写入文件。" if said else
            f"生成台账时后台进程出错（{kind}），未写入文件。请重试；如仍失败，请联系维护人员。"
        )
    raise LedgerBookFailed(f"生成台账的后台进程答非所问（{message[0]}），未写入文件。请重试。")


def _result(child: _Child, pipe: Any) -> _Part:
    message = _expect(pipe, child, "done", PART_TIMEOUT_S)
    child.process.join(5)
    return message[1]  # type: ignore[no-any-return]


def _stop(child: _Child) -> None:
    """The child ended (at once if it is still running) and reaped."""
    if child.process.is_alive():
        child.process.terminate()
    child.process.join(5)
    if child.process.is_alive():
        child.process.kill()
        child.process.join()


# --- the file ------------------------------------------------------------------------------


def _assemble(path: Path | str, scope: Scope, parts: list[_Part], full_ids: bool) -> dict[str, int]:
    """Each ledger's member from its head, the parts' rows and its footer; the subsidy
    sheets as part 1 wrote them; the shared strings merged; the zip written."""
    gone = parts[0].gone
    members: list[tuple[str, W.Piece]] = []
    rows: dict[str, int] = {}
    for which in L.LEDGERS:
        count = sum(p.counts[which] for p in parts)
        frame = L.ledger_frame(scope, which, count, gone, full_ids=full_ids)
        head, last = W.sheet_head(frame)
        pieces = [W.deflated([head], last=False), *(p.pieces[which] for p in parts),
                  W.deflated([W.sheet_foot(frame, last + count)], last=True)]
        members.append((which, W.joined(pieces)))
        rows[which] = count
    for name, piece, count in parts[1].sheets:
        members.append((name, piece))
        rows[name] = count
    names = W._sheet_names([Sheet(name=name, title="", header=[], columns=[]) for name, _p in members])
    parts_xml = W.workbook_members(names)
    files = [*parts_xml.items()]
    files += [(f"xl/worksheets/sheet{i}.xml", piece) for i, (_name, piece) in enumerate(members, start=1)]
    files.append(("xl/sharedStrings.xml", W.merged_shared([p.shared for p in parts])))
    W.write_pieces(path, files)
    return rows
