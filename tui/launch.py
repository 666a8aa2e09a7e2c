"""From command-line arguments to a running desk: registry, policy, clerk, demo.

``yibao [--db PATH|URL] [--policy ID] [--clerk NAME] [--printer NAME] [--demo]``. The policy is
``yibao.config.resolve_policy``: ``--policy``, ``YIBAO_POLICY``, an outreach laptop's
own policy file, then the policy the registry itself records (``registry_setting``,
written by the first-run setup or ``yibao init``). The clerk is ``--clerk``,
``YIBAO_CLERK`` or the last clerk on that registry (``desk.json``). When either is
still unknown (a new registry) the desk opens on the setup screen.
"""

from __future__ import annotations

import os
import socket
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tui.app import YibaoApp
from tui.formatting import show_date
from tui.screens.setup import SetupChoice
from yibao.timezone import LOCAL_TZ

if TYPE_CHECKING:
    from yibao.services.signin import SignInGate
    from yibao.services.years import Coverage

ENV_POLICY = "YIBAO_POLICY"
ENV_CLERK = "YIBAO_CLERK"
DEMO_POLICY = "shangnan-2025"


def policy_choices(resolved: str | None = None, *, url: str | None = None) -> list[tuple[str, str]]:
    """The packaged policies, plus ``resolved`` when it is a policy file (an outreach
    laptop's, or a path given with --policy), so the setup screen can show it selected."""
    from yibao.policy.loader import list_policies

    choices = [(p.id, f"{p.jurisdiction} {p.benefit_year}年度（{p.document.citation}）") for p in list_policies()]
    if resolved and resolved not in {pid for pid, _ in choices}:
        from yibao.config import outreach_policy

        own = url is not None and outreach_policy(url) == resolved
        label = "本登记库的政策文件" if own else "政策文件"
        choices.append((resolved, f"{label} {Path(resolved).name}"))
    return choices


def open_gate(
    url: str,
    policy_id: str,
    *,
    device: str = "",
    clock: Callable[[], datetime] | None = None,
    demo_clerks: tuple[tuple[str, str, str], ...] = (),
    pending_policy: str | None = None,
) -> SignInGate:
    """Open the registry, load the policy, ensure this device: the sign-in gate
    (``yibao.services.signin.SignInGate``). Nobody is signed in yet."""
    from yibao.config import ensure_device
    from yibao.db import open_registry
    from yibao.policy import load_policy
    from yibao.services.signin import SignInGate

    engine = open_registry(url)
    try:
        policy = load_policy(policy_id)
        now = clock or (lambda: datetime.now(UTC))
        info = ensure_device(engine, name=device, now=now())
    except BaseException:
        engine.dispose()
        raise
    gate = SignInGate(engine, policy, info, now, demo_clerks=demo_clerks, pending_policy=pending_policy)
    gate.url = url  # type: ignore[attr-defined]  # the desk remembers the last clerk per registry
    return gate


def demo_moment(policy_id: str) -> datetime:
    """The demo's fixed "now": 10:00 at the counter, 45 days into the policy's centralized
    collection period, so the demo can take payments whatever today's date is.

    Where the newborn clause covers only babies born from a later date (山阴: born on or after
    2025-01-01) and the period is still open 40 days after it, that day instead: on the
    earlier one no baby the document covers could be enrolled at F3."""
    from yibao.policy import load_policy

    policy = load_policy(policy_id)
    window = policy.periods.centralized
    day = min(window.start + timedelta(days=45), window.end)
    effective = policy.newborn.effective
    if effective is not None and effective.on == "birth" and effective.start > day:
        later = effective.start + timedelta(days=40)
        if later <= window.end:
            day = later
    return datetime.combine(day, time(10, 0), tzinfo=LOCAL_TZ).astimezone(UTC)


def build_demo(directory: Path, policy_id: str, moment: datetime) -> str:
    """A throw-away registry filled by the demo generator; returns its URL."""
    from yibao import demo
    from yibao.db import sqlite_url

    url = sqlite_url(directory / "demo.sqlite3")
    demo.build(url=url, policy_id=policy_id, now=moment)
    return url


