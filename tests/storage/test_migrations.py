from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import Session, SQLModel, select

import yibao.models  # noqa: F401
from yibao.db import (
    POSTGRESQL_ONLY_INDEXES,
    alembic_config,
    current_revision,
    include_object,
    open_registry,
    resolve_url,
)
from yibao.models import AuditLog


def test_upgrade_to_head_matches_the_models(engine: sa.Engine) -> None:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert current_revision(engine) == head
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"compare_type": True, "include_object": include_object}
        )
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_each_backend_has_its_own_lookup_indexes(engine: sa.Engine) -> None:
    """PostgreSQL has the (prefix text_pattern_ops, id) indexes; SQLite, whose index entries
    end with the rowid tie-breaker, has none of them."""
    inspector = sa.inspect(engine)
    found = {i["name"]: i for i in inspector.get_indexes("person")}
    if engine.dialect.name == "postgresql":
        assert set(POSTGRESQL_ONLY_INDEXES) <= set(found)
        assert found["ix_person_name_initials_id"]["column_names"] == ["name_initials", "id"]
        assert found["ix_person_name_id"]["column_names"] == ["name", "id"]
        with engine.connect() as c:
            definition = c.execute(
                sa.text("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_person_name_initials_id'"
                        " AND schemaname = current_schema()")  # other tests' schemas have it too
            ).scalar_one()
        assert "text_pattern_ops" in definition
    else:
        assert not set(POSTGRESQL_ONLY_INDEXES) & set(found)


def test_writes_to_each_counted_table_mark_the_progress(engine: sa.Engine) -> None:
    """Every table the progress counts read has its marking triggers on each backend; an
    imported payer list (prior_enrolment, 0710_prior) too: insert, update and delete."""
    if engine.dialect.name == "postgresql":
        query = ("SELECT DISTINCT event_object_table, event_manipulation FROM "
                 "information_schema.triggers WHERE trigger_schema = current_schema() "
                 "AND trigger_name LIKE 'progress%'")
    else:
        query = ("SELECT tbl_name, CASE WHEN sql LIKE '%AFTER INSERT%' THEN 'INSERT' "
                 "WHEN sql LIKE '%AFTER DELETE%' THEN 'DELETE' ELSE 'UPDATE' END "
                 "FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'progress%'")
    with engine.connect() as c:
        found = {(table, event) for table, event in c.execute(sa.text(query))}
    every = {"INSERT", "UPDATE", "DELETE"}
    assert {("prior_enrolment", e) for e in every} <= found
    assert {e for t, e in found if t == "payment"} == every
    assert {t for t, _e in found} == {
        "person", "household", "payment", "enrolment", "person_identity", "refund_request",
        "refund_transition", "prior_enrolment",
    }


def test_reopening_is_a_no_op(registry_url: str) -> None:
    first = open_registry(registry_url)
    first.dispose()
    second = open_registry(registry_url)
    assert current_revision(second) is not None
    second.dispose()


def test_downgrade_to_base_and_back(engine: sa.Engine) -> None:
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "base")
    assert "person" not in sa.inspect(engine).get_table_names()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    assert "person" in sa.inspect(engine).get_table_names()


def test_sqlite_pragmas(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = open_registry(f"sqlite:///{tmp_path / 'r.sqlite3'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_audit_log_is_append_only(engine: sa.Engine) -> None:
    from datetime import UTC, datetime

    with Session(engine) as session:
        session.add(
            AuditLog(at=datetime.now(UTC), device_id="d", action="x", entity="e", summary="s")
        )
        session.commit()
    with pytest.raises(sa.exc.DBAPIError, match="审计日志只能追加"), engine.begin() as c:
        c.execute(sa.text("UPDATE audit_log SET summary = 'changed'"))
    with pytest.raises(sa.exc.DBAPIError, match="审计日志只能追加"), engine.begin() as c:
        c.execute(sa.text("DELETE FROM audit_log"))
    with Session(engine) as session:
        assert session.exec(select(AuditLog.summary)).all() == ["s"]


def test_foreign_keys_are_enforced(engine: sa.Engine) -> None:
    from datetime import date

    from yibao.models import Enrolment

    with Session(engine) as session:
        session.add(
            Enrolment(
                person_id="missing",
                benefit_year=2025,
                category="general",
                insured_region="611023",
                policy_id="p",
                registered_on=date(2024, 10, 1),
                device_id="d",
            )
        )
        with pytest.raises(sa.exc.IntegrityError):
            session.commit()


def test_resolve_url(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    assert resolve_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"
    assert resolve_url(str(tmp_path / "x.db")).startswith("sqlite:////")
    monkeypatch.setenv("YIBAO_DATABASE_URL", "sqlite:///elsewhere.db")
    assert resolve_url(None) == "sqlite:///elsewhere.db"
    monkeypatch.delenv("YIBAO_DATABASE_URL")
    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path / "data"))
    assert resolve_url(None) == f"sqlite:///{tmp_path / 'data' / 'registry.sqlite3'}"
