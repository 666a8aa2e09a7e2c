"""The demo builder beside a raw baseline, measured in the same run.

    python benchmarks/demo.py [--persons 200000] [--runs 3]

Each measurement is a fresh interpreter (its peak memory, ``VmHWM``, is its own):

- ``yibao``: ``yibao.demo.build`` (what ``yibao demo --persons N`` runs: households,
  persons with valid ID numbers and pinyin initials, identities, enrolments, payments
  with receipt numbers, one transaction);
- ``raw``: the same number of already generated person rows (13 columns) written by
  ``sqlite3`` ``executemany`` into the same schema, the way the demo writes (below): the
  floor for the person rows alone;
- ``rawall``: rows for all six tables in the demo's proportions (per 100 residents 33
  households, 11 identities, 78 enrolments, 69 payments, 76 rows of last year's payer
  list), every column filled, generated
  beforehand and written by ``sqlite3`` ``executemany`` into the same schema with its
  indexes in place, random keys, WAL, in one transaction: the demo's writes done naively;
- ``rawsame``: rawall's rows written the way the demo writes them: keys in creation
  order, into a copy of the registry file beside it with no journal, no syncing and no
  reference checks, the secondary indexes dropped and built after the load, one
  transaction, the file synced and renamed into place: SQLite's floor for the demo.

Prints persons/s for each, wall and CPU time (``time.process_time``: the machine is
shared), the ratio, and peak memory (medians of ``--runs``).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from peak import peak_kb  # benchmarks/peak.py (the script's own folder is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2024, 10, 15, 2, 0, tzinfo=UTC)


def child_yibao(db: Path, persons: int) -> tuple[float, str]:
    from yibao import demo
    from yibao.db import open_registry, sqlite_url

    open_registry(sqlite_url(db)).dispose()  # the schema, outside the timing
    started, cpu = time.perf_counter(), time.process_time()
    report = demo.build(url=sqlite_url(db), policy_id="shangnan-2025", persons=persons, now=NOW)
    elapsed = time.perf_counter() - started
    return elapsed, time.process_time() - cpu, "；".join(report.summary_lines()[:3])


def _ordered_ids(count: int) -> list[str]:
    """``count`` UUIDs in ascending order (the demo's keys sort in creation order)."""
    return sorted(str(uuid.uuid4()) for _ in range(count))


def _as_the_demo_writes(db: Path, inserts: list[tuple[str, list[tuple[object, ...]]]]) -> None:
    """The demo's way: a copy of the registry file beside it, no journal, no syncing, no
    reference checks, secondary indexes built after the load, one transaction, then the
    file synced and renamed onto ``db``."""
    work = db.with_name(f".{db.name}.work")
    shutil.copyfile(db, work)
    con = sqlite3.connect(work, isolation_level=None)
    con.execute("PRAGMA journal_mode=OFF")
    con.execute("PRAGMA synchronous=OFF")
    con.execute("PRAGMA foreign_keys=OFF")
    con.execute("PRAGMA cache_size=-262144")
    tables = sorted({sql.split()[2] for sql, _rows in inserts})
    indexes = con.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        f" AND tbl_name IN ({', '.join('?' for _ in tables)})", tables,
    ).fetchall()  # fmt: skip
    con.execute("BEGIN")
    for name, _sql in indexes:
        con.execute(f'DROP INDEX "{name}"')
    for sql, rows in inserts:
        con.executemany(sql, rows)
    for _name, sql in indexes:
        con.execute(sql)
    con.execute("COMMIT")
    con.execute("PRAGMA journal_mode=WAL")
    con.close()
    fd = os.open(work, os.O_RDONLY)
    os.fsync(fd)
    os.close(fd)
    os.replace(work, db)


