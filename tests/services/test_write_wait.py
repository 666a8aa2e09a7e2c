"""A write that finds another window holding the SQLite write lock says so (``on_write_wait``)
before waiting, and again when the wait is over; a free lock says nothing."""

from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from tests.ids import id_number


def _blocker(services) -> sqlite3.Connection:  # type: ignore[no-untyped-def]
    """Another window in the middle of a write: it holds the registry's write lock."""
    if services.engine.dialect.name != "sqlite":
        pytest.skip("the write lock is SQLite's")
    other = sqlite3.connect(services.engine.url.database, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    return other


def test_a_write_behind_another_window_says_it_waits(services) -> None:  # type: ignore[no-untyped-def]
    other = _blocker(services)
    said: list[bool] = []

    def wait(waiting: bool) -> None:
        said.append(waiting)
        if waiting:
            other.commit()  # the other window finishes its write while this one waits

    services.on_write_wait(wait)
    person = services.persons.register(name="李四", id_number=id_number(date(1980, 1, 1)), hukou_region="611023")
    assert said == [True, False]
    assert services.persons.get(person.id).name == "李四"


def test_a_free_lock_says_nothing(services) -> None:  # type: ignore[no-untyped-def]
    said: list[bool] = []
    services.on_write_wait(said.append)
    services.persons.register(name="李四", id_number=id_number(date(1980, 1, 1)), hukou_region="611023")
    assert said == []
    services.on_write_wait(None)
    other = _blocker(services)
    other.commit()
