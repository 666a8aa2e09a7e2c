"""The demo builder beside a raw baseline, measured in the same run.

    python benchmarks/demo.py [--persons 200000] [--runs 3]

Each measurement is a fresh interpreter (its peak memory, ``ru_maxrss``, is its own):

- ``yibao``: ``yibao.demo.build`` (what ``yibao demo --persons N`` runs: households,
  persons with valid ID numbers and pinyin initials, identities, enrolments, payments
  with receipt numbers, one transaction);
- ``raw``: the same number of already generated person rows (13 columns) written by
  ``sqlite3`` ``executemany`` into the same schema: the floor for the write alone.

Prints persons/s for each, the ratio, and peak memory (medians of ``--runs``).
"""

from __future__ import annotations

import argparse
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOW = datetime(2024, 10, 15, 2, 0, tzinfo=UTC)


def child_yibao(db: Path, persons: int) -> tuple[float, str]:
    from yibao import demo
    from yibao.db import open_registry, sqlite_url

    open_registry(sqlite_url(db)).dispose()  # the schema, outside the timing
    started = time.perf_counter()
    report = demo.build(url=sqlite_url(db), policy_id="shangnan-2025", persons=persons, now=NOW)
    elapsed = time.perf_counter() - started
    return elapsed, "；".join(report.summary_lines()[:3])


def child_raw(db: Path, persons: int) -> tuple[float, str]:
    from yibao.db import open_registry, sqlite_url

    open_registry(sqlite_url(db)).dispose()
    stamp = NOW.isoformat(sep=" ")
    device = str(uuid.uuid4())
    rows = []
    for i in range(persons):
        number = f"611023{date(1950 + i % 70, 1 + i % 12, 1 + i % 28):%Y%m%d}{i % 1000:03d}"
        number += str(i % 10)
        rows.append((str(uuid.uuid4()), f"{number[:14]}{i:04d}"[:18] + str(i), number[-6:],
                     "张三", "zs", "1", "1990-01-01", "611023", device, stamp, stamp))
    started = time.perf_counter()
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO person (id, id_number, id_tail, name, name_initials, sex, birth_date,"
        " birth_region, status, employee_insured, device_id, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', 0, ?, ?, ?)",
        rows,
    )
    con.execute("COMMIT")
    con.close()
    return time.perf_counter() - started, f"{persons} 行 person"


def _run(kind: str, persons: int, workdir: Path) -> tuple[float, float, str]:
    db = workdir / f"{kind}-{time.monotonic_ns()}.sqlite3"
    proc = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--persons", str(persons), "--db", str(db)],
        env={**os.environ, "YIBAO_DATA_DIR": str(workdir / "data")},
        capture_output=True, text=True, cwd=ROOT,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{proc.stderr}")
    seconds, rss, summary = proc.stdout.strip().split("\t")
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    return float(seconds), int(rss) / 1024, summary


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=("yibao", "raw"))
    parser.add_argument("--db", type=Path)
    args = parser.parse_args()
    if args.child:
        sys.path.insert(0, str(ROOT))
        seconds, summary = (child_yibao if args.child == "yibao" else child_raw)(args.db, args.persons)
        print(f"{seconds}\t{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}\t{summary}")
        return 0
    with tempfile.TemporaryDirectory(prefix="yibao-demo-bench-") as tmp:
        results: dict[str, list[tuple[float, float, str]]] = {"raw": [], "yibao": []}
        for _ in range(args.runs):
            for kind in ("raw", "yibao"):
                results[kind].append(_run(kind, args.persons, Path(tmp)))
    medians = {}
    for kind in ("raw", "yibao"):
        seconds = statistics.median(r[0] for r in results[kind])
        medians[kind] = seconds
        rss = max(r[1] for r in results[kind])
        print(f"{kind:5s} {args.persons:,} persons  median {seconds:7.2f} s  "
              f"{args.persons / seconds:10,.0f} persons/s  peak memory {rss:6.0f} MB  "
              f"({results[kind][0][2]})")
    print(f"ratio yibao / raw {medians['yibao'] / medians['raw']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
