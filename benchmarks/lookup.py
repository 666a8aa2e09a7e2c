"""Look-up speed at county scale: ``python benchmarks/lookup.py [--sizes 200000 1600000]``.

For each size, builds a SQLite registry file through ``yibao.db.open_registry``
(Alembic schema, the real indexes), fills ``person`` with synthetic residents of
the jurisdiction (valid ID numbers with its region codes, see ``yibao.synthetic``)
by ``executemany`` in one transaction, runs ``ANALYZE``, then times four kinds of
query, each through ``yibao.lookup.search`` (SQLAlchemy session, masked rows) and
beside it the same SQL on a raw ``sqlite3`` connection to the same file:

- ID lookup (full 18-character number),
- tail lookup (last 4 digits: 31 index seeks),
- name prefix, first page of 50 (surname, or surname + first given character),
- initials prefix, first page of 50 (two or three letters).

With ``--postgres URL`` the same registry is also built in a fresh schema of that
PostgreSQL database (``COPY``; the schema is dropped afterwards) and timed through
``yibao.lookup`` beside the same SQL on a raw psycopg connection.

Prints p50 / p95 in milliseconds. Figures only: nothing here asserts a time.
Targets (docs/benchmarks.md): ID p95 ≤ 1 ms; prefix first page p95 ≤ 20 ms at 1.6 M.
"""

from __future__ import annotations

import argparse
import platform
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path

from yibao import synthetic
from yibao.db import open_registry, sqlite_url
from yibao.lookup import InvalidQuery, search

DEVICE_ID = "00000000-0000-4000-8000-000000000001"
NOW = "2025-01-01 00:00:00.000000"
TODAY = date(2025, 1, 1)

PERSON_COLUMNS = (
    "id",
    "id_number",
    "id_tail",
    "name",
    "name_initials",
    "sex",
    "birth_date",
    "birth_region",
    "hukou_region",
    "household_id",
    "relation_to_head",
    "employee_insured",
    "status",
    "device_id",
    "created_at",
    "updated_at",
)


HOUSEHOLD_COLUMNS = ("id", "number", "hukou_region", "device_id", "created_at", "updated_at")
# Household sizes and their shares, as in yibao.demo: 1.6 M residents live in ~0.55 M households.
_SIZES = ((1, 0.15), (2, 0.25), (3, 0.22), (4, 0.20), (5, 0.12), (6, 0.06))
_RELATIONS = ("02", "10", "20", "30", "51", "41")  # head, spouse, son, daughter, father, grandson


def person_rows(
    n: int, region_code: str, seed: int, households: list[tuple[object, ...]] | None = None
) -> Iterator[tuple[object, ...]]:
    """``n`` synthetic person rows, in the column order of ``PERSON_COLUMNS``, living in
    households of 1–6 (rows appended to ``households``, ``HOUSEHOLD_COLUMNS`` order)."""
    rng = random.Random(seed)
    taken: set[str] = set()
    household_id = ""
    left = 0
    member = 0
    for _ in range(n):
        if left == 0:
            point, left = rng.random(), 6
            for size, share in _SIZES:
                point -= share
                if point <= 0:
                    left = size
                    break
            household_id = str(uuid.UUID(int=rng.getrandbits(128), version=4))
            member = 0
            if households is not None:
                number = f"{region_code}{len(households) + 1:07d}"
                households.append((household_id, number, region_code, DEVICE_ID, NOW, NOW))
        left -= 1
        relation = _RELATIONS[member]
        member += 1
        male = rng.random() < 0.5
        name = synthetic.random_surname(rng) + synthetic.random_given(rng, male=male)
        birth = synthetic.random_birth_date(rng, TODAY)
        number = synthetic.unique_id_number(rng, region_code, birth, male=male, taken=taken)
        yield (
            str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            number,
            number[-6:],
            name,
            synthetic.name_initials(name),
            "1" if male else "2",
            birth.isoformat(),
            number[:6],
            region_code,
            household_id,
            relation,
            0,
            "active",
            DEVICE_ID,
            NOW,
            NOW,
        )