def child_raw(db: Path, persons: int) -> tuple[float, float, str]:
    from yibao.db import open_registry, sqlite_url

    open_registry(sqlite_url(db)).dispose()
    stamp = NOW.isoformat(sep=" ")
    device = str(uuid.uuid4())
    rows = []
    for i, key in enumerate(_ordered_ids(persons)):
        number = f"611023{date(1950 + i % 70, 1 + i % 12, 1 + i % 28):%Y%m%d}{i % 1000:03d}"
        number += str(i % 10)
        rows.append((key, f"{number[:14]}{i:04d}"[:18] + str(i), number[-6:],
                     "张三", "zs", "1", "1990-01-01", "611023", device, stamp, stamp))
    started, cpu = time.perf_counter(), time.process_time()
    _as_the_demo_writes(db, [(
        "INSERT INTO person (id, id_number, id_tail, name, name_initials, sex, birth_date,"
        " birth_region, status, employee_insured, device_id, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', 0, ?, ?, ?)",
        rows,
    )])  # fmt: skip
    return time.perf_counter() - started, time.process_time() - cpu, f"{persons} 行 person"


# rows per 100 residents, as the demo writes them (200,000 residents: 65,245 households,
# 22,134 identities, 156,067 enrolments, 137,482 payments, 152,000 of last year's payer list)
_SHARES = {"household": 33, "person_identity": 11, "enrolment": 78, "payment": 69,
           "prior_enrolment": 76}


