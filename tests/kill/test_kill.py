"""Random SIGKILL during payments, sync import, list import and backup (issue 11).

About 30 kill points here; ``python -m tests.kill.run --points 1000`` for the full run.
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.kill.run import check, make_template, run


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    return make_template(tmp_path_factory.mktemp("kill") / "template")


def test_thirty_random_power_cuts_break_no_invariant(template, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    points, violations = run(30, seed=11, root=tmp_path, max_delay=0.6, template=template)
    assert points == 30
    assert violations == []


def test_the_checker_sees_a_payment_whose_audit_row_is_gone_and_removes_partials(template, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """Not vacuous: the same checks find what a kill must never leave."""
    work = tmp_path / "hall"
    shutil.copytree(template.folder, work, ignore=shutil.ignore_patterns("trip", "*.lock"))
    assert check(work) == []
    partial = work / ".hall.db.backup-killed.tmp"  # what a backup killed half way leaves
    partial.write_bytes(b"SQLite format 3\x00half a copy")
    con = sqlite3.connect(work / "hall.db")
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND tbl_name = 'audit_log'").fetchall():
        con.execute(f'DROP TRIGGER "{name}"')  # as a dishonest user would
    con.execute("DELETE FROM audit_log WHERE id = (SELECT id FROM audit_log WHERE entity = 'payment' LIMIT 1)")
    con.commit()
    con.close()
    problems = check(work)
    assert any(p.startswith("payments without their audit row") for p in problems)
    assert any(p.startswith("audit verify") for p in problems)
    assert not partial.exists()  # removed on the next start, so not among the problems
    assert not any("partial files" in p for p in problems)
