"""The demo registry: valid, realistic, deterministic, and never mixed with real data."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from sqlmodel import Session
from stdnum.cn import ric

from yibao.audit import Actor
from yibao.config import ensure_clerk, ensure_device
from yibao.db import open_registry
from yibao.demo import DemoError, DemoSettings, build_demo
from yibao.idgen import codes_for_year, jurisdiction_spans
from yibao.models import (
    Enrolment,
    Household,
    ImportBatch,
    Payment,
    Person,
    PersonIdentity,
    PriorEnrolment,
    ReceiptSequence,
)
from yibao.pinyin import initials
from yibao.relations import LABELS as RELATIONS

NOW = datetime(2024, 11, 20, 2, 0, tzinfo=UTC)
SETTINGS = DemoSettings(
    policy_id="meishan-2024",
    region_code="511400",
    benefit_year=2024,
    standard_fen=38000,
    subsidy_fen={"minimum_living": 28500, "extreme_poverty": 38000},
    centralized_start=date(2023, 9, 1),
    centralized_end=date(2024, 2, 29),
    benefit_start=date(2024, 1, 1),  # the file's periods.benefit
    benefit_end=date(2024, 12, 31),
)


def _build(url: str, persons: int = 1500, seed: int = 5, **kwargs):  # type: ignore[no-untyped-def]
    engine = open_registry(url)
    device = ensure_device(engine, now=NOW)
    clerk = ensure_clerk(engine, name="演示经办员", device=device, now=NOW)
    actor = Actor(device_id=device.id, clerk_id=clerk.id, clerk_name=clerk.name)
    with Session(engine) as s:
        report = build_demo(
            s, persons=persons, settings=SETTINGS, seed=seed, actor=actor,
            device_prefix=device.prefix, now=NOW, **kwargs,
        )  # fmt: skip
        s.commit()
    return engine, report, actor, device


@pytest.fixture
def demo(registry_url: str):
    engine, report, actor, device = _build(registry_url)
    yield engine, report, actor, device
    engine.dispose()


def test_every_id_number_is_valid_and_local(demo) -> None:
    engine, report, _actor, _device = demo
    spans = {s.code for s in jurisdiction_spans("511400")}
    with Session(engine) as s:
        rows = s.execute(
            sa.select(
                Person.id_number,
                Person.id_tail,
                Person.birth_date,
                Person.sex,
                Person.name,
                Person.name_initials,
            )
        ).all()
    assert len(rows) == report.persons == 1500
    assert len({r.id_number for r in rows}) == len(rows)
    for r in rows:
        assert ric.is_valid(r.id_number), r.id_number
        assert r.id_number[:6] in spans or r.id_number[:6] in codes_for_year(
            "511400", r.birth_date.year
        )
        assert ric.get_birth_date(r.id_number) == r.birth_date
        assert r.sex == ("1" if int(r.id_number[16]) % 2 else "2")
        assert r.id_tail == r.id_number[-6:]
        assert r.name_initials == initials(r.name)
        assert 2 <= len(r.name) <= 4


def test_households_have_one_head_and_standard_relations(demo) -> None:
    engine, report, _actor, _device = demo
    with Session(engine) as s:
        members = s.execute(sa.select(Person.household_id, Person.relation_to_head)).all()
        households = s.execute(sa.select(sa.func.count()).select_from(Household)).scalar_one()
    assert households == report.households
    heads = Counter(h for h, relation in members if relation == "02")
    assert set(heads.values()) == {1} and len(heads) == households
    assert {relation for _h, relation in members} <= set(RELATIONS)


def test_identity_shares_are_realistic(demo) -> None:
    engine, report, _actor, _device = demo
    with Session(engine) as s:
        codes = Counter(s.execute(sa.select(PersonIdentity.code)).scalars())
    share = {code: n / report.persons for code, n in codes.items()}
    assert 0.01 <= share.get("minimum_living", 0) <= 0.06
    assert share.get("extreme_poverty", 0) <= 0.02
    monitored = sum(
        share.get(c, 0)
        for c in (
            "monitored_unstable",
            "monitored_marginal",
            "monitored_sudden",
            "stable_out_of_poverty",
        )
    )
    assert 0.02 <= monitored <= 0.10


def test_payments_follow_the_settings_and_receipts_are_unique(demo) -> None:
    engine, report, _actor, device = demo
    with Session(engine) as s:
        payments = s.execute(
            sa.select(Payment.standard_fen, Payment.subsidy_fen, Payment.personal_fen, Payment.amount_fen,
                      Payment.subsidy_identity, Payment.receipt_no, Payment.paid_on)
        ).all()  # fmt: skip
        enrolled = s.execute(sa.select(sa.func.count()).select_from(Enrolment)).scalar_one()
        last = s.get(ReceiptSequence, device.id)
    assert report.payments == len(payments) > 0 and enrolled == report.enrolments
    assert report.payments < report.enrolments < report.persons
    for p in payments:
        assert p.standard_fen == 38000
        assert p.subsidy_fen == SETTINGS.subsidy_fen.get(p.subsidy_identity or "", 0)
        assert p.personal_fen == p.amount_fen == p.standard_fen - p.subsidy_fen
        assert SETTINGS.centralized_start <= p.paid_on <= SETTINGS.centralized_end
        assert p.receipt_no.startswith(device.prefix + "-")
    assert len({p.receipt_no for p in payments}) == len(payments)
    assert last is not None and last.last_value == len(payments)


def test_last_years_payers_are_an_imported_list(demo) -> None:
    """Last year's payers come as ``import enrolments`` would load them: one batch, ≈90 % of
    this year's enrolled, some who lapsed (active, not enrolled) and some who died since,
    nobody in 职工医保 — so the formula targets and the 上年 columns are not all 0."""
    from yibao.policy import load_policy
    from yibao.reports.base import Scope
    from yibao.reports.progress import FORMULA_SOURCE, progress

    engine, report, _actor, _device = demo
    with Session(engine) as s:
        batch = s.execute(sa.select(ImportBatch).where(ImportBatch.kind == "enrolments")).scalar_one()
        rows = s.execute(sa.select(PriorEnrolment)).scalars().all()
        persons = {p.id: p for p in s.execute(sa.select(Person)).scalars()}
        enrolled = set(s.execute(sa.select(Enrolment.person_id)).scalars())
    assert batch.row_count == batch.accepted_count == report.prior == len(rows) > 0
    assert "2023年度" in batch.source_name and "演示" in batch.source_name
    assert {r.import_batch_id for r in rows} == {batch.id}
    assert sorted(r.source_row for r in rows) == list(range(2, len(rows) + 2))  # row 1: header
    assert {r.benefit_year for r in rows} == {2023}  # the year before meishan-2024
    # A day of this year's centralized period (2023-09-01 … 2024-02-29) a year earlier.
    assert all(date(2022, 9, 1) <= r.paid_on <= date(2023, 3, 1) for r in rows)
    # This year's personal share as the demo works it: 380 元 less 0, 285 (低保) or 380 (特困).
    assert {r.amount_fen for r in rows} <= {38000, 38000 - 28500, 0}
    listed = {r.person_id for r in rows}
    assert not any(persons[pid].employee_insured for pid in listed)
    share = len(listed & enrolled) / len(enrolled)
    assert 0.85 <= share <= 0.95, share
    lapsed = {pid for pid, p in persons.items()
              if p.status == "active" and not p.employee_insured and pid not in enrolled}  # fmt: skip
    assert 0.15 <= len(listed & lapsed) / len(lapsed) <= 0.45
    # The progress report's formula has last year's payers to work from.
    scope = Scope(load_policy("meishan-2024"), date(2024, 1, 15))
    villages = progress(engine, scope).villages
    assert villages and all(v.target_source == FORMULA_SOURCE for v in villages)
    assert sum(1 for v in villages if v.target) > len(villages) / 2


def test_same_seed_same_people(registry_url: str, tmp_path) -> None:
    engine_a, *_ = _build(registry_url, persons=200, seed=9)
    engine_b, *_ = _build(f"sqlite:///{tmp_path / 'b.sqlite3'}", persons=200, seed=9)
    query = sa.select(Person.id_number, Person.name, Person.relation_to_head).order_by(
        Person.id_number
    )
    with Session(engine_a) as a, Session(engine_b) as b:
        assert a.execute(query).all() == b.execute(query).all()
    engine_a.dispose()
    engine_b.dispose()


# Every generated column of each table, in key order (the device and the clerk differ
# between two registries; a receipt number without its device prefix).
_DIGESTED = {
    Household: "SELECT id, number, hukou_region, address, town, village FROM household",
    Person: "SELECT id, id_number, name, name_initials, sex, birth_date, phone, household_id,"
    " relation_to_head, hukou_region, address, town, village, employee_insured,"
    " disability_grade, status, died_on FROM person",
    PersonIdentity: "SELECT id, person_id, code, department, recognised_on, disability_grade"
    " FROM person_identity",
    Enrolment: "SELECT id, person_id, status, registered_on, coverage_start, subsidy_identity"
    " FROM enrolment",
    Payment: "SELECT id, person_id, enrolment_id, substr(receipt_no, instr(receipt_no, '-')),"
    " channel, subsidy_fen, personal_fen, received_fen, paid_at, paid_on FROM payment",
    PriorEnrolment: "SELECT id, person_id, paid_on, amount_fen, source_row FROM prior_enrolment",
}


def _digests(engine) -> dict[str, str]:  # type: ignore[no-untyped-def]
    import hashlib

    out = {}
    with engine.connect() as connection:
        for model, sql in _DIGESTED.items():
            rows = connection.exec_driver_sql(f"{sql} ORDER BY id").all()
            out[model.__tablename__] = hashlib.sha256(repr(rows).encode()).hexdigest()
            out[f"{model.__tablename__} rows"] = str(len(rows))
    return out


def _in_the_producer_only(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Households made in this process fail: the rows must come from the forked producer."""
    import os

    from yibao import demo

    writer, real = os.getpid(), demo._Builder.household

    def household(self) -> None:  # type: ignore[no-untyped-def]
        assert os.getpid() != writer, "generated in the writing process"
        real(self)

    monkeypatch.setattr("yibao.demo._Builder.household", household)


