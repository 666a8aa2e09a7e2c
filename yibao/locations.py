"""Where the registry and the desk's own files are, worked out without opening anything.

Light on purpose (no SQLAlchemy, no models): the desk reads these before its first screen
is painted, while the registry itself is opened in the background (``tui.launch``).
``yibao.db`` and ``yibao.config`` re-export them under their usual names.

- ``resolve_url``: the ``--db`` argument as a URL (``YIBAO_DATABASE_URL``, else a SQLite
  file in the data directory);
- ``data_dir``: the user's data directory (platformdirs), ``YIBAO_DATA_DIR`` overrides;
- ``last_clerk`` / ``remember_clerk``: the last clerk per registry (``desk.json``).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

ENV_URL = "YIBAO_DATABASE_URL"
ENV_DATA_DIR = "YIBAO_DATA_DIR"


def data_dir() -> Path:
    """The user's data directory for yibao (created if missing)."""
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        path = Path(override).expanduser()
    else:
        from platformdirs import user_data_dir

        path = Path(user_data_dir("yibao", appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_database_url() -> str:
    """``YIBAO_DATABASE_URL`` if set, else a SQLite file in the user's data directory."""
    env = os.environ.get(ENV_URL)
    if env:
        return env
    return sqlite_url(data_dir() / "registry.sqlite3")


def sqlite_url(path: str | os.PathLike[str]) -> str:
    return f"sqlite:///{Path(path).expanduser().resolve()}"


def resolve_url(db: str | None) -> str:
    """Turn the ``--db`` argument into a URL: a URL stays, a path becomes a SQLite URL."""
    if not db:
        return default_database_url()
    if "://" in db:
        return db
    return sqlite_url(db)


def _desk_json() -> Path:
    return data_dir() / "desk.json"


def _desk_entries() -> dict:
    try:
        data = json.loads(_desk_json().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def desk_entry(url: str) -> dict:
    entry = _desk_entries().get(url, {})
    return entry if isinstance(entry, dict) else {}


def last_clerk(url: str) -> str | None:
    """The clerk who last worked on the registry at ``url`` from this user account."""
    name = desk_entry(url).get("clerk")
    return name.strip() or None if isinstance(name, str) else None


def remember_clerk(url: str, name: str) -> None:
    """Remember ``name`` as the last clerk on the registry at ``url`` (``desk.json``)."""
    data = _desk_entries()
    data[url] = {"clerk": name}
    _desk_json().write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
