"""F6: keystroke to updated table, through Textual's pilot, beside a bare app.

    python benchmarks/desk_lookup.py [--persons 200000] [--keys 200] [--keep DIR]

Builds a registry with households (``benchmarks/lookup.py``'s builder), then in the
same run:

- ``desk``: ``YibaoApp`` on that registry; F6; each query is typed key by key into the
  look-up box; for every key the time runs from ``pilot.press`` until the results table
  shows the answer to the text typed so far (the screen's search runs in a worker);
- ``bare``: a Textual app with the same ``Input`` and ``DataTable``, whose ``Input.Changed``
  runs the raw SQL of the same search on ``sqlite3`` in a worker and fills the table.

Waiting is for the worker to complete and the screen to refresh (no fixed delay). Prints
p50 / p95 per key for both and the ratio, and the peak memory of the process.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

from peak import peak_kb  # benchmarks/peak.py (the script's own folder is on sys.path)

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from lookup import build, sample_of  # noqa: E402

RAW = (
    "SELECT person.id, person.name, person.id_number, person.birth_date, household.number "
    "FROM person LEFT OUTER JOIN household ON person.household_id = household.id "
)


def _queries(sample: list[tuple[str, str, str]], count: int, seed: int) -> list[str]:
    from yibao import synthetic

    rng = random.Random(seed)
    out: list[str] = []
    while sum(len(q) for q in out) < count:
        number, name, household = rng.choice(sample)
        out.append(rng.choice((name[:2], synthetic.name_initials(name)[:3], number[-4:])))
    return out


async def _settled(pilot) -> None:  # type: ignore[no-untyped-def]
    """Until the search worker is done and its answer has been drawn into the table."""
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


def _p(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * q))]


CLERK, PASSWORD = "查询员", "258014"


def _add_clerk(path: Path) -> None:
    """The 经办 the desk signs in as (sign-in never creates a clerk); kept if already there."""
    from datetime import UTC, datetime

    from sqlmodel import Session, select

    from yibao.auth import hash_password
    from yibao.db import open_registry, sqlite_url
    from yibao.models import Clerk, Device

    engine = open_registry(sqlite_url(path))
    with Session(engine) as session:
        if session.exec(select(Clerk).where(Clerk.name == CLERK)).first() is None:
            device = session.exec(select(Device)).first()
            now = datetime.now(UTC)
            session.add(Clerk(name=CLERK, role="clerk", device_id=device.id if device else "bench",
                              password_hash=hash_password(PASSWORD), password_set_at=now,
                              created_at=now, updated_at=now))
            session.commit()
    engine.dispose()


async def time_desk(path: Path, queries: list[str]) -> list[float]:
    from tui.app import YibaoApp
    from yibao.db import sqlite_url
    from yibao.services import Services

    _add_clerk(path)
    services = Services.open(url=sqlite_url(path), policy_id="shangnan-2025", clerk_name=CLERK, password=PASSWORD)
    app = YibaoApp(services=services)
    samples: list[float] = []
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f6")
        await pilot.pause()
        box = app.screen.query_one("#lookup-query")
        for query in queries:
            box.value = ""
            await pilot.pause()
            for ch in query:
                start = time.perf_counter()
                await pilot.press(ch)
                await _settled(pilot)
                samples.append((time.perf_counter() - start) * 1000)
    services.engine.dispose()
    return samples


async def time_bare(path: Path, queries: list[str]) -> list[float]:
    from textual import on, work
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Input, Static

    def search(text: str) -> list[tuple[object, ...]]:
        con = sqlite3.connect(path)
        try:
            if text.isdigit():
                keys = [f"{d:02d}{text}" for d in range(1, 32)] if len(text) == 4 else [text]
                marks = ",".join("?" for _ in keys)
                sql = RAW + f"WHERE id_tail IN ({marks}) ORDER BY id_tail, person.rowid LIMIT 51"
                return con.execute(sql, keys).fetchall()
            column = "name_initials" if text.isascii() else "name"
            upper = text[:-1] + chr(ord(text[-1]) + 1)
            sql = RAW + f"WHERE {column} >= ? AND {column} < ? ORDER BY {column}, person.rowid LIMIT 51"
            return con.execute(sql, (text, upper)).fetchall()
        finally:
            con.close()

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Input(id="q")
            yield Static("", id="count")
            yield DataTable(id="t")

        def on_mount(self) -> None:
            self.query_one(DataTable).add_columns("id", "姓名", "身份证号码", "出生日期", "户号")
            self.generation = 0

        @on(Input.Changed)
        def changed(self, event: Input.Changed) -> None:
            self.generation += 1
            if event.value:
                self.run_search(event.value, self.generation)

        @work(thread=True, exclusive=True)
        def run_search(self, text: str, generation: int) -> None:
            rows = search(text)
            self.call_from_thread(self.show, rows, generation)

        def show(self, rows: list[tuple[object, ...]], generation: int) -> None:
            table = self.query_one(DataTable)
            table.clear()
            for row in rows[:50]:
                table.add_row(*(str(v) for v in row))
            self.query_one("#count", Static).update(f"{generation}: {len(rows)}")

    app = Bare()
    samples: list[float] = []
    async with app.run_test(size=(120, 36)) as pilot:
        box = app.query_one("#q", Input)
        for query in queries:
            box.value = ""
            await pilot.pause()
            for ch in query:
                start = time.perf_counter()
                await pilot.press(ch)
                await _settled(pilot)
                samples.append((time.perf_counter() - start) * 1000)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=200_000)
    parser.add_argument("--keys", type=int, default=200)
    parser.add_argument("--keep", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = (args.keep or Path(tmp)) / f"desk-lookup-{args.persons}.sqlite3"
        if not path.exists():
            seconds = build(path, args.persons, "611023", 7)
            print(f"built {args.persons:,} residents with households in {seconds:.1f} s")
        queries = _queries(sample_of(path), args.keys, seed=3)
        bare = asyncio.run(time_bare(path, queries))
        desk = asyncio.run(time_desk(path, queries))
    for label, values in (("bare app + raw sqlite3", bare), ("yibao desk F6", desk)):
        print(f"{label:22s} {len(values)} keys  p50 {statistics.median(values):7.1f} ms  "
              f"p95 {_p(values, 0.95):7.1f} ms")
    print(f"peak memory {peak_kb() / 1024:.0f} MB")
    print(f"p95 ratio desk / bare {_p(desk, 0.95) / _p(bare, 0.95):.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
