"""Opening the registry: engine, SQLite pragmas, Alembic upgrade to head.

``open_registry(url)`` is the only way the program gets an engine. Nothing is created
at import time. The schema comes from Alembic migrations (``yibao/migrations``),
never from ``create_all``.

- SQLite (default): a file in the user's data directory (platformdirs), WAL journal,
  foreign keys on, a busy timeout so two windows on one file wait instead of failing.
- PostgreSQL: ``postgresql+psycopg://user@host/db``; same code, same migrations.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.pool import StaticPool

from yibao.locations import (  # noqa: F401  (re-exported: yibao.db is where callers look)
    ENV_URL,
    default_database_url,
    resolve_url,
    sqlite_url,
)

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
IMMEDIATE_OPTION = "yibao_sqlite_immediate"
BUSY_TIMEOUT_MS = 15_000  # how long one attempt at SQLite's write lock waits
# A write that still finds the lock taken tries again, up to this many attempts in all (about a
# minute): SQLite's busy wait polls, so a desk starting up among desks writing one after the
# other can lose the race for longer than one timeout; a slow answer beats "database is locked".
WRITE_LOCK_ATTEMPTS = 4
write_lock_retries = 0  # how often a write had to try again (tests watch it; nothing else reads it)
# A write whose engine carries this option (``Services.on_write_wait``) first tries the lock
# for a moment only; found taken, it calls ``WriteWait(True)`` before waiting as usual, and
# ``WriteWait(False)`` once it has the lock or gives up, so the desk can say why it is slow.
WRITE_WAIT_OPTION = "yibao_write_wait"
WRITE_WAIT_FIRST_MS = 200
WriteWait = Callable[[bool], None]


def write_engine(engine: Engine) -> Engine:
    """The same engine, marked so that its transactions take the write lock at once
    (``BEGIN IMMEDIATE`` on SQLite; no effect on PostgreSQL). Services use it for
    every operation that writes."""
    return engine.execution_options(**{IMMEDIATE_OPTION: True})


# Indexes that exist on PostgreSQL only (revision 0600_pg_lookup), by table: the model
# comparison (Alembic autogenerate, tests/storage/test_migrations.py) leaves them out.
POSTGRESQL_ONLY_INDEXES: dict[str, str] = {
    "ix_person_name_initials_id": "person",
    "ix_person_name_id": "person",
}


def include_object(obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any) -> bool:
    """Alembic ``include_object``: skip the PostgreSQL-only indexes found in a database."""
    return not (type_ == "index" and reflected and compare_to is None and name in POSTGRESQL_ONLY_INDEXES)


class RegistryError(RuntimeError):
    """The registry cannot be opened or upgraded; the message is Chinese."""


def _is_memory(url: sa.URL) -> bool:
    return url.get_backend_name() == "sqlite" and (url.database in (None, "", ":memory:"))


def create_registry_engine(url: str, *, key: bytes | None = None, **kwargs: Any) -> Engine:
    """An engine with the registry's connection settings; does not migrate. With ``key``
    the SQLite file is a SQLCipher one (``yibao.cipher``): every connection applies it."""
    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite" and key is not None:
        from yibao import cipher

        path = Path(parsed.database or "")
        kwargs.setdefault("module", cipher.dbapi())  # SQLAlchemy maps sqlcipher3's errors
        kwargs.setdefault("creator", lambda: cipher.connect(path, key))
    if parsed.get_backend_name() == "sqlite":
        connect_args = dict(kwargs.pop("connect_args", {}))
        connect_args.setdefault("check_same_thread", False)  # desk workers run in threads
        connect_args.setdefault("timeout", 15)
        if _is_memory(parsed):
            kwargs.setdefault("poolclass", StaticPool)
        else:
            db_path = Path(parsed.database or "")
            try:
                db_path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                raise RegistryError(
                    f"无法创建登记库所在目录 {db_path.parent}：{exc}。请检查路径和权限，或用 --db 指定其他位置。"
                ) from exc
        engine = sa.create_engine(url, connect_args=connect_args, **kwargs)
        memory = _is_memory(parsed)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            try:
                if not memory:
                    cursor.execute("PRAGMA journal_mode=WAL")
                    # FULL: a receipt is never printed for a payment a power cut can take back.
                    cursor.execute("PRAGMA synchronous=FULL")
                cursor.execute("PRAGMA foreign_keys=ON")
                cursor.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")
            finally:
                cursor.close()
            # SQLAlchemy, not the sqlite3 module, decides where transactions begin
            # (see "Serializable isolation / Savepoints / Transactional DDL" in the
            # SQLAlchemy SQLite dialect docs).
            dbapi_connection.isolation_level = None

        @event.listens_for(engine, "begin")
        def _begin(connection: sa.Connection) -> None:
            # A write operation asks for BEGIN IMMEDIATE (``WRITE_OPTIONS``): it takes
            # the write lock before its first read, so check-then-write is atomic
            # between desks sharing one file. Reads use a plain (deferred) BEGIN.
            if connection.get_execution_options().get(IMMEDIATE_OPTION):
                _begin_immediate(connection)
            else:
                # On the driver's cursor: a read transaction begins on every quote of F2,
                # and SQLAlchemy's statement machinery cost more than the BEGIN itself.
                cursor = connection.connection.cursor()
                try:
                    cursor.execute("BEGIN")
                finally:
                    cursor.close()

        return engine
    return sa.create_engine(url, pool_pre_ping=True, **kwargs)


def _begin_immediate(connection: sa.Connection) -> None:
    global write_lock_retries
    notify: WriteWait | None = connection.get_execution_options().get(WRITE_WAIT_OPTION)
    if notify is not None and _lock_at_once(connection):
        return
    if notify is not None:
        notify(True)
    try:
        for attempt in range(1, WRITE_LOCK_ATTEMPTS + 1):
            try:
                connection.exec_driver_sql("BEGIN IMMEDIATE")
                return
            except sa.exc.OperationalError as exc:
                if "locked" not in str(exc.orig) or attempt == WRITE_LOCK_ATTEMPTS:
                    raise
                write_lock_retries += 1
    finally:
        if notify is not None:
            notify(False)


def _lock_at_once(connection: sa.Connection) -> bool:
    """``BEGIN IMMEDIATE`` waiting a moment only: False when another window holds the lock."""
    connection.exec_driver_sql(f"PRAGMA busy_timeout={WRITE_WAIT_FIRST_MS}")
    try:
        connection.exec_driver_sql("BEGIN IMMEDIATE")
        return True
    except sa.exc.OperationalError as exc:
        if "locked" not in str(exc.orig):
            raise
        return False
    finally:
        connection.exec_driver_sql(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_MS)}")


def alembic_config(engine_or_url: Engine | str | None = None) -> Any:
    """An Alembic ``Config`` pointing at the packaged migrations (works when installed).

    Developers make a new revision with::

        python -m yibao.db revision -m "what changed" [--autogenerate]
    """
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.set_main_option("path_separator", "os")
    config.set_main_option("version_locations", str(MIGRATIONS_DIR / "versions"))
    if isinstance(engine_or_url, str):
        config.set_main_option("sqlalchemy.url", engine_or_url.replace("%", "%%"))
    elif engine_or_url is not None:
        config.attributes["engine"] = engine_or_url
    return config


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the schema of ``engine`` up to ``revision`` (default: head)."""
    from alembic import command

    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


