"""New SQLite registries for tests without running the migrations each time.

``migrated_copy(path)`` puts at ``path`` a copy of an empty registry migrated once per
process (``template()``), created 0600 as ``open_registry`` creates one, and returns its URL:
the same as a registry just made by ``open_registry``, for a test about something else. A
test about creating a registry (``yibao init``, ``open_registry``'s refusals, migrations)
makes its own.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from functools import lru_cache
from pathlib import Path


@lru_cache(maxsize=1)
def template() -> Path:
    from yibao.db import open_registry, sqlite_url

    folder = Path(tempfile.mkdtemp(prefix="yibao-template-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = folder / "registry.sqlite3"
    engine = open_registry(sqlite_url(path))
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


def migrated_copy(path: Path) -> str:
    """A new registry at ``path`` (which must not exist yet), migrated to head; its URL."""
    from yibao.db import sqlite_url

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out, template().open("rb") as source:
        shutil.copyfileobj(source, out)
    return sqlite_url(path)


# --- PostgreSQL: migrated schemas, emptied and reused ---------------------------------------

_FINGERPRINT = """
SELECT md5(coalesce(string_agg(item, ',' ORDER BY item), '')) FROM (
    SELECT 'c:' || table_name || '.' || column_name || ':' || data_type || ':' || is_nullable
           || ':' || coalesce(column_default, '') AS item
      FROM information_schema.columns WHERE table_schema = :schema
    UNION ALL
    SELECT 't:' || c.relname || '.' || t.tgname || ':' || t.tgenabled::text
      FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = :schema AND NOT t.tgisinternal
    UNION ALL
    SELECT 'i:' || indexname || ':' || indexdef FROM pg_indexes WHERE schemaname = :schema
    UNION ALL
    SELECT 'k:' || c.relname || '.' || k.conname || ':' || pg_get_constraintdef(k.oid)
      FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
      JOIN pg_namespace n ON n.oid = k.connamespace WHERE n.nspname = :schema
    UNION ALL
    SELECT 'f:' || p.proname || ':' || md5(p.prosrc)
      FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = :schema
    UNION ALL
    SELECT 'v:' || version_num FROM alembic_version_of_schema
) AS items
"""


class PgSchemas:
    """Migrated schemas on the test server, one per test at a time. Migrating a schema takes
    ~0.8 s of the server's and the client's time; emptying one (TRUNCATE … RESTART IDENTITY)
    a few milliseconds. A schema goes back to the pool only if its tables, columns, triggers,
    indexes, constraints, functions and Alembic revision are still exactly as migrated and it
    empties within 5 s (no test left a transaction open in it); otherwise it is dropped and the
    next test gets a newly migrated one.
    """

    def __init__(self, base: str) -> None:
        import sqlalchemy as sa

        self.base = base
        self.admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
        self.free: list[str] = []
        self.migrated: str | None = None  # the fingerprint of a schema as migrated

    def url(self, schema: str) -> str:
        import sqlalchemy as sa

        url = sa.make_url(self.base)
        return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
            hide_password=False
        )

    def take(self) -> str:
        if self.free:
            return self.free.pop()
        import uuid

        from yibao.db import open_registry

        schema = f"t_{uuid.uuid4().hex[:16]}"
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        open_registry(self.url(schema)).dispose()
        try:
            if self.migrated is None:
                self.migrated = self._fingerprint(schema)
        except BaseException:
            self.drop(schema)
            raise
        return schema

    def _fingerprint(self, schema: str) -> str:
        import sqlalchemy as sa

        sql = _FINGERPRINT.replace(
            "alembic_version_of_schema", f'"{schema}".alembic_version'
        )
        with self.admin.connect() as connection:
            return str(connection.execute(sa.text(sql), {"schema": schema}).scalar_one())

    def give_back(self, schema: str) -> None:
        """Empty ``schema`` for the next test, or drop it if the test changed more than rows."""
        import sqlalchemy as sa

        try:
            if self._fingerprint(schema) != self.migrated:
                raise LookupError(schema)  # the test changed its structure
            with self.admin.connect() as connection:
                tables = connection.execute(
                    sa.text("SELECT tablename FROM pg_tables WHERE schemaname = :schema "
                            "AND tablename <> 'alembic_version'"),
                    {"schema": schema},
                ).scalars().all()
                connection.exec_driver_sql("SET lock_timeout = '5s'")
                names = ", ".join(f'"{schema}"."{t}"' for t in tables)
                connection.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")
        except (LookupError, sa.exc.DBAPIError):  # changed, or still in use after 5 s
            self.drop(schema)
            return
        self.free.append(schema)

    def drop(self, schema: str) -> None:
        with self.admin.connect() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')

    def close(self) -> None:
        for schema in self.free:
            self.drop(schema)
        self.free.clear()
        self.admin.dispose()
