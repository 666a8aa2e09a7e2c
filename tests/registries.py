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
