"""From command-line arguments to a running desk: registry, policy, clerk, demo.

``yibao [--db PATH|URL] [--policy ID] [--clerk NAME] [--demo]``. The policy is
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
from typing import Any

from tui.app import YibaoApp
from tui.formatting import show_date
from tui.screens.setup import SetupChoice
from yibao.timezone import LOCAL_TZ

ENV_POLICY = "YIBAO_POLICY"
ENV_CLERK = "YIBAO_CLERK"
DEMO_POLICY = "shangnan-2025"
DEMO_CLERK = "演示经办员"


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


def record_policy(services: Any, policy_id: str) -> None:
    """The registry now serves ``policy_id`` (``yibao.config.set_registry_policy``, audited)."""
    from yibao.config import set_registry_policy

    set_registry_policy(services.engine, policy_id, services.clerk, device=services.device, now=services.now())


def _open(url: str, choice: SetupChoice, clock: Callable[[], datetime] | None = None) -> Any:
    from yibao.services import Services

    extra = {"clock": clock} if clock is not None else {}
    return Services.open(
        url=url, policy_id=choice.policy_id, clerk_name=choice.clerk, device_name=choice.device, **extra
    )


def demo_moment(policy_id: str) -> datetime:
    """The demo's fixed "now": 10:00 at the counter, 45 days into the policy's centralized
    collection period, so the demo can take payments whatever today's date is."""
    from yibao.policy import load_policy

    window = load_policy(policy_id).periods.centralized
    day = min(window.start + timedelta(days=45), window.end)
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


def year_notice(coverage: Any) -> str:
    """The status line when today's year is a draft or a year lacks a confirmed file."""
    if coverage.draft:
        return (f"{coverage.collecting}年度政策文件是草稿·未确认：只能试算，不能收费。"
                f"{coverage.message()}")
    return coverage.message()


def build_app(args: Any, *, clock: Callable[[], datetime] | None = None) -> YibaoApp | None:
    """``clock``: the desk's time (tests fix it; default the machine's)."""
    from yibao.config import (
        last_clerk,
        registry_policy,
        remember_clerk,
        remembered_policy,
        resolve_policy,
    )
    from yibao.db import RegistryError, resolve_url

    if getattr(args, "demo", False):
        workdir = Path(tempfile.mkdtemp(prefix="yibao-demo-"))
        policy_id = args.policy or DEMO_POLICY
        moment = demo_moment(policy_id)
        url = build_demo(workdir, policy_id, moment)
        from yibao.demo import DEMO_DEVICE

        choice = SetupChoice(policy_id, args.clerk or DEMO_CLERK, DEMO_DEVICE)
        app = YibaoApp(services=_open(url, choice, lambda: moment), receipts_dir=workdir / "receipts",
                       temporary_dir=workdir)
        app.status = (f"演示登记库（{workdir}），日期固定为 {show_date(demo_day(moment))}。按 F6 查询，F2 参保登记。", "warning")
        return app

    url = resolve_url(args.db)
    stored = remembered_policy(url)  # the registry's own setting (read only: nothing created yet)
    given = (args.policy or "").strip() or (os.environ.get(ENV_POLICY) or "").strip() or None
    policy_id = resolve_policy(url, explicit=args.policy, remembered=stored)
    clerk = args.clerk or os.environ.get(ENV_CLERK) or last_clerk(url)
    device = socket.gethostname()
    if policy_id and clerk:
        choice = SetupChoice(policy_id, clerk, device)
        try:
            services = _open(url, choice, clock)
            recorded = registry_policy(services.engine)
            if recorded is None and policy_id in (given, stored):
                record_policy(services, policy_id)  # first run with --policy, or an older registry
        except (RegistryError, ValueError) as error:  # PolicyError is a ValueError
            print(f"无法打开窗口：{error}", file=sys.stderr)
            return None
        coverage = services.coverage
        if coverage is not None and coverage.blocked:  # nothing to collect for: say why, open nothing
            services.engine.dispose()
            print(f"无法打开窗口：{coverage.message()}", file=sys.stderr)
            return None
        remember_clerk(url, choice.clerk)
        app = YibaoApp(services=services)
        if given and recorded and given != recorded:
            app.status = (f"注意：本登记库设定服务的政策是 {recorded}，本次按 {given} 打开。"
                          "如需更改登记库的政策，请运行 yibao init --policy。", "warning")
        if coverage is not None and (coverage.draft or coverage.missing):
            before = app.status[0] if app.status[1] == "warning" else ""
            app.status = (f"{year_notice(coverage)}{before}", "warning")  # the year comes first
        return app

    def setup(choice: SetupChoice) -> Any:
        services = _open(url, choice, clock)
        try:
            record_policy(services, choice.policy_id)
        except Exception:
            services.engine.dispose()
            raise
        remember_clerk(url, choice.clerk)
        return services

    return YibaoApp(
        setup=setup,
        policies=policy_choices(policy_id, url=url),
        setup_defaults={"policy_id": policy_id, "clerk": clerk or "", "device": device},
    )
