"""Report speed at county scale: ``python benchmarks/reports.py [--persons 1600000] [--db FILE]``.

Builds (or reuses, with ``--db``) a SQLite registry through ``yibao.db.open_registry`` (the
Alembic schema and indexes) holding ``--persons`` residents of 商南 spread over 附件2's ten
towns and eight villages each, filled with set-based ``INSERT … SELECT`` from a recursive
sequence: about 80 % paid last year (2024), 70 % paid this year (2025, paid_on spread over the
collection period), 5 % holding an identity, 1 % of this year's payments refunded. Then, for
each report, times the report as the desk and the CLI run it (``yibao.reports``) and, in the
same run, a raw ``sqlite3`` query of the same figures on the same file, and prints both the
times and the figures (they must agree). Figures only: nothing here asserts a time.
Target (issue 12): each report ≤ 5 s at 1.6 M; F7 renders ≤ 1 s (its service call is the
``progress`` line; the screen adds the table and the chart).
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from yibao.db import open_registry, sqlite_url
from yibao.policy import load_policy
from yibao.reports.base import Scope
from yibao.reports.ledgers import HUKOU, LAST_YEAR, SPECIAL, ledger, subsidy_ledger
from yibao.reports.progress import progress
from yibao.reports.weekly import weekly
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
        INSERT INTO person (id, id_number, id_tail, name, name_initials, sex, birth_date,
            hukou_region, town, village, address, employee_insured, status, device_id,
            created_at, updated_at)
        WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {persons})
        SELECT 'p' || n, '611023' || printf('%012d', n), printf('%06d', n % 1000000),
            '居民' || n, 'jm', CASE n % 2 WHEN 0 THEN '2' ELSE '1' END, '1980-01-01', '611023',
            (SELECT name FROM towns WHERE i = n % 10), (SELECT name FROM villages WHERE i = (n / 10) % 8),
            NULL, CASE WHEN n % 50 = 0 THEN 1 ELSE 0 END,
            CASE WHEN n % 200 = 0 THEN 'moved_out' ELSE 'active' END, 'bench', {stamp}, {stamp}
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
    con.execute(
        f"""
        INSERT INTO person_identity (id, person_id, code, valid_from, device_id, created_at, updated_at)
        SELECT 'i' || substr(id, 2), id, 'minimum_living', '2020-01-01', 'bench', {stamp}, {stamp}
        FROM person WHERE CAST(substr(id, 2) AS INTEGER) % 20 = 3
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


RAW_PAID = """
    SELECT count(DISTINCT person_id) FROM payment
    WHERE benefit_year = 2025 AND paid_on <= :d AND (status = 'paid' OR (status = 'refunded' AND NOT EXISTS (
        SELECT 1 FROM refund_request r JOIN refund_transition t ON t.refund_id = r.id
        WHERE r.payment_id = payment.id AND t.to_state = 'refunded' AND t.at < :cut)))
"""
RAW_PAID_BY_TOWN = f"""
    SELECT coalesce(p.town, h.town, '（乡镇未知）') AS town, count(*) FROM person p
    LEFT JOIN household h ON h.id = p.household_id
    WHERE p.id IN ({RAW_PAID.replace('count(DISTINCT person_id)', 'person_id')}) GROUP BY 1 ORDER BY 1
"""
RAW_LAST_YEAR = f"""
    SELECT count(*) FROM person p WHERE p.status = 'active' AND p.employee_insured = 0
    AND p.id IN (SELECT person_id FROM payment WHERE benefit_year = 2024 AND status = 'paid'
                 UNION SELECT person_id FROM enrolment WHERE benefit_year = 2024 AND status = 'paid')
    AND p.id NOT IN ({RAW_PAID.replace('count(DISTINCT person_id)', 'person_id')})
"""
RAW_HUKOU = f"""
    SELECT count(*) FROM person p WHERE p.status = 'active' AND p.employee_insured = 0
    AND substr(p.hukou_region, 1, 6) = '611023'
    AND p.id NOT IN ({RAW_PAID.replace('count(DISTINCT person_id)', 'person_id')})
"""
RAW_SUBSIDY = f"""
    SELECT count(*), sum(subsidy_fen) FROM payment WHERE benefit_year = 2025 AND subsidy_fen > 0
    AND person_id IN ({RAW_PAID.replace('count(DISTINCT person_id)', 'person_id')}) AND status = 'paid'
"""


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    started = time.perf_counter()
    value = fn()
    return time.perf_counter() - started, value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=1_600_000)
    parser.add_argument("--db", type=Path, help="registry file to build or reuse")
    args = parser.parse_args(argv)
    path = args.db or Path(tempfile.mkdtemp()) / "reports.sqlite3"
    if not path.exists():
        seconds, _ = timed(lambda: fill(path, args.persons))
        print(f"built {args.persons:,} persons in {seconds:.1f} s: {path}")
    engine = open_registry(sqlite_url(path))
    scope = Scope(load_policy("shangnan-2025"), AS_OF)
    raw = sqlite3.connect(path)
    cut = "2024-12-20 16:00:00.000000"  # end of 12-20 in Asia/Shanghai, as stored (UTC)
    params = {"d": AS_OF.isoformat(), "cut": cut}

    def raw_q(sql: str) -> Callable[[], Any]:
        return lambda: raw.execute(sql, params).fetchall()

    print(f"{'report':<34}{'yibao s':>9}{'raw SQL s':>11}  figures (yibao | raw)")
    cases: list[tuple[str, Callable[[], Any], Callable[[], Any], Callable[[Any], Any]]] = [
        ("progress (county/town/village)", lambda: progress(engine, scope), raw_q(RAW_PAID_BY_TOWN),
         lambda r: sorted((t.town, t.paid) for t in r.towns if t.paid)),
        ("weekly (progress + week + refunds)", lambda: weekly(engine, scope), raw_q(RAW_PAID),
         lambda r: r.progress.total.paid),
        (f"ledger {HUKOU}", lambda: ledger(engine, scope, HUKOU), raw_q(RAW_HUKOU), len),
        (f"ledger {LAST_YEAR}", lambda: ledger(engine, scope, LAST_YEAR), raw_q(RAW_LAST_YEAR), len),
        (f"ledger {SPECIAL}", lambda: ledger(engine, scope, SPECIAL), raw_q(RAW_PAID), len),
        ("subsidy ledger", lambda: subsidy_ledger(engine, scope), raw_q(RAW_SUBSIDY),
         lambda r: (len(r), sum(line.subsidy_fen for line in r))),
    ]
    for name, ours, theirs, figure in cases:
        ours_s, value = timed(ours)
        raw_s, raw_value = timed(theirs)
        print(f"{name:<34}{ours_s:>9.2f}{raw_s:>11.2f}  {figure(value)} | {raw_value}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
