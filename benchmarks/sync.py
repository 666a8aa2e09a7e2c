"""Outreach sync (laptop → hall) beside raw baselines, measured in the same run.

    python benchmarks/sync.py [--persons 20000] [--changes 10000] [--town 富水镇] [--runs 3]
                              [--keep DIR [--reuse]]

Set-up (not timed), through the real code paths:

- the hall: ``yibao.demo.build`` (households, persons, identities, enrolments, payments);
- ``yibao.outreach.export.export_outreach`` for one town, then, as ``yibao outreach open``
  does, a SQLCipher laptop registry (``new_laptop_key``) set up by ``open_outreach``;
- on the laptop, the work of a team through the services, signed in as the demo 经办员:
  unpaid residents of the town enrolled and paid in cash (``enrolment.enrol_and_pay``),
  new residents registered (``persons.register``) and paid, a few details corrected on
  residents the hall holds (``persons.update``: proposals at the hall), each day closed
  (``dayclose.close_day``), until the laptop holds ``--changes`` changed rows;
- one ``export_sync``: the bundle every import below reads.

Each measurement is a fresh interpreter on a fresh copy of the registry it writes, so its
peak memory (``VmHWM``) is its own; runs are interleaved, so load hits both sides:

- ``export yibao``: ``yibao.outreach.sync.export_sync`` on the laptop;
- ``export raw``: ``sqlcipher3`` reading the same tables of the same laptop file, rows
  turned into the same JSON, SHA-256 of each compared with ``outreach_baseline``, the
  changed ones written as JSON lines sealed the same way (Ed25519, zlib, scrypt,
  AES-256-GCM, zip, fsync). The count of rows it finds must equal yibao's;
- ``import yibao``: ``yibao.outreach.sync.import_sync`` into the hall;
- ``import raw``: ``sqlite3`` opening the same bundle (scrypt, AES-GCM, zlib, JSON lines)
  and, table by table in the same order, one existence check per 500 rows and
  ``executemany`` of the rows the hall does not hold, plus one ``sync_applied`` row per
  incoming row (the bookkeeping that makes a second import a no-op), one transaction;
  ``INSERT OR IGNORE`` without foreign keys, as it has no merge (a resident registered on
  both sides) and no checks.

Prints wall and CPU time (``time.process_time``: the machine is shared) and peak memory of
each (medians of ``--runs``), the ratios, and the load average before and after.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from peak import peak_kb  # benchmarks/peak.py (the script's own folder is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NOW = datetime(2024, 10, 15, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai, collection period
POLICY = "shangnan-2025"
CLERK, PASSWORD = "演示经办员", "246801"
PASSPHRASE = "外出-基准-口令-2024"
_PER_DAY = 400  # clerk actions in one day of the trip (then the day is closed)


def _url(path: Path) -> str:
    from yibao.db import sqlite_url

    return sqlite_url(path)


# --- set-up ---------------------------------------------------------------------------------


def _laptop_changes(engine: Any, device_id: str) -> int:
    """Rows the next sync export would send (the same test as ``export_sync``)."""
    import sqlalchemy as sa

    from yibao.outreach import rows as R
    from yibao.outreach.models import OutreachBaseline
    from yibao.outreach.sync import ordered_tables

    with engine.connect() as conn:
        base = {(t, k): h for t, k, h in conn.execute(sa.select(
            OutreachBaseline.table_name, OutreachBaseline.row_id, OutreachBaseline.row_hash))}  # type: ignore[call-overload]
        return sum(
            1 for table in ordered_tables() for row in R.fetch(conn, table)
            if base.get((table.name, R.row_key(table, row))) != R.row_hash(row)
        )


def _team_work(laptop_url: str, town: str, changes: int, seed: int) -> dict[str, int]:
    """A team's days on the laptop, through the services, until ``changes`` rows changed."""
    import sqlalchemy as sa

    from yibao import synthetic
    from yibao.outreach.dayclose import close_day
    from yibao.services import Services
    from yibao.services.errors import ServiceError

    rng = random.Random(seed)
    clock_at = [NOW]
    services = Services.open(url=laptop_url, policy_id=POLICY, clerk_name=CLERK, password=PASSWORD,
                             clock=lambda: clock_at[0])
    year = services.benefit_year
    with services.engine.connect() as conn:
        paid = set(conn.scalars(sa.text(
            "SELECT person_id FROM payment WHERE benefit_year = :y AND status = 'paid'"), {"y": year}))
        residents = [(pid, addr) for pid, addr in conn.execute(sa.text(
            "SELECT id, address FROM person WHERE status = 'active' ORDER BY id"))]
        taken = set(conn.scalars(sa.text("SELECT id_number FROM person WHERE id_number IS NOT NULL")))
    unpaid = [pid for pid, _ in residents if pid not in paid]
    rng.shuffle(unpaid)
    hall_persons = [pid for pid, _ in residents]
    villages = sorted({(a or "").removeprefix(town)[:4] for _, a in residents if a and a.startswith(town)})
    done = {"paid existing": 0, "registered": 0, "paid new": 0, "corrected": 0, "refused": 0, "days": 0}
    actions = 0

    def pay(pid: str, key: str) -> None:
        try:
            services.enrolment.enrol_and_pay(pid, channel="cash", received_fen=100_000, confirmed=True)
            done[key] += 1
        except ServiceError as exc:
            done["refused"] += 1  # the rules refuse some (e.g. 职工医保); the desk would say why
            if done["refused"] <= 3:
                print(f"  refused: {exc}", flush=True)

    def end_day() -> None:
        close_day(services.engine, clerk=services.clerk, device=services.device, day=services.today(),
                  today=services.today(), now=clock_at[0])
        done["days"] += 1
        clock_at[0] += timedelta(days=1)

    while True:
        for _ in range(100):
            actions += 1
            roll = rng.random()
            if roll < 0.01 and hall_persons:
                pid = hall_persons[rng.randrange(len(hall_persons))]
                services.persons.update(pid, phone=f"13{rng.randrange(10**9):09d}")
                done["corrected"] += 1
            elif roll < 0.55 and unpaid:
                pay(unpaid.pop(), "paid existing")
            else:
                male = rng.random() < 0.5
                birth = synthetic.random_birth_date(rng, services.today())
                number = synthetic.unique_id_number(rng, "611023", birth, male=male, taken=taken)
                name = synthetic.random_surname(rng) + synthetic.random_given(rng, male=male)
                village = villages[rng.randrange(len(villages))] if villages else ""
                try:
                    person = services.persons.register(
                        name=name, id_number=number, hukou_region="611023",
                        address=f"{town}{village}{rng.randrange(1, 40)}组{rng.randrange(1, 120)}号",
                        id_confirmed=True,
                    )
                except ServiceError:
                    done["refused"] += 1
                    continue
                done["registered"] += 1
                pay(person.id, "paid new")
            if actions % _PER_DAY == 0:
                end_day()
        have = _laptop_changes(services.engine, services.device.id)
        print(f"  laptop: {actions:,} actions, {have:,} changed rows", flush=True)
        if have >= changes:
            break
    end_day()
    done["changed rows"] = _laptop_changes(services.engine, services.device.id)
    services.engine.dispose()
    return done


