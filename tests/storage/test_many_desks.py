"""Desks, start-ups and a sync import at once on one SQLite file: no "database is locked"
reaches a clerk, no acknowledged payment is lost, no receipt number is issued twice.
The full run (8 processes × 200 payments) is ``python -m tests.storage.many_desks``."""

from __future__ import annotations

import os
from pathlib import Path

from tests.storage.many_desks import run


def test_many_desks_on_one_file(tmp_path: Path) -> None:
    procs = int(os.environ.get("YIBAO_DESKS", "3"))
    payments = int(os.environ.get("YIBAO_DESK_PAYMENTS", "10"))
    result = run(procs, payments, tmp_path)
    assert result["errors"] == []
    assert result["lost"] == []
    assert result["duplicates"] == 0
    assert result["acknowledged"] == procs * payments  # every desk's every payment went through
    assert result["laptop_payments"] == 5  # the sync import landed too
