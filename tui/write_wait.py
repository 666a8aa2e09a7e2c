"""Said on the status line while a write waits for another window's (SQLite's write lock):
the services call back from the worker thread that writes (``Services.on_write_wait``);
``post_message`` carries it to the app's thread."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.message import Message

if TYPE_CHECKING:
    from yibao.services import Services

WAITING = "正在等待其他窗口完成写入……"


class WriteWaiting(Message):
    def __init__(self, waiting: bool) -> None:
        super().__init__()
        self.waiting = waiting


def watch_writes(app: App[Any], services: Services | None) -> None:
    """Have ``services`` tell ``app`` when a write waits (None: nothing to watch)."""
    if services is not None and hasattr(services, "on_write_wait"):
        services.on_write_wait(lambda waiting: app.post_message(WriteWaiting(waiting)))
