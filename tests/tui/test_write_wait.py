"""While another window holds the registry's write lock, the desk says it is waiting
(the write retried silently before: a clerk saw a frozen Ctrl+S for up to a minute)."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import date

from tests.tui.conftest import SIZE, id_number, settle
from tui.write_wait import WAITING, WriteWaiting


async def test_f2_says_it_waits_for_another_windows_write(app, services) -> None:  # type: ignore[no-untyped-def]
    waiting = asyncio.Event()

    def hook(message: object) -> None:
        if isinstance(message, WriteWaiting) and message.waiting:
            waiting.set()

    number = id_number(date(1980, 1, 1), 1)
    other = sqlite3.connect(services.engine.url.database, isolation_level=None)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await pilot.press("f2", *number)
        await settle(app, pilot)
        await pilot.press("tab", *"李四")
        other.execute("BEGIN IMMEDIATE")  # another window in the middle of a write
        await pilot.press("ctrl+s")  # 登记并核定: its write waits
        await asyncio.wait_for(waiting.wait(), timeout=30)
        await pilot.pause()
        assert app.status == (WAITING, "warning")
        other.commit()  # the other window is done
        await settle(app, pilot)
        assert app.status[0] != WAITING
    other.close()
    assert services.persons.by_id_number(number) is not None
