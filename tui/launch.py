"""From command-line arguments to a running desk: registry, policy, clerk, demo.

``yibao [--db PATH|URL] [--policy ID] [--clerk NAME] [--demo]``. Whatever is not
given comes from the environment (``YIBAO_DATABASE_URL``, ``YIBAO_POLICY``,
``YIBAO_CLERK``) or the desk's remembered choice for that registry; when the policy
or the clerk is still unknown (a new registry) the desk opens on the setup screen.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from tui.app import YibaoApp
from tui.formatting import show_date
from tui.screens.setup import SetupChoice

ENV_POLICY = "YIBAO_POLICY"
ENV_CLERK = "YIBAO_CLERK"
DEMO_POLICY = "shangnan-2025"
DEMO_CLERK = "演示经办员"


def _prefs_path() -> Path:
    from yibao.config import data_dir

    return data_dir() / "desk.json"


def remembered(url: str) -> dict[str, str]:
    """The policy/clerk/device the desk last used on the registry at ``url``."""
    try:
        return json.loads(_prefs_path().read_text(encoding="utf-8")).get(url, {})
    except (OSError, ValueError):
        return {}


def remember(url: str, choice: SetupChoice) -> None:
    path = _prefs_path()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    data[url] = {"policy_id": choice.policy_id, "clerk": choice.clerk, "device": choice.device}
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")


def policy_choices() -> list[tuple[str, str]]:
    from yibao.policy.loader import list_policies

    return [(p.id, f"{p.jurisdiction} {p.benefit_year}年度（{p.document.number}）") for p in list_policies()]


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
    return datetime.combine(day, time(10, 0), tzinfo=ZoneInfo("Asia/Shanghai")).astimezone(UTC)


def build_demo(directory: Path, policy_id: str, moment: datetime) -> str:
    """A throw-away registry filled by the demo generator; returns its URL."""
    from yibao import demo
    from yibao.db import sqlite_url

    url = sqlite_url(directory / "demo.sqlite3")
    demo.build(url=url, policy_id=policy_id, now=moment)
    return url


def demo_day(moment: datetime) -> date:
    return moment.astimezone(ZoneInfo("Asia/Shanghai")).date()


def build_app(args: Any) -> YibaoApp | None:
    from yibao.db import RegistryError, resolve_url

    if getattr(args, "demo", False):
        workdir = Path(tempfile.mkdtemp(prefix="yibao-demo-"))
        policy_id = args.policy or DEMO_POLICY
        moment = demo_moment(policy_id)
        url = build_demo(workdir, policy_id, moment)
        from yibao.demo import DEMO_DEVICE

        choice = SetupChoice(policy_id, args.clerk or DEMO_CLERK, DEMO_DEVICE)
        app = YibaoApp(services=_open(url, choice, lambda: moment), receipts_dir=workdir / "receipts")
        app.status = (f"演示登记库（{workdir}），日期固定为 {show_date(demo_day(moment))}。按 F6 查询，F2 参保登记。", "warning")
        return app

    url = resolve_url(args.db)
    stored = remembered(url)
    policy_id = args.policy or os.environ.get(ENV_POLICY) or stored.get("policy_id")
    clerk = args.clerk or os.environ.get(ENV_CLERK) or stored.get("clerk")
    device = stored.get("device") or socket.gethostname()
    if policy_id and clerk:
        choice = SetupChoice(policy_id, clerk, device)
        try:
            services = _open(url, choice)
        except (RegistryError, ValueError) as error:  # PolicyError is a ValueError
            print(f"无法打开窗口：{error}", file=sys.stderr)
            return None
        remember(url, choice)
        return YibaoApp(services=services)

    def setup(choice: SetupChoice) -> Any:
        services = _open(url, choice)
        remember(url, choice)
        return services

    return YibaoApp(
        setup=setup,
        policies=policy_choices(),
        setup_defaults={"policy_id": policy_id, "clerk": clerk or "", "device": device},
    )