def build(workdir: Path, persons: int, changes: int, town: str) -> None:
    from yibao import demo
    from yibao.audit import Actor
    from yibao.db import open_registry
    from yibao.outreach.export import (
        export_outreach,
        new_laptop_key,
        open_outreach,
        read_outreach_bundle,
    )
    from yibao.outreach.sync import export_sync
    from yibao.resources import policies_dir
    from yibao.services import Services

    started = time.perf_counter()
    hall_db = workdir / "hall.sqlite3"
    report = demo.build(url=_url(hall_db), policy_id=POLICY, persons=persons, now=NOW)
    print(f"hall: {'；'.join(report.summary_lines()[:3])} ({time.perf_counter() - started:.0f} s)", flush=True)
    hall = Services.open(url=_url(hall_db), policy_id=POLICY, clerk_name=CLERK, password=PASSWORD,
                         clock=lambda: NOW)
    out = workdir / "outreach.yibao"
    result = export_outreach(
        hall.engine, to=out, town=town, village=None, policy_id=POLICY,
        policy_path=policies_dir() / f"{POLICY}.toml", benefit_year=hall.benefit_year,
        actor=hall.actor, now=NOW, passphrase=PASSPHRASE,
    )
    hall.engine.dispose()
    print(f"outreach bundle for {town}: {result.counts}", flush=True)
    laptop_db = workdir / "laptop.sqlite3"
    url = _url(laptop_db)
    engine = open_registry(url, secret=new_laptop_key(url, PASSPHRASE))
    open_outreach(engine, read_outreach_bundle(out, passphrase=PASSPHRASE), now=NOW,
                  enrol_code=result.enrol_code)
    engine.dispose()
    started = time.perf_counter()
    work = _team_work(url, town, changes, seed=13)
    print(f"team work on the laptop ({time.perf_counter() - started:.0f} s): {work}", flush=True)
    engine = open_registry(url, secret=PASSPHRASE)
    sent = export_sync(engine, to=workdir / "sync.yibao", actor=Actor(device_id=result.device_id),
                       now=NOW + timedelta(days=30), passphrase=PASSPHRASE)
    engine.dispose()
    print(f"sync bundle: {sum(sent.counts.values()):,} rows {dict(sorted(sent.counts.items()))}", flush=True)


