"""Town and village read from a free address only when unambiguous; the migration backfills."""

from __future__ import annotations

from yibao.places import Place, parse_place


def test_parse_known_town_and_village() -> None:
    assert parse_place("商南县富水镇河口村3组12号", "611023") == Place("富水镇", "河口村")
    assert parse_place("城关街道前进社区", "611023") == Place("城关街道办", "前进社区")


def test_town_without_village() -> None:
    assert parse_place("富水镇集镇街88号", "611023") == Place("富水镇", None)


def test_two_towns_or_none_is_unknown() -> None:
    assert parse_place("富水镇与青山镇交界处", "611023") == Place(None, None)
    assert parse_place("商南县某地", "611023") == Place(None, None)
    assert parse_place(None, "611023") == Place(None, None)


def test_county_without_a_town_list_is_unknown() -> None:
    assert parse_place("岱岳镇某村", "140621") == Place(None, None)  # 山阴: no towns in data/regions


def test_register_reads_the_address(services) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    from yibao.idgen import make_id_number

    number = make_id_number("611023", date(2001, 5, 1), 11)
    person = services.persons.register(
        name="张三", id_number=number, address="富水镇石门村5组", hukou_region="611023"
    )
    assert (person.town, person.village) == ("富水镇", "石门村")


def test_migration_backfills_from_the_address(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from datetime import date

    import sqlalchemy as sa

    from yibao.db import create_registry_engine, sqlite_url, upgrade

    engine = create_registry_engine(sqlite_url(tmp_path / "old.sqlite3"))
    upgrade(engine, "0200_registry_setting")
    rows = [
        ("p1", "富水镇河口村2组", "611023"),  # town and village
        ("p2", "青山镇", "611023"),  # town only
        ("p3", "富水镇和青山镇之间", "611023"),  # two towns: unknown
        ("p4", None, "611023"),  # no address: unknown
    ]
    with engine.begin() as conn:
        for pid, address, region in rows:
            conn.execute(
                sa.text(
                    "INSERT INTO person (id, name, name_initials, birth_date, hukou_region, address,"
                    " employee_insured, status, device_id, created_at, updated_at)"
                    " VALUES (:id, '某人', 'mr', :born, :region, :address, 0, 'active', 'd',"
                    " '2024-01-01 00:00:00', '2024-01-01 00:00:00')"
                ),
                {"id": pid, "born": date(1980, 1, 1), "region": region, "address": address},
            )
    upgrade(engine, "0500_places")
    with engine.connect() as conn:
        got = dict(
            (r.id, (r.town, r.village))
            for r in conn.execute(sa.text("SELECT id, town, village FROM person"))
        )
    engine.dispose()
    assert got == {
        "p1": ("富水镇", "河口村"),
        "p2": ("青山镇", None),
        "p3": (None, None),
        "p4": (None, None),
    }