_REVISION = re.compile(r"^revision(?:\s*:\s*str)?\s*=\s*['\"]([^'\"]+)['\"]", re.M)
_DOWN = re.compile(r"^down_revision\b[^=]*=(.*)$", re.M)


@lru_cache(maxsize=1)
def head_revisions() -> frozenset[str]:
    """The head revision(s) of the packaged migrations, read from the files' text.

    Importing Alembic and building its script directory costs about half a second;
    the desk opens a current registry on every start, so it only reads these lines.
    """
    revisions: set[str] = set()
    downs: set[str] = set()
    for path in (MIGRATIONS_DIR / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        found = _REVISION.search(text)
        if found is None:
            continue
        revisions.add(found.group(1))
        down = _DOWN.search(text)
        if down is not None:
            downs.update(re.findall(r"['\"]([^'\"]+)['\"]", down.group(1)))
    return frozenset(revisions - downs)


def stored_revisions(engine: Engine) -> frozenset[str] | None:
    """What ``alembic_version`` records, or None when it cannot be read (a new registry)."""
    try:
        with engine.connect() as connection:
            rows = connection.exec_driver_sql("SELECT version_num FROM alembic_version").all()
    except sa.exc.DBAPIError:
        return None
    return frozenset(str(r[0]) for r in rows)


SQLITE_HEADER = b"SQLite format 3\x00"


def _sqlite_file(url: str) -> Path | None:
    parsed = sa.make_url(url)
    if parsed.get_backend_name() != "sqlite" or _is_memory(parsed):
        return None
    return Path(parsed.database or "")


def check_sqlite_file(path: Path, *, create: bool, encrypted: bool = False) -> None:
    """Refuse, in Chinese, a registry file that is missing (unless creating), not a SQLite
    file (an ``encrypted`` one has no header to check), or read-only — before SQLite or
    Alembic can say it in English."""
    if not path.exists():
        if create:
            return
        raise RegistryError(
            f"登记库文件不存在：{path}。请检查 --db 参数是否写错；"
            "新建登记库请运行 yibao --db 文件名 init（只有 init 会新建登记库）。"
        )
    if path.is_dir():
        raise RegistryError(f"{path} 是一个文件夹，不是登记库文件。请用 --db 指定登记库文件。")
    try:
        with path.open("rb") as fh:
            head = fh.read(16)
    except OSError as exc:
        raise RegistryError(f"无法读取登记库文件 {path}（{exc.strerror}）。请检查文件权限。") from exc
    if head and head != SQLITE_HEADER and not encrypted:
        raise RegistryError(
            f"{path} 不是医保终端的登记库文件（也可能已损坏或是加密的外出登记库）。"
            "请检查 --db 参数；如文件损坏，请用 yibao restore 从备份恢复。"
        )
    if not os.access(path, os.W_OK) or not os.access(path.parent, os.W_OK):
        raise RegistryError(
            f"登记库文件 {path} 或其所在文件夹是只读的，无法登记和收费。"
            "请检查文件权限（或是否在只读的U盘/光盘上），或把登记库复制到可写的位置。"
        )


def unlock_registry(url: str) -> None:
    """Ask for an encrypted laptop registry's passphrase now, before anything reads it (the
    desk's start looks at the registry several times); ``RegistryError`` when it is refused.
    A plain registry, or one already unlocked in this process, asks nothing."""
    path = _sqlite_file(url)
    if path is None or not path.is_file():
        return
    from yibao import cipher

    try:
        cipher.key_for(path)
    except cipher.CipherError as exc:
        raise RegistryError(exc.message) from exc


def reading_engine(url: str) -> Engine:
    """An engine for a quick look (which policy, which origin): no migration, no lock. An
    encrypted laptop registry is unlocked as ``open_registry`` does; raises ``RegistryError``
    when it cannot be."""
    path = _sqlite_file(url)
    if path is None:
        return sa.create_engine(url)
    from yibao import cipher

    try:
        key = cipher.key_for(path)
    except cipher.CipherError as exc:
        raise RegistryError(exc.message) from exc
    return create_registry_engine(url, key=key) if key is not None else sa.create_engine(url)


def open_registry(
    url: str | None = None,
    *,
    create: bool = True,
    secret: str | None = None,
    key: bytes | None = None,
    **kwargs: Any,
) -> Engine:
    """Open the registry at ``url`` and upgrade it to head; ``create=False`` refuses a
    SQLite file that does not exist (only ``yibao init`` and ``outreach open`` create one).

    ``url`` defaults to ``default_database_url()``. Raises ``RegistryError`` with a
    Chinese message when the database cannot be reached, is not a registry, is read-only
    or cannot be upgraded. A SQLite registry file is held (shared lock, see
    ``yibao.outreach.lock``) for as long as the engine lives, so a restore cannot replace it
    under a desk; it is created 0600. A laptop registry with a key file beside it is
    opened with SQLCipher, unlocked by ``secret`` (the team's passphrase, see
    ``yibao.cipher.key_for`` for where else it comes from); ``key`` gives the SQLCipher key
    itself, already unlocked (a restore's working copy, which has no key file of its own).
    """
    import yibao.reports.tally  # noqa: F401  (its hook settles the progress counts at commit)

    url = url or default_database_url()
    path = _sqlite_file(url)
    if path is not None:
        from yibao import cipher

        try:
            key = key if key is not None else cipher.key_for(path, secret)
        except cipher.CipherError as exc:
            raise RegistryError(exc.message) from exc
        check_sqlite_file(path, create=create, encrypted=key is not None)
    engine = create_registry_engine(url, key=key, **kwargs)  # connects only when first used
    if path is not None:
        from yibao.outreach.files import remove_leftovers
        from yibao.outreach.lock import hold_shared

        try:  # the lock first: a registry being restored is neither created nor written
            hold_shared(path, engine)
        except Exception as exc:
            engine.dispose()
            raise RegistryError(getattr(exc, "message", str(exc))) from exc
        remove_leftovers(path.parent)  # a killed backup or restore leaves nothing behind
        if not path.exists() and path.parent.is_dir():
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)  # personal data: owner only
            os.close(fd)
    try:
        if stored_revisions(engine) != head_revisions():
            upgrade(engine)
    except sa.exc.DatabaseError as exc:
        engine.dispose()
        text = str(exc.orig)
        if "readonly" in text or "read-only" in text:
            why = "登记库是只读的，无法写入。请检查文件权限，或把登记库复制到可写的位置。"
        elif "not a database" in text or "malformed" in text or "corrupt" in text:
            why = "登记库文件已损坏或不是登记库。请用 yibao restore 从最近的备份恢复，或联系管理员。"
        elif "locked" in text:
            why = "登记库正被其他窗口长时间占用。请稍后重试。"
        else:
            why = f"{type(exc.orig).__name__}。请检查 --db 参数或 {ENV_URL} 设置。"
        raise RegistryError(
            f"无法打开登记库（{sa.make_url(url).render_as_string(hide_password=True)}）：{why}"
        ) from exc
    return engine


def main(argv: list[str] | None = None) -> int:
    """Developer entry: ``python -m yibao.db revision -m MSG [--autogenerate] [--url URL]``."""
    import argparse

    from alembic import command

    parser = argparse.ArgumentParser(prog="python -m yibao.db")
    sub = parser.add_subparsers(dest="cmd", required=True)
    rev = sub.add_parser("revision")
    rev.add_argument("-m", "--message", required=True)
    rev.add_argument("--autogenerate", action="store_true")
    rev.add_argument("--url", default="sqlite://")
    rev.add_argument("--rev-id", default=None)
    up = sub.add_parser("upgrade")
    up.add_argument("--url", default=None)
    args = parser.parse_args(argv)
    if args.cmd == "revision":
        engine = create_registry_engine(args.url)
        if args.autogenerate:
            upgrade(engine)
        config = alembic_config()
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.revision(
                config, message=args.message, autogenerate=args.autogenerate, rev_id=args.rev_id
            )
        return 0
    open_registry(args.url)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