def demo_day(moment: datetime) -> date:
    return moment.astimezone(LOCAL_TZ).date()


def year_notice(coverage: Coverage) -> str:
    """The status line when today's year is a draft or a year lacks a confirmed file."""
    if coverage.draft:
        return (f"{coverage.collecting}年度政策文件是草稿·未确认：只能试算，不能收费。"
                f"{coverage.message()}")
    return coverage.message()


DEMO_DIR_PREFIX = "yibao-demo-"


def remove_stale_demos(root: Path) -> int:
    """Remove the registries of demo desks that were killed instead of quit (a closed
    terminal): synthetic data, but a temporary folder should not outlive its desk. A demo
    still open holds its registry's lock and is left alone; so is one still being built
    (no registry yet, younger than ten minutes). Returns how many were removed."""
    import shutil
    import time as clock_time

    from yibao.outreach.errors import OutreachError
    from yibao.outreach.lock import RegistryBusy, exclusive

    removed = 0
    for folder in root.glob(f"{DEMO_DIR_PREFIX}*"):
        db = folder / "demo.sqlite3"
        try:
            if not db.exists():
                if clock_time.time() - folder.stat().st_mtime > 600:
                    shutil.rmtree(folder, ignore_errors=True)
                    removed += 1
                continue
            with exclusive(db):
                shutil.rmtree(folder, ignore_errors=True)
                removed += 1
        except (OSError, OutreachError, RegistryBusy):
            continue  # open in another desk, or not ours to remove
    return removed


