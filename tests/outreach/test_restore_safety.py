"""A restore by mistake: refused while a desk holds the registry, never silent about the
payments it would drop, and never able to make a receipt number be issued twice."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from tests.outreach.helpers import FEE_FEN, Clock, local_noon, pay_cash, register, services_for
from tests.registries import migrated_copy
from yibao.models import Payment
from yibao.outreach.backup import RestoreNeedsConfirmation, backup, restore
from yibao.outreach.errors import OutreachError
from yibao.outreach.files import remove_leftovers

DAY = date(2024, 10, 8)


def _hall(path: Path):  # type: ignore[no-untyped-def]
    return services_for(f"sqlite:///{path}", "王大厅", Clock(local_noon(DAY)))


def test_restore_is_refused_while_a_desk_holds_the_registry(tmp_path: Path) -> None:
    db = tmp_path / "hall.db"
    hall = _hall(db)
    register(hall, "甲", 11)
    backup(db, tmp_path / "b.db")
    with pytest.raises(OutreachError, match="正被窗口界面或其他命令使用"):
        restore(tmp_path / "b.db", db)  # this process's desk still has it open
    hall.engine.dispose()
    # Another process holding it (a desk on the same machine) refuses it just the same.
    holder = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(f"""
            import sys
            from yibao.db import open_registry
            engine = open_registry({f"sqlite:///{db}"!r}, create=False)
            print("open", flush=True)
            sys.stdin.readline()
        """)],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        with pytest.raises(OutreachError, match="正被窗口界面或其他命令使用"):
            restore(tmp_path / "b.db", db)
    finally:
        holder.communicate("\n", timeout=30)
    restore(tmp_path / "b.db", db)  # the desk closed: now it goes


def test_restore_names_what_the_backup_lacks_and_needs_that_count(tmp_path: Path) -> None:
    db = tmp_path / "hall.db"
    hall = _hall(db)
    people = [register(hall, name, seq) for name, seq in (("甲", 11), ("乙", 12), ("丙", 13))]
    first = pay_cash(hall, people[0].id)
    hall.engine.dispose()
    backup(db, tmp_path / "b.db")
    hall = _hall(db)
    later = [pay_cash(hall, p.id) for p in people[1:]]  # acknowledged after the backup
    hall.engine.dispose()

    with pytest.raises(RestoreNeedsConfirmation) as refused:
        restore(tmp_path / "b.db", db)
    message = refused.value.message
    assert "2 笔" in message and "--confirm-lost 2" in message
    for receipt in later:
        assert receipt.receipt_no in message and "400.00 元" in message
    with pytest.raises(RestoreNeedsConfirmation):
        restore(tmp_path / "b.db", db, confirm_lost=1)  # the count must be the one shown
    hall = _hall(db)
    with Session(hall.engine) as session:
        assert len(session.exec(select(Payment)).all()) == 3  # nothing changed by a refusal
    hall.engine.dispose()

    _report, kept = restore(tmp_path / "b.db", db, confirm_lost=2)
    assert kept is not None and stat.S_IMODE(kept.stat().st_mode) == 0o600
    hall = _hall(db)
    again = pay_cash(hall, people[1].id)
    # Receipts 1..3 were issued before the restore; the next one is 4, never 2 again.
    assert first.receipt_no.endswith("-00000001")
    assert again.receipt_no == later[-1].receipt_no[:-8] + "00000004"


def test_leftovers_of_a_killed_backup_are_removed_at_the_next_start(tmp_path: Path) -> None:
    db = tmp_path / "hall.db"
    _hall(db).engine.dispose()
    leftover = tmp_path / ".b.db.backup-abc123.tmp"
    leftover.write_bytes(b"half a registry")
    (tmp_path / ".b.db.backup-abc123.tmp-journal").write_bytes(b"j")
    keep = tmp_path / "notes.tmp"
    keep.write_text("not ours")
    _hall(db).engine.dispose()  # the next start
    assert not leftover.exists() and not (tmp_path / ".b.db.backup-abc123.tmp-journal").exists()
    assert keep.exists()
    assert remove_leftovers(tmp_path) == []


def test_personal_data_files_are_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.signin import cli
    from yibao.cli.main import main

    db = tmp_path / "hall.db"
    _hall(db).engine.dispose()
    assert stat.S_IMODE(db.stat().st_mode) == 0o600
    old = os.umask(0o022)
    try:
        assert main(["--db", str(db), "backup", "--to", str(tmp_path / "b.db")]) == 0
        assert cli(monkeypatch, "--db", str(db), "--clerk", "王大厅", "dayclose", "sheet", "--out", str(tmp_path / "s.txt")) == 0
    finally:
        os.umask(old)
    for name in ("b.db", "s.txt", "hall.db.receipts"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(["pay", "pay", "pay", "backup", "restore"]), min_size=3, max_size=14))
def test_no_interleaving_of_payments_backups_and_restores_issues_a_receipt_twice(
    tmp_path_factory: pytest.TempPathFactory, steps: list[str]
) -> None:
    folder = tmp_path_factory.mktemp("interleave")
    db = folder / "hall.db"
    migrated_copy(db)  # a new hall registry, without running the migrations per example
    hall = _hall(db)
    people = [register(hall, f"人{i}", 20 + i) for i in range(len(steps))]
    hall.engine.dispose()
    issued: list[str] = []
    backups: list[Path] = []
    for i, step in enumerate(steps):
        if step == "pay":
            hall = _hall(db)
            issued.append(pay_cash(hall, people[i].id, FEE_FEN).receipt_no)
            hall.engine.dispose()
        elif step == "backup":
            backups.append(backup(db, folder / f"b{i}.db").path)
        elif backups:
            target = backups[i % len(backups)]
            try:
                restore(target, db)
            except RestoreNeedsConfirmation as exc:
                restore(target, db, confirm_lost=len(exc.lost))
    assert len(issued) == len(set(issued)), issued
