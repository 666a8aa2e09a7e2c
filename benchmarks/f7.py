"""F7 on a large registry: keystroke to the progress screen rendered, through Textual's pilot.

    python benchmarks/f7.py --db /work/bench/reports-1600k.sqlite3 [--runs 3]

Opens the desk (``YibaoApp``) on the file built by ``benchmarks/reports.py`` with the
shangnan-2025 policy and a desk clock fixed at 2024-12-20 10:00 (inside its collection
period), presses F7 and waits for the workers and their messages, then Esc; prints each
time with the load average. Beside it, in the same run, the service call alone
(``services.reports.progress``) and a bare Textual app drawing a ``DataTable`` of the same
number of rows. CPU time (``time.process_time``: the service call's worker thread included)
is printed beside wall time: the machine may be shared. Figures only: nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
MOMENT = datetime(2024, 12, 20, 2, 0, tzinfo=UTC)  # 10:00 in Asia/Shanghai


async def _desk(services: object, runs: int) -> list[tuple[float, float]]:
    from tui.app import YibaoApp

    app = YibaoApp(services=services, receipts_dir=Path("/tmp/yibao-f7-receipts"))  # type: ignore[arg-type]
    times = []
    async with app.run_test(size=(120, 36)) as pilot:
        for _ in range(runs):
            started, cpu = time.perf_counter(), time.process_time()
            await pilot.press("f7")
            for _ in range(3):
                await app.workers.wait_for_complete()
                await pilot.pause()
            times.append((time.perf_counter() - started, time.process_time() - cpu))
            assert type(app.screen).__name__ == "ProgressScreen", app.screen
            await pilot.press("escape")
            await pilot.pause()
    return times


async def _bare(rows: int, runs: int) -> list[float]:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield DataTable(id="t")

    app = Bare()
    times = []
    async with app.run_test(size=(120, 36)) as pilot:
        table = app.query_one("#t", DataTable)
        for _ in range(runs):
            started = time.perf_counter()
            table.clear(columns=True)
            table.add_columns("地区", "任务数", "已缴费", "参保率", "较上周", "任务数来源")
            table.add_rows([(f"乡镇{i}", "18,898", "207", "1.10%", "+34", "附件2") for i in range(rows)])
            await pilot.pause()
            times.append(time.perf_counter() - started)
    return times


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    from yibao.config import ensure_clerk, ensure_device
    from yibao.db import open_registry, sqlite_url
    from yibao.policy import load_policy
    from yibao.services import Services

    engine = open_registry(sqlite_url(args.db))
    device = ensure_device(engine, name="F7 基准", now=MOMENT)
    clerk = ensure_clerk(engine, name="基准经办员", device=device, now=MOMENT)
    services = Services(engine, load_policy("shangnan-2025"), clerk, device, lambda: MOMENT)
    print(f"load average {os.getloadavg()[0]:.2f} (2 cores, shared)")
    calls = []
    for _ in range(args.runs):
        started, cpu = time.perf_counter(), time.process_time()
        report = services.reports.progress()
        calls.append((time.perf_counter() - started, time.process_time() - cpu))
    desk = asyncio.run(_desk(services, args.runs))
    bare = asyncio.run(_bare(len(report.towns), args.runs))
    print(f"service call (progress)    median {statistics.median(c[0] for c in calls) * 1000:8.1f} ms wall, "
          f"{statistics.median(c[1] for c in calls) * 1000:8.1f} ms CPU")  # fmt: skip
    print(f"F7 keystroke to rendered   median {statistics.median(w for w, _c in desk) * 1000:8.1f} ms wall, "
          f"{statistics.median(c for _w, c in desk) * 1000:8.1f} ms CPU  "
          f"(wall/CPU: {', '.join(f'{w * 1000:.0f}/{c * 1000:.0f}' for w, c in desk)})")  # fmt: skip
    print(f"bare DataTable, {len(report.towns)} rows    median {statistics.median(bare) * 1000:8.1f} ms")
    print(f"load average {os.getloadavg()[0]:.2f}")
    engine.dispose()
    return 0


if __name__ == "__main__":
    sys.exit(main())
