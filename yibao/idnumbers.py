"""居民身份证号码 (GB 11643) and 出生医学证明编号: normalise, validate, derive, mask.

Validation is python-stdnum's ``stdnum.cn.ric`` (length, check digit, birth date,
birth place) and its table of GB/T 2260 codes with their years; what this module adds
is the counter's side: full-width digits and a lower-case ``x`` are accepted, 15-digit (first
generation) numbers are upgraded to 18, and every refusal is a Chinese sentence that
says what is wrong and what to do.

The address code (first six digits) is the county where the number was first
assigned (GB 11643), which can be years after birth: a child registered late, a
resident re-numbered after a county was renamed. A code that is valid only *after*
the birth year is therefore not refused: ``IdInfo.region_note`` says so and the clerk
confirms against the card. A code that never existed, or was abolished before the
birth year, is refused. The region check is cached per (code, year): a department list
of 100,000 rows holds a few hundred such pairs.

ID numbers are never logged in clear: use ``mask()`` for lists, receipts, logs.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache

from stdnum import numdb
from stdnum.cn import ric

_SEPARATORS = re.compile(r"[\s\-_.·]")
_BIRTH_CERT = re.compile(r"^[A-Z]\d{9}$")


class InvalidIdNumber(ValueError):
    """A number that cannot be a 居民身份证号码; ``str(exc)`` is the Chinese message."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class IdInfo:
    number: str  # normalised, 18 characters
    birth_date: date
    sex: str  # GB/T 2261.1: "1" 男, "2" 女
    region_code: str  # first six digits: where the number was first issued
    region_name: str  # as stdnum knows it in the year of birth, e.g. 陕西省商洛市商南县
    upgraded_from_15: bool = False
    # Set when the address code only came into use after the birth year: the clerk must
    # check the card and confirm (never a refusal); None otherwise.
    region_note: str | None = None

    @property
    def sex_label(self) -> str:
        return "男" if self.sex == "1" else "女"

    @property
    def masked(self) -> str:
        return mask(self.number)


def _halfwidth(raw: str) -> str:
    # NFKC folds full-width digits and letters (１２３ｘ) to ASCII.
    return unicodedata.normalize("NFKC", raw)


def normalise(raw: str) -> str:
    """Fold full-width characters, drop spaces and separators, upper-case ``x``.

    Does not validate; a 15-digit number stays 15 digits (see ``validate``).
    """
    if raw and raw.isascii() and raw.isalnum():  # nothing to fold or drop (a list's rows)
        return raw.upper()
    return _SEPARATORS.sub("", _halfwidth(raw or "")).upper()


def upgrade_15(number15: str) -> str:
    """A first-generation 15-digit number as its 18-digit form (year 19xx, check digit added)."""
    first17 = number15[:6] + "19" + number15[6:]
    return first17 + ric.calc_check_digit(first17 + "0")


def validate(raw: str, *, today: date | None = None) -> str:
    """The normalised 18-character ID number, or ``InvalidIdNumber`` with a Chinese message.

    ``today`` (optional) refuses a birth date in the future.
    """
    return parse(raw, today=today).number


def parse(raw: str, *, today: date | None = None) -> IdInfo:
    """Validate ``raw`` and derive birth date, sex and birth region."""
    number = normalise(raw)
    if not number:
        raise InvalidIdNumber("未输入身份证号码。请输入18位居民身份证号码。")
    upgraded = False
    if len(number) == 15:
        if not number.isdigit():
            raise InvalidIdNumber(
                f"15位身份证号码 {_shown(number)} 只能由数字组成。请核对证件后重新输入。"
            )
        number = upgrade_15(number)
        upgraded = True
    if len(number) != 18:
        raise InvalidIdNumber(
            f"身份证号码应为18位（或旧版15位），现在输入的是{len(number)}位。请核对证件后重新输入。"
        )
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise InvalidIdNumber(
            "身份证号码前17位必须是数字，最后一位是数字或字母X。请核对证件后重新输入。"
        )
    birth = _birth_date(number[6:14])
    if birth is None:
        raise InvalidIdNumber(
            f"身份证号码 {_shown(number)} 中的出生日期（第7至14位 {number[6:14]}）不是有效日期。请核对证件后重新输入。"
        )
    if birth.year < 1880 or (today is not None and birth > today):
        raise InvalidIdNumber(
            f"身份证号码 {_shown(number)} 中的出生日期 {birth.isoformat()} 不合理。请核对证件后重新输入。"
        )
    expected = ric.calc_check_digit(number)
    if number[17] != expected:
        raise InvalidIdNumber(
            f"身份证号码 {_shown(number)} 的校验码（最后一位）与前17位不符，号码中有抄错的数字。"
            "请逐位核对证件后重新输入，不要只改最后一位。"
        )
    found = birth_place(number[:6], birth.year)
    if found is None:
        raise InvalidIdNumber(
            f"身份证号码 {_shown(number)} 的前6位地址码 {number[:6]} 在 {birth.year} 年不是有效的行政区划代码。"
            "请核对证件；确属有效证件的，请报经办机构核实。"
        )
    region_name, first_year = found
    note = None
    if first_year is not None:
        note = (
            f"身份证号码前6位地址码 {number[:6]}（{region_name}）自 {first_year} 年起才启用，"
            f"晚于号码中的出生年份 {birth.year} 年。地址码是首次编定号码时户口所在的县，"
            "可能晚于出生（如补办户口、行政区划调整后重新编号）：请核对证件原件，确认无误后继续办理。"
        )
    sex = "1" if int(number[16]) % 2 == 1 else "2"
    return IdInfo(
        number=number,
        birth_date=birth,
        sex=sex,
        region_code=number[:6],
        region_name=region_name,
        upgraded_from_15=upgraded,
        region_note=note,
    )