def build(path: Path, n: int, region_code: str, seed: int) -> float:
    engine = open_registry(sqlite_url(path))
    engine.dispose()
    started = time.perf_counter()
    connection = sqlite3.connect(path)
    connection.execute("PRAGMA synchronous=OFF")
    placeholders = ",".join("?" for _ in PERSON_COLUMNS)
    households: list[tuple[object, ...]] = []
    connection.execute("PRAGMA foreign_keys=OFF")  # households are written after their members
    with connection:  # one transaction
        connection.executemany(
            f"INSERT INTO person ({','.join(PERSON_COLUMNS)}) VALUES ({placeholders})",
            person_rows(n, region_code, seed, households),
        )
        marks = ",".join("?" for _ in HOUSEHOLD_COLUMNS)
        connection.executemany(
            f"INSERT INTO household ({','.join(HOUSEHOLD_COLUMNS)}) VALUES ({marks})", households
        )
    connection.execute("ANALYZE")
    connection.close()
    return time.perf_counter() - started


def sample_of(path: Path) -> list[tuple[str, str, str]]:
    """Every 1000th resident's (ID number, name, household number): the population the
    queries are drawn from."""
    connection = sqlite3.connect(path)
    rows = connection.execute(
        "SELECT p.id_number, p.name, h.number FROM person p JOIN household h"
        " ON h.id = p.household_id WHERE p.rowid % 1000 = 1"
    ).fetchall()
    connection.close()
    return rows


def timed(fn: Callable[[str], object], queries: list[str]) -> tuple[float, float]:
    for q in queries[:20]:  # warm the page cache and statement caches
        fn(q)
    samples: list[float] = []
    for q in queries:
        t0 = time.perf_counter()
        fn(q)
        samples.append((time.perf_counter() - t0) * 1000)
    samples.sort()
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    return statistics.median(samples), p95


LABELS = {
    "id": "ID lookup (full number)",
    "tail": "tail lookup (last 4)",
    "name": "name prefix, first page",
    "initials": "initials prefix, first page",
    "household": "household (户 + number)",
    "partial": "partial ID, 12 digits (desk)",
}

# The SQL yibao.lookup emits on SQLite, written out for the raw sqlite3 side.
RAW_COLUMNS = (
    "SELECT person.id, person.name, person.id_number, person.sex, person.birth_date, "
    "person.household_id, person.relation_to_head, person.status, household.number "
)
RAW_SELECT = (
    RAW_COLUMNS + "FROM person LEFT OUTER JOIN household ON person.household_id = household.id "
)


def raw_runners(connection: sqlite3.Connection) -> dict[str, Callable[[str], object]]:
    def by_id(q: str) -> object:
        return connection.execute(
            RAW_SELECT + "WHERE id_number = ? LIMIT 50 OFFSET 0", (q,)
        ).fetchall()

    def by_tail(q: str) -> object:
        keys = [f"{d:02d}{q}" for d in range(1, 32)]
        marks = ",".join("?" for _ in keys)
        return connection.execute(
            RAW_SELECT + f"WHERE id_tail IN ({marks}) ORDER BY id_tail, person.rowid LIMIT 50 OFFSET 0",
            keys,
        ).fetchall()

    def by_name(q: str) -> object:
        upper = q[:-1] + chr(ord(q[-1]) + 1)
        return connection.execute(
            RAW_SELECT + "WHERE name >= ? AND name < ? ORDER BY name, person.rowid LIMIT 50 OFFSET 0",
            (q, upper),
        ).fetchall()

    def by_initials(q: str) -> object:
        upper = q[:-1] + chr(ord(q[-1]) + 1)
        return connection.execute(
            RAW_SELECT + "WHERE name_initials >= ? AND name_initials < ? "
            "ORDER BY name_initials, person.rowid LIMIT 50 OFFSET 0",
            (q, upper),
        ).fetchall()

    def by_household(q: str) -> object:
        return connection.execute(
            RAW_COLUMNS + "FROM household CROSS JOIN person ON person.household_id = household.id "
            "WHERE household.number = ? ORDER BY person.relation_to_head, person.birth_date, "
            "person.id LIMIT 50 OFFSET 0",
            (q.removeprefix("户"),),
        ).fetchall()

    def partial(q: str) -> object:  # what the desk costs now: the digits are classified only
        return None

    return {"id": by_id, "tail": by_tail, "name": by_name, "initials": by_initials,
            "household": by_household, "partial": partial}