# --- the children ---------------------------------------------------------------------------

EXPORT_AT = NOW + timedelta(days=31)


def child_export_yibao(db: Path, out: Path) -> tuple[float, float, int]:
    from yibao.audit import Actor
    from yibao.db import open_registry
    from yibao.outreach.models import OutreachOrigin
    from yibao.outreach.sync import export_sync

    engine = open_registry(_url(db), secret=PASSPHRASE)
    with engine.connect() as conn:  # unlocked (scrypt) outside the timing, as the raw side
        import sqlalchemy as sa

        device = conn.scalar(sa.select(OutreachOrigin.device_id))  # type: ignore[call-overload]
    started, cpu = time.perf_counter(), time.process_time()
    result = export_sync(engine, to=out, actor=Actor(device_id=device), now=EXPORT_AT, passphrase=PASSPHRASE)
    elapsed, used = time.perf_counter() - started, time.process_time() - cpu
    engine.dispose()
    return elapsed, used, sum(result.counts.values()) - result.counts.get("audit_log", 0)


def _column_kinds() -> dict[str, list[tuple[str, str]]]:
    """Per shared table (export order): its columns and how raw values become JSON values."""
    import sqlalchemy as sa

    from yibao.outreach.sync import ordered_tables

    out: dict[str, list[tuple[str, str]]] = {}
    for table in ordered_tables():
        cols = []
        for col in table.columns:
            kind = col.type
            if isinstance(kind, sa.types.TypeDecorator):
                kind = kind.impl_instance
            name = ("datetime" if isinstance(kind, sa.DateTime) else "date" if isinstance(kind, sa.Date)
                    else "bool" if isinstance(kind, sa.Boolean) else "json" if isinstance(kind, sa.JSON)
                    else "plain")
            cols.append((col.name, name))
        out[table.name] = cols
    return out


def _json_value(kind: str, value: Any) -> Any:
    if value is None or kind in ("plain", "date"):
        return value
    if kind == "datetime":
        text = value.replace(" ", "T")  # stored as naive UTC; yibao reads it as aware UTC
        return (text[:-7] if text.endswith(".000000") else text) + "+00:00"
    if kind == "bool":
        return bool(value)
    return json.loads(value)  # json


