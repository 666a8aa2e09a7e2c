"""Cold start of the desk beside a bare Textual app, measured in the same run.

    python benchmarks/startup.py [--runs 7]

Each run is a fresh interpreter (``python benchmarks/startup.py --child KIND``) timed
from process start to exit; the child opens its app headless and quits as soon as the
first screen has been composed and refreshed (``pilot.pause()`` waits for that, no
fixed delay):

- ``bare``: a Textual ``App`` with ``Header``, ``Input``, ``DataTable`` and ``Footer``;
- ``desk``: ``yibao --db FILE --policy shangnan-2025 --clerk 张三`` exactly as the
  command line builds it (``tui.launch.build_app``) on a registry made by ``yibao init``
  beforehand, so the schema is current and the open is the everyday one.

Prints the median and the best of each, their peak memory (``VmHWM`` of the child),
and as the last line ``startup ratio X.XX`` (desk median / bare median).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peak import peak_kb  # benchmarks/peak.py (the script's own folder is on sys.path)

ROOT = Path(__file__).resolve().parents[1]


def _bare() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Footer, Header, Input

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield Input(placeholder="查询")
            yield DataTable()
            yield Footer()

    Bare().run(headless=True, auto_pilot=_quit_when_ready)


def _desk(db: str) -> None:
    from yibao.cli.main import build_parser

    args = build_parser().parse_args(
        ["--db", db, "--policy", "shangnan-2025", "--clerk", "张三"]
    )
    from datetime import UTC, datetime

    from tui.launch import build_app

    # A day inside shangnan-2025's collection period: on a later day with no file for the
    # year being collected the desk refuses to open (it says why), which is not a start-up.
    app = build_app(args, clock=lambda: datetime(2024, 10, 15, 2, 0, tzinfo=UTC))
    assert app is not None, "the desk did not open"
    app.run(headless=True, auto_pilot=_quit_when_ready)


async def _quit_when_ready(pilot) -> None:  # type: ignore[no-untyped-def]
    await pilot.pause()
    pilot.app.exit()


def _time_child(kind: str, db: str, env: dict[str, str]) -> tuple[float, int]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--db", db],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{proc.stderr}")
    rss_kb = int(proc.stdout.strip().splitlines()[-1])
    return elapsed, rss_kb


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--child", choices=("bare", "desk"))
    parser.add_argument("--db")
    args = parser.parse_args()
    if args.child:
        if args.child == "bare":
            _bare()
        else:
            _desk(args.db)
        print(peak_kb())
        return 0

    with tempfile.TemporaryDirectory(prefix="yibao-startup-") as tmp:
        env = {**os.environ, "YIBAO_DATA_DIR": str(Path(tmp) / "data")}
        for name in ("YIBAO_POLICY", "YIBAO_CLERK", "YIBAO_DATABASE_URL"):
            env.pop(name, None)
        db = str(Path(tmp) / "hall.sqlite3")
        subprocess.run(
            [sys.executable, "-m", "yibao.cli.main", "--db", db, "--policy", "shangnan-2025",
             "--clerk", "张三", "--password-stdin", "init"],
            env=env, cwd=ROOT, check=True, capture_output=True, input="bench-246801\n", text=True,
        )  # init makes 张三 the first 管理 and asks a password: given on standard input
        times: dict[str, list[float]] = {"bare": [], "desk": []}
        rss: dict[str, int] = {"bare": 0, "desk": 0}
        _time_child("bare", db, env)  # warm the OS file cache once for both
        _time_child("desk", db, env)
        for _ in range(args.runs):
            for kind in ("bare", "desk"):  # interleaved, so background noise hits both
                elapsed, peak = _time_child(kind, db, env)
                times[kind].append(elapsed)
                rss[kind] = max(rss[kind], peak)
    for kind, label in (("bare", "bare Textual app"), ("desk", "yibao desk")):
        values = times[kind]
        print(
            f"{label:18s} median {statistics.median(values) * 1000:7.0f} ms  "
            f"best {min(values) * 1000:7.0f} ms  peak memory {rss[kind] / 1024:6.1f} MB  "
            f"({len(values)} runs)"
        )
    ratio = statistics.median(times["desk"]) / statistics.median(times["bare"])
    print(f"startup ratio {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
