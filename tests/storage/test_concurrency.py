"""Two desks on one registry at once: receipt numbers stay unique and gap-free,
and one person cannot be charged twice for a year."""

from __future__ import annotations

import threading
from datetime import date

from tests.ids import id_number
from yibao.db import open_registry
from yibao.models import Payment
from yibao.services import Services
from yibao.services.errors import InvalidInput, Refused


def _desk(registry_url: str, services: Services) -> Services:
    engine = open_registry(registry_url)
    return Services(engine, services.policy, services.clerk, services.device, services.clock)


def test_parallel_payments_get_distinct_receipt_numbers(registry_url, services) -> None:  # type: ignore[no-untyped-def]
    people = [
        services.persons.register(
            name=f"人{i}", id_number=id_number(date(1980, 1, 1 + i), seq=11), hukou_region="611023"
        ).id
        for i in range(8)
    ]
    desks = [_desk(registry_url, services) for _ in range(2)]
    errors: list[BaseException] = []

    def work(desk: Services, ids: list[str]) -> None:
        try:
            for pid in ids:
                desk.enrolment.enrol_and_pay(pid, channel="bank")
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=work, args=(desks[0], people[0::2])),
        threading.Thread(target=work, args=(desks[1], people[1::2])),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for desk in desks:
        desk.engine.dispose()
    assert errors == []
    from tests.services.helpers import rows

    numbers = sorted(p.receipt_no for p in rows(services.engine, Payment))
    prefix = services.device.prefix
    assert numbers == [f"{prefix}-{n:08d}" for n in range(1, 9)]


def test_same_person_twice_at_once_is_charged_once(registry_url, services) -> None:  # type: ignore[no-untyped-def]
    pid = services.persons.register(
        name="抢", id_number=id_number(date(1980, 1, 1)), hukou_region="611023"
    ).id
    desks = [_desk(registry_url, services) for _ in range(2)]
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def work(desk: Services) -> None:
        barrier.wait()
        try:
            desk.enrolment.enrol_and_pay(pid, channel="bank")
            outcomes.append("paid")
        except (Refused, InvalidInput):
            outcomes.append("refused")

    threads = [threading.Thread(target=work, args=(d,)) for d in desks]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for desk in desks:
        desk.engine.dispose()
    assert sorted(outcomes) == ["paid", "refused"]
    from tests.services.helpers import rows

    assert len(rows(services.engine, Payment)) == 1


def test_a_write_that_outwaits_one_busy_timeout_tries_again_instead_of_failing(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """SQLite's busy wait polls: among desks writing one after the other, a desk can miss the
    lock for longer than one timeout. It then tries again (``WRITE_LOCK_ATTEMPTS``) rather
    than show "database is locked"."""
    import threading

    import sqlalchemy as sa

    from yibao import db
    from yibao.db import open_registry, sqlite_url, write_engine

    monkeypatch.setattr(db, "BUSY_TIMEOUT_MS", 50)  # one attempt waits 50 ms here
    monkeypatch.setattr(db, "write_lock_retries", 0)
    monkeypatch.setattr(db, "WRITE_LOCK_ATTEMPTS", 200)  # room for a slow machine before the holder lets go
    url = sqlite_url(tmp_path / "hall.db")
    holder, waiter = open_registry(url), open_registry(url)
    try:
        hold = write_engine(holder).connect()
        hold.begin()  # BEGIN IMMEDIATE: the write lock is taken
        done: list[object] = []

        def write() -> None:
            try:
                with write_engine(waiter).begin() as conn:
                    conn.execute(sa.text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
                done.append("ok")
            except Exception as exc:  # noqa: BLE001  (the test reports it)
                done.append(exc)

        thread = threading.Thread(target=write)
        thread.start()
        while db.write_lock_retries < 1 and thread.is_alive():  # the first attempt timed out
            thread.join(0.01)
        hold.rollback()
        hold.close()
        thread.join(30)
        assert done == ["ok"] and db.write_lock_retries >= 1
    finally:
        holder.dispose()
        waiter.dispose()
