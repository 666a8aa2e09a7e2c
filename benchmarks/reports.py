"""Report speed at county scale: ``python benchmarks/reports.py [--persons 1600000] [--db FILE]``.

Builds (or reuses, with ``--db``) a SQLite registry through ``yibao.db.open_registry`` (the
Alembic schema and indexes) holding ``--persons`` residents of 商南 spread over 附件2's ten
towns and eight villages each, filled with set-based ``INSERT … SELECT`` from a recursive
sequence: households of four (the place on the household, as a real registry has it, and on
the person), about 80 % paid last year (2024) in the registry and 5 % more by last year's
imported payer list (``prior_enrolment``, one ``import_batch``), 70 % paid this year (2025, paid_on spread over
the collection period), 5 % holding 低保 (all of them paid, with the subsidy) and 2.5 % holding
特困 (none of them paid: the 特殊身份 ledger's people), 1 % of this year's payments refunded.
Then, for each report, times the report as the desk and the CLI run it (``yibao.reports``) and,
in the same run, raw ``sqlite3`` SQL computing the same figures on the same file (for progress:
every village's registered, paid, paid a week before, last year's payers, refunded and gone,
and each identity's holders and payers), and prints both times (wall and CPU: the machine may
be shared, CPU time is the steadier) and the figures (they must agree). Figures only: nothing
here asserts a time.
Target (issue 12): each report ≤ 5 s at 1.6 M; F7 renders ≤ 1 s (its service call is the
``progress`` line; the screen adds the table and the chart).

Each ledger is timed as ``report ledgers`` makes it: the query, the sheet's rows (ID numbers
masked, labels) and the sheet written as an .xlsx; beside it the raw SQL listing the same
people, written out by ``csv.writer`` (the cheapest way to put the rows in a file). The whole
workbook (the six sheets of ``report ledgers``, ``write_ledger_book``: two processes where fork
is usable, their CPU added up; and ``ledger workbook, one process``: the same file written
without a child) is timed beside the raw SQL of all five lists written by ``csv.writer``; with ``--openpyxl``, by openpyxl in write-only mode (the
straightforward way to write an .xlsx, no masking: ~85 s of CPU at 1.6 M). Both sides run
with the cyclic collector paused and drop their rows before it runs again, as
``write_ledgers`` does (``yibao.reports.base.gc_paused``). The ledgers read who is in them
from the kept counts when those are built (the progress lines build them; ``--only ledger``
on a file without them times the registry's query).

The progress counts (``yibao.reports.tally``) are built once after the fill (``rebuild``,
timed and printed; a reused file keeps them); ``progress`` reads them, ``progress, direct``
is the same report computed from the registry (the tally bypassed), both beside the raw SQL.
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from statistics import median
from typing import Any

from sqlmodel import Session

from yibao.db import open_registry, sqlite_url, write_engine
from yibao.policy import load_policy
from yibao.reports import tally
from yibao.reports.base import Scope, end_of_day_utc, gc_paused
from yibao.reports.ledger_book import _can_fork, write_ledger_book
from yibao.reports.ledgers import (
    HUKOU,
    LAST_YEAR,
    SPECIAL,
    ledger_sheet,
    subsidy_sheets,
)
from yibao.reports.progress import _subsidised_codes, progress
from yibao.reports.weekly import weekly
from yibao.reports.workbook import write_workbook
from yibao.targets import load_targets

AS_OF = date(2024, 12, 20)
VILLAGES = ("河口村", "王家庄村", "柳树沟村", "石门村", "白杨村", "新庄村", "东坡村", "张家湾村")


def fill(path: Path, persons: int) -> None:
    engine = open_registry(sqlite_url(path))
    engine.dispose()
    towns = [t.area for t in load_targets("shangnan-2024")]
    con = sqlite3.connect(path)
    con.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF;")
    con.execute("CREATE TEMP TABLE towns(i INTEGER PRIMARY KEY, name TEXT)")
    con.executemany("INSERT INTO towns VALUES (?, ?)", list(enumerate(towns)))
    con.execute("CREATE TEMP TABLE villages(i INTEGER PRIMARY KEY, name TEXT)")
    con.executemany("INSERT INTO villages VALUES (?, ?)", list(enumerate(VILLAGES)))
    stamp = "'2024-09-01 00:00:00.000000'"
    con.execute(
        f"""
        INSERT INTO household (id, number, hukou_region, town, village, device_id, created_at, updated_at)
        WITH RECURSIVE seq(n) AS (SELECT 0 UNION ALL SELECT n + 1 FROM seq WHERE n < {persons // 4})
        SELECT 'h' || n, '611023' || printf('%08d', n), '611023',
            (SELECT name FROM towns WHERE i = (4 * n) % 10),
            (SELECT name FROM villages WHERE i = ((4 * n) / 10) % 8), 'bench', {stamp}, {stamp}
        FROM seq
        """
    )
    con.execute(
        f"""
        INSERT INTO person (id, id_number, id_tail, name, name_initials, sex, birth_date,
            hukou_region, town, village, address, employee_insured, status, household_id, device_id,
            created_at, updated_at)
        WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {persons})
        SELECT 'p' || n, '611023' || printf('%012d', n), printf('%06d', n % 1000000),
            '居民' || n, 'jm', CASE n % 2 WHEN 0 THEN '2' ELSE '1' END, '1980-01-01', '611023',
            (SELECT name FROM towns WHERE i = n % 10), (SELECT name FROM villages WHERE i = (n / 10) % 8),
            NULL, CASE WHEN n % 50 = 0 THEN 1 ELSE 0 END,
            CASE WHEN n % 200 = 0 THEN 'moved_out' ELSE 'active' END, 'h' || (n / 4), 'bench',
            {stamp}, {stamp}
        FROM seq
        """
    )
    for year, share in ((2024, 8), (2025, 7)):
        con.execute(
            f"""
            INSERT INTO enrolment (id, person_id, benefit_year, category, insured_region, policy_id,
                status, registered_on, device_id, created_at, updated_at)
            SELECT 'e{year}' || substr(id, 2), id, {year}, 'general', '611023', 'shangnan-2025',
                'paid', '2024-09-01', 'bench', {stamp}, {stamp}
            FROM person WHERE CAST(substr(id, 2) AS INTEGER) % 10 < {share}
            """
        )
        con.execute(
            f"""
            INSERT INTO payment (id, person_id, enrolment_id, benefit_year, receipt_no, channel,
                standard_fen, subsidy_fen, personal_fen, extras_fen, amount_fen, subsidy_identity,
                policy_id, paid_at, paid_on, status, device_id, created_at, updated_at)
            SELECT 'y{year}' || substr(person_id, 2), person_id, id, {year},
                'B{year}-' || substr(person_id, 2), 'cash', 40000,
                CASE WHEN CAST(substr(person_id, 2) AS INTEGER) % 20 = 3 THEN 24000 ELSE 0 END,
                CASE WHEN CAST(substr(person_id, 2) AS INTEGER) % 20 = 3 THEN 16000 ELSE 40000 END, 0,
                CASE WHEN CAST(substr(person_id, 2) AS INTEGER) % 20 = 3 THEN 16000 ELSE 40000 END,
                CASE WHEN CAST(substr(person_id, 2) AS INTEGER) % 20 = 3 THEN 'minimum_living' END,
                'shangnan-2025', {stamp},
                date('{year - 1}-09-01', '+' || (CAST(substr(person_id, 2) AS INTEGER) % 110) || ' days'),
                CASE WHEN {year} = 2025 AND CAST(substr(person_id, 2) AS INTEGER) % 100 = 1
                     THEN 'refunded' ELSE 'paid' END,
                'bench', {stamp}, {stamp}
            FROM enrolment WHERE benefit_year = {year}
            """
        )
    # last year's imported payer list: residents 8 and 9 of each ten paid 2024 elsewhere, half of them
    con.execute(
        f"""
        INSERT INTO import_batch (id, kind, source_name, row_count, accepted_count, rejected_count,
            device_id, created_at, updated_at)
        VALUES ('b2024', 'enrolments', '2024年度参保缴费名单.csv', 0, 0, 0, 'bench', {stamp}, {stamp})
        """
    )
    con.execute(
        f"""
        INSERT INTO prior_enrolment (id, person_id, benefit_year, paid_on, amount_fen,
            import_batch_id, source_row, device_id, created_at, updated_at)
        SELECT 'q' || substr(id, 2), id, 2024, '2023-10-15', 40000, 'b2024',
            CAST(substr(id, 2) AS INTEGER), 'bench', {stamp}, {stamp}
        FROM person WHERE CAST(substr(id, 2) AS INTEGER) % 20 IN (8, 19)
        """
    )
    con.execute(
        f"""
        INSERT INTO person_identity (id, person_id, code, valid_from, device_id, created_at, updated_at)
        SELECT 'i' || substr(id, 2), id, 'minimum_living', '2020-01-01', 'bench', {stamp}, {stamp}
        FROM person WHERE CAST(substr(id, 2) AS INTEGER) % 20 = 3
        """
    )
    con.execute(
        f"""
        INSERT INTO person_identity (id, person_id, code, valid_from, device_id, created_at, updated_at)
        SELECT 'j' || substr(id, 2), id, 'extreme_poverty', '2020-01-01', 'bench', {stamp}, {stamp}
        FROM person WHERE CAST(substr(id, 2) AS INTEGER) % 40 = 8
        """
    )
    con.execute(
        f"""
        INSERT INTO refund_request (id, person_id, payment_id, reason, amount_fen, state, received_on,
            policy_id, device_id, created_at, updated_at)
        SELECT 'r' || substr(id, 2), person_id, id, 'duplicate', amount_fen, 'refunded', '2024-11-01',
            'shangnan-2025', 'bench', {stamp}, {stamp}
        FROM payment WHERE status = 'refunded'
        """
    )
    con.execute(
        f"""
        INSERT INTO refund_transition (id, refund_id, from_state, to_state, at, device_id, created_at)
        SELECT 't' || substr(id, 2), id, 'approved', 'refunded', '2024-11-05 02:00:00.000000', 'bench', {stamp}
        FROM refund_request
        """
    )
    con.commit()
    con.execute("ANALYZE")
    con.close()


GOOD = """(y.status = 'paid' OR (y.status = 'refunded' AND NOT EXISTS (
        SELECT 1 FROM refund_request r JOIN refund_transition t ON t.refund_id = r.id
        WHERE r.payment_id = y.id AND t.to_state = 'refunded' AND t.at < :{cut})))"""
PAID_IDS = f"""SELECT y.person_id FROM payment y WHERE y.benefit_year = 2025 AND y.paid_on <= :d
    AND {GOOD.format(cut='cut')}"""
WEEK_IDS = f"""SELECT y.person_id FROM payment y WHERE y.benefit_year = 2025 AND y.paid_on <= :w
    AND {GOOD.format(cut='wcut')}"""
LAST_IDS = """SELECT person_id FROM payment WHERE benefit_year = 2024 AND status = 'paid'
    UNION SELECT person_id FROM enrolment WHERE benefit_year = 2024 AND status = 'paid'
    UNION SELECT person_id FROM prior_enrolment WHERE benefit_year = 2024"""
LAST_ANY_IDS = """SELECT person_id FROM payment WHERE benefit_year = 2024 AND status IN ('paid', 'refunded')
    UNION SELECT person_id FROM enrolment WHERE benefit_year = 2024 AND status IN ('paid', 'refunded')
    UNION SELECT person_id FROM prior_enrolment WHERE benefit_year = 2024"""
PLACE = """coalesce(p.town, h.town, '（乡镇未知）') AS town,
    coalesce(p.village, h.village, '（村/社区未知）') AS village
    FROM person p LEFT JOIN household h ON h.id = p.household_id"""
# Every figure of the progress report by village: registered, paid now, a week before, and
# 附件2's (1) paid last year (refunded since included), (3) after refunds, (4) gone.
RAW_VILLAGES = f"""
    SELECT town, village, sum(reg), sum(now), sum(week), sum(last_any), sum(last), sum(gone) FROM (
    SELECT p.status = 'active' AND p.employee_insured = 0 AS reg,
        p.id IN ({PAID_IDS}) AS now, p.id IN ({WEEK_IDS}) AS week,
        p.id IN ({LAST_ANY_IDS}) AS last_any, p.id IN ({LAST_IDS}) AS last,
        p.status != 'active' AND p.id IN ({LAST_IDS}) AS gone,
        {PLACE}) GROUP BY town, village
"""
RAW_GROUPS = f"""
    SELECT i.code, count(DISTINCT p.id), count(DISTINCT CASE WHEN p.id IN ({PAID_IDS}) THEN p.id END)
    FROM person p JOIN person_identity i ON i.person_id = p.id
    WHERE i.revoked_at IS NULL AND (i.valid_from IS NULL OR i.valid_from <= :d)
      AND (i.valid_to IS NULL OR i.valid_to >= :d) AND (p.status = 'active' OR p.id IN ({PAID_IDS}))
    GROUP BY i.code
"""
RAW_WEEK = f"""
    SELECT coalesce(p.town, h.town, '（乡镇未知）'), count(*) FROM person p
    LEFT JOIN household h ON h.id = p.household_id
    WHERE p.id IN ({PAID_IDS} AND y.paid_on >= :start) GROUP BY 1
"""
RAW_REFUNDS = """
    SELECT count(*), coalesce(sum(r.amount_fen), 0) FROM refund_request r
    JOIN payment y ON y.id = r.payment_id AND y.benefit_year = 2025
    WHERE r.received_on BETWEEN :start AND :d
    UNION ALL
    SELECT count(*), coalesce(sum(r.amount_fen), 0) FROM refund_request r
    JOIN refund_transition t ON t.refund_id = r.id JOIN payment y ON y.id = r.payment_id AND y.benefit_year = 2025
    WHERE t.to_state = 'refunded' AND t.at >= :startcut AND t.at < :cut
"""
UNPAID = f"p.status = 'active' AND p.employee_insured = 0 AND p.id NOT IN ({PAID_IDS})"
# A ledger lists its people (as the workbook does): their columns, place, last year's
# payment and identities, in the ledger's order.
LEDGER = f"""
    SELECT p.id, p.name, p.id_number, p.sex, p.birth_date, substr(p.hukou_region, 1, 6), {PLACE.split(" FROM ")[0]},
        p.address, p.phone, p.id IN ({LAST_IDS}) AS last,
        (SELECT group_concat(code) FROM person_identity i WHERE i.person_id = p.id AND i.revoked_at IS NULL
         AND (i.valid_from IS NULL OR i.valid_from <= :d) AND (i.valid_to IS NULL OR i.valid_to >= :d))
    FROM person p LEFT JOIN household h ON h.id = p.household_id
    WHERE {UNPAID} AND {{which}} ORDER BY 6, town, village, p.name, p.id
"""
RAW_LAST_YEAR = LEDGER.replace("{which}", f"p.id IN ({LAST_IDS})")
RAW_HUKOU = LEDGER.replace("{which}", "substr(p.hukou_region, 1, 6) = '611023'")
# 特殊身份群体未参保: holders of an identity the policy subsidises (``{codes}``), not paid.
RAW_SPECIAL = LEDGER.replace("{which}", """p.id IN (
        SELECT person_id FROM person_identity i WHERE i.code IN ({codes}) AND i.revoked_at IS NULL
        AND (i.valid_from IS NULL OR i.valid_from <= :d) AND (i.valid_to IS NULL OR i.valid_to >= :d))""")
RAW_RESIDENT = LEDGER.replace("{which}", """substr(p.residence_permit_region, 1, 6) = '611023'
    AND (p.hukou_region IS NULL OR substr(p.hukou_region, 1, 6) != '611023')""")
RAW_SUBSIDY_LINES = f"""
    SELECT p.id, p.name, p.id_number, {PLACE.split(" FROM ")[0]}, y.subsidy_identity, y.standard_fen,
        y.subsidy_fen, y.personal_fen, y.paid_on, y.receipt_no
    FROM payment y JOIN person p ON p.id = y.person_id LEFT JOIN household h ON h.id = p.household_id
    WHERE y.benefit_year = 2025 AND y.subsidy_fen > 0 AND y.status = 'paid' AND y.paid_on <= :d
    ORDER BY town, village, p.name, p.id
"""
RAW_SUBSIDY = f"""
    SELECT count(*), sum(subsidy_fen) FROM payment WHERE benefit_year = 2025 AND subsidy_fen > 0
    AND person_id IN ({PAID_IDS}) AND status = 'paid'
"""


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(wall s, CPU s of this process and of the children it reaped meanwhile, value): the
    workbook is written by two processes (``yibao.reports.ledger_book``)."""
    started, cpu, children = time.perf_counter(), time.process_time(), _children_cpu()
    value = fn()
    return time.perf_counter() - started, time.process_time() - cpu + _children_cpu() - children, value


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


class _Raw:
    """The raw side's ``sqlite3`` connection, opened when it is used and closed before
    yibao's workbook runs: that forks only with the registry closed in the process
    (``ledger_book._registry_open_here``), as in ``report ledgers``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.con: sqlite3.Connection | None = None

    def execute(self, sql: str, params: Any = ()) -> sqlite3.Cursor:
        if self.con is None:
            self.con = sqlite3.connect(self.path)
        return self.con.execute(sql, params)

    def close(self) -> None:
        if self.con is not None:
            self.con.close()
            self.con = None


def _village_figures(report: Any) -> list[tuple[Any, ...]]:
    return sorted(
        (v.town, v.village, v.registered, v.paid, v.paid_week_ago, v.formula.paid_last,
         v.formula.after_refund, v.formula.gone)
        for v in report.villages
    )


def _weekly_figures(report: Any) -> tuple[Any, ...]:
    towns = sorted((t, w.paid_week) for (_c, t), w in report.by_town.items() if w.paid_week)
    week = report.week_of(report.progress.total)
    return towns, (week.refunds_in, week.refunds_in_fen), (week.refunds_paid, week.refunds_paid_fen)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_600_000)
    parser.add_argument("--db", type=Path, help="registry file to build or reuse")
    parser.add_argument("--runs", type=int, default=3, help="runs of each line (medians printed)")
    parser.add_argument("--openpyxl", action="store_true", help="workbook baseline: openpyxl write-only")
    parser.add_argument("--only", help="only the lines whose name holds this text (e.g. ledger)")
    args = parser.parse_args(argv)
    path = args.db or Path(tempfile.mkdtemp()) / "reports.sqlite3"
    if not path.exists():
        seconds, _cpu, _ = timed(lambda: fill(path, args.persons))
        print(f"built {args.persons:,} persons in {seconds:.1f} s: {path}")
    engine = open_registry(sqlite_url(path))
    with Session(write_engine(engine)) as session:
        conn = session.connection()
        wants_tally = not args.only or args.only in "progress weekly"
        if wants_tally and (2025 not in tally.built_years(conn) or not tally.is_settled(conn)):
            seconds, cpu, counted = timed(
                lambda: tally.rebuild(conn, tally.years_to_build(conn), now=datetime.now(UTC))
            )
            session.commit()
            print(f"tally built for {counted:,} persons in {seconds:.1f} s (CPU {cpu:.1f} s)")
        kept = 2025 in tally.built_years(conn) and tally.is_settled(conn)
        print("the ledgers read who is in them from " + ("the kept counts" if kept else "the registry (no kept counts)"))
    policy = load_policy("shangnan-2025")
    scope = Scope(policy, AS_OF)
    out = Path(tempfile.mkdtemp()) / "ledgers.xlsx"
    raw = _Raw(path)
    week_ago, start = AS_OF - timedelta(days=7), AS_OF - timedelta(days=6)
    params = {  # the refund cut-offs: end of the day in Asia/Shanghai, as stored (UTC)
        "d": AS_OF.isoformat(), "cut": _stored(end_of_day_utc(AS_OF)),
        "w": week_ago.isoformat(), "wcut": _stored(end_of_day_utc(week_ago)),
        "start": start.isoformat(), "startcut": _stored(end_of_day_utc(start - timedelta(days=1))),
    }
    codes = ", ".join(f"'{c}'" for c in sorted(_subsidised_codes(policy)))

    def raw_q(*sqls: str) -> Callable[[], Any]:
        return lambda: [raw.execute(sql.replace("{codes}", codes), params).fetchall() for sql in sqls]

    def raw_progress(rows: list[Any]) -> Any:
        villages, groups = rows
        return sorted(tuple(r) for r in villages), [tuple(g) for g in groups]

    def raw_weekly(rows: list[Any]) -> Any:
        villages, groups, week, refunds = rows
        return [tuple(r) for r in week], tuple(refunds[0]), tuple(refunds[1])

    def raw_csv(sql: str) -> Callable[[], Any]:
        """The raw SQL's rows written by ``csv.writer``: the rows in a file, the cheapest way
        (the collector paused and the rows dropped inside, as yibao's side does)."""
        def run() -> Any:
            with gc_paused():
                rows = raw.execute(sql.replace("{codes}", codes), params).fetchall()
                with out.with_name("raw.csv").open("w", newline="", encoding="utf-8") as handle:
                    csv.writer(handle).writerows(rows)
                count = len(rows)
                del rows
            return count
        return run

    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} (2 cores, shared); "
          f"medians of {args.runs} runs")
    print(f"{'report':<34}{'yibao s':>9}{'cpu':>7}{'raw s':>8}{'cpu':>7}{'ratio':>7}{'cpu':>7}  figures agree?")
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any], Callable[[Any], Any], Callable[[Any], Any]]] = [
        ("progress (county/town/village)", lambda: progress(engine, scope), raw_q(RAW_VILLAGES, RAW_GROUPS),
         lambda r: (_village_figures(r), sorted((g.identity, g.holders, g.paid) for g in r.groups)),
         raw_progress),
        ("progress, direct (no tally)", lambda: _direct(lambda: progress(engine, scope)),
         raw_q(RAW_VILLAGES, RAW_GROUPS),
         lambda r: (_village_figures(r), sorted((g.identity, g.holders, g.paid) for g in r.groups)),
         raw_progress),
        ("weekly (progress + week + refunds)", lambda: weekly(engine, scope),
         raw_q(RAW_VILLAGES, RAW_GROUPS, RAW_WEEK, RAW_REFUNDS), _weekly_figures, raw_weekly),
        (f"ledger {HUKOU}", lambda: _written(lambda: [ledger_sheet(engine, scope, HUKOU)], out, _rows_of),
         raw_csv(RAW_HUKOU), _same, _same),
        (f"ledger {LAST_YEAR}", lambda: _written(lambda: [ledger_sheet(engine, scope, LAST_YEAR)], out, _rows_of),
         raw_csv(RAW_LAST_YEAR), _same, _same),
        (f"ledger {SPECIAL}", lambda: _written(lambda: [ledger_sheet(engine, scope, SPECIAL)], out, _rows_of),
         raw_csv(RAW_SPECIAL), _same, _same),
        ("subsidy ledger", lambda: _written(lambda: subsidy_sheets(engine, scope), out,
                                            lambda sheets: (len(sheets[0].rows), _subsidy_total(sheets[0]))),
         raw_q(RAW_SUBSIDY), _same, lambda rows: tuple(rows[0][0])),
        ("ledger workbook (all six sheets)",
         lambda: _book(engine, scope, out, raw, processes=None),
         lambda: _raw_workbook(lambda: raw_q(RAW_HUKOU, RAW_RESIDENT, RAW_LAST_YEAR, RAW_SPECIAL, RAW_SUBSIDY_LINES)(),
                               out, openpyxl=args.openpyxl),
         _same, _same),
        ("ledger workbook, one process",
         lambda: _book(engine, scope, out, raw, processes=False),
         lambda: _raw_workbook(lambda: raw_q(RAW_HUKOU, RAW_RESIDENT, RAW_LAST_YEAR, RAW_SPECIAL, RAW_SUBSIDY_LINES)(),
                               out, openpyxl=args.openpyxl),
         _same, _same),
    ]
    print("the workbook: " + ("two processes (fork)" if _can_fork(engine) else "one process (fork not usable here)"))
    for name, ours, theirs, figure, raw_figure in cases:
        if args.only and args.only not in name:
            continue
        mine_runs, raw_runs = [], []
        for _ in range(args.runs):  # alternated, so both see the same load
            mine_runs.append(timed(ours))
            raw_runs.append(timed(theirs))
        ours_s, ours_cpu = median(r[0] for r in mine_runs), median(r[1] for r in mine_runs)
        raw_s, raw_cpu = median(r[0] for r in raw_runs), median(r[1] for r in raw_runs)
        value, raw_value = mine_runs[-1][2], raw_runs[-1][2]
        mine, other = figure(value), raw_figure(raw_value)
        agree = "yes" if mine == other else f"NO: {str(mine)[:200]} | {str(other)[:200]}"
        print(f"{name:<34}{ours_s:>9.2f}{ours_cpu:>7.2f}{raw_s:>8.2f}{raw_cpu:>7.2f}"
              f"{ours_s / raw_s:>7.2f}{ours_cpu / max(raw_cpu, 1e-6):>7.2f}  {agree}"
              + (f" ({mine})" if isinstance(mine, int) else ""))
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end")
    engine.dispose()
    return 0