def test_parallel_build_gives_the_serial_registry(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Chunks of 100: 450 residents are five chunks, the last one trimmed, every chunk's
    # rows generated in the producer process while the ones before are written.
    monkeypatch.setattr("yibao.demo._CHUNK_PERSONS", 100)
    serial, report_serial, *_ = _build(f"sqlite:///{tmp_path / 's.sqlite3'}", persons=450, seed=11,
                                       parallel=False)  # fmt: skip
    _in_the_producer_only(monkeypatch)
    parallel, report_parallel, _actor, device = _build(
        f"sqlite:///{tmp_path / 'p.sqlite3'}", persons=450, seed=11, parallel=True
    )
    digests = _digests(serial)
    assert digests["person rows"] == "450"
    assert digests == _digests(parallel)
    assert report_parallel.persons == report_serial.persons == 450
    assert (report_parallel.payments, report_parallel.prior) == (report_serial.payments, report_serial.prior)
    with Session(parallel) as s:  # the receipt sequence continues after the producer's last receipt
        last = s.execute(sa.select(sa.func.max(Payment.receipt_no))).scalar_one()
        sequence = s.get(ReceiptSequence, device.id)
        assert sequence is not None and last == f"{device.prefix}-{sequence.last_value:08d}"
        assert sequence.last_value == report_parallel.payments
    serial.dispose()
    parallel.dispose()


def test_one_core_builds_in_one_process(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import os

    from yibao import demo

    monkeypatch.setattr("yibao.demo._CHUNK_PERSONS", 100)
    monkeypatch.setattr(os, "sched_getaffinity", lambda _pid: {0}, raising=False)
    assert demo._parallel_possible() is False
    pids: set[int] = set()
    real = demo._Builder.household

    def household(self) -> None:  # type: ignore[no-untyped-def]
        pids.add(os.getpid())
        real(self)

    monkeypatch.setattr("yibao.demo._Builder.household", household)
    engine, report, *_ = _build(f"sqlite:///{tmp_path / 'one.sqlite3'}", persons=300, seed=2)
    assert pids == {os.getpid()} and report.persons == 300
    engine.dispose()


def test_a_producer_that_dies_is_a_chinese_error(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import os

    monkeypatch.setattr("yibao.demo._CHUNK_PERSONS", 100)
    writer = os.getpid()
    monkeypatch.setattr("yibao.demo._Builder.enrol",
                        lambda *a, **k: os._exit(9) if os.getpid() != writer else None)  # fmt: skip
    with pytest.raises(DemoError, match="意外退出"):
        _build(f"sqlite:///{tmp_path / 'dead.sqlite3'}", persons=300, seed=2, parallel=True)


def test_the_producer_ends_when_the_writer_is_gone(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # A killed writer closes nothing itself: its end of the pipe goes with the process. The
    # producer (blocked sending, chunks queued) must then end on its own, not hold the
    # registry's lock for ever; here the writer's end is closed without stopping it.
    from yibao import demo

    monkeypatch.setattr("yibao.demo._CHUNK_PERSONS", 100)
    engine = open_registry(f"sqlite:///{tmp_path / 'gone.sqlite3'}")
    device = ensure_device(engine, now=NOW)
    with Session(engine) as s:
        builder = demo._new_builder(s, SETTINGS, 3, device_id=device.id, device_prefix=device.prefix,
                                    now=NOW, today=date(2024, 11, 20))  # fmt: skip
    rows = demo._Rows(builder, 50_000, parallel=True)
    with rows:
        process = rows._process
        next(iter(rows))  # the producer is running and sending
        rows._receiver.close()
        process.join(timeout=30)
        assert not process.is_alive(), "the producer outlived its writer"
        assert process.exitcode == 1
    engine.dispose()


def test_refuses_a_registry_that_holds_people(demo) -> None:
    engine, _report, actor, device = demo
    with Session(engine) as s, pytest.raises(DemoError, match="空登记库"):
        build_demo(
            s,
            persons=10,
            settings=SETTINGS,
            seed=1,
            actor=actor,
            device_prefix=device.prefix,
            now=NOW,
        )


def test_settings_from_policy_shape() -> None:
    line = lambda ids, kind, fen=None: SimpleNamespace(identities=ids, kind=kind, subsidy_fen=fen)  # noqa: E731
    policy = SimpleNamespace(
        id="shangnan-2025",
        region_code="611023",
        benefit_year=2025,
        contribution=SimpleNamespace(
            standard_fen=40000,
            subsidies=(
                line(("extreme_poverty", "orphan"), "full"),
                line(("minimum_living",), "fixed", 24000),
                line(("only_child_family",), "deferred"),
            ),
            centralized=SimpleNamespace(start=date(2024, 9, 1), end=date(2024, 12, 20)),
        ),
    )
    settings = DemoSettings.from_policy(policy)
    assert settings.subsidy_fen == {
        "extreme_poverty": 40000,
        "orphan": 40000,
        "minimum_living": 24000,
    }
    assert settings.centralized_end == date(2024, 12, 20)


def test_cli_init_demo_lookup(tmp_path, capsys, monkeypatch) -> None:
    from tests.signin import cli
    from yibao.cli.main import main

    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path / "data"))
    for name in ("YIBAO_POLICY", "YIBAO_CLERK", "YIBAO_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    db = str(tmp_path / "desk.sqlite3")
    assert (
        cli(monkeypatch, "--db", db, "--policy", "shangnan-2025", "--clerk", "王芳", "init",
            "--prefix", "SN01")
        == 0
    )
    out, _ = capsys.readouterr()
    assert "SN01" in out and "商南" in out
    assert cli(monkeypatch, "--db", db, "demo", "--persons", "300", "--seed", "4") == 0  # policy remembered
    out, _ = capsys.readouterr()
    assert "人员 300 人" in out
    assert main(["--db", db, "lookup", "王"]) == 0
    out, _ = capsys.readouterr()
    assert "王" in out and "********" in out
    assert not __import__("re").search(r"\d{17}[\dX]", out)
    assert cli(monkeypatch, "--db", db, "demo", "--persons", "10") == 1  # not an empty registry
    assert main(["--db", db, "lookup", "张a"]) == 1
    _, err = capsys.readouterr()
    assert "空登记库" in err and "无法识别" in err and "Traceback" not in err
    assert main(["--db", db, "--policy", "nowhere-2020", "init"]) == 1
    _, err = capsys.readouterr()
    assert "nowhere-2020" in err and "Traceback" not in err


def test_written_in_chunks_the_registry_is_whole(registry_url: str, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # The demo writes a chunk of households at a time (memory follows the chunk); with
    # chunks of 100, 250 residents take three chunks, the last one trimmed to the count.
    monkeypatch.setattr("yibao.demo._CHUNK_PERSONS", 100)
    engine, report, _actor, _device = _build(registry_url, persons=250, seed=3)
    with Session(engine) as s:
        persons = s.execute(sa.select(Person.id, Person.household_id)).all()
        households = set(s.execute(sa.select(Household.id)).scalars())
        ids = {p.id for p in persons}
        assert len(persons) == report.persons == 250
        assert len(households) == report.households
        assert {p.household_id for p in persons} <= households
        for model in (PersonIdentity, Enrolment, Payment):
            owners = s.execute(sa.select(model.person_id)).scalars().all()  # type: ignore[attr-defined]
            assert set(owners) <= ids
        counts = [s.execute(sa.select(sa.func.count()).select_from(m)).scalar_one()
                  for m in (PersonIdentity, Enrolment, Payment)]
    assert counts == [report.identities, report.enrolments, report.payments]
    assert report.enrolments > 100  # the enrolments of every chunk were written, not the last one's
    engine.dispose()


# --- the file build (``demo.build`` on a SQLite file) -------------------------------------

BUILD_NOW = datetime(2024, 10, 15, 2, 0, tzinfo=UTC)


@pytest.fixture
def data_dir(tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path / "data"))
    return tmp_path


def _file_build(path, persons: int = 400, **kwargs):  # type: ignore[no-untyped-def]
    from yibao import demo
    from yibao.db import sqlite_url

    return demo.build(url=sqlite_url(path), policy_id="shangnan-2025", persons=persons,
                      now=BUILD_NOW, **kwargs)  # fmt: skip


def test_a_build_that_fails_half_way_leaves_no_registry(data_dir, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    # Chunks of 100: by the failure several chunks of rows have been written.
    monkeypatch.setattr("yibao.demo._CHUNK_PERSONS", 100)
    calls = 0
    real_enrol = __import__("yibao.demo", fromlist=["_Builder"])._Builder.enrol

    def failing_enrol(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        nonlocal calls
        calls += 1
        if calls == 350:
            raise RuntimeError("killed")
        return real_enrol(self, *args, **kwargs)

    monkeypatch.setattr("yibao.demo._Builder.enrol", failing_enrol)
    target = data_dir / "demo.sqlite3"
    with pytest.raises(RuntimeError, match="killed"):
        _file_build(target)
    assert not target.exists()
    left = sorted(p.name for p in data_dir.iterdir() if p.name != "data")
    assert left == ["demo.sqlite3.lock"], left  # the lock file only: no registry, no work file


def test_a_failed_build_onto_an_initialised_registry_leaves_it_as_it_was(data_dir, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from yibao.db import sqlite_url

    target = data_dir / "desk.sqlite3"
    engine = open_registry(sqlite_url(target))
    device = ensure_device(engine, now=NOW)
    clerk = ensure_clerk(engine, name="王芳", device=device, now=NOW)
    engine.dispose()
    before = target.read_bytes()
    monkeypatch.setattr("yibao.demo._Builder.enrol", lambda *a, **k: (_ for _ in ()).throw(RuntimeError("killed")))
    with pytest.raises(RuntimeError, match="killed"):
        _file_build(target, clerk=clerk)
    assert target.read_bytes() == before
    assert not [p for p in data_dir.iterdir() if p.name.endswith(".tmp")]


def test_keys_are_uuids_in_creation_order(data_dir) -> None:  # type: ignore[no-untyped-def]
    """Every table's keys sort in the order its rows were written (the indexes are then
    filled at their end), and are RFC 4122 UUIDs (version 7 layout)."""
    import sqlite3
    import uuid

    target = data_dir / "demo.sqlite3"
    _file_build(target, persons=600)
    con = sqlite3.connect(target)
    try:
        for table in ("household", "person", "person_identity", "enrolment", "payment", "prior_enrolment"):
            ids = [i for (i,) in con.execute(f"SELECT id FROM {table} ORDER BY rowid")]
            assert len(ids) > 10 and ids == sorted(ids) and len(set(ids)) == len(ids), table
            for text in ids:
                value = uuid.UUID(text)
                assert str(value) == text and value.variant == uuid.RFC_4122 and value.version == 7
    finally:
        con.close()


def test_the_built_file_is_a_registry_as_migrated(data_dir) -> None:  # type: ignore[no-untyped-def]
    import sqlite3
    import stat

    from yibao.db import head_revisions, sqlite_url, stored_revisions

    target = data_dir / "demo.sqlite3"
    report = _file_build(target, persons=500)
    fresh = data_dir / "fresh.sqlite3"
    open_registry(sqlite_url(fresh)).dispose()
    query = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
    built, migrated = sqlite3.connect(target), sqlite3.connect(fresh)
    try:
        assert built.execute(query).fetchall() == migrated.execute(query).fetchall()
        assert built.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert built.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert built.execute("PRAGMA foreign_key_check").fetchall() == []
        assert built.execute("SELECT count(*) FROM person").fetchone() == (report.persons,)
    finally:
        built.close()
        migrated.close()
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    engine = open_registry(sqlite_url(target), create=False)
    try:
        assert stored_revisions(engine) == head_revisions()
    finally:
        engine.dispose()
    assert not [p for p in data_dir.iterdir() if p.name.endswith((".tmp", "-wal", "-journal"))]


def test_values_are_stored_as_the_orm_stores_them(data_dir) -> None:  # type: ignore[no-untyped-def]
    """The builder hands the driver text it made itself: each stored value is what the
    column type's own bind processor makes of the value the ORM reads back."""
    from yibao.db import sqlite_url

    target = data_dir / "demo.sqlite3"
    _file_build(target, persons=300)
    engine = open_registry(sqlite_url(target), create=False)
    try:
        dialect = engine.dialect
        with Session(engine) as s:
            for model in (Household, Person, PersonIdentity, Enrolment, Payment, PriorEnrolment):
                table = model.__table__
                columns = list(table.columns)
                stored = {row[0]: row for row in s.connection().exec_driver_sql(
                    f"SELECT {', '.join(c.name for c in columns)} FROM {table.name}")}  # fmt: skip
                objects = s.execute(sa.select(model)).scalars().all()
                assert len(objects) == len(stored) > 0
                for obj in objects:
                    raw = stored[obj.id]
                    for column, value in zip(columns, raw, strict=True):
                        process = column.type._cached_bind_processor(dialect)
                        python = getattr(obj, column.name)
                        expected = python if process is None or python is None else process(python)
                        assert value == expected and type(value) is type(expected), (table.name, column.name)
    finally:
        engine.dispose()


def test_a_killed_builds_work_file_is_removed_at_the_next_start(data_dir) -> None:  # type: ignore[no-untyped-def]
    from yibao.db import sqlite_url

    leftover = data_dir / ".demo.sqlite3.demo-abc123.tmp"
    leftover.write_bytes(b"half a registry")
    open_registry(sqlite_url(data_dir / "desk.sqlite3")).dispose()
    assert not leftover.exists()


def test_refused_while_the_registry_is_open_elsewhere(data_dir) -> None:  # type: ignore[no-untyped-def]
    from yibao.db import sqlite_url

    target = data_dir / "desk.sqlite3"
    desk = open_registry(sqlite_url(target))  # a desk has it open
    try:
        before = target.read_bytes()
        with pytest.raises(DemoError, match="正被窗口界面或其他命令使用"):
            _file_build(target)
        assert target.read_bytes() == before
    finally:
        desk.dispose()
