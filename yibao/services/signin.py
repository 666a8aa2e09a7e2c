"""The desk before anyone is signed in: registry, policy and device, and the way in.

``SignInGate(engine, policy, device, clock)`` is what the desk holds while its sign-in
screen shows (at start and when it locks after 10 idle minutes):

- ``needs_first_admin()``: a new registry (or one from before sign-in) has no 管理 yet;
  the screen then sets up the first one (``first_admin``), as ``yibao init`` does.
- ``sign_in(name, password) -> Services``: ``yibao.auth.sign_in`` (audited, slowed after
  repeated failures), then the services for that clerk. A pending policy choice (the
  first-run setup's) is recorded by the first clerk who signs in.
- ``demo_clerks``: (name, role, PIN) shown on the screen of ``yibao --demo`` only.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from yibao.config import ClerkInfo, DeviceInfo
from yibao.models import utcnow

if TYPE_CHECKING:
    from yibao.policy.model import Policy
    from yibao.services import Services
    from yibao.services.years import Coverage

IDLE_MINUTES = 10


class SignInGate:
    def __init__(
        self,
        engine: Engine,
        policy: Policy,
        device: DeviceInfo,
        clock: Callable[[], datetime] = utcnow,
        *,
        demo_clerks: tuple[tuple[str, str, str], ...] = (),
        pending_policy: str | None = None,
    ) -> None:
        self.engine = engine
        self.policy = policy
        self.device = device
        self.clock = clock
        self.demo_clerks = demo_clerks
        self.pending_policy = pending_policy

    def today(self) -> date:
        """Today at the counter (Asia/Shanghai), from the gate's clock."""
        from yibao.services import LOCAL_TZ

        return self.clock().astimezone(LOCAL_TZ).date()

    def coverage(self) -> Coverage:
        """Which benefit year today collects for, and which years lack a confirmed file.
        The gate then holds that year's file, so the header shows the year being collected
        before anybody signs in (not the year the registry was set up with)."""
        from yibao.services.years import coverage_for

        coverage, policy = coverage_for(self.engine, self.policy, self.today())
        if policy is not None:
            self.policy = policy
        return coverage

    def needs_first_admin(self) -> bool:
        from yibao.auth import has_admin

        return not has_admin(self.engine)

    def _services(self, clerk: ClerkInfo) -> Services:
        from yibao.services import Services

        services = Services(self.engine, self.policy, clerk, self.device, self.clock)
        services.coverage = services.years.settle()  # today's year of the jurisdiction
        if self.pending_policy:
            from yibao.config import registry_policy, set_registry_policy

            if registry_policy(self.engine) is None:
                set_registry_policy(self.engine, self.pending_policy, clerk, device=self.device,
                                    now=services.now())
            self.pending_policy = None
        return services

    def sign_in(self, name: str, password: str) -> Services:
        """``Services`` for ``name`` if the password is theirs; else ``SignInRefused``."""
        from yibao.auth import sign_in

        clerk = sign_in(self.engine, name=name, password=password, device=self.device, now=self.clock())
        return self._services(clerk)

    def first_admin(self, name: str, password: str, again: str) -> Services:
        """Set up the registry's first 管理 and sign them in."""
        from yibao.auth import first_admin
        from yibao.services.errors import InvalidInput

        if password != again:
            raise InvalidInput("两次输入的密码不一致，请重新输入。", field="again")
        first_admin(self.engine, name=name, password=password, device=self.device, now=self.clock())
        return self.sign_in(name, password)
