from __future__ import annotations

import pytest

from yibao import regions


def test_four_jurisdictions_and_their_names() -> None:
    assert regions.full_name("611023") == "陕西省商洛市商南县"
    assert regions.full_name("140621") == "山西省朔州市山阴县"
    assert regions.full_name("511400") == "四川省眉山市"
    assert regions.full_name("140500") == "山西省晋城市"
    assert set(regions.counties_of("140500")) == {
        "140502",
        "140521",
        "140522",
        "140524",
        "140525",
        "140581",
    }


def test_within() -> None:
    assert regions.within("511421", "511400")
    assert regions.within("611023", "611023")
    assert not regions.within("611024", "611023")
    assert regions.within("140525", "140000")
    assert not regions.within(None, "611023")


def test_towns_of_shangnan_from_annex_2_have_no_invented_codes() -> None:
    towns = regions.towns_of("611023")
    assert len(towns) == 10
    assert {t.name for t in towns} >= {"城关街道办", "赵川镇", "金丝峡镇"}
    assert all(t.code is None for t in towns)


def test_validate_explains_in_chinese() -> None:
    assert regions.validate("611023") == "611023"
    with pytest.raises(regions.InvalidRegion, match="6位数字"):
        regions.validate("6110")
    with pytest.raises(regions.InvalidRegion, match="不是现行"):
        regions.validate("612524")  # 商洛地区 商南县, before 2001
    with pytest.raises(regions.InvalidRegion, match="未填写"):
        regions.validate("")


def test_codes_outside_bundled_provinces_come_from_stdnum() -> None:
    assert regions.is_current("110101")
    assert regions.name("110101") == "东城区"


def test_usual_hukou_is_the_county_itself_never_a_citys_own_code() -> None:
    from yibao.regions import usual_hukou

    assert usual_hukou("611023") == "611023"  # 商南县
    assert usual_hukou("140621") == "140621"  # 山阴县
    assert usual_hukou("511400") == ""  # 眉山市: 东坡区, 彭山区, 仁寿县 … — the clerk types which
    assert usual_hukou("140500") == ""  # 晋城市
