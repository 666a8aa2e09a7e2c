"""The audit log as per-device hash chains: every tampering is found by ``audit verify``.

Runs on SQLite and, with ``YIBAO_TEST_DATABASE_URL``, on PostgreSQL (``registry_url``).
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlmodel import Session, select

from yibao.auditchain import GENESIS, verify
from yibao.config import ensure_clerk, ensure_device
from yibao.models import AuditLog


def _rows(engine: sa.Engine) -> list[AuditLog]:
    with Session(engine) as session:
        return list(session.exec(select(AuditLog).order_by(AuditLog.device_id, AuditLog.seq)))


def _report(engine: sa.Engine):  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return verify(connection)


def _tamper(engine: sa.Engine, *statements: str, **params: object) -> None:
    """Edit as a dishonest user with database access would: lift the append-only
    trigger first (SQLite: drop it; PostgreSQL: disable it), then write."""
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_update")
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_delete")
        else:
            connection.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        for statement in statements:
            connection.execute(sa.text(statement), params)


def _registry(engine: sa.Engine, clock) -> list[AuditLog]:  # type: ignore[no-untyped-def]
    """Two devices, five rows on the first (device, four clerks), two on the second."""
    hall = ensure_device(engine, name="大厅", now=clock())
    for name in ("王芳", "李四", "赵六", "钱七"):
        ensure_clerk(engine, name=name, device=hall, now=clock())
    laptop = ensure_device(engine, device_id="laptop-0001", name="外出", now=clock())
    ensure_clerk(engine, name="孙八", device=laptop, now=clock())
    return _rows(engine)


def test_each_device_has_its_own_unbroken_chain(engine, clock) -> None:  # type: ignore[no-untyped-def]
    rows = _registry(engine, clock)
    chains: dict[str, list[AuditLog]] = {}
    for row in rows:
        chains.setdefault(row.device_id, []).append(row)
    assert sorted(len(c) for c in chains.values()) == [2, 5]
    for chain in chains.values():
        assert [r.seq for r in chain] == list(range(1, len(chain) + 1))
        assert chain[0].prev_hash == GENESIS
        assert all(b.prev_hash == a.row_hash for a, b in zip(chain, chain[1:], strict=False))
    report = _report(engine)
    assert report.ok and len(report.chains) == 2
    assert all("链完整" in line for line in report.lines())


def test_an_updated_row_is_found(engine, clock) -> None:  # type: ignore[no-untyped-def]
    rows = [r for r in _registry(engine, clock) if r.device_id != "laptop-0001"]
    _tamper(engine, "UPDATE audit_log SET summary = :s WHERE id = :id", s="新增经办人员 张三", id=rows[2].id)
    report = _report(engine)
    assert not report.ok
    (broken,) = [c for c in report.chains if not c.ok]
    assert broken.problem is not None
    assert "第 3 条" in broken.problem and "被改动过" in broken.problem
    assert [c.ok for c in report.chains if c.device_id == "laptop-0001"] == [True]  # the other chain


def test_an_update_that_also_rewrites_the_hash_breaks_the_next_link(engine, clock) -> None:  # type: ignore[no-untyped-def]
    from yibao.auditchain import row_digest

    rows = [r for r in _registry(engine, clock) if r.device_id != "laptop-0001"]
    target = rows[1]
    forged = {**target.model_dump(), "summary": "改过的"}
    _tamper(engine, "UPDATE audit_log SET summary = '改过的', row_hash = :h WHERE id = :id",
            h=row_digest(forged, target.prev_hash or GENESIS), id=target.id)
    problem = next(c.problem for c in _report(engine).chains if not c.ok)
    assert problem is not None and "第 3 条" in problem and "上一条校验值" in problem


def test_a_deleted_row_is_found(engine, clock) -> None:  # type: ignore[no-untyped-def]
    rows = [r for r in _registry(engine, clock) if r.device_id != "laptop-0001"]
    _tamper(engine, "DELETE FROM audit_log WHERE id = :id", id=rows[1].id)
    problem = next(c.problem for c in _report(engine).chains if not c.ok)
    assert problem is not None and "缺少第 2 条" in problem and "删除" in problem


def test_the_first_row_deleted_is_found(engine, clock) -> None:  # type: ignore[no-untyped-def]
    rows = [r for r in _registry(engine, clock) if r.device_id != "laptop-0001"]
    _tamper(engine, "DELETE FROM audit_log WHERE id = :id", id=rows[0].id)
    problem = next(c.problem for c in _report(engine).chains if not c.ok)
    assert problem is not None and "缺少第 1 条" in problem


def test_reordered_rows_are_found(engine, clock) -> None:  # type: ignore[no-untyped-def]
    """Swap the places of rows 2 and 4 (their seq), as if history were re-ordered."""
    rows = [r for r in _registry(engine, clock) if r.device_id != "laptop-0001"]
    _tamper(
        engine,
        "UPDATE audit_log SET seq = -1 WHERE id = :b",
        "UPDATE audit_log SET seq = 2 WHERE id = :d",
        "UPDATE audit_log SET seq = 4 WHERE id = :b",
        b=rows[1].id,
        d=rows[3].id,
    )
    problem = next(c.problem for c in _report(engine).chains if not c.ok)
    assert problem is not None and "第 2 条" in problem


def test_reordered_contents_are_found(engine, clock) -> None:  # type: ignore[no-untyped-def]
    """Swap what rows 2 and 3 say, keeping every seq and hash in place."""
    rows = [r for r in _registry(engine, clock) if r.device_id != "laptop-0001"]
    _tamper(
        engine,
        "UPDATE audit_log SET summary = :s3 WHERE id = :b",
        "UPDATE audit_log SET summary = :s2 WHERE id = :c",
        s2=rows[1].summary, s3=rows[2].summary, b=rows[1].id, c=rows[2].id,
    )
    problem = next(c.problem for c in _report(engine).chains if not c.ok)
    assert problem is not None and "第 2 条" in problem and "被改动过" in problem


def test_an_inserted_row_is_found(engine, clock) -> None:  # type: ignore[no-untyped-def]
    rows = [r for r in _registry(engine, clock) if r.device_id != "laptop-0001"]
    _tamper(
        engine,
        "UPDATE audit_log SET seq = -(seq + 1) WHERE device_id = :dev AND seq >= 3",
        "UPDATE audit_log SET seq = -seq WHERE device_id = :dev AND seq < 0",
        "INSERT INTO audit_log (id, at, device_id, action, outcome, entity, summary, seq, prev_hash, row_hash)"
        " VALUES ('forged-1', :at, :dev, 'clerk.create', 'done', 'clerk', '新增经办人员 假人', 3, :p, :p)",
        dev=rows[0].device_id, at=rows[1].at, p=rows[1].row_hash,
    )
    problem = next(c.problem for c in _report(engine).chains if not c.ok)
    assert problem is not None and "第 3 条" in problem


def test_the_cli_names_the_first_broken_link(registry_url, engine, clock, capsys) -> None:  # type: ignore[no-untyped-def]
    from yibao.cli.main import main

    rows = [r for r in _registry(engine, clock) if r.device_id != "laptop-0001"]
    assert main(["--db", registry_url, "audit", "verify"]) == 0
    assert "审计日志校验链完整" in capsys.readouterr().out
    _tamper(engine, "DELETE FROM audit_log WHERE id = :id", id=rows[3].id)
    assert main(["--db", registry_url, "audit", "verify"]) == 1
    out, err = capsys.readouterr()
    assert "缺少第 4 条" in out and "断开" in err and "Traceback" not in out + err


def test_rows_copied_with_their_hash_keep_it(engine, clock) -> None:  # type: ignore[no-untyped-def]
    """A laptop's audit rows, inserted as they came (sync), stay on the laptop's chain."""
    ensure_device(engine, name="大厅", now=clock())
    laptop = ensure_device(engine, device_id="laptop-0002", name="外出", now=clock())
    ensure_clerk(engine, name="孙八", device=laptop, now=clock())
    original = [r for r in _rows(engine) if r.device_id == "laptop-0002"]
    assert len(original) == 2
    with Session(engine) as session:  # remove and re-add them as a sync import would
        copies = [AuditLog(**r.model_dump()) for r in original]
    _tamper(engine, "DELETE FROM audit_log WHERE device_id = 'laptop-0002'")
    with Session(engine) as session:
        for row in copies:
            session.add(row)
        session.commit()
    again = [r for r in _rows(engine) if r.device_id == "laptop-0002"]
    assert [(r.seq, r.row_hash) for r in again] == [(r.seq, r.row_hash) for r in original]
    assert _report(engine).ok
