"""Where the bundled policy files and reference data live.

In a source checkout (editable install) they sit beside the package at the
repository root; in a wheel they are copied to ``yibao/_bundled``.
"""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _locate(name: str) -> Path:
    for candidate in (_PACKAGE / "_bundled" / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"找不到随程序安装的 {name}/ 目录，请重新安装 yibao。")


def policies_dir() -> Path:
    """Directory of policy files; ``YIBAO_POLICIES_DIR`` overrides it."""
    override = os.environ.get("YIBAO_POLICIES_DIR")
    return Path(override) if override else _locate("policies")


def data_dir() -> Path:
    return _locate("data")
