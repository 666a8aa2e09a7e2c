"""A test hook: ``YIBAO_CRASH_AT=<point>`` kills the process at that point (SIGKILL).

Used by the crash-safety tests to stop a sync import half-way, as a power cut would; it does
nothing unless the variable names the point.
"""

from __future__ import annotations

import os
import signal

ENV = "YIBAO_CRASH_AT"


def crashpoint(name: str) -> None:
    if os.environ.get(ENV) == name:
        os.kill(os.getpid(), signal.SIGKILL)
