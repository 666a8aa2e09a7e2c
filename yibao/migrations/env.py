"""Alembic environment: runs on the connection ``yibao.db.upgrade`` hands over."""

from __future__ import annotations

import contextlib

from alembic import context
from sqlmodel import SQLModel

import yibao.models  # noqa: F401  (registers the core tables and the naming convention)

# Other packages that put tables on the same metadata.
for _module in ("yibao.outreach.models",):
    with contextlib.suppress(ImportError):
        __import__(_module)

config = context.config
target_metadata = SQLModel.metadata


def _configure(connection) -> None:  # type: ignore[no-untyped-def]
    from yibao.db import include_object

    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()
        return
    from yibao.db import create_registry_engine

    engine = config.attributes.get("engine") or create_registry_engine(
        config.get_main_option("sqlalchemy.url") or "sqlite://"
    )
    with engine.begin() as connection:
        _configure(connection)
        with context.begin_transaction():
            context.run_migrations()


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