def _canonical(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _seal(out: Path, lines: list[bytes], private_hex: str) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    content = b"\n".join(lines) + b"\n"
    head = {"content_sha256": hashlib.sha256(content).hexdigest(), "created_at": EXPORT_AT.isoformat()}
    head["signature"] = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(private_hex)).sign(
        _canonical(head).encode()).hex()
    compressed = zlib.compress(_canonical(head).encode() + b"\n" + content, 6)
    salt, nonce = os.urandom(16), os.urandom(12)
    envelope = _canonical({"salt": base64.b64encode(salt).decode(), "nonce": base64.b64encode(nonce).decode()}).encode()
    key = Scrypt(salt=salt, length=32, n=2**15, r=8, p=1).derive(PASSPHRASE.encode())
    sealed = AESGCM(key).encrypt(nonce, compressed, envelope)
    with out.open("wb") as fh:
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED) as zf:
            zf.writestr("envelope.json", envelope)
            zf.writestr("payload.bin", sealed)
        fh.flush()
        os.fsync(fh.fileno())


def child_export_raw(db: Path, out: Path) -> tuple[float, float, int]:
    from yibao import cipher
    from yibao.outreach.sync import ordered_tables

    kinds = _column_kinds()
    keys = {t.name: [c.name for c in t.primary_key.columns] for t in ordered_tables()}
    key = cipher.key_for(db, PASSPHRASE)  # scrypt outside the timing, as the yibao side
    assert key is not None
    started, cpu = time.perf_counter(), time.process_time()
    con = cipher.connect(db, key)
    private = con.execute("SELECT key_hex FROM outreach_origin").fetchone()[0]
    base = {(t, k): h for t, k, h in con.execute("SELECT table_name, row_id, row_hash FROM outreach_baseline")}
    lines: list[bytes] = []
    sent = 0
    for name, cols in kinds.items():
        pk = [i for i, (c, _) in enumerate(cols) if c in keys[name]]
        order = ", ".join(keys[name])
        for raw in con.execute(f"SELECT {', '.join(c for c, _ in cols)} FROM {name} ORDER BY {order}"):
            row = {c: _json_value(k, v) for (c, k), v in zip(cols, raw, strict=True)}
            text = _canonical(row)
            rid = "|".join(str(raw[i]) for i in pk)
            was = base.get((name, rid))
            if was == hashlib.sha256(text.encode()).hexdigest():
                continue
            lines.append(f'{{"r":{text},"t":"{name}"}}'.encode())
            sent += name != "audit_log"
            if was is not None:
                lines.append(_canonical({"r": {"hash": was, "id": rid, "table": name}, "t": "_base"}).encode())
    con.close()
    _seal(out, lines, private)
    return time.perf_counter() - started, time.process_time() - cpu, sent


def _hall_actor(db: Path) -> Any:
    from yibao.services import Services

    services = Services.open(url=_url(db), policy_id=POLICY, clerk_name=CLERK, password=PASSWORD,
                             clock=lambda: EXPORT_AT)
    return services


def child_import_yibao(db: Path, bundle: Path) -> tuple[float, float, int]:
    from yibao.outreach.sync import import_sync

    services = _hall_actor(db)  # sign-in (argon2) outside the timing
    started, cpu = time.perf_counter(), time.process_time()
    report = import_sync(services.engine, bundle, actor=services.actor, now=EXPORT_AT, passphrase=PASSPHRASE)
    elapsed, used = time.perf_counter() - started, time.process_time() - cpu
    services.engine.dispose()
    assert not report.already_imported
    return elapsed, used, report.count("added")


