from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import ric

from tests.ids import id_number, with_wrong_check_digit
from yibao import idnumbers


def test_valid_number_is_parsed_and_derived() -> None:
    number = id_number(date(2010, 3, 4), seq=12)
    info = idnumbers.parse(number)
    assert info.number == number
    assert info.birth_date == date(2010, 3, 4)
    assert info.sex == "2" and info.sex_label == "女"
    assert info.region_code == "611023"
    assert "商南" in info.region_name


def test_full_width_digits_and_lower_case_x_are_accepted() -> None:
    # find a number whose check digit is X
    seq = next(s for s in range(1, 999) if id_number(date(1990, 1, 2), s).endswith("X"))
    number = id_number(date(1990, 1, 2), seq)
    typed = number[:-1].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "x"
    assert idnumbers.validate(" " + typed + " ") == number


def test_fifteen_digit_number_is_upgraded() -> None:
    eighteen = id_number(date(1965, 7, 8), seq=21, county="611023")
    fifteen = eighteen[:6] + eighteen[8:17]
    info = idnumbers.parse(fifteen)
    assert info.upgraded_from_15
    assert info.number == eighteen
    assert ric.is_valid(info.number)


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("", "未输入"),
        ("12345", "18位"),
        ("61102320100304001A", "前17位"),
    ],
)
def test_bad_shapes_are_explained(raw: str, words: str) -> None:
    with pytest.raises(idnumbers.InvalidIdNumber) as exc:
        idnumbers.parse(raw)
    assert words in exc.value.message
    assert "请" in exc.value.message


def test_wrong_check_digit_is_refused_without_revealing_the_digit() -> None:
    bad = with_wrong_check_digit(id_number(date(2000, 1, 1)))
    with pytest.raises(idnumbers.InvalidIdNumber) as exc:
        idnumbers.parse(bad)
    assert "校验码" in exc.value.message
    assert bad not in exc.value.message  # never in clear


def test_impossible_date_and_future_birth() -> None:
    first17 = "61102320101304123"
    with pytest.raises(idnumbers.InvalidIdNumber, match="不是有效日期"):
        idnumbers.parse(first17 + ric.calc_check_digit(first17 + "0"))
    future = id_number(date(2030, 1, 1))
    with pytest.raises(idnumbers.InvalidIdNumber, match="不合理"):
        idnumbers.parse(future, today=date(2024, 10, 15))


def test_code_in_use_only_after_the_birth_year_warns_and_is_not_refused() -> None:
    # 611023 (商南县) is in stdnum's GB/T 2260 table from 2001 on ([2001-]); a resident born
    # in 1990 whose number was assigned there later (late registration, re-numbering)
    # holds a real card: GB 11643's address code is where the number was first assigned.
    first17 = "61102319900506003"
    number = first17 + ric.calc_check_digit(first17 + "0")
    info = idnumbers.parse(number)
    assert info.number == number and info.birth_date == date(1990, 5, 6)
    assert info.region_note is not None
    assert "2001" in info.region_note and "1990" in info.region_note and "确认" in info.region_note
    assert "商南" in info.region_name


def test_code_in_use_in_the_birth_year_has_no_note() -> None:
    # 612524 is 商南县's code until 2001, 611023 from 2001: both valid in their years.
    for first17 in ("61252419800101001", "61102320100101001"):
        info = idnumbers.parse(first17 + ric.calc_check_digit(first17 + "0"))
        assert info.region_note is None


def test_code_abolished_before_birth_or_unknown_is_refused() -> None:
    # 612524 went out of use after 2001: no number of someone born in 2010 can carry it.
    abolished = "61252420100101001"
    with pytest.raises(idnumbers.InvalidIdNumber, match="地址码 612524 在 2010 年"):
        idnumbers.parse(abolished + ric.calc_check_digit(abolished + "0"))
    unknown = "99999919900101001"
    with pytest.raises(idnumbers.InvalidIdNumber, match="地址码"):
        idnumbers.parse(unknown + ric.calc_check_digit(unknown + "0"))


def test_mask() -> None:
    number = id_number(date(2010, 3, 4))
    assert idnumbers.mask(number) == number[:6] + "********" + number[-4:]
    assert idnumbers.mask(None) == ""
    assert idnumbers.mask("1234") == "****"


def test_birth_certificate_numbers() -> None:
    assert idnumbers.validate_birth_cert(" ｑ610123456 ") == "Q610123456"
    with pytest.raises(idnumbers.InvalidIdNumber, match="1位字母加9位数字"):
        idnumbers.validate_birth_cert("12345")
    assert idnumbers.mask_birth_cert("Q610123456") == "Q*****3456"


def test_a_reused_code_names_the_county_that_holds_it_today() -> None:
    # GB/T 2260 gave 511402 to 枳城区 (涪陵, 1995–1997) and, from 2000, to 眉山市东坡区;
    # 511421 to 垫江县 (1995–1997), then 仁寿县. A 眉山 resident born in 1980 holding 511402 was
    # named “四川省枳城区”, beside 户籍地 “四川省眉山市东坡区” for the same code; the note
    # said the code came into use in 1995 (枳城区's year), not 2000.
    for first17, county, first_year in (
        ("51140219800101123", "四川省眉山市东坡区", "2000"),
        ("51142119800202333", "四川省眉山市仁寿县", "2000"),
    ):
        info = idnumbers.parse(first17 + ric.calc_check_digit(first17 + "0"))
        assert info.region_name == county
        assert info.region_note is not None and f"自 {first_year} 年起" in info.region_note
    # Born while 511402 was 枳城区's code: that county, no note.
    first17 = "51140219960101123"
    info = idnumbers.parse(first17 + ric.calc_check_digit(first17 + "0"))
    assert info.region_name == "四川省涪陵市枳城区" and info.region_note is None


def test_the_birth_place_names_the_city_between_province_and_county() -> None:
    # A 晋城 clerk read “发证地 山西省城区” for a number of 晋城市城区 (140502): GB/T 2260
    # names 140500 晋城市 (from 1985), and 城区 is one of its districts. The prefecture is the
    # code's first four digits + 00, named as in the birth year; none for a district of a
    # municipality (北京市 110100 is 市辖区) or a county-level city under the province
    # (湖北省 429000 省直辖县级行政单位).
    for first17, place in (
        ("14050219900101123", "山西省晋城市城区"),
        ("14062119900101123", "山西省朔州市山阴县"),
        ("61102320050101123", "陕西省商洛市商南县"),
        ("11010119900101123", "北京市东城区"),
        ("42900419960101123", "湖北省仙桃市"),
    ):
        info = idnumbers.parse(first17 + ric.calc_check_digit(first17 + "0"))
        assert info.region_name == place

