"""Shared fixtures: a fresh registry per test, on SQLite and (when configured) PostgreSQL.

- ``registry_url``: parametrised over a temporary SQLite file (a copy of a registry
  migrated once per session) and, when ``YIBAO_TEST_DATABASE_URL`` is set (e.g.
  ``postgresql+psycopg://postgres@127.0.0.1:5432/test``), a PostgreSQL schema of its
  own for the test: migrated once, emptied after each test and reused while its structure is
  as migrated (``tests.registries.PgSchemas``). Either way the URL opens with
  ``open_registry`` as a new registry would.
- ``engine``: ``open_registry(registry_url)``, disposed after the test.
- ``clock``: a settable fixed clock (aware UTC), default 2024-10-15 10:00 Asia/Shanghai.
- ``services``: ``Services`` on ``engine`` with the shangnan-2025 policy, a clerk and a
  device; ``supervisor_services``: the same registry with a supervisor clerk.
- ``production_hasher`` (session, autouse): passwords are hashed at argon2's minimum cost in
  this process, as Django's test settings swap in a fast hasher. An argon2 hash records its
  own cost, so ``verify`` reads hashes of either cost correctly; commands run in a subprocess
  keep the product's cost. The fixture's value is the product's hasher, for the one test
  that checks its cost (tests/services/test_auth.py).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

PG_ENV = "YIBAO_TEST_DATABASE_URL"


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """``-n auto``: two workers a core. A desk test spends about two thirds of its time
    asleep in the pilot's waits for the app to go idle (20 ms at a time, after every key),
    so one worker a core leaves the cores half idle. ``PYTEST_XDIST_AUTO_NUM_WORKERS``
    still sets the number."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # xdist's own hook reads it
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return 2 * (cores or 1)


@pytest.fixture(scope="session", autouse=True)
def production_hasher() -> Iterator[object]:
    """``tests.signin.cheap_hashing`` for the whole session; yields the product's hasher."""
    from tests.signin import cheap_hashing

    production = cheap_hashing()
    yield production
    cheap_hashing(production)


def _backends() -> list[object]:
    params: list[object] = ["sqlite"]
    if os.environ.get(PG_ENV):
        params.append(pytest.param("postgresql", marks=pytest.mark.postgres))
    return params


@pytest.fixture(scope="session")
def _sqlite_template() -> Path:
    """An empty registry migrated once per process (tests.registries)."""
    from tests.registries import template

    return template()


def _pg_schema_url(base: str, schema: str) -> str:
    url = sa.make_url(base)
    return url.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(
        hide_password=False
    )


@pytest.fixture(scope="session")
def _pg_schemas() -> Iterator[object]:
    """Migrated PostgreSQL schemas, emptied and reused between tests (tests.registries)."""
    from tests.registries import PgSchemas

    pool = PgSchemas(os.environ[PG_ENV])
    yield pool
    pool.close()


@pytest.fixture(params=_backends())
def registry_url(
    request: pytest.FixtureRequest, tmp_path: Path, _sqlite_template: Path
) -> Iterator[str]:
    if request.param == "sqlite":
        from tests.registries import migrated_copy

        yield migrated_copy(tmp_path / "registry.sqlite3")
        return
    pool = request.getfixturevalue("_pg_schemas")
    schema = pool.take()
    try:
        yield pool.url(schema)
    finally:
        pool.give_back(schema)


@pytest.fixture
def engine(registry_url: str) -> Iterator[sa.Engine]:
    from yibao.db import open_registry

    eng = open_registry(registry_url)
    yield eng
    eng.dispose()


class Clock:
    """A settable clock returning an aware UTC datetime."""

    def __init__(self, moment: datetime) -> None:
        self.moment = moment

    def __call__(self) -> datetime:
        return self.moment

    def set_local(self, year: int, month: int, day: int, hour: int = 10) -> None:
        from yibao.timezone import LOCAL_TZ

        local = datetime(year, month, day, hour, tzinfo=LOCAL_TZ)
        self.moment = local.astimezone(UTC)


@pytest.fixture
def clock() -> Clock:
    c = Clock(datetime(2024, 10, 15, 2, 0, tzinfo=UTC))  # 10:00 in Asia/Shanghai
    return c


@pytest.fixture
def policy_id() -> str:
    return "shangnan-2025"


@pytest.fixture
def services(engine: sa.Engine, clock: Clock, policy_id: str):  # type: ignore[no-untyped-def]
    from yibao.config import ensure_clerk, ensure_device
    from yibao.policy import load_policy
    from yibao.services import Services

    device = ensure_device(engine, name="测试窗口", now=clock())
    clerk = ensure_clerk(engine, name="王芳", device=device, now=clock())
    return Services(engine, load_policy(policy_id), clerk, device, clock)


@pytest.fixture
def supervisor_services(services, clock: Clock):  # type: ignore[no-untyped-def]
    from yibao.config import ensure_clerk
    from yibao.models import Role
    from yibao.services import Services

    clerk = ensure_clerk(
        services.engine, name="李审核", device=services.device, role=Role.SUPERVISOR, now=clock()
    )
    return Services(services.engine, services.policy, clerk, services.device, clock)


@pytest.fixture
def lp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """A fake ``lp`` on PATH that accepts every job and records its arguments (tests.fakelp)."""
    from tests.fakelp import install_lp

    return install_lp(tmp_path / "bin", monkeypatch)
