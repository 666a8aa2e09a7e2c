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


def test_bulk_digest_is_the_chain_digest_for_awkward_values(engine) -> None:  # type: ignore[no-untyped-def]
    """``chain_dicts`` assembles the hashed text from each value's JSON; ``verify`` recomputes
    it whole (``row_digest``): quotes, backslashes, control characters, characters beyond
    the BMP, nesting, numbers and None must give the same text both ways."""
    import json
    from datetime import UTC, datetime

    from yibao.auditchain import chain_dicts, row_digest

    odd = 'a"b\\c\n\t\x00\x1f 𠀀 “引号” \u2028'
    rows = [
        {
            "id": f"id-{i}{odd if i == 2 else ''}",
            "at": datetime(2024, 9, 10, 2, 0, i, tzinfo=UTC),
            "clerk_id": None if i % 2 else "clerk",
            "clerk_name": odd,
            "device_id": "device-x",
            "action": "identity.import",
            "outcome": "done",
            "entity": "person_identity",
            "entity_id": None if i == 1 else f"e{i}",
            "person_id": odd if i == 3 else None,
            "summary": odd * i,
            "before": None if i % 2 else {"b": [1, 2.5, True, None], "z": {odd: odd}},
            "after": {"k": odd, "n": -3, "f": 0.1, "nested": {"y": [], "x": {}}, "t": False},
        }
        for i in range(5)
    ]
    with engine.connect() as connection:
        texts = chain_dicts(connection, rows)
    prev = GENESIS
    for row, (before_text, after_text) in zip(rows, texts, strict=True):
        assert row["prev_hash"] == prev
        assert row["row_hash"] == row_digest(row, prev)
        assert (json.loads(after_text), before_text and json.loads(before_text)) == (
            row["after"],
            row["before"],
        )
        prev = row["row_hash"]


def test_each_audit_row_holds_the_snapshot_of_the_row_as_stored(registry, tmp_path: Path) -> None:  # noqa: F811
    """The import builds its snapshots from the rows it writes; they must be what
    ``audit.snapshot`` gives for those rows read back (dates, stamps, codes, masking)."""
    from sqlmodel import select

    from yibao.identities import Identity
    from yibao.models import Person, PersonIdentity

    engine, actor = registry
    path = _csv(
        tmp_path,
        [
            "姓名,身份证号码,身份代码,认定日期,开始日期,结束日期,残疾等级",
            f"张三,{A},2303,2024-08-01,2024/8/2,,",
            f"赵六,{NEW},2305 低收入,,,2025-12-31,二级",
        ],
    )
    codes = {"2303": Identity.MINIMUM_LIVING, "2305": Identity.LOW_INCOME}
    report = _run(engine, actor, path, department_codes=codes)
    assert (report.imported, report.persons_created, report.refused) == (2, 1, 0)
    with Session(engine) as s:
        stored = {r.id: r for r in s.exec(select(PersonIdentity))}
        persons = {r.id: r for r in s.exec(select(Person))}
        logged = list(s.exec(select(AuditLog).where(AuditLog.action.in_(("identity.import", "person.import")))))  # type: ignore[attr-defined]
    assert len(logged) == 3
    for row in logged:
        source = stored[row.entity_id] if row.entity == "person_identity" else persons[row.entity_id]
        assert row.after == audit.snapshot(source)
        assert NEW not in str(row.after)


def test_a_large_list_gives_the_connection_its_page_cache_back(registry, tmp_path: Path, monkeypatch) -> None:  # noqa: F811
    from yibao.imports import identities

    engine, actor = registry
    monkeypatch.setattr(identities, "ANALYZE_FROM_ROWS", 1)  # "large" from the first row
    path = _csv(tmp_path, ["姓名,身份证号,身份类别", f"张三,{A},低保对象"])
    with Session(engine) as s:
        connection = s.connection()
        sqlite = connection.dialect.name == "sqlite"
        before = connection.exec_driver_sql("PRAGMA cache_size").scalar() if sqlite else None
        seen: list[object] = []
        real = identities._check_chunk

        def check(*args, **kwargs):  # type: ignore[no-untyped-def]
            if sqlite:
                seen.append(connection.exec_driver_sql("PRAGMA cache_size").scalar())
            return real(*args, **kwargs)

        monkeypatch.setattr(identities, "_check_chunk", check)
        import_identities(s, path, department="民政", batch="2024-09", actor=actor, now=NOW)
        if sqlite:
            assert seen == [-identities.PAGE_CACHE_KIB]
            assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == before
        s.commit()
    _whole(engine)


