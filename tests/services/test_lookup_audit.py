from __future__ import annotations

from datetime import date

import pytest

from tests.ids import id_number
from yibao.services.errors import InvalidInput


def test_lookup_by_id_tail_name_and_initials_masks_numbers(services) -> None:  # type: ignore[no-untyped-def]
    number = id_number(date(1980, 5, 6))
    person = services.persons.register(name="张三", id_number=number, hukou_region="611023")
    for query in (number, number[-4:], "张", "zs"):
        hits = services.lookup.search(query)
        assert [h.person_id for h in hits] == [person.id], query
        assert hits[0].id_masked == number[:6] + "********" + number[-4:]
    assert services.persons.by_id_number(number.lower()).id == person.id


def test_bad_query_is_invalid_input(services) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InvalidInput):
        services.lookup.search("", limit=10)


def test_audit_service_lists_a_persons_history(services) -> None:  # type: ignore[no-untyped-def]
    person = services.persons.register(
        name="张三", id_number=id_number(date(1980, 5, 6)), hukou_region="611023"
    )
    for phone in ("1", "2", "3"):
        services.persons.update(person.id, phone=phone)
    entries = services.audit.history(person_id=person.id)
    assert [e.action for e in entries] == ["person.register"] + ["person.update"] * 3
    latest_two = services.audit.history(person_id=person.id, limit=2)
    assert [e.after for e in latest_two] == [{"phone": "2"}, {"phone": "3"}]
    assert all(e.clerk_name == "王芳" for e in entries)


def test_services_open_creates_device_and_clerk(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.signin import PIN, signed_in
    from yibao.auth import SignInRefused
    from yibao.config import ensure_device
    from yibao.db import open_registry
    from yibao.services import Services

    url = f"sqlite:///{tmp_path / 'desk.sqlite3'}"
    with pytest.raises(SignInRefused):  # nobody is created from a typed name
        Services.open(url=url, policy_id="shangnan-2025", clerk_name="王芳", password=PIN)
    engine = open_registry(url)
    signed_in(engine, ensure_device(engine), "王芳")
    engine.dispose()
    first = Services.open(url=url, policy_id="shangnan-2025", clerk_name="王芳", password=PIN)
    again = Services.open(url=url, policy_id="shangnan-2025", clerk_name="王芳", password=PIN)
    assert first.device == again.device and first.clerk == again.clerk
    assert first.benefit_year == 2025
    first.engine.dispose()
    again.engine.dispose()


def test_page_says_whether_more_rows_match(services) -> None:  # type: ignore[no-untyped-def]
    from yibao.lookup import MAX_LIMIT

    for seq in range(3):
        services.persons.register(
            name=f"张{'一二三'[seq]}", id_number=id_number(date(1980, 5, 6), seq=11 + seq)
        )
    exact = services.lookup.page("张", limit=3)
    assert len(exact.rows) == 3 and not exact.more  # exactly the limit: nothing more
    short = services.lookup.page("张", limit=2)
    assert [r.name for r in short.rows] == [r.name for r in exact.rows[:2]] and short.more
    last = services.lookup.page("张", limit=2, offset=2)
    assert len(last.rows) == 1 and not last.more
    assert not services.lookup.page("张", limit=MAX_LIMIT).more
    assert services.lookup.page("张", limit=MAX_LIMIT, offset=0).rows == exact.rows
    with pytest.raises(InvalidInput):
        services.lookup.page("1", limit=10)
