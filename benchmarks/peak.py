"""Peak resident memory of the process that calls it, for the benchmarks' child processes."""

from __future__ import annotations

import resource
from pathlib import Path


def peak_kb() -> int:
    """This process's peak resident memory in KiB: ``VmHWM`` from ``/proc/self/status``.

    ``ru_maxrss`` is kept across ``exec``, so a child started by a large parent reports the
    parent's peak; ``VmHWM`` belongs to the new process image. Elsewhere than Linux,
    ``ru_maxrss``."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