def _open_raw(bundle: Path) -> list[dict[str, Any]]:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    with zipfile.ZipFile(bundle) as zf:
        envelope_bytes, sealed = zf.read("envelope.json"), zf.read("payload.bin")
    envelope = json.loads(envelope_bytes)
    kdf = envelope["kdf"]
    key = Scrypt(salt=base64.b64decode(kdf["salt"]), length=32, n=kdf["n"], r=kdf["r"], p=kdf["p"]).derive(
        PASSPHRASE.encode())
    inner = zlib.decompress(AESGCM(key).decrypt(base64.b64decode(envelope["nonce"]), sealed, envelope_bytes))
    _head, _, content = inner.partition(b"\n")
    return [json.loads(line) for line in content.splitlines() if line]


def _sql_value(kind: str, value: Any) -> Any:
    if value is None or kind in ("plain", "date", "bool"):
        return value
    if kind == "datetime":
        text = value.replace("T", " ").removesuffix("+00:00")
        return text if "." in text else text + ".000000"
    return json.dumps(value, ensure_ascii=False)


def child_import_raw(db: Path, bundle: Path) -> tuple[float, float, int]:
    kinds = _column_kinds()
    from yibao.outreach.sync import ordered_tables

    keys = {t.name: [c.name for c in t.primary_key.columns] for t in ordered_tables()}
    started, cpu = time.perf_counter(), time.process_time()
    records = _open_raw(bundle)
    by_table: dict[str, list[dict[str, Any]]] = {}
    for rec in records:
        by_table.setdefault(rec["t"], []).append(rec["r"])
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("BEGIN")
    source = con.execute("SELECT device_id FROM outreach_device ORDER BY issued_at DESC").fetchone()[0]
    log = str(uuid.uuid4())
    stamp = EXPORT_AT.replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")
    con.execute(
        "INSERT INTO sync_log (id, bundle_sha256, source_device_id, bundle_created_at, imported_at, device_id,"
        " added, merged, updated, unchanged, flagged) VALUES (?, ?, ?, ?, ?, ?, 0, 0, 0, 0, 0)",
        (log, hashlib.sha256(bundle.read_bytes()).hexdigest(), source, stamp, stamp, source),
    )
    added = 0
    applied = []
    for name, cols in kinds.items():
        rows = by_table.get(name, [])
        pk = keys[name]
        for i in range(0, len(rows), 500):
            part = rows[i : i + 500]
            ids = ["|".join(str(r[c]) for c in pk) for r in part]
            if len(pk) == 1:
                marks = ",".join("?" * len(ids))
                held = {str(v) for (v,) in con.execute(f"SELECT {pk[0]} FROM {name} WHERE {pk[0]} IN ({marks})", ids)}
            else:
                marks = ",".join(f"({','.join('?' * len(pk))})" for _ in part)
                flat = [r[c] for r in part for c in pk]
                held = {"|".join(str(v) for v in got) for got in con.execute(
                    f"SELECT {', '.join(pk)} FROM {name} WHERE ({', '.join(pk)}) IN (VALUES {marks})", flat)}
            new = [(rid, r) for rid, r in zip(ids, part, strict=True) if rid not in held]
            if new:
                present = [(c, k) for c, k in cols if c in new[0][1]]
                con.executemany(
                    f"INSERT OR IGNORE INTO {name} ({', '.join(c for c, _ in present)})"
                    f" VALUES ({', '.join('?' * len(present))})",
                    [tuple(_sql_value(k, r[c]) for c, k in present) for _, r in new],
                )
                added += len(new)
            applied.extend((source, name, rid, rid, hashlib.sha256(_canonical(r).encode()).hexdigest(), log)
                           for rid, r in zip(ids, part, strict=True))
    con.executemany(
        "INSERT INTO sync_applied (source_device_id, table_name, row_id, target_id, row_hash, sync_log_id)"
        " VALUES (?, ?, ?, ?, ?, ?)", applied,
    )
    con.execute("COMMIT")
    con.close()
    return time.perf_counter() - started, time.process_time() - cpu, added


CHILDREN = {
    "export-yibao": child_export_yibao,
    "export-raw": child_export_raw,
    "import-yibao": child_import_yibao,
    "import-raw": child_import_raw,
}