def child_rawall(db: Path, persons: int, *, same_way: bool = False) -> tuple[float, float, str]:
    """Every table the demo fills, every column given: indexes in place, random keys, WAL
    (``same_way``: keys in creation order, written as the demo writes)."""
    from yibao.db import open_registry, sqlite_url

    open_registry(sqlite_url(db)).dispose()
    con = sqlite3.connect(db, isolation_level=None)
    stamp = NOW.isoformat(sep=" ")
    device = str(uuid.uuid4())
    con.execute(
        "INSERT INTO device (id, name, prefix, is_local, created_at)"
        " VALUES (?, 'raw', 'RAW1', 1, ?)", (device, stamp),
    )  # fmt: skip
    batch = str(uuid.uuid4())
    con.execute(
        "INSERT INTO import_batch (id, kind, source_name, row_count, accepted_count, rejected_count,"
        " device_id, created_at, updated_at) VALUES (?, 'enrolments', 'raw.csv', 0, 0, 0, ?, ?, ?)",
        (batch, device, stamp, stamp),
    )  # fmt: skip
    counts = {"person": persons, **{t: persons * n // 100 for t, n in _SHARES.items()}}
    if same_way:
        ids = {t: _ordered_ids(n) for t, n in counts.items()}
    else:
        ids = {t: [str(uuid.uuid4()) for _ in range(n)] for t, n in counts.items()}
    tables: dict[str, tuple[list[str], list[tuple[object, ...]]]] = {}
    for table, n in counts.items():
        columns = [r[1] for r in con.execute(f"PRAGMA table_info({table})")]
        rows = []
        for i in range(n):
            value = _raw_values(table, i, ids, device, stamp, batch)
            rows.append(tuple(value.get(c) for c in columns))
        tables[table] = (columns, rows)
    inserts = []
    for table in ("household", "person", "person_identity", "enrolment", "payment", "prior_enrolment"):
        columns, rows = tables[table]
        marks = ", ".join("?" for _ in columns)
        inserts.append((f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})", rows))
    if same_way:
        con.close()
        started, cpu = time.perf_counter(), time.process_time()
        _as_the_demo_writes(db, inserts)
    else:
        started, cpu = time.perf_counter(), time.process_time()
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA synchronous=NORMAL")
        con.execute("BEGIN")
        for sql, rows in inserts:
            con.executemany(sql, rows)
        con.execute("COMMIT")
        con.close()
    summary = "，".join(f"{table} {n}" for table, n in counts.items())
    return time.perf_counter() - started, time.process_time() - cpu, summary


def _raw_values(
    table: str, i: int, ids: dict[str, list[str]], device: str, stamp: str, batch: str
) -> dict[str, object]:
    base: dict[str, object] = {"id": ids[table][i], "device_id": device, "created_at": stamp,
                               "updated_at": stamp, "note": "演示数据"}  # fmt: skip
    persons = ids["person"]
    if table == "household":
        return {**base, "number": f"611023{i:06d}", "hukou_region": "611023",
                "address": "富水镇河口村12组3号", "town": "富水镇", "village": "河口村"}  # fmt: skip
    if table == "person":
        number = f"6110231990{i:07d}X"
        households = ids["household"]
        return {**base, "id_number": number, "id_tail": number[-6:], "name": "张三丰",
                "name_initials": "zsf", "sex": "1", "birth_date": "1990-01-01",
                "birth_region": "611023", "ethnicity": "汉族", "phone": "13800000000",
                "household_id": households[i % len(households)], "relation_to_head": "02",
                "hukou_region": "611023", "address": "富水镇河口村12组3号", "town": "富水镇",
                "village": "河口村", "employee_insured": 0, "status": "active"}  # fmt: skip
    if table == "person_identity":
        return {**base, "person_id": persons[i * 9 % len(persons)], "code": "minimum_living",
                "department": "民政", "recognised_on": "2023-01-01",
                "valid_from": "2023-01-01"}  # fmt: skip
    if table == "enrolment":
        return {**base, "person_id": persons[i], "benefit_year": 2025, "category": "general",
                "insured_region": "611023", "policy_id": "shangnan-2025", "status": "paid",
                "registered_on": "2024-10-01", "coverage_start": "2025-01-01",
                "coverage_end": "2025-12-31", "waiting_months": 0}  # fmt: skip
    if table == "prior_enrolment":
        return {**base, "person_id": persons[i], "benefit_year": 2024, "paid_on": "2023-10-01",
                "amount_fen": 40000, "import_batch_id": batch, "source_row": i + 2}  # fmt: skip
    return {**base, "person_id": persons[i], "enrolment_id": ids["enrolment"][i],
            "benefit_year": 2025, "receipt_no": f"RAW1-{i:08d}", "channel": "cash",
            "standard_fen": 40000, "subsidy_fen": 0, "personal_fen": 40000, "extras_fen": 0,
            "amount_fen": 40000, "received_fen": 40000, "change_fen": 0,
            "policy_id": "shangnan-2025", "paid_at": "2024-10-01 02:00:00.000000",
            "paid_on": "2024-10-01", "status": "paid"}  # fmt: skip


def child_rawsame(db: Path, persons: int) -> tuple[float, float, str]:
    return child_rawall(db, persons, same_way=True)


KINDS = {"raw": child_raw, "rawall": child_rawall, "rawsame": child_rawsame, "yibao": child_yibao}


def _run(kind: str, persons: int, workdir: Path) -> tuple[float, float, float, str]:
    db = workdir / f"{kind}-{time.monotonic_ns()}.sqlite3"
    proc = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--persons", str(persons), "--db", str(db)],
        env={**os.environ, "YIBAO_DATA_DIR": str(workdir / "data")},
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{proc.stderr}")
    seconds, cpu, rss, summary = proc.stdout.strip().split("\t")
    for suffix in ("", "-wal", "-shm", ".lock"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    return float(seconds), float(cpu), int(rss) / 1024, summary


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=tuple(KINDS))
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        seconds, cpu, summary = KINDS[args.child](args.db, args.persons)
        rss = peak_kb()
        print(f"{seconds}\t{cpu}\t{rss}\t{summary}")
        return 0
    print(f"load average at start {os.getloadavg()[0]:.2f} (2 cores shared)")
    with tempfile.TemporaryDirectory(prefix="yibao-demo-bench-") as tmp:
        results: dict[str, list[tuple[float, float, float, str]]] = {k: [] for k in KINDS}
        for _ in range(args.runs):
            for kind in KINDS:
                results[kind].append(_run(kind, args.persons, Path(tmp)))
    medians = {}
    for kind in KINDS:
        seconds = statistics.median(r[0] for r in results[kind])
        cpu = statistics.median(r[1] for r in results[kind])
        medians[kind] = (seconds, cpu)
        rss = max(r[2] for r in results[kind])
        print(f"{kind:7s} {args.persons:,} persons  wall {seconds:7.2f} s "
              f"{args.persons / seconds:8,.0f} persons/s  CPU {cpu:7.2f} s "
              f"{args.persons / cpu:8,.0f} persons/s  peak memory {rss:6.0f} MB  "
              f"({results[kind][0][3]})")  # fmt: skip
    for base in ("raw", "rawall", "rawsame"):
        print(f"ratio yibao / {base}: wall {medians['yibao'][0] / medians[base][0]:.2f}, "
              f"CPU {medians['yibao'][1] / medians[base][1]:.2f}")  # fmt: skip
    print(f"load average at end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
