"""Department list import beside a raw baseline, measured in the same run.

    python benchmarks/imports.py [--rows 100000] [--known 90000] [--runs 3] [--xlsx]

Builds a registry (``yibao.db.open_registry``: the real schema) holding ``--known``
residents, and a list of ``--rows`` rows (the known residents plus new ones) as a
UTF-8 CSV and, with ``--xlsx``, as an .xlsx. Each measurement runs in a fresh
interpreter on a fresh copy of the registry, so its peak memory is its own: the child's
``VmHWM`` (``/proc/self/status``, read just before it exits). Not ``ru_maxrss``: Linux
carries a process's high-water mark across ``exec``, so a child started by this
(large) parent would report the parent's size:

- ``yibao``: ``ImportService.identities`` (the CLI's path: one transaction, every row
  checked, persons created, identities added, one audit row each, the batch row);
- ``raw``: Python's ``csv`` module (or openpyxl read-only iteration for .xlsx) and
  ``sqlite3`` ``executemany`` making the same writes: one SELECT per 2,000 rows to
  match ID numbers, the new persons, the identities, the audit rows (whole-row JSON
  snapshots, the clerk, the hash chain), the batch row, one transaction, new rows' ids
  time-ordered as yibao's are. No checks beyond that.

Prints rows/s, wall and CPU time, the ratio to raw (wall and CPU), and the peak memory
of each (medians of ``--runs``). The yibao side's time includes what a clerk's run pays
once (imports, the argon2 sign-in, the policy); ``setup`` says how much of it that was.
``--profile FILE`` writes a cProfile of the yibao side's import call (one run).
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import itertools
import json
import os
import random
import resource
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
from typing import NamedTuple

from peak import peak_kb  # benchmarks/peak.py (the script's own folder is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOW = datetime(2024, 9, 10, 2, 0, tzinfo=UTC)


def _people(count: int, seed: int) -> list[tuple[str, str, date, str]]:
    from yibao import synthetic

    rng = random.Random(seed)
    taken: set[str] = set()
    today = date(2024, 9, 1)
    out = []
    for _ in range(count):
        male = rng.random() < 0.5
        birth = synthetic.random_birth_date(rng, today)
        number = synthetic.unique_id_number(rng, "611023", birth, male=male, taken=taken)
        name = synthetic.random_surname(rng) + synthetic.random_given(rng, male=male)
        out.append((number, name, birth, "1" if male else "2"))
    return out


def build(workdir: Path, rows: int, known: int, xlsx: bool) -> tuple[Path, Path, Path | None]:
    from yibao.db import open_registry, sqlite_url
    from yibao.pinyin import initials

    db = workdir / "base.sqlite3"
    open_registry(sqlite_url(db)).dispose()
    people = _people(rows, seed=13)
    con = sqlite3.connect(db)
    device = str(uuid.uuid4())
    stamp = NOW.isoformat(sep=" ")
    con.execute(
        "INSERT INTO device (id, name, prefix, is_local, created_at) VALUES (?, ?, ?, 0, ?)",
        (device, "基准", "BM01", stamp),
    )
    con.executemany(
        "INSERT INTO person (id, id_number, id_tail, name, name_initials, sex, birth_date,"
        " birth_region, status, employee_insured, device_id, created_at, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', 0, ?, ?, ?)",
        [
            (str(uuid.uuid4()), n, n[-6:], name, initials(name), sex, b.isoformat(), n[:6],
             device, stamp, stamp)
            for n, name, b, sex in people[:known]
        ],
    )
    con.commit()
    con.execute("ANALYZE")
    con.close()
    _add_clerk(db, device)
    csv_path = workdir / "list.csv"
    with csv_path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["姓名", "身份证号码", "身份类别", "认定日期"])
        for number, name, _birth, _sex in people:
            writer.writerow([name, number, "低保对象", "2024-08-15"])
    xlsx_path = None
    if xlsx:
        from openpyxl import Workbook

        xlsx_path = workdir / "list.xlsx"
        book = Workbook(write_only=True)
        sheet = book.create_sheet()
        sheet.append(["姓名", "身份证号码", "身份类别", "认定日期"])
        for number, name, _birth, _sex in people:
            sheet.append([name, number, "低保对象", "2024-08-15"])
        book.save(xlsx_path)
    return db, csv_path, xlsx_path


CLERK, PASSWORD = "导入员", "258013"


def _add_clerk(db: Path, device: str) -> None:
    """The 经办 the import signs in as (a clerk is never created at sign-in)."""
    from sqlmodel import Session

    from yibao.auth import hash_password
    from yibao.db import open_registry, sqlite_url
    from yibao.models import Clerk

    engine = open_registry(sqlite_url(db))
    with Session(engine) as session:
        session.add(Clerk(name=CLERK, role="clerk", device_id=device, password_hash=hash_password(PASSWORD),
                          password_set_at=NOW, created_at=NOW, updated_at=NOW))
        session.commit()
    engine.dispose()


# --- the two children ---------------------------------------------------------------------


SETUP: list[float] = []  # seconds before the import call (yibao side)


def child_yibao(db: Path, source: Path, profile: Path | None = None) -> int:
    started = time.perf_counter()
    from yibao.db import sqlite_url
    from yibao.services import Services

    services = Services.open(
        url=sqlite_url(db), policy_id="shangnan-2025", clerk_name=CLERK, password=PASSWORD,
        clock=lambda: NOW,
    )
    SETUP.append(time.perf_counter() - started)
    if profile is None:
        report = services.imports.identities(source, department="民政", batch="2024-09")
    else:
        import cProfile

        profiler = cProfile.Profile()
        report = profiler.runcall(
            services.imports.identities, source, department="民政", batch="2024-09"
        )
        profiler.dump_stats(profile)
    services.engine.dispose()
    assert not report.problems, report.problems[:3]
    return report.rows_read


def _raw_rows(source: Path):  # type: ignore[no-untyped-def]
    if source.suffix == ".xlsx":
        from openpyxl import load_workbook

        book = load_workbook(source, read_only=True, data_only=True)
        rows = book.worksheets[0].iter_rows(values_only=True)
        next(rows)
        yield from rows
        book.close()
        return
    with source.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        yield from reader


def child_raw(db: Path, source: Path) -> int:
    from yibao.pinyin import initials

    con = sqlite3.connect(db, isolation_level=None)
    # The registry's own settings (``yibao.db``: WAL, synchronous FULL, foreign keys) and
    # the page cache the import sets for a large list (``PAGE_CACHE_KIB``).
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=FULL")
    con.execute("PRAGMA foreign_keys=ON")
    con.execute("PRAGMA cache_size=-32768")
    device = con.execute("SELECT id FROM device").fetchone()[0]
    stamp = NOW.isoformat(sep=" ")
    con.execute("BEGIN")
    batch = str(uuid.uuid4())
    con.execute(
        "INSERT INTO import_batch (id, kind, source_name, department, recognised_on, row_count,"
        " accepted_count, rejected_count, device_id, created_at, updated_at)"
        " VALUES (?, 'identities', ?, '民政', '2024-09-01', 0, 0, 0, ?, ?, ?)",
        (batch, source.name, device, stamp, stamp),
    )
    count = 0
    chunk: list[tuple[str, str, str, str]] = []
    # The audit rows as yibao writes them: the whole new row as the snapshot (ID number
    # masked), the clerk, and the device's hash chain (seq, prev_hash, SHA-256 of the
    # row's canonical JSON with the previous hash).
    clerk_id, clerk_name = con.execute("SELECT id, name FROM clerk").fetchone()
    seq, prev = con.execute(
        "SELECT seq, row_hash FROM audit_log WHERE device_id = ? AND seq IS NOT NULL"
        " ORDER BY seq DESC LIMIT 1", (device,),
    ).fetchone() or (0, "0" * 64)  # fmt: skip
    person_columns = [r[1] for r in con.execute("PRAGMA table_info(person)") if r[1] != "id_tail"]
    at = NOW.isoformat(timespec="microseconds")
    iso = NOW.isoformat()

    # New rows' ids as yibao makes them (``models.new_ordered_id``): version-7 UUIDs, the
    # time (ms), a 12-bit counter within it and 62 random bits, so that they sort in the
    # order written and append to the primary keys and the audit log's entity index.
    started_ms, made = time.time_ns() // 1_000_000, itertools.count()

    def ordered_id() -> str:
        n = next(made)
        value = ((started_ms + (n >> 12)) << 80 | 7 << 76 | (n & 0xFFF) << 64 | 0b10 << 62
                 | int.from_bytes(os.urandom(8)) >> 2)  # fmt: skip
        h = f"{value:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def dumps(value: object) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))

    def audit(action: str, entity: str, entity_id: str, person_id: str, summary: str,
              after: dict[str, object]) -> tuple[object, ...]:  # fmt: skip
        nonlocal seq, prev
        seq += 1
        row_id, after_text = ordered_id(), dumps(after)
        content = {"id": row_id, "seq": seq, "device_id": device, "at": at, "clerk_id": clerk_id,
                   "clerk_name": clerk_name, "action": action, "outcome": "done", "entity": entity,
                   "entity_id": entity_id, "person_id": person_id, "summary": summary,
                   "before": None, "after": after, "prev_hash": prev, "v": "yibao-audit-v1"}  # fmt: skip
        digest = hashlib.sha256(dumps(content).encode()).hexdigest()
        out = (row_id, stamp, clerk_id, clerk_name, device, action, entity, entity_id, person_id,
               summary, after_text, seq, prev, digest)  # fmt: skip
        prev = digest
        return out

    def flush() -> None:
        numbers = [r[1] for r in chunk]
        marks = ",".join("?" * len(numbers))
        found = dict(
            con.execute(f"SELECT id_number, id FROM person WHERE id_number IN ({marks})", numbers)
        )
        persons, identities, audits = [], [], []
        for line, (name, number, _kind, recognised) in enumerate(chunk, start=count - len(chunk) + 2):
            person_id = found.get(number)
            if person_id is None:
                person_id = ordered_id()
                birth = f"{number[6:10]}-{number[10:12]}-{number[12:14]}"
                note = f"由民政 2024-09 名单导入（第 {line} 行），户籍等信息待窗口补登。"
                row = (person_id, number, number[-6:], name, initials(name),
                       "1" if int(number[16]) % 2 else "2", birth, number[:6], note, device, stamp, stamp)
                persons.append(row)
                snap: dict[str, object] = dict.fromkeys(person_columns)
                snap.update(id=person_id, id_number=number[:6] + "********" + number[-4:], name=name,
                            name_initials=row[4], sex=row[5], birth_date=birth, birth_region=row[7],
                            status="active", employee_insured=False, note=note, device_id=device,
                            created_at=iso, updated_at=iso)  # fmt: skip
                audits.append(audit("person.import", "person", person_id, person_id,
                                    f"由民政名单新建人员 {name}（{snap['id_number']}）", snap))  # fmt: skip
            identity_id = ordered_id()
            identities.append((identity_id, person_id, "minimum_living", "民政", recognised,
                               recognised, batch, f"第 {line} 行", device, stamp, stamp))
            snap = {"id": identity_id, "person_id": person_id, "code": "minimum_living",
                    "department": "民政", "department_code": None, "recognised_on": recognised,
                    "valid_from": recognised, "valid_to": None, "disability_grade": None,
                    "import_batch_id": batch, "revoked_at": None, "note": f"第 {line} 行",
                    "device_id": device, "created_at": iso, "updated_at": iso}  # fmt: skip
            audits.append(audit("identity.import", "person_identity", identity_id, person_id,
                                f"{name} 认定为低保对象（民政名单 2024-09）", snap))  # fmt: skip
        con.executemany(
            "INSERT INTO person (id, id_number, id_tail, name, name_initials, sex, birth_date,"
            " birth_region, status, employee_insured, note, device_id, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'active', 0, ?, ?, ?, ?)",
            persons,
        )
        con.executemany(
            "INSERT INTO person_identity (id, person_id, code, department, recognised_on,"
            " valid_from, import_batch_id, note, device_id, created_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            identities,
        )
        con.executemany(
            "INSERT INTO audit_log (id, at, clerk_id, clerk_name, device_id, action, outcome,"
            " entity, entity_id, person_id, summary, after, seq, prev_hash, row_hash)"
            " VALUES (?, ?, ?, ?, ?, ?, 'done', ?, ?, ?, ?, ?, ?, ?, ?)",
            audits,
        )
        chunk.clear()

    for cells in _raw_rows(source):
        chunk.append(tuple(str(c) for c in cells[:4]))  # type: ignore[arg-type]
        count += 1
        if len(chunk) >= 2000:
            flush()
    if chunk:
        flush()
    con.execute("UPDATE import_batch SET row_count = ? WHERE id = ?", (count, batch))
    con.execute("COMMIT")
    con.close()
    return count


# --- the parent -----------------------------------------------------------------------------


class Measured(NamedTuple):
    seconds: float
    rows: int
    peak_mb: float
    cpu: float
    setup: float


def _measure(
    kind: str, base: Path, source: Path, workdir: Path, profile: Path | None = None
) -> Measured:
    db = workdir / f"run-{kind}.sqlite3"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    shutil.copyfile(base, db)
    env = {**os.environ, "YIBAO_DATA_DIR": str(workdir / "data")}
    command = [sys.executable, __file__, "--child", kind, "--db", str(db), "--source", str(source)]
    if profile is not None:
        command += ["--profile", str(profile)]
    proc = subprocess.run(command, env=env, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{proc.stderr}")
    seconds, rows, peak, cpu, setup = proc.stdout.split()
    return Measured(float(seconds), int(rows), int(peak) / 1024, float(cpu), float(setup))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--known", type=int, default=90_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--xlsx", action="store_true")
    parser.add_argument("--child", choices=("yibao", "raw"))
    parser.add_argument("--db", type=Path)
    parser.add_argument("--source", type=Path)
    parser.add_argument("--profile", type=Path, help="cProfile of the yibao import call")
    args = parser.parse_args()
    if args.child:
        started = time.perf_counter()
        if args.child == "yibao":
            rows = child_yibao(args.db, args.source, args.profile)
        else:
            rows = child_raw(args.db, args.source)
        elapsed = time.perf_counter() - started
        usage = resource.getrusage(resource.RUSAGE_SELF)
        setup = SETUP[0] if SETUP else 0.0
        print(elapsed, rows, peak_kb(), usage.ru_utime + usage.ru_stime, setup)
        return 0
    with tempfile.TemporaryDirectory(prefix="yibao-import-bench-") as tmp:
        workdir = Path(tmp)
        started = time.perf_counter()
        base, csv_path, xlsx_path = build(workdir, args.rows, args.known, args.xlsx)
        print(f"built {args.known:,} residents and a {args.rows:,}-row list in "
              f"{time.perf_counter() - started:.1f} s; load average "
              f"{Path('/proc/loadavg').read_text().split()[0]}")
        sources = [("CSV", csv_path)] + ([("xlsx", xlsx_path)] if xlsx_path else [])
        for label, source in sources:
            results: dict[str, list[Measured]] = {"yibao": [], "raw": []}
            for run in range(args.runs):
                for kind in ("raw", "yibao"):  # interleaved: noise hits both
                    profile = args.profile if kind == "yibao" and run == 0 else None
                    if profile is not None and label != "CSV":
                        profile = profile.with_suffix(f".{label}{profile.suffix}")
                    results[kind].append(_measure(kind, base, source, workdir, profile))
            wall, cpu = {}, {}
            for kind in ("raw", "yibao"):
                wall[kind] = statistics.median(r.seconds for r in results[kind])
                cpu[kind] = statistics.median(r.cpu for r in results[kind])
                rows = results[kind][0].rows
                peak = max(r.peak_mb for r in results[kind])
                setup = statistics.median(r.setup for r in results[kind])
                print(f"{label:4s} {kind:5s} {rows:,} rows  median {wall[kind]:6.2f} s "
                      f"(CPU {cpu[kind]:6.2f} s)  {rows / wall[kind]:9,.0f} rows/s  "
                      f"peak memory {peak:6.0f} MB"
                      + (f"  setup {setup:.2f} s" if kind == "yibao" else ""))
            print(f"{label:4s} ratio yibao / raw {wall['yibao'] / wall['raw']:.2f} "
                  f"(CPU {cpu['yibao'] / cpu['raw']:.2f}); load average "
                  f"{Path('/proc/loadavg').read_text().split()[0]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
