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


def build_app(args: Any, *, clock: Callable[[], datetime] | None = None) -> YibaoApp | None:
    """``clock``: the desk's time (tests fix it; default the machine's)."""
    from yibao.config import (
        last_clerk,
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
        app = YibaoApp(gate=gate, temporary_dir=workdir, receipts_dir=workdir / "receipts", signin_name=args.clerk or "",
                        printer=getattr(args, "printer", None))
        app.status = (f"演示登记库（{workdir}），日期固定为 {show_date(demo_day(moment))}。"
                      "请用下列演示经办人员之一登录。", "warning")
        return app

    url = resolve_url(args.db)
    try:
        unlock_registry(url)  # an encrypted laptop registry: its passphrase first, asked here only
    except RegistryError as error:
        print(f"无法打开窗口：{error}", file=sys.stderr)
        return None
    stored = remembered_policy(url)  # the registry's own setting (read only: nothing created yet)
    given = (args.policy or "").strip() or (os.environ.get(ENV_POLICY) or "").strip() or None
    policy_id = resolve_policy(url, explicit=args.policy, remembered=stored)
    clerk = args.clerk or os.environ.get(ENV_CLERK) or last_clerk(url) or ""
    device = socket.gethostname()
    if policy_id:
        try:
            gate = open_gate(url, policy_id, device=device, clock=clock)
            recorded = registry_policy(gate.engine)
            if recorded is None and policy_id in (given, stored, outreach_policy(url)):
                gate.pending_policy = policy_id  # recorded by the first clerk to sign in
        except (RegistryError, ValueError) as error:  # PolicyError is a ValueError
            print(f"无法打开窗口：{error}", file=sys.stderr)
            return None
        coverage = gate.coverage()
        if coverage.blocked:  # nothing to collect for: say why, open nothing
            gate.engine.dispose()
            print(f"无法打开窗口：{coverage.message()}", file=sys.stderr)
            return None
        app = YibaoApp(gate=gate, signin_name=clerk, printer=getattr(args, "printer", None))
        if given and recorded and given != recorded:
            app.status = (f"注意：本登记库设定服务的政策是 {recorded}，本次按 {given} 打开。"
                          "如需更改登记库的政策，请运行 yibao init --policy。", "warning")
        if coverage is not None and (coverage.draft or coverage.missing):
            before = app.status[0] if app.status[1] == "warning" else ""
            app.status = (f"{year_notice(coverage)}{before}", "warning")  # the year comes first
        return app

    def setup(choice: SetupChoice) -> SignInGate:
        gate = open_gate(url, choice.policy_id, device=choice.device, clock=clock, pending_policy=choice.policy_id)
        from yibao.config import remember_clerk

        remember_clerk(url, choice.clerk)
        return gate

    return YibaoApp(
        setup=setup,
        policies=policy_choices(policy_id, url=url),
        setup_defaults={"policy_id": policy_id, "clerk": clerk or "", "device": device},
        signin_name=clerk,
        printer=getattr(args, "printer", None),
    )
