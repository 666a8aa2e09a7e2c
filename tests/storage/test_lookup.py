"""Look-up by ID number, tail, name prefix, pinyin initials and household (yibao.lookup)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from yibao import lookup
from yibao.audit import Actor
from yibao.config import ensure_clerk, ensure_device
from yibao.db import open_registry
from yibao.demo import DemoSettings, build_demo
from yibao.idgen import make_id_number
from yibao.models import Household, Person
from yibao.pinyin import initials

NOW = datetime(2024, 11, 20, 2, 0, tzinfo=UTC)
SETTINGS = DemoSettings(
    policy_id="shangnan-2025",
    region_code="611023",
    benefit_year=2025,
    standard_fen=40000,
    subsidy_fen={"minimum_living": 24000},
    centralized_start=date(2024, 9, 1),
    centralized_end=date(2024, 12, 20),
    benefit_start=date(2025, 1, 1),  # the file's periods.benefit
    benefit_end=date(2025, 12, 31),
)


def _x_number() -> str:
    """An ID number whose check character is X."""
    for seq in range(1000):
        number = make_id_number("611023", date(2003, 5, 17), seq)
        if number.endswith("X"):
            return number
    raise AssertionError("no X check digit found")


ZHANG = make_id_number("611023", date(2001, 3, 4), 123)
ZENG = make_id_number("612524", date(1960, 7, 9), 457)
XNUM = _x_number()


@pytest.fixture
def session(registry_url: str):
    engine = open_registry(registry_url)
    device = ensure_device(engine, now=NOW)
    clerk = ensure_clerk(engine, name="测试员", device=device, now=NOW)
    actor = Actor(device_id=device.id, clerk_id=clerk.id, clerk_name=clerk.name)
    with Session(engine) as s:
        build_demo(
            s,
            persons=300,
            settings=SETTINGS,
            seed=3,
            actor=actor,
            device_prefix=device.prefix,
            now=NOW,
        )
        household = Household(number="611023990001", hukou_region="611023", device_id=device.id)
        s.add(household)
        for number, name, relation in (
            (ZHANG, "张三", "02"),
            (ZENG, "曾国藩", "51"),
            (XNUM, "李晓", "30"),
        ):
            s.add(
                Person(
                    id_number=number,
                    id_tail=number[-6:],
                    name=name,
                    name_initials=initials(name),
                    birth_date=date(int(number[6:10]), int(number[10:12]), int(number[12:14])),
                    sex="1",
                    household_id=household.id,
                    relation_to_head=relation,
                    device_id=device.id,
                )
            )
        s.commit()
        yield s
    engine.dispose()


def _names(rows: list[lookup.PersonRow]) -> list[str]:
    return [r.name for r in rows]


def test_pinyin_initials() -> None:
    assert initials("张三") == "zs"
    assert initials("曾国藩") == "zgf"  # surname reading, not céng
    assert initials("单田芳") == "stf"
    assert initials("欧阳 娜娜") == "oynn"
    assert initials("阿依古丽·买买提") == "ayglmmt"
    assert initials("Li Na") == "lina"


@pytest.mark.parametrize(
    ("query", "kind"),
    [
        ("611023200103041235", lookup.QueryKind.ID_NUMBER),
        ("61102320010304123x", lookup.QueryKind.ID_NUMBER),
        ("611023010304123", lookup.QueryKind.ID_NUMBER),  # 15-digit, upgraded
        ("1234", lookup.QueryKind.ID_TAIL),
        ("0123X", lookup.QueryKind.ID_TAIL),
        ("张", lookup.QueryKind.NAME),
        ("ZS", lookup.QueryKind.INITIALS),
        ("户 611023990001", lookup.QueryKind.HOUSEHOLD),
        ("611023990001", lookup.QueryKind.HOUSEHOLD),
    ],
)
def test_classify(query: str, kind: lookup.QueryKind) -> None:
    assert lookup.classify(query)[0] is kind


def test_full_id_number(session: Session) -> None:
    rows = lookup.search(session, ZHANG)
    assert _names(rows) == ["张三"]
    assert rows[0].id_masked == ZHANG[:6] + "********" + ZHANG[-4:]
    # full-width digits and spaces are folded
    wide = " ".join(ZHANG).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    assert _names(lookup.search(session, wide)) == ["张三"]
    assert _names(lookup.search(session, XNUM.lower())) == ["李晓"]


def test_tail(session: Session) -> None:
    for length in (4, 5, 6):
        assert "张三" in _names(lookup.search(session, ZHANG[-length:]))
    assert "李晓" in _names(lookup.search(session, XNUM[-4:].lower()))
    for row in lookup.search(session, ZHANG[-4:]):
        assert row.id_masked.endswith(ZHANG[-4:])


def test_name_prefix_and_pages(session: Session) -> None:
    assert "张三" in _names(lookup.search(session, "张"))
    assert _names(lookup.search(session, "张三")) == ["张三"]
    assert "曾国藩" in _names(lookup.search(session, "曾国"))
    first = lookup.search(session, "王", limit=3)
    second = lookup.search(session, "王", limit=3, offset=3)
    everyone = lookup.search(session, "王", limit=500)
    assert all(n.startswith("王") for n in _names(everyone))
    assert [r.person_id for r in first + second] == [r.person_id for r in everyone[:6]]
    assert _names(everyone) == sorted(_names(everyone))


def test_initials_prefix(session: Session) -> None:
    assert "张三" in _names(lookup.search(session, "zs"))
    assert "曾国藩" in _names(lookup.search(session, "ZGF"))
    rows = lookup.search(session, "w", limit=500)
    assert rows and all(initials(r.name).startswith("w") for r in rows)


def test_household(session: Session) -> None:
    rows = lookup.search(session, "户611023990001")
    assert _names(rows) == ["张三", "李晓", "曾国藩"]  # by relation code: 02, 30, 51
    assert rows[0].household_number == "611023990001"
    assert _names(lookup.household_members(session, rows[0].household_id or "")) == _names(rows)


def test_rows_never_carry_clear_id_numbers(session: Session) -> None:
    clear = re.compile(r"\d{17}[\dX]")
    for query in ("张", "zs", ZHANG, ZHANG[-4:], "611023990001"):
        for row in lookup.search(session, query, limit=500):
            assert not clear.search(row.model_dump_json())


@pytest.mark.parametrize("query", ["", "  ", "12", "张a", "12345678X", "!!"])
def test_bad_queries_are_explained_in_chinese(session: Session, query: str) -> None:
    with pytest.raises(lookup.InvalidQuery) as info:
        lookup.search(session, query)
    assert re.search(r"[\u4e00-\u9fff]", info.value.message)


def test_bad_paging(session: Session) -> None:
    with pytest.raises(lookup.InvalidQuery):
        lookup.search(session, "张", limit=0)
    with pytest.raises(lookup.InvalidQuery):
        lookup.search(session, "张", offset=-1)


def test_every_row_carries_its_household_number(session: Session) -> None:
    rows = lookup.search(session, "张", limit=500)
    with_household = [r for r in rows if r.household_id]
    assert with_household and all(r.household_number for r in with_household)
    stored = {h.id: h.number for h in session.exec(sa.select(Household)).scalars()}
    assert all(r.household_number == stored[r.household_id] for r in with_household)


def test_household_search_starts_from_household(session: Session) -> None:
    """The plan reads ``household`` by its number, then ``person`` by ``household_id``:
    SQLite's CROSS JOIN fixes that order, whatever the statistics say."""
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("the join order is fixed by SQLite's CROSS JOIN; PostgreSQL plans by cost")
    session.execute(sa.text("ANALYZE"))
    stmt = lookup._household_rows("611023990001").limit(50)
    compiled = stmt.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
    plan = [r[-1] for r in session.execute(sa.text(f"EXPLAIN QUERY PLAN {compiled}"))]
    assert plan[0].startswith("SEARCH household USING INDEX ix_household_number")
    assert plan[1].startswith("SEARCH person USING INDEX ix_person_household_id")
    assert not any(step.startswith("SCAN person") for step in plan)


@pytest.mark.parametrize("digits", [7, 12, 17])
def test_partial_id_numbers_do_not_search_households_while_typing(
    session: Session, digits: int
) -> None:
    typed = ZHANG[:digits]
    with pytest.raises(lookup.InvalidQuery, match=f"已输入 {digits} 位"):
        lookup.search(session, typed, partial_ids=True)
    assert lookup.classify(typed)[0] is lookup.QueryKind.HOUSEHOLD  # the CLI still may
    assert _names(lookup.search(session, "户611023990001", partial_ids=True))
