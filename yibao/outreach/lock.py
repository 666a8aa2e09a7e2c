"""Who holds a SQLite registry: a lock file beside it (``<registry>.lock``).

Every desk and command that opens the registry holds a shared lock on it for as long as its
engine lives (``yibao.db.open_registry``); a restore takes the exclusive lock, so it is
refused while anything has the registry open, and nothing can open the registry while a
restore runs. The lock is ``flock``: it goes away with the process, so a killed desk never
leaves the registry locked.

Beside it, ``<registry>.receipts`` keeps the highest receipt number each device ever issued
(written at every backup and restore), so a restore can never rewind a receipt sequence.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class RegistryBusy(RuntimeError):
    """The registry is held (by a restore, or by desks when a restore wants it); ``message``
    is Chinese. Light on purpose: ``yibao.db`` imports this module on every start."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _refusal(message: str) -> Exception:
    try:
        from yibao.outreach.errors import OutreachError
    except ImportError:  # pragma: no cover
        return RegistryBusy(message)
    return OutreachError(message)


def lock_path(db: Path) -> Path:
    return db.with_name(db.name + ".lock")


def high_water_path(db: Path) -> Path:
    return db.with_name(db.name + ".receipts")


def _open_lock(db: Path) -> int:
    fd = os.open(lock_path(db), os.O_RDWR | os.O_CREAT, 0o600)
    return fd


def hold_shared(db: Path, owner: Any) -> None:
    """Hold a shared lock on ``db`` until ``owner`` (an engine) is disposed or collected."""
    try:
        fd = _open_lock(db)
    except OSError:
        return  # a read-only folder: the registry itself will say what is wrong
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise RegistryBusy(
            f"登记库 {db.name} 正在恢复备份或生成演示库，暂时不能打开。请等该操作完成后再打开窗口或运行命令。"
        ) from None
    finalizer = weakref.finalize(owner, _close, fd)
    with contextlib.suppress(Exception):
        from sqlalchemy import event

        event.listen(owner, "engine_disposed", lambda _engine: finalizer())


def _close(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


@contextlib.contextmanager
def exclusive(db: Path, *, refusal: str | None = None) -> Iterator[None]:
    """The registry to oneself, or a refusal naming why (a desk or command has it open):
    ``refusal`` (Chinese, raised as ``RegistryBusy``) or the restore's."""
    fd = _open_lock(db)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            if refusal is not None:
                raise RegistryBusy(refusal) from None
            raise _refusal(
                f"登记库 {db.name} 正被窗口界面或其他命令使用，不能恢复。"
                "请先关闭所有窗口界面、等其他命令结束后再恢复；什么也没有改动。"
            ) from None
        yield
    finally:
        os.close(fd)


def read_high_water(db: Path) -> dict[str, int]:
    try:
        data = json.loads(high_water_path(db).read_text(encoding="utf-8"))
        return {str(k): int(v) for k, v in dict(data).items()}
    except (OSError, ValueError, TypeError):
        return {}


def write_high_water(db: Path, values: dict[str, int]) -> None:
    from yibao.outreach.files import write_private_text

    merged = read_high_water(db)
    for device, value in values.items():
        merged[device] = max(merged.get(device, 0), int(value))
    write_private_text(high_water_path(db), json.dumps(merged, sort_keys=True))
