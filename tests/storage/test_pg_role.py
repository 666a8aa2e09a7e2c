"""On PostgreSQL the desks' role may add to the audit log but not change, delete or empty it."""

from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa

from yibao import pgrole


def test_the_sql_grants_no_update_delete_or_truncate_on_the_audit_log() -> None:
    lines = pgrole.sql_for("yibao_app", "public", ["audit_log", "payment", "alembic_version"], password="x")
    assert 'GRANT SELECT, INSERT ON "public"."audit_log" TO "yibao_app"' in lines
    assert 'GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."payment" TO "yibao_app"' in lines
    assert not any("TRUNCATE" in line and "GRANT" in line for line in lines)
    with pytest.raises(ValueError, match="角色名"):
        pgrole.sql_for("x; DROP TABLE payment", "public", [], password=None)


@pytest.mark.postgres
def test_the_app_role_cannot_truncate_update_or_delete_audit_rows(registry_url: str, engine: sa.Engine) -> None:
    if engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    from yibao.config import ensure_clerk, ensure_device

    role = f"yibao_t_{uuid.uuid4().hex[:12]}"  # parallel runs never share a role
    try:
        lines = pgrole.set_up(engine, role=role)
        assert role in lines[0]
        device = ensure_device(engine, name="大厅")
        ensure_clerk(engine, name="王芳", device=device)
        app = sa.create_engine(registry_url)

        @sa.event.listens_for(app, "connect")
        def _as_app(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            with dbapi_connection.cursor() as cursor:
                cursor.execute(f'SET ROLE "{role}"')

        with app.begin() as connection:  # the app may append
            connection.execute(sa.text(
                "INSERT INTO audit_log (id, at, device_id, action, outcome, entity, summary) "
                "VALUES ('r1', now(), 'd', 'x', 'done', 'e', 's')"))
            assert connection.scalar(sa.text("SELECT count(*) FROM payment")) == 0  # and read/write the rest
        for statement in ("TRUNCATE audit_log", "DELETE FROM audit_log", "UPDATE audit_log SET summary = 'x'",
                          "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
                          "DROP TRIGGER audit_log_append_only ON audit_log"):
            with pytest.raises(sa.exc.ProgrammingError, match="(permission denied|must be owner)"), \
                    app.begin() as connection:
                connection.execute(sa.text(statement))
        app.dispose()
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(f'DROP OWNED BY "{role}"')
            connection.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
