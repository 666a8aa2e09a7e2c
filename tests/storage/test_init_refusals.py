"""A refused ``yibao init`` writes nothing: no registry file, no lock, no hidden leftovers.

The new registry is built in a hidden file beside the target and given its name only when
init succeeds; the first administrator's password is checked before anything is created.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from tests.signin import PIN, cli


@pytest.fixture
def hall(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.delenv("YIBAO_POLICY", raising=False)
    folder = tmp_path / "hall"
    folder.mkdir()
    return folder


def _init(monkeypatch: pytest.MonkeyPatch, db: Path, *extra: str, password: str = PIN,
          policy: str = "shangnan-2025", clerk: str = "王芳") -> int:
    return cli(monkeypatch, "--db", str(db), "--policy", policy, "--clerk", clerk, "init", *extra,
               password=password)


@pytest.mark.parametrize(
    ("extra", "password", "policy", "clerk", "said"),
    [
        ((), "123", "shangnan-2025", "王芳", "密码太短"),
        ((), "111111", "shangnan-2025", "王芳", "同一个字符"),
        ((), PIN, "nowhere-2025", "王芳", "找不到政策"),
        (("--prefix", "x"), PIN, "shangnan-2025", "王芳", "收据号前缀"),
        # Refused by the first-administrator rules after the registry is built: still nothing.
        ((), PIN, "shangnan-2025", "王" * 51, "姓名太长"),
    ],
    ids=["short-password", "repeated-password", "bad-policy", "bad-prefix", "long-name"],
)
def test_a_refused_init_leaves_no_file(
    hall: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    extra: tuple[str, ...], password: str, policy: str, clerk: str, said: str,
) -> None:
    db = hall / "窗口.sqlite3"
    assert _init(monkeypatch, db, *extra, password=password, policy=policy, clerk=clerk) == 1
    assert said in capsys.readouterr().err
    assert not db.exists()
    assert sorted(p.name for p in hall.iterdir()) == []  # no lock, no hidden half-built file


def test_init_over_a_file_that_is_not_a_registry_changes_nothing(
    hall: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = hall / "窗口.sqlite3"
    db.write_bytes(b"not a registry\n")
    assert _init(monkeypatch, db) == 1
    assert "不是医保终端的登记库文件" in capsys.readouterr().err
    assert db.read_bytes() == b"not a registry\n"
    assert sorted(p.name for p in hall.iterdir()) == ["窗口.sqlite3"]


def test_a_successful_init_leaves_the_registry_only(hall: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from yibao.auth import has_admin
    from yibao.config import registry_policy
    from yibao.db import open_registry, sqlite_url

    db = hall / "窗口.sqlite3"
    assert _init(monkeypatch, db) == 0
    assert sorted(p.name for p in hall.iterdir()) == ["窗口.sqlite3"]
    assert db.stat().st_mode & 0o777 == 0o600
    engine = open_registry(sqlite_url(db), create=False)
    try:
        assert has_admin(engine) and registry_policy(engine) == "shangnan-2025"
    finally:
        engine.dispose()
    # Init again on the registry (the administrator signs in): it stays where it is.
    assert _init(monkeypatch, db) == 0
    assert db.is_file()


@pytest.mark.postgres
@pytest.mark.skipif(not os.environ.get("YIBAO_TEST_DATABASE_URL"), reason="PostgreSQL not configured")
def test_a_refused_init_on_postgresql_creates_no_table(
    hall: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import sqlalchemy as sa

    from tests.conftest import _pg_schema_url

    base = os.environ["YIBAO_TEST_DATABASE_URL"]
    schema = f"t_{uuid.uuid4().hex[:16]}"
    admin = sa.create_engine(base)
    with admin.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        url = _pg_schema_url(base, schema)
        assert cli(monkeypatch, "--db", url, "--policy", "shangnan-2025", "--clerk", "王芳", "init",
                   password="123") == 1
        assert "密码太短" in capsys.readouterr().err
        with admin.connect() as connection:
            assert sa.inspect(connection).get_table_names(schema=schema) == []
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        admin.dispose()
