"""Set-based writes (yibao.bulk): values read back as the ORM would have written them, and
the demo's index deferral leaves the schema exactly as it was."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from yibao.bulk import indexes_deferred, insert_rows
from yibao.config import ensure_device
from yibao.models import Payment, Person, new_ordered_id, new_ordered_ids
from yibao.prepared import driver_rows

NOW = datetime(2024, 11, 20, 2, 0, tzinfo=UTC)


def _person(device_id: str, n: int, **values: object) -> dict[str, object]:
    number = f"61102319900101{n:03d}1"
    row: dict[str, object] = {
        "id_number": number,
        "id_tail": number[-6:],
        "name": "张三",
        "name_initials": "zs",
        "sex": "1",
        "birth_date": date(1990, 1, 1),
        "device_id": device_id,
        "created_at": NOW,
        "updated_at": NOW,
    }
    row.update(values)
    return row


def test_values_read_back_as_written(engine: sa.Engine) -> None:
    device = ensure_device(engine, now=NOW)
    rows = [
        # True and 1 in one Boolean column, a date and None in one Date column
        _person(device.id, 1, employee_insured=True, died_on=date(2024, 3, 1)),
        _person(device.id, 2, employee_insured=1, died_on=None),
        _person(device.id, 3, employee_insured=False, died_on=date(2024, 3, 1)),
    ]
    with Session(engine) as s:
        insert_rows(s, Person, rows)  # missing columns (id, status …) get the model's defaults
        s.commit()
    with Session(engine) as s:
        got = s.execute(
            sa.select(Person.id_number, Person.employee_insured, Person.died_on, Person.status,
                      Person.created_at).order_by(Person.id_number)
        ).all()  # fmt: skip
    assert [(g.employee_insured, g.died_on) for g in got] == [
        (True, date(2024, 3, 1)),
        (True, None),
        (False, date(2024, 3, 1)),
    ]
    assert {g.status for g in got} == {"active"}
    assert all(g.created_at.replace(tzinfo=UTC) == NOW for g in got)


def _index_sql(session: Session) -> list[tuple[str, str]]:
    return session.execute(
        sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name")
    ).all()  # type: ignore[return-value]


@pytest.fixture
def sqlite_engine(engine: sa.Engine) -> sa.Engine:
    if engine.dialect.name != "sqlite":
        pytest.skip("the index deferral runs on SQLite only")
    return engine


def test_deferred_indexes_come_back_exactly(sqlite_engine: sa.Engine) -> None:
    with Session(sqlite_engine) as s:
        before = _index_sql(s)
        with indexes_deferred(s, ("person", "payment")):
            inside = {name for name, _ in _index_sql(s)}
            assert "ix_person_name" not in inside and "uq_payment_person_year_paid" not in inside
            assert "ix_household_number" in inside  # other tables keep theirs
            assert "sqlite_autoindex_person_1" in inside  # keys and UNIQUE constraints stay
        assert _index_sql(s) == before
        s.commit()
    with Session(sqlite_engine) as s:
        assert _index_sql(s) == before


def test_a_failure_inside_rolls_the_drops_back(sqlite_engine: sa.Engine) -> None:
    with Session(sqlite_engine) as s:
        before = _index_sql(s)
        with pytest.raises(RuntimeError), indexes_deferred(s, (Payment.__tablename__,)):
            raise RuntimeError("stop")
        s.rollback()
    with Session(sqlite_engine) as s:
        assert _index_sql(s) == before


def test_driver_rows_reads_in_the_transaction_and_is_seen(sqlite_engine: sa.Engine) -> None:
    """``driver_rows`` reads the caller's own uncommitted writes, and whoever watches the
    statements sees it as it sees ``Connection.execute``."""
    device = ensure_device(sqlite_engine, now=NOW)
    seen: list[str] = []

    def watch(_conn: object, _cursor: object, statement: str, *_rest: object) -> None:
        seen.append(statement)

    sa.event.listen(sqlite_engine, "before_cursor_execute", watch)
    try:
        with Session(sqlite_engine) as session:
            insert_rows(session, Person, [_person(device.id, 1), _person(device.id, 2)])
            sql = "SELECT id_number, name FROM person WHERE id_number IN (?, ?) ORDER BY id_number"
            got = driver_rows(
                session.connection(), sql, ("611023199001010011", "611023199001010021")
            )
            session.rollback()
    finally:
        sa.event.remove(sqlite_engine, "before_cursor_execute", watch)
    assert got == [("611023199001010011", "张三"), ("611023199001010021", "张三")]
    assert sql in seen


def test_driver_rows_error_is_sqlalchemy_s(sqlite_engine: sa.Engine) -> None:
    with Session(sqlite_engine) as session, pytest.raises(sa.exc.DBAPIError):
        driver_rows(session.connection(), "SELECT nothing FROM no_such_table", ())


def test_ordered_ids_in_a_batch_sort_in_creation_order() -> None:
    """``new_ordered_ids`` gives what ``new_ordered_id`` gives one by one: distinct version-7
    UUIDs that sort in the order made, also across 4,096 in one millisecond (the counter's
    12 bits) and after the single ones made before and after."""
    import uuid

    first = new_ordered_id()
    batch = new_ordered_ids(10_000)
    last = new_ordered_id()
    ids = [first, *batch, last]
    assert len(batch) == 10_000 and len(set(ids)) == len(ids)
    assert ids == sorted(ids)
    assert all(uuid.UUID(i).version == 7 and uuid.UUID(i).variant == uuid.RFC_4122 for i in batch)
    # and 62 random bits each: no two share their random part, nor is it the same as a text
    assert all(str(uuid.UUID(i)) == i for i in batch)
    assert len({uuid.UUID(i).int & ((1 << 62) - 1) for i in batch}) == len(batch)
    assert new_ordered_ids(0) == []
