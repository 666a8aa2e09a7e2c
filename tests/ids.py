"""Valid test ID numbers: check digits computed by python-stdnum, never typed in."""

from __future__ import annotations

from datetime import date

from stdnum.cn import ric

from yibao.idgen import codes_for_year


def id_number(birth: date, seq: int = 11, *, county: str = "611023") -> str:
    """An 18-digit number valid for someone born on ``birth`` in ``county`` (odd seq: male)."""
    region = codes_for_year(county, birth.year)[0]
    first17 = f"{region}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + ric.calc_check_digit(first17 + "0")


def with_wrong_check_digit(number: str) -> str:
    good = number[-1]
    wrong = "0" if good != "0" else "1"
    assert not ric.is_valid(number[:-1] + wrong)
    return number[:-1] + wrong