def run(
    n: int, region_code: str, seed: int, queries_per_kind: int, keep: Path | None, reuse: bool
) -> None:
    from sqlalchemy.orm import Session

    with tempfile.TemporaryDirectory() as tmp:
        path = (keep or Path(tmp)) / f"lookup-{n}-{region_code}-{seed}.sqlite3"
        if reuse and path.exists():
            build_s = None
        else:
            if path.exists():
                path.unlink()
            build_s = build(path, n, region_code, seed)
        sample = sample_of(path)
        size_mb = path.stat().st_size / 1e6
        rng = random.Random(seed + 1)
        ids = [rng.choice(sample)[0] for _ in range(queries_per_kind)]
        tails = [rng.choice(sample)[0][-4:] for _ in range(queries_per_kind)]
        names: list[str] = []
        inits: list[str] = []
        for _ in range(queries_per_kind):
            name = rng.choice(sample)[1]
            names.append(name[: rng.choice((1, 2))])
            letters = synthetic.name_initials(name)
            inits.append(letters[: rng.choice((2, 3))])
        homes = [f"户{rng.choice(sample)[2]}" for _ in range(queries_per_kind)]
        partials = [rng.choice(sample)[0][:12] for _ in range(queries_per_kind)]
        queries = {"id": ids, "tail": tails, "name": names, "initials": inits,
                   "household": homes, "partial": partials}

        engine = open_registry(sqlite_url(path))
        raw = sqlite3.connect(path)
        labels = LABELS
        print(f"\n## {n:,} residents (region {region_code})\n")
        built = "reused" if build_s is None else f"built in {build_s:.1f} s"
        print(
            f"{built} (executemany, one transaction, then ANALYZE); "
            f"file {size_mb:.0f} MB; {queries_per_kind} queries per kind\n"
        )
        print("| query | yibao.lookup p50 | p95 | raw sqlite3 p50 | p95 | rows (median) |")
        print("|---|---:|---:|---:|---:|---:|")
        with Session(engine) as session:
            runners = raw_runners(raw)
            def desk(q: str) -> object:  # the desk's search as you type (services.lookup.page)
                try:
                    return search(session, q, limit=51, partial_ids=True)
                except InvalidQuery:
                    return []

            for kind, label in labels.items():
                qs = queries[kind]
                counts = sorted(len(desk(q)) for q in qs[:50])
                y50, y95 = timed(desk, qs)
                r50, r95 = timed(runners[kind], qs)
                print(
                    f"| {label} | {y50:.3f} ms | {y95:.3f} ms | {r50:.3f} ms | {r95:.3f} ms "
                    f"| {counts[len(counts) // 2]} |"
                )
        raw.close()
        engine.dispose()


# The SQL yibao.lookup emits on PostgreSQL, for the raw psycopg side.
PG_RAW = {
    "id": "WHERE id_number = %s LIMIT 50",  # (columns prefixed: household is joined)
    "tail": "WHERE id_tail = ANY(%s) ORDER BY id_tail, person.id LIMIT 50",
    "name": "WHERE name ~>=~ %s AND name ~<~ %s ORDER BY name USING ~<~, person.id LIMIT 50",
    "initials": "WHERE name_initials ~>=~ %s AND name_initials ~<~ %s "
    "ORDER BY name_initials USING ~<~, person.id LIMIT 50",
    "household": "WHERE household.number = %s "
    "ORDER BY person.relation_to_head, person.birth_date, person.id LIMIT 50",
}


