"""A fake ``lp`` on PATH that records its arguments, one line per call (tab separated)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import pytest


@dataclass
class FakeLp:
    log: Path

    def calls(self) -> list[list[str]]:
        if not self.log.exists():
            return []
        return [line.split("\t") for line in self.log.read_text(encoding="utf-8").splitlines()]


def install_lp(folder: Path, monkeypatch: pytest.MonkeyPatch, *, exit_code: int = 0, stderr: str = "") -> FakeLp:
    folder.mkdir(parents=True, exist_ok=True)
    log = folder / "lp-calls.txt"
    script = folder / "lp"
    script.write_text(
        "#!/bin/sh\n"
        f'(IFS="$(printf "\\t")"; echo "$*") >> "{log}"\n'
        + (f"echo '{stderr}' >&2\n" if stderr else "")
        + f"exit {exit_code}\n",
        encoding="utf-8",
    )
    script.chmod(0o700)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ.get('PATH', '')}")
    return FakeLp(log)
