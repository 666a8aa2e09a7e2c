"""A department list's audit rows join the device's hash chain like every other audit row.

Bulk-written rows (one ``executemany`` per chunk) used to carry no ``seq`` / ``row_hash``:
``audit verify`` then counted them as 未入链 and could not show a changed or deleted one.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session

from tests.services.test_import import LATER, NEW, NOW, A, B, _csv, _run, registry  # noqa: F401 (fixture)
from yibao import audit
from yibao.auditchain import GENESIS, verify
from yibao.idgen import make_id_number
from yibao.imports.identities import import_identities
from yibao.models import AuditLog


def _chain(engine: sa.Engine) -> list[tuple[str, int | None, str | None, str | None]]:
    with engine.connect() as connection:
        return [
            (r.action, r.seq, r.prev_hash, r.row_hash)
            for r in connection.execute(
                sa.select(AuditLog.action, AuditLog.seq, AuditLog.prev_hash, AuditLog.row_hash)
                .order_by(AuditLog.seq, AuditLog.id)
            )
        ]


def _whole(engine: sa.Engine) -> None:
    with engine.connect() as connection:
        report = verify(connection)
    assert report.ok, report.lines()
    assert report.unchained == 0, report.lines()
    rows = _chain(engine)
    # one device: 1, 2, 3 … with each row pointing at the one before
    assert [r[1] for r in rows] == list(range(1, len(rows) + 1))
    assert rows[0][2] == GENESIS
    assert all(b[2] == a[3] for a, b in zip(rows, rows[1:], strict=False))


def test_imported_rows_are_chained_across_chunks_and_imports(registry, tmp_path: Path) -> None:  # noqa: F811
    engine, actor = registry
    many = [
        f"某{i:02d},{make_id_number('612524', date(1950 + i, 1 + i, 1 + i), 200 + i)},低保对象"
        for i in range(5)
    ]
    first = _csv(tmp_path, ["姓名,身份证号,身份类别", f"张三,{A},低保对象", f"李四,{B},低保对象", *many], "a.csv")
    with Session(engine) as s:
        report = import_identities(
            s, first, department="民政", batch="2024-09", actor=actor, now=NOW, chunk_size=2
        )
        s.commit()
    assert (report.imported, report.persons_created) == (7, 5)
    _whole(engine)
    # a later list: one added (new person), 李四 ended; then a counter action's audit row
    later = _csv(tmp_path, ["姓名,身份证号,身份类别", f"张三,{A},低保对象", *many, f"赵六,{NEW},低保对象"], "b.csv")
    second = _run(engine, actor, later, batch="2024-10", now=LATER)
    assert (second.imported, second.ended, second.persons_created) == (1, 1, 1)
    with Session(engine) as s:
        audit.record(
            s, actor=actor, at=LATER, action="person.note", entity="person", entity_id=None,
            summary="窗口备注",
        )
        s.commit()
    _whole(engine)
    actions = [r[0] for r in _chain(engine)]
    assert actions[-1] == "person.note" and actions.count("import.identities") == 2


def test_a_changed_imported_row_breaks_the_chain(registry, tmp_path: Path) -> None:  # noqa: F811
    engine, actor = registry
    path = _csv(tmp_path, ["姓名,身份证号,身份类别", f"张三,{A},低保对象", f"赵六,{NEW},低保对象"])
    _run(engine, actor, path)
    with engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER IF EXISTS audit_log_no_update")
        else:
            connection.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        connection.execute(
            sa.text("UPDATE audit_log SET summary = :s WHERE action = 'person.import'"),
            {"s": "由民政名单新建人员 钱七"},
        )
    with engine.connect() as connection:
        report = verify(connection)
    assert not report.ok
    assert "person.import" in (report.chains[0].problem or "")