def run_postgres(base_url: str, n: int, region_code: str, seed: int, queries_per_kind: int) -> None:
    import sqlalchemy as sa
    from sqlalchemy.orm import Session

    schema = f"bench_lookup_{n}"
    admin = sa.create_engine(base_url)
    with admin.begin() as c:
        c.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = sa.make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    engine = open_registry(url.render_as_string(hide_password=False))
    try:
        started = time.perf_counter()
        raw = engine.raw_connection()
        cursor = raw.cursor()
        # Two passes over the same seeded generator: the households first (person rows point
        # at them), then the persons streamed into COPY, so that 10 M rows never sit in memory.
        households: list[tuple[object, ...]] = []
        for _ in person_rows(n, region_code, seed, households):
            pass
        with cursor.copy(f"COPY household ({','.join(HOUSEHOLD_COLUMNS)}) FROM STDIN") as copy:
            for row in households:
                copy.write_row(row)
        households.clear()
        insured = PERSON_COLUMNS.index("employee_insured")
        with cursor.copy(f"COPY person ({','.join(PERSON_COLUMNS)}) FROM STDIN") as copy:
            for row in person_rows(n, region_code, seed):
                values = list(row)
                values[insured] = False
                copy.write_row(values)
        raw.commit()
        cursor.execute("ANALYZE person")
        cursor.execute("ANALYZE household")
        cursor.execute(
            "SELECT p.id_number, p.name, h.number FROM person p JOIN household h"
            " ON h.id = p.household_id ORDER BY p.id LIMIT %s",
            (max(100, n // 1000),),
        )
        sample = cursor.fetchall()
        raw.commit()
        build_s = time.perf_counter() - started
        rng = random.Random(seed + 1)
        queries = {
            "id": [rng.choice(sample)[0] for _ in range(queries_per_kind)],
            "tail": [rng.choice(sample)[0][-4:] for _ in range(queries_per_kind)],
            "name": [],
            "initials": [],
            "household": [f"户{rng.choice(sample)[2]}" for _ in range(queries_per_kind)],
        }
        for _ in range(queries_per_kind):
            name = rng.choice(sample)[1]
            queries["name"].append(name[: rng.choice((1, 2))])
            queries["initials"].append(synthetic.name_initials(name)[: rng.choice((2, 3))])

        def raw_query(kind: str) -> Callable[[str], object]:
            def run_one(q: str) -> object:
                args: tuple[object, ...]
                if kind == "tail":
                    args = ([f"{d:02d}{q}" for d in range(1, 32)],)
                elif kind in ("name", "initials"):
                    args = (q, q[:-1] + chr(ord(q[-1]) + 1))
                elif kind == "household":
                    args = (q.removeprefix("户"),)
                else:
                    args = (q,)
                cursor.execute(RAW_SELECT + PG_RAW[kind], args)
                return cursor.fetchall()

            return run_one

        print(f"\n## {n:,} residents on PostgreSQL (schema {schema})\n")
        print(
            f"built in {build_s:.1f} s (COPY, then ANALYZE); {queries_per_kind} queries per kind\n"
        )
        print("| query | yibao.lookup p50 | p95 | raw psycopg p50 | p95 |")
        print("|---|---:|---:|---:|---:|")
        with Session(engine) as session:
            for kind, label in LABELS.items():
                if kind not in queries:
                    continue
                y50, y95 = timed(lambda q: search(session, q), queries[kind])
                r50, r95 = timed(raw_query(kind), queries[kind])
                print(f"| {label} | {y50:.3f} ms | {y95:.3f} ms | {r50:.3f} ms | {r95:.3f} ms |")
        raw.rollback()
        raw.close()
    finally:
        engine.dispose()
        with admin.begin() as c:
            c.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="yibao look-up benchmark (SQLite; PostgreSQL with --postgres)"
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[200_000, 1_600_000])
    parser.add_argument("--region", default="511400", help="jurisdiction region code")
    parser.add_argument("--seed", type=int, default=20250101)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--keep", type=Path, help="directory to keep the registry files in")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept file of the same size")
    parser.add_argument("--postgres", metavar="URL", help="also time PostgreSQL at this URL")
    parser.add_argument("--postgres-only", action="store_true", help="skip SQLite (the 10 M run)")
    args = parser.parse_args(argv)
    print(
        f"python {platform.python_version()}, sqlite {sqlite3.sqlite_version}, "
        f"{platform.machine()}, {platform.system()}"
    )
    for n in args.sizes:
        if not args.postgres_only:
            run(n, args.region, args.seed, args.queries, args.keep, args.reuse)
        if args.postgres:
            run_postgres(args.postgres, n, args.region, args.seed, args.queries)
    return 0


if __name__ == "__main__":
    sys.exit(main())