def test_an_identity_snapshot_text_is_what_the_encoder_writes_for_its_snapshot() -> None:
    """A new identity's audit text is filled into a template (``_Run.snapshot_text``): it must
    be byte for byte ``canonical_json(audit.snapshot(row))`` — the chain hashes it, ``verify``
    re-encodes what it reads back — for every kind of value each column can hold."""
    from datetime import UTC, datetime

    from yibao.auditchain import SnapshotText, canonical_json
    from yibao.imports.identities import _Cells, _Run
    from yibao.models import PersonIdentity, new_id

    run = _Run(
        department="民政", batch_start=date(2024, 9, 1), today=date(2024, 9, 10),
        department_codes={}, default_identity=None, allowed=frozenset(), known=_Cells({}),
    )  # fmt: skip
    odd = 'a"b\\c\n\t\x00 𠀀 “引号” \u2028'
    moment = datetime(2024, 9, 10, 2, 0, tzinfo=UTC)
    base = {
        "id": new_id(), "person_id": new_id(), "code": "minimum_living", "department": "民政",
        "department_code": None, "recognised_on": None, "valid_from": date(2024, 9, 1),
        "valid_to": None, "disability_grade": None, "import_batch_id": new_id(),
        "revoked_at": None, "note": "第 2 行", "device_id": new_id(), "created_at": moment,
        "updated_at": moment,
    }  # fmt: skip
    assert sorted(base) == sorted(c.name for c in PersonIdentity.__table__.columns)  # type: ignore[attr-defined]
    variants: list[dict[str, object]] = [
        {},
        {"department_code": "2303", "recognised_on": date(2024, 8, 1), "disability_grade": 2},
        {"department_code": odd, "valid_to": date(2025, 12, 31), "disability_grade": 0},
        {"department_code": A, "note": f"第 7 行 {B}"},  # ID numbers in any text are masked
        {"person_id": f"p-{A}", "id": odd, "code": "disabled_severe", "department": "残联"},
        {"created_at": datetime(2024, 9, 10, 10, 0), "updated_at": moment, "revoked_at": moment},
        {"device_id": odd, "import_batch_id": "b" * 40, "valid_from": None},
    ]
    for variant in variants:
        row = {**base, **variant}
        text = run.snapshot_text(row)
        assert type(text) is SnapshotText
        assert text == canonical_json(audit.snapshot(row)), variant
        assert A not in text and B not in text


def test_new_rows_get_time_ordered_ids_in_the_lists_order(registry, tmp_path: Path) -> None:  # noqa: F811
    """New persons and identities take time-ordered ids (``new_ordered_id``), so a large list
    appends to the primary keys and the audit log's entity index instead of writing all
    over them; ordered by id they come in the file's order, across chunks and imports."""
    from sqlmodel import select

    from yibao.models import Person, PersonIdentity

    engine, actor = registry
    many = [
        f"某{i:02d},{make_id_number('612524', date(1950 + i, 1 + i, 1 + i), 200 + i)},低保对象"
        for i in range(5)
    ]
    path = _csv(tmp_path, ["姓名,身份证号,身份类别", f"张三,{A},低保对象", *many, f"李四,{B},低保对象"])
    with Session(engine) as s:
        import_identities(s, path, department="民政", batch="2024-09", actor=actor, now=NOW, chunk_size=2)
        s.commit()
    later = _csv(tmp_path, ["姓名,身份证号,身份类别", f"赵六,{NEW},低保对象"], "b.csv")
    _run(engine, actor, later, batch="2024-10", now=LATER)
    with Session(engine) as s:
        identities = sorted(s.exec(select(PersonIdentity)), key=lambda r: r.id)
        persons = {p.id: p for p in s.exec(select(Person))}
        created = sorted((p for p in persons.values() if p.note), key=lambda p: p.id)
    assert [r.note for r in identities] == [f"第 {n} 行" for n in range(2, 9)] + ["第 2 行"]
    assert [p.name for p in created] == [f"某{i:02d}" for i in range(5)] + ["赵六"]
    assert all(r.id[14] == "7" for r in identities) and all(p.id[14] == "7" for p in created)
