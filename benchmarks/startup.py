"""Cold start of the desk beside a bare Textual app, measured in the same run.

    python benchmarks/startup.py [--runs 7]

Each run is a fresh interpreter (``python benchmarks/startup.py --child KIND``). What is
timed, from just before the parent starts the child process (so the interpreter's own
start and every import count) to the moment named:

- **painted** (the ratio): the first screen the user types into is on top, mounted, its
  first field focused, and one more refresh has been processed (``pilot.pause()``) — the
  same criterion for both apps;
- ``bare``: a Textual ``App`` with ``Header``, ``Input``, ``DataTable`` and ``Footer``;
- ``desk``: ``yibao --db FILE --policy shangnan-2025 --clerk 张三`` as the command line
  starts it (``tui.launch.start_app``) on a registry made by ``yibao init`` beforehand, so
  the schema is current and the open is the everyday one. Its first screen is the
  sign-in screen; the registry (SQLAlchemy, the models, the policy) is opened in a worker
  after that paint, while the clerk types. So two more times are reported for the desk,
  because the clerk may wait for them: **registry open** (from then on Enter signs in at
  once) and **signed in**: the name and password are filled in and submitted the moment
  the screen is painted (a clerk infinitely fast: the most waiting there can be), timed
  until the home screen is up, the password check included;
- ``eager``: the desk as it started before the sign-in screen came first (``build_app``:
  the registry opened, then the app run), for comparison in the same run.

Prints the median and the best of each, their peak memory (``VmHWM`` of the child),
and as the last line ``startup ratio X.XX`` (desk painted median / bare painted median).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from peak import peak_kb  # benchmarks/peak.py (the script's own folder is on sys.path)

ROOT = Path(__file__).resolve().parents[1]


PASSWORD = "bench-246801"  # the password ``yibao init`` is given below


def _bare() -> dict[str, float]:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Footer, Header, Input

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Header()
            yield Input(placeholder="查询")
            yield DataTable()
            yield Footer()

    stamps: dict[str, float] = {}

    async def pilot_run(pilot) -> None:  # type: ignore[no-untyped-def]
        await _until(pilot, lambda: isinstance(pilot.app.focused, Input))
        stamps["painted"] = time.monotonic()
        pilot.app.exit()

    Bare().run(headless=True, auto_pilot=pilot_run)
    return stamps


def _desk(db: str, *, eager: bool) -> dict[str, float]:
    from yibao.cli.main import build_parser

    args = build_parser().parse_args(
        ["--db", db, "--policy", "shangnan-2025", "--clerk", "张三"]
    )
    from datetime import UTC, datetime

    from textual.widgets import Input

    from tui.launch import build_app, start_app
    from tui.screens.home import HomeScreen
    from tui.workflows.signin import SignInScreen

    # A day inside shangnan-2025's collection period: on a later day with no file for the
    # year being collected the desk refuses to open (it says why), which is not a start-up.
    def clock() -> datetime:
        return datetime(2024, 10, 15, 2, 0, tzinfo=UTC)

    app = build_app(args, clock=clock) if eager else start_app(args, clock=clock)
    assert app is not None, "the desk did not open"
    stamps: dict[str, float] = {}

    async def pilot_run(pilot) -> None:  # type: ignore[no-untyped-def]
        def on_signin() -> bool:
            screen = pilot.app.screen
            return isinstance(screen, SignInScreen) and isinstance(screen.focused, Input)

        await _until(pilot, on_signin)
        stamps["painted"] = time.monotonic()
        screen = pilot.app.screen
        screen.query_one("#signin-name", Input).value = "张三"
        screen.query_one("#signin-password", Input).value = PASSWORD
        screen.action_submit()  # typed at once: waits for the registry if it is not open yet
        await _until(pilot, lambda: pilot.app.gate is not None, poll=0.005)
        stamps["ready"] = time.monotonic()
        await _until(pilot, lambda: isinstance(pilot.app.screen, HomeScreen) and pilot.app.services is not None,
                     poll=0.005)
        stamps["signed_in"] = time.monotonic()
        pilot.app.exit()

    app.run(headless=True, auto_pilot=pilot_run)
    if app.refusal is not None:
        raise SystemExit(app.refusal)
    return stamps


async def _until(pilot, condition, *, poll: float | None = None) -> None:  # type: ignore[no-untyped-def]
    """Let Textual process what is pending until ``condition``, then once more, so what it
    describes has been painted: ``pilot.pause(0)`` waits until the screen and its widgets
    have handled every message queued so far, then renders the screen. (``pilot.pause()``
    without a delay would also wait for the process to go idle, up to a second: never while
    the desk's worker opens the registry, so it would time the worker, not the screen.)
    ``poll``: only look every so many seconds meanwhile, rendering nothing (waiting for the
    worker: a render every turn would take the interpreter from it)."""
    for _ in range(100_000):
        if condition():
            break
        if poll is None:
            await pilot.pause(0)
        else:
            await asyncio.sleep(poll)
    else:
        raise SystemExit("the first screen never came up")
    await pilot.pause(0)


def _time_child(kind: str, db: str, env: dict[str, str]) -> tuple[dict[str, float], int]:
    started = time.monotonic()  # CLOCK_MONOTONIC: the same clock in the child
    proc = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--db", db],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{proc.stderr}")
    *_, stamps_line, rss_line = proc.stdout.strip().splitlines()
    stamps = {name: at - started for name, at in json.loads(stamps_line).items()}
    return stamps, int(rss_line)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--child", choices=("bare", "desk", "eager"))
    parser.add_argument("--db")
    args = parser.parse_args()
    if args.child:
        stamps = _bare() if args.child == "bare" else _desk(args.db, eager=args.child == "eager")
        print(json.dumps(stamps))
        print(peak_kb())
        return 0

    kinds = ("bare", "desk", "eager")
    with tempfile.TemporaryDirectory(prefix="yibao-startup-") as tmp:
        env = {**os.environ, "YIBAO_DATA_DIR": str(Path(tmp) / "data")}
        for name in ("YIBAO_POLICY", "YIBAO_CLERK", "YIBAO_DATABASE_URL"):
            env.pop(name, None)
        db = str(Path(tmp) / "hall.sqlite3")
        subprocess.run(
            [sys.executable, "-m", "yibao.cli.main", "--db", db, "--policy", "shangnan-2025",
             "--clerk", "张三", "--password-stdin", "init"],
            env=env, cwd=ROOT, check=True, capture_output=True, input=f"{PASSWORD}\n", text=True,
        )  # init makes 张三 the first 管理 and asks a password: given on standard input
        times: dict[str, dict[str, list[float]]] = {kind: {} for kind in kinds}
        rss: dict[str, int] = dict.fromkeys(kinds, 0)
        for kind in kinds:  # warm the OS file cache once for each
            _time_child(kind, db, env)
        for _ in range(args.runs):
            for kind in kinds:  # interleaved, so background noise hits all
                stamps, peak = _time_child(kind, db, env)
                for name, seconds in stamps.items():
                    times[kind].setdefault(name, []).append(seconds)
                rss[kind] = max(rss[kind], peak)
    labels = {"bare": "bare Textual app", "desk": "yibao desk", "eager": "desk, eager (old)"}
    moments = {"painted": "painted", "ready": "registry open", "signed_in": "signed in"}
    for kind in kinds:
        for moment, label in moments.items():
            values = times[kind].get(moment)
            if not values:
                continue
            print(
                f"{labels[kind]:18s} {label:13s} median {statistics.median(values) * 1000:6.0f} ms  "
                f"best {min(values) * 1000:6.0f} ms  peak memory {rss[kind] / 1024:6.1f} MB  "
                f"({len(values)} runs)"
            )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    ratio = statistics.median(times["desk"]["painted"]) / statistics.median(times["bare"]["painted"])
    print(f"startup ratio {ratio:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