# --- the parent -----------------------------------------------------------------------------


def _copy_db(src: Path, dst: Path) -> None:
    for suffix in ("", "-wal", "-shm", ".key"):
        Path(str(dst) + suffix).unlink(missing_ok=True)
    shutil.copyfile(src, dst)
    if Path(str(src) + ".key").exists():
        shutil.copyfile(Path(str(src) + ".key"), Path(str(dst) + ".key"))


def _measure(kind: str, workdir: Path) -> tuple[float, float, int, float]:
    side = kind.split("-")[0]
    db = workdir / f"run-{kind}.sqlite3"
    if side == "export":
        _copy_db(workdir / "laptop.sqlite3", db)
        arg = workdir / f"run-{kind}.yibao"
    else:
        _copy_db(workdir / "hall.sqlite3", db)
        arg = workdir / "sync.yibao"
    env = {**os.environ, "YIBAO_DATA_DIR": str(workdir / "data"), "YIBAO_BUNDLE_PASSPHRASE": PASSPHRASE}
    proc = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--db", str(db), "--arg", str(arg)],
        env=env, capture_output=True, text=True, cwd=ROOT,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{proc.stderr}")
    wall, cpu, rows, rss_kb = proc.stdout.split()[-4:]
    return float(wall), float(cpu), int(rows), int(rss_kb) / 1024


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=20_000)
    parser.add_argument("--changes", type=int, default=10_000)
    parser.add_argument("--town", default="富水镇")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the registries in this folder")
    parser.add_argument("--reuse", action="store_true", help="with --keep: skip the set-up if done")
    parser.add_argument("--child", choices=sorted(CHILDREN))
    parser.add_argument("--db", type=Path)
    parser.add_argument("--arg", type=Path)
    args = parser.parse_args()
    if args.child:
        wall, cpu, rows = CHILDREN[args.child](args.db, args.arg)
        print(wall, cpu, rows, peak_kb())
        return 0
    print(f"load average at the start: {_load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="yibao-sync-bench-") as tmp:
        workdir = args.keep or Path(tmp)
        workdir.mkdir(parents=True, exist_ok=True)
        os.environ["YIBAO_DATA_DIR"] = str(workdir / "data")
        os.environ["YIBAO_BUNDLE_PASSPHRASE"] = PASSPHRASE  # the laptop registry's, as a team types it
        if not (args.reuse and (workdir / "sync.yibao").exists()):
            for old in workdir.glob("*"):
                if old.is_file():
                    old.unlink()
            build(workdir, args.persons, args.changes, args.town)
        for side in ("export", "import"):
            results: dict[str, list[tuple[float, float, int, float]]] = {"raw": [], "yibao": []}
            for _ in range(args.runs):
                for kind in ("raw", "yibao"):  # interleaved: noise hits both
                    results[kind].append(_measure(f"{side}-{kind}", workdir))
            line = {}
            for kind in ("raw", "yibao"):
                wall = statistics.median(r[0] for r in results[kind])
                cpu = statistics.median(r[1] for r in results[kind])
                rows = results[kind][0][2]
                rss = max(r[3] for r in results[kind])
                line[kind] = (wall, cpu, rows)
                what = "rows sent (audit rows aside)" if side == "export" else "rows added"
                print(f"{side} {kind:5s} {rows:,} {what}  wall {wall:6.2f} s  CPU {cpu:6.2f} s  "
                      f"peak memory {rss:5.0f} MB  (runs: {', '.join(f'{r[0]:.2f}' for r in results[kind])})",
                      flush=True)
            agree = "agree" if line["raw"][2] == line["yibao"][2] else "DIFFER"
            print(f"{side} ratio yibao / raw  wall {line['yibao'][0] / line['raw'][0]:.2f}  "
                  f"CPU {line['yibao'][1] / line['raw'][1]:.2f}  (row counts {agree})", flush=True)
    print(f"load average at the end: {_load()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