def _shown(number: str) -> str:
    """How a refused number is quoted in its message (masked only on refusal: a list's rows
    are almost all good)."""
    return mask(number) if len(number) >= 10 else "所输号码"


@lru_cache(maxsize=65_536)  # birth days repeat: a county's list has ~30,000 of them
def _birth_date(digits: str) -> date | None:
    """The date ``YYYYMMDD`` names, None when it is not a date."""
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None


@lru_cache(maxsize=8192)
def birth_place(code: str, year: int) -> tuple[str, int | None] | None:
    """Where an address code points, for a number with birth year ``year``.

    ``(name, None)`` when the code was in use in ``year``; ``(name, first_year)`` when
    it only came into use later (``first_year`` > ``year``: warn, do not refuse);
    ``None`` when the code is unknown or was abolished before ``year`` (refuse).
    Names as in python-stdnum's GB/T 2260 table, e.g. 陕西省商洛市商南县.
    """
    county = _loc(code).get("county")
    if not county:
        return None
    found = _name_in(county, year)
    if found is None:
        return None
    county_name, first_year = found
    province = _loc(code).get("province", "")
    prefecture = _prefecture(code, year if first_year is None else first_year)
    return province + prefecture + county_name, first_year


def _loc(code: str) -> dict[str, str]:
    results = numdb.get("cn/loc").info(code)
    return {k: v for _part, props in results for k, v in props.items()}


# Rows of the table at the prefecture level that are no prefecture a person would name
# (北京市 110100 市辖区, 重庆市 500200 县, 湖北省 429000 省直辖县级行政单位).
_NOT_A_PREFECTURE = ("市辖区", "县", "地区")


def _prefecture(code: str, year: int) -> str:
    """The prefecture (地级市) a county code lies in, as named in ``year``; "" for a code that
    is itself a prefecture or sits directly under its province (北京市东城区, 仙桃市)."""
    if code[4:] == "00":
        return ""
    field = _loc(code[:4] + "00").get("county")
    found = _name_in(field, year) if field else None
    if found is None:
        return ""
    name = found[0]
    if (
        name in _NOT_A_PREFECTURE
        or name.endswith("直辖县级行政单位")
        or name.endswith("直辖县级行政区划")
    ):
        return ""
    return name


def _name_in(field: str, year: int) -> tuple[str, int | None] | None:
    """The name a table entry (``[1995-1997]涪陵市,[2000-]眉山市``) gives in ``year``:
    ``(name, None)``; a name only used later as ``(name, first_year)``; None otherwise."""
    later: list[tuple[int, bool, str]] = []  # (first year, still in use, name)
    for entry in field.split(","):
        if not entry.startswith("["):
            return entry, None
        span, entry_name = entry[1:].split("]", 1)
        start_s, end_s = span.split("-")
        start = int(start_s) if start_s else None
        end = int(end_s) if end_s else None
        if (start is None or year >= start) and (end is None or year <= end):
            return entry_name, None
        if start is not None and start > year:
            later.append((start, end is None, entry_name))
    if later:
        # A code reused for another county (511402: 枳城区 1995–1997, 东坡区 from 2000): a
        # number assigned after the birth year is most likely the county that holds the code
        # today, so that one is named, with the year it took the code.
        start, _current, entry_name = max(later, key=lambda s: (s[1], -s[0]))
        return entry_name, start
    return None


def is_valid(raw: str) -> bool:
    try:
        parse(raw)
    except InvalidIdNumber:
        return False
    return True


def tail(number: str, length: int = 6) -> str:
    """The last ``length`` characters (stored as ``person.id_tail`` for look-up by tail)."""
    return number[-length:]


def mask(number: str | None) -> str:
    """First 6 + ``********`` + last 4, e.g. ``611023********0012``. Short input is fully hidden."""
    if not number:
        return ""
    if len(number) < 10:
        return "*" * len(number)
    return number[:6] + "********" + number[-4:]


_ID_LIKE = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9Xx])|(?<![0-9])[0-9]{15}(?![0-9])")


def mask_ids_in(text: str) -> str:
    """``text`` with every run that looks like an ID number (18 or 15 digits) masked: a
    message that quotes a cell ("身份类别“6125…”无法识别") when the columns of a row have
    shifted must not carry the number in clear."""
    return _ID_LIKE.sub(lambda m: mask(m.group(0)), text)


# --- 出生医学证明编号 --------------------------------------------------------------


def normalise_birth_cert(raw: str) -> str:
    return _SEPARATORS.sub("", _halfwidth(raw or "")).upper()


def validate_birth_cert(raw: str) -> str:
    """The normalised 出生医学证明编号: one capital letter and nine digits (e.g. ``Q610123456``).

    Raises ``InvalidIdNumber`` with a Chinese message otherwise.
    """
    number = normalise_birth_cert(raw)
    if not number:
        raise InvalidIdNumber(
            "未输入出生医学证明编号。请按证明右上角的编号输入（1位字母加9位数字）。"
        )
    if not _BIRTH_CERT.match(number):
        raise InvalidIdNumber(
            f"出生医学证明编号“{number}”格式不对：应为1位字母加9位数字（如 Q610123456）。"
            "请按证明右上角的编号重新输入。"
        )
    return number


def mask_birth_cert(number: str | None) -> str:
    """First letter + 5 stars + last 4."""
    if not number:
        return ""
    if len(number) < 6:
        return "*" * len(number)
    return number[0] + "*****" + number[-4:]