def _written(make: Callable[[], list[Any]], out: Path, figures: Callable[[list[Any]], Any]) -> Any:
    """Sheets made and written as ``report ledgers`` does (``write_ledgers``): the query, the
    rows, the workbook, the collector paused while they live, dropped before it runs again;
    returns their ``figures``."""
    with gc_paused():
        sheets = make()
        write_workbook(out, sheets)
        value = figures(sheets)
        del sheets
    return value


def _book(engine: Any, scope: Scope, out: Path, raw: _Raw, *, processes: bool | None) -> list[int]:
    """The workbook as ``report ledgers`` writes it (``write_ledger_book``: two processes
    where it can, ``processes=False``: the same file in one); the rows of its first five
    sheets. The raw side's connection is closed first (see ``_Raw``)."""
    raw.close()
    with gc_paused():
        rows = write_ledger_book(engine, scope, out, processes=processes)
    return list(rows.values())[:5]


def _same(value: Any) -> Any:
    return value


def _rows_of(sheets: list[Any]) -> int:
    return len(sheets[0].rows)


def _subsidy_total(sheet: Any) -> int:
    column = sheet.columns.index("资助（元）")
    return round(sum(float(str(r[column]).replace(",", "")) for r in sheet.rows) * 100)


def _raw_workbook(read: Callable[[], list[list[Any]]], out: Path, *, openpyxl: bool = False) -> list[int]:
    """Each query's rows into a file by ``csv.writer``, or (``openpyxl``) into a sheet of an
    openpyxl write-only workbook (no masking, labels or neutralising), the collector paused
    as on yibao's side. Returns the rows per sheet."""
    with gc_paused():
        results = read()
        counts = _raw_files(results, out, openpyxl=openpyxl)
        del results
    return counts


def _raw_files(results: list[list[Any]], out: Path, *, openpyxl: bool) -> list[int]:
    if not openpyxl:
        for i, rows in enumerate(results):
            with out.with_name(f"raw{i}.csv").open("w", newline="", encoding="utf-8") as handle:
                csv.writer(handle).writerows(rows)
        return [len(rows) for rows in results]
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    for i, rows in enumerate(results):
        sheet = book.create_sheet(f"s{i}")
        for row in rows:
            sheet.append(list(row))
    book.save(out.with_name("raw.xlsx"))
    return [len(rows) for rows in results]


def _direct(fn: Callable[[], Any]) -> Any:
    """``fn()`` with the tally bypassed (as on a registry where it is not built)."""
    saved = tally.village_counts
    tally.village_counts = lambda *a, **k: None  # type: ignore[assignment]
    try:
        return fn()
    finally:
        tally.village_counts = saved  # type: ignore[assignment]


def _stored(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S.%f")


if __name__ == "__main__":
    sys.exit(main())
