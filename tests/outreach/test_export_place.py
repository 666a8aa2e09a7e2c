"""Who goes out in a village's bundle: the place fields chosen at the desk count, not only
the free address; a county with no town list exports by village."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from tests.outreach.helpers import (
    PASSPHRASE,
    POLICY,
    Clock,
    id_number,
    local_noon,
    policy_file,
    services_for,
)
from yibao.outreach.export import export_outreach, read_outreach_bundle

DAY = date(2024, 10, 8)


def _names(path: Path) -> set[str]:
    bundle = read_outreach_bundle(path, passphrase=PASSPHRASE)
    return {row["name"] for row in bundle.rows("person")}


def _export(hall, tmp_path: Path, name: str, *, town: str, village: str | None):  # type: ignore[no-untyped-def]
    return export_outreach(
        hall.engine, to=tmp_path / name, town=town, village=village, policy_id=POLICY.id,
        policy_path=policy_file(tmp_path), benefit_year=POLICY.benefit_year, actor=hall.actor,
        now=local_noon(DAY), passphrase=PASSPHRASE,
    )


def test_a_person_registered_with_town_and_village_but_no_address_goes_out(registry_url: str, tmp_path: Path) -> None:
    """F2 records 乡镇 from the list and 村 as typed, and no free address: 甲 lives in
    富水镇 东岭村 by those fields and must be in that village's bundle; 乙 (富水镇 西沟村) and
    丙 (城关街道办) must not; 丁, known only by the address "商南县富水镇东岭村", still is."""
    hall = services_for(registry_url, "王大厅", Clock(local_noon(DAY)))
    p = hall.persons
    p.register(name="甲", id_number=id_number(11), hukou_region="611023", town="富水镇", village="东岭村")
    p.register(name="乙", id_number=id_number(12), hukou_region="611023", town="富水镇", village="西沟村")
    p.register(name="丙", id_number=id_number(13), hukou_region="611023", town="城关街道办", village="东岭村")
    p.register(name="丁", id_number=id_number(14), hukou_region="611023", address="商南县富水镇东岭村")
    _export(hall, tmp_path, "dongling.yibao", town="富水镇", village="东岭村")
    assert _names(tmp_path / "dongling.yibao") == {"甲", "丁"}


def test_a_village_alone_is_enough_where_the_county_has_no_town_list(registry_url: str, tmp_path: Path) -> None:
    """山阴, 眉山 and 晋城 have no town list in the data (none is invented): F2 then records
    the village only, and `outreach export --village 河口村` takes exactly its people."""
    hall = services_for(registry_url, "王大厅", Clock(local_noon(DAY)))
    p = hall.persons
    p.register(name="甲", id_number=id_number(11), hukou_region="611023", village="河口村")
    p.register(name="乙", id_number=id_number(12), hukou_region="611023", village="前进社区")
    result = _export(hall, tmp_path, "hekou.yibao", town="", village="河口村")
    assert _names(tmp_path / "hekou.yibao") == {"甲"}
    assert result.town == "" and result.village == "河口村"