class DeskRefused(Exception):
    """The desk cannot open on this registry; ``message`` (Chinese) says why."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass
class DeskStart:
    """What opening the registry found: the sign-in gate (or, for a registry that serves
    no policy yet, what the setup screen needs), and the status line to show."""

    gate: Any = None
    temporary_dir: Path | None = None
    receipts_dir: Path | None = None
    status: tuple[str, str] | None = None
    setup: Callable[[SetupChoice], Any] | None = None
    policies: list[tuple[str, str]] = field(default_factory=list)
    setup_defaults: dict[str, str] = field(default_factory=dict)


def signin_name(args: Any) -> str:
    """The name the sign-in screen shows at first: ``--clerk``, ``YIBAO_CLERK``, the last
    clerk on this registry (``desk.json``). Light: read before the first screen is painted."""
    if getattr(args, "demo", False):
        return args.clerk or ""
    from yibao.locations import last_clerk, resolve_url

    return args.clerk or os.environ.get(ENV_CLERK) or last_clerk(resolve_url(args.db)) or ""


def open_desk(args: Any, *, clock: Callable[[], datetime] | None = None) -> DeskStart:
    """Open the registry the arguments name (for ``--demo``, build one first), load the
    policy, check the day is covered: the slow part of a start, run by the desk in a worker
    while the sign-in screen is already up. Raises ``DeskRefused`` with the Chinese reason."""
    from yibao.config import (
        outreach_policy,
        registry_policy,
        remembered_policy,
        resolve_policy,
    )
    from yibao.db import RegistryError, resolve_url, unlock_registry

    if getattr(args, "demo", False):
        remove_stale_demos(Path(tempfile.gettempdir()))
        workdir = Path(tempfile.mkdtemp(prefix=DEMO_DIR_PREFIX))
        policy_id = args.policy or DEMO_POLICY
        moment = demo_moment(policy_id)
        url = build_demo(workdir, policy_id, moment)
        from yibao.demo import DEMO_DEVICE, demo_clerk_lines

        gate = open_gate(url, policy_id, device=DEMO_DEVICE, clock=lambda: moment,
                         demo_clerks=tuple(demo_clerk_lines()))
        status = (f"演示登记库（{workdir}），日期固定为 {show_date(demo_day(moment))}。"
                  "请用下列演示经办人员之一登录。", "warning")
        return DeskStart(gate=gate, temporary_dir=workdir, receipts_dir=workdir / "receipts", status=status)

    url = resolve_url(args.db)
    try:
        unlock_registry(url)  # an encrypted laptop registry: its passphrase first, asked here only
    except RegistryError as error:
        raise DeskRefused(str(error)) from error
    stored = remembered_policy(url)  # the registry's own setting (read only: nothing created yet)
    given = (args.policy or "").strip() or (os.environ.get(ENV_POLICY) or "").strip() or None
    policy_id = resolve_policy(url, explicit=args.policy, remembered=stored)
    device = socket.gethostname()
    if policy_id:
        try:
            gate = open_gate(url, policy_id, device=device, clock=clock)
            recorded = registry_policy(gate.engine)
            if recorded is None and policy_id in (given, stored, outreach_policy(url)):
                gate.pending_policy = policy_id  # recorded by the first clerk to sign in
        except (RegistryError, ValueError) as error:  # PolicyError is a ValueError
            raise DeskRefused(str(error)) from error
        coverage = gate.coverage()
        if coverage.blocked:  # nothing to collect for: say why, open nothing
            gate.engine.dispose()
            raise DeskRefused(coverage.message())
        status: tuple[str, str] | None = None
        if given and recorded and given != recorded:
            status = (f"注意：本登记库设定服务的政策是 {recorded}，本次按 {given} 打开。"
                      "如需更改登记库的政策，请运行 yibao init --policy。", "warning")
        if coverage is not None and (coverage.draft or coverage.missing):
            before = status[0] if status else ""
            status = (f"{year_notice(coverage)}{before}", "warning")  # the year comes first
        return DeskStart(gate=gate, status=status)

    def setup(choice: SetupChoice) -> SignInGate:
        gate = open_gate(url, choice.policy_id, device=choice.device, clock=clock, pending_policy=choice.policy_id)
        from yibao.config import remember_clerk

        remember_clerk(url, choice.clerk)
        return gate

    return DeskStart(
        setup=setup,
        policies=policy_choices(policy_id, url=url),
        setup_defaults={"policy_id": policy_id, "clerk": signin_name(args), "device": device},
    )


def build_app(args: Any, *, clock: Callable[[], datetime] | None = None) -> YibaoApp | None:
    """The desk with its registry already open (``open_desk`` before the app exists): tests
    use it to look at the gate straight away. None when refused (the reason on stderr).
    ``clock``: the desk's time (tests fix it; default the machine's)."""
    try:
        start = open_desk(args, clock=clock)
    except DeskRefused as refusal:
        print(f"无法打开窗口：{refusal.message}", file=sys.stderr)
        return None
    app = YibaoApp(signin_name=signin_name(args), printer=getattr(args, "printer", None))
    app.begin(start)
    return app


def start_app(args: Any, *, clock: Callable[[], datetime] | None = None) -> YibaoApp:
    """The desk as ``yibao`` opens it: the sign-in screen is painted at once, with only
    Textual and the sign-in widgets imported; ``open_desk`` (SQLAlchemy, the models, the
    policy, the registry) runs in a worker while the clerk types. An encrypted laptop
    registry's passphrase is asked at the terminal first, before the screen takes it over.
    A refusal ends the desk with the same Chinese message (``YibaoApp.refusal``)."""
    if not getattr(args, "demo", False):
        _ask_passphrase_first(args)
    return YibaoApp(
        opening=lambda: open_desk(args, clock=clock),
        signin_name=signin_name(args),
        printer=getattr(args, "printer", None),
        demo=bool(getattr(args, "demo", False)),
    )


def _ask_passphrase_first(args: Any) -> None:
    """For a registry file with a key file beside it (an encrypted laptop registry), ask
    its passphrase now, at the terminal; refused, ``open_desk`` then says why."""
    from yibao.locations import resolve_url

    url = resolve_url(args.db)
    if not url.startswith("sqlite"):
        return
    from yibao import cipher

    path = Path(url.split(":///", 1)[-1].split("?", 1)[0])
    if cipher.is_encrypted(path):
        import contextlib

        with contextlib.suppress(cipher.CipherError):  # open_desk meets the refusal and says it
            cipher.key_for(path)  # remembered for this process: the worker asks nothing
