"""Files that hold personal data: created 0600 (folders 0700), written atomically.

Registry files, backups, bundles, receipts, exports and day-close sheets all go through
these helpers, so nobody else on the machine can read them, and a write that fails or is
killed half-way never leaves a partial file under the real name. Leftovers of a killed
write (``.<name>.<tag>-*.tmp``) are removed by :func:`remove_leftovers` at the next start.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import IO

FILE_MODE = 0o600
DIR_MODE = 0o700
LEFTOVER_TAGS = ("backup", "restore", "bundle", "export", "sheet", "text", "demo")


def private_umask() -> None:
    """Make every file this process creates private to its user (0600 / 0700)."""
    os.umask(0o077)


def make_private(path: Path | str) -> None:
    with contextlib.suppress(OSError):
        os.chmod(path, FILE_MODE)


def private_dir(path: Path | str) -> Path:
    folder = Path(path)
    if not folder.exists():
        folder.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    return folder


@contextlib.contextmanager
def private_tmp(target: Path, *, prefix: str = ".yibao-", binary: bool = True) -> Iterator[tuple[IO[bytes], Path]]:
    """A 0600 temporary file beside ``target``; renamed onto it when the block succeeds."""
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=".tmp", dir=target.parent or ".")
    os.fchmod(fd, FILE_MODE)
    fcntl.flock(fd, fcntl.LOCK_EX)  # alive: remove_leftovers leaves it alone
    tmp = Path(name)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh, tmp
            os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


@contextlib.contextmanager
def locked_tmp(target: Path, tag: str) -> Iterator[Path]:
    """A 0600 temporary path beside ``target`` for SQLite to write into, locked while in use;
    removed (with its journal files) when the block ends."""
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.{tag}-", suffix=".tmp", dir=target.parent or ".")
    os.fchmod(fd, FILE_MODE)
    fcntl.flock(fd, fcntl.LOCK_EX)
    tmp = Path(name)
    try:
        yield tmp
    finally:
        for suffix in ("", "-wal", "-shm", "-journal", ".lock", ".receipts"):
            Path(f"{tmp}{suffix}").unlink(missing_ok=True)
        os.close(fd)


def _in_use(path: Path) -> bool:
    name = path.name
    cut = next((name.index(m) for m in (".tmp-", ".tmp.") if m in name), None)
    base = path.with_name(name[:cut] + ".tmp") if cut is not None else path
    try:
        fd = os.open(base, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


def write_private_text(path: Path | str, text: str, *, encoding: str = "utf-8") -> Path:
    """Write a text file (sheet, report, receipt, export) 0600 and atomically."""
    target = Path(path)
    with private_tmp(target, prefix=f".{target.name}.text-") as (fh, _tmp):
        fh.write(text.encode(encoding))
    return target


def remove_leftovers(folder: Path | str) -> list[Path]:
    """Remove temporary files a killed backup, restore or export left in ``folder``."""
    removed: list[Path] = []
    root = Path(folder)
    if not root.is_dir():
        return removed
    for path in sorted(root.iterdir(), key=lambda p: len(p.name), reverse=True):
        name = path.name
        if not (name.startswith(".") and (name.endswith(".tmp") or ".tmp-" in name or ".tmp." in name)):
            continue
        if not any(f".{tag}-" in name or name.startswith(f".yibao-{tag}") for tag in LEFTOVER_TAGS):
            continue
        try:
            if _in_use(path):
                continue
            path.unlink()
            removed.append(path)
        except OSError:
            continue
    return removed
