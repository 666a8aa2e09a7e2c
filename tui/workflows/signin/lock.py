"""The idle lock: after ``IDLE_MINUTES`` with no key or click, the desk shows the sign-in
screen over whatever was open (the form underneath is kept). Time is read from
``monotonic`` (injectable for tests), never from the services' clock."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tui.app import YibaoApp
    from yibao.services import Services
    from yibao.services.signin import SignInGate

ENV_IDLE = "YIBAO_IDLE_MINUTES"


def idle_seconds() -> float:
    """``IDLE_MINUTES`` (10), or ``YIBAO_IDLE_MINUTES`` when set to a whole number 1–60
    (a county office may want less); anything else is ignored."""
    text = (os.environ.get(ENV_IDLE) or "").strip()
    from yibao.services.signin import IDLE_MINUTES

    minutes = int(text) if text.isdigit() and 1 <= int(text) <= 60 else IDLE_MINUTES
    return minutes * 60.0


class DeskLock:
    def __init__(
        self,
        app: YibaoApp,
        gate: SignInGate,
        *,
        idle_seconds: float | None = None,  # None: IDLE_MINUTES
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.gate = gate
        if idle_seconds is None:
            from yibao.services.signin import IDLE_MINUTES

            idle_seconds = IDLE_MINUTES * 60.0
        self.idle_seconds = idle_seconds
        self.monotonic = monotonic
        self.last_input = monotonic()
        self.locked = False

    def touch(self) -> None:
        self.last_input = self.monotonic()

    def check(self) -> None:
        """Lock if idle for too long (called every few seconds by the app)."""
        if self.locked or self.app.services is None:
            return
        if self.monotonic() - self.last_input >= self.idle_seconds:
            self.lock()

    def lock(self, *, by_key: bool = False) -> None:
        """Show the sign-in screen over the desk; ``by_key``: the clerk pressed F12 (the
        screen then does not say they were away for the idle minutes)."""
        from tui.workflows.signin.screen import SignInScreen

        if self.locked or self.app.services is None:
            return
        self.locked = True
        clerk = self.app.services.clerk.name
        idle = None if by_key else max(1, round(self.idle_seconds / 60))
        self.app.push_screen(SignInScreen(self.gate, name=clerk, locked_by=clerk, idle_minutes=idle),
                             self._unlocked)
        self.app.set_status("窗口已锁定，请重新登录。", "warning")

    def _unlocked(self, services: Services | None) -> None:
        self.locked = False
        self.touch()
        if services is None:
            return
        same = services.clerk.id == self.app.services.clerk.id
        self.app.services = services
        if not same:  # another clerk: not the previous clerk's half-filled form
            self.app.action_home()
        self.app.refresh_info()
        self.app.set_status(
            "已解锁，继续刚才的办理。" if same else f"{services.clerk.name} 已登录。按 F2 参保登记，F6 查询。"
        )
