"""Power cuts at random moments: SIGKILL a process while it takes payments, imports a sync
bundle, imports a department list or writes a backup, then check the registry.

``python -m tests.kill.run --points 1000`` is the issue's full run (seeded, prints each
violation and a closing ``N passed, N failed`` line); ``tests/kill/test_kill.py`` runs about
30 points in CI. After every kill, on the next start:

- the registry opens and SQLite's integrity check says ``ok``;
- ``audit verify`` passes (every device's hash chain unbroken);
- no receipt number names two payments;
- every payment has its audit row (``entity = 'payment'``);
- no partial backup or restore file is left beside the registry.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import random
import shutil
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DAY = date(2024, 10, 8)
KINDS = ("payments", "sync", "list", "backup")
PERSONS = 30


@dataclass(frozen=True)
class Template:
    folder: Path  # hall.db (persons, some paid), back.yibao (a laptop's sync bundle), list.csv
    clerk: Any  # ClerkInfo signed in once here: a child starts without hashing a password
    device: Any  # DeviceInfo of the hall desk


def make_template(folder: Path) -> Template:
    """A hall with persons, a laptop trip whose sync bundle pays for new people, a list."""
    from tests.outreach.helpers import (
        PASSPHRASE,
        Clock,
        export_and_open,
        id_number,
        local_noon,
        pay_cash,
        register,
        services_for,
    )
    from yibao.outreach.sync import export_sync

    folder.mkdir(parents=True, exist_ok=True)
    clock = Clock(local_noon(DAY))
    hall = services_for(f"sqlite:///{folder / 'hall.db'}", "王大厅", clock)
    people = [register(hall, f"村民{i}", 100 + i) for i in range(PERSONS)]
    for person in people[:5]:
        pay_cash(hall, person.id)
    (folder / "trip").mkdir(exist_ok=True)
    trip = export_and_open(hall, f"sqlite:///{folder / 'trip' / 'laptop.db'}", folder / "trip", clock)
    for i in range(5):
        pay_cash(trip.laptop, register(trip.laptop, f"新人{i}", 300 + i).id)
    export_sync(trip.laptop.engine, to=folder / "back.yibao", actor=trip.laptop.actor, now=clock(),
                passphrase=PASSPHRASE)
    trip.laptop.engine.dispose()
    lines = ["姓名,公民身份号码,人员类别"] + [f"村民{i},{id_number(100 + i)},低保对象" for i in range(PERSONS)]
    (folder / "list.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    hall.engine.dispose()
    return Template(folder, hall.clerk, hall.device)


def child(template: Template, kind: str, folder: Path, *, ready: Callable[[], object]) -> None:
    """The process that is killed: opens the registry, says ``ready``, then works until it dies."""
    from sqlmodel import Session, select

    from tests.outreach.helpers import PASSPHRASE, POLICY, Clock, local_noon, pay_cash
    from yibao.db import open_registry
    from yibao.models import Person
    from yibao.services import Services

    clock = Clock(local_noon(DAY))
    engine = open_registry(f"sqlite:///{folder / 'hall.db'}", create=False)
    hall = Services(engine, POLICY, template.clerk, template.device, clock)  # type: ignore[arg-type]
    with Session(hall.engine) as session:
        ids = [p.id for p in session.exec(select(Person))]
    ready()
    if kind == "payments":
        for pid in ids:
            try:
                pay_cash(hall, pid)
            except Exception:  # noqa: BLE001 - already paid: the next one
                continue
    elif kind == "sync":
        from yibao.outreach.sync import import_sync

        import_sync(hall.engine, folder / "back.yibao", actor=hall.actor, now=clock(), passphrase=PASSPHRASE)
    elif kind == "list":
        from yibao.imports.identities import import_identities

        for n in range(50):
            with Session(hall.engine) as session:
                import_identities(session, folder / "list.csv", department="民政", batch=f"{2024 - n // 12}-{n % 12 + 1:02d}",
                                  actor=hall.actor, now=clock())
    elif kind == "backup":
        from yibao.outreach.backup import backup

        for n in range(50):
            backup(folder / "hall.db", folder / f"hall-backup-{n % 3}.db")
    time.sleep(60)  # killed here if the work finished first: a cut after the last commit


def _forked(template: Template, kind: str, work: Path, ready: Connection) -> None:
    child(template, kind, work, ready=lambda: ready.send("ready"))


def kill_point(template: Template, work: Path, kind: str, delay: float) -> list[str]:
    """Copy the template, run ``kind`` in a forked child (everything already imported, so a
    point costs a sign-in, not a start-up), SIGKILL it ``delay`` s after it is ready."""
    shutil.copytree(template.folder, work, ignore=shutil.ignore_patterns("trip", "*.lock"))
    context = mp.get_context("fork")
    parent_end, child_end = context.Pipe(duplex=False)
    proc = context.Process(target=_forked, args=(template, kind, work, child_end), daemon=True)
    proc.start()
    child_end.close()
    if not parent_end.poll(60):
        proc.kill()
        proc.join()
        return [f"{kind}: the child did not get ready (exit code {proc.exitcode})"]
    parent_end.recv()
    time.sleep(delay)
    if proc.pid is not None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.join()
    parent_end.close()
    return [f"{kind} killed after {delay:.3f} s: {problem}" for problem in check(work)]


def check(folder: Path) -> list[str]:
    """The invariants on the next start of the registry in ``folder``."""
    import sqlalchemy as sa

    from yibao.auditchain import verify
    from yibao.db import RegistryError, open_registry

    try:
        engine = open_registry(f"sqlite:///{folder / 'hall.db'}", create=False)
    except RegistryError as exc:
        return [f"the registry does not open: {exc}"]
    problems: list[str] = []
    try:
        with engine.connect() as connection:
            if connection.exec_driver_sql("PRAGMA integrity_check").scalar() != "ok":
                problems.append("integrity_check failed")
            report = verify(connection)
            if not report.ok:
                problems.append(f"audit verify: {report.render() if hasattr(report, 'render') else report}")
            duplicates = connection.execute(sa.text(
                "SELECT receipt_no FROM payment GROUP BY receipt_no HAVING count(*) > 1")).scalars().all()
            if duplicates:
                problems.append(f"receipt numbers issued twice: {duplicates}")
            unaudited = connection.execute(sa.text(
                "SELECT receipt_no FROM payment p WHERE NOT EXISTS (SELECT 1 FROM audit_log a "
                "WHERE a.entity = 'payment' AND a.entity_id = p.id)")).scalars().all()
            if unaudited:
                problems.append(f"payments without their audit row: {unaudited}")
    finally:
        engine.dispose()
    leftovers = sorted(p.name for p in folder.iterdir() if p.name.startswith(".") and ".tmp" in p.name)
    if leftovers:
        problems.append(f"partial files left after the next start: {leftovers}")
    return problems


def run(
    points: int, *, seed: int, root: Path, max_delay: float = 0.6, template: Template | None = None
) -> tuple[int, list[str]]:
    _preload()
    rng = random.Random(seed)
    template = template or make_template(root / "template")
    violations: list[str] = []
    for n in range(points):
        kind = KINDS[n % len(KINDS)]
        work = root / f"point-{n:04d}"
        violations += kill_point(template, work, kind, rng.uniform(0, max_delay))
        shutil.rmtree(work, ignore_errors=True)
    return points, violations


def _preload() -> None:
    """Import what the children use before forking: each point then starts in milliseconds."""
    import yibao.imports.identities  # noqa: F401
    import yibao.outreach.backup  # noqa: F401
    import yibao.outreach.sync  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args(argv)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="yibao-kill-") as tmp:
        points, violations = run(args.points, seed=args.seed, root=Path(tmp))
    for violation in violations:
        print(violation)
    failed = len({v.split(":", 1)[0] for v in violations})
    print(f"kill: {points - failed} passed, {failed} failed")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
