"""Make valid 居民身份证号码 for synthetic registries (demo, benchmarks, tests).

The first six digits of an ID number are the GB/T 2260 code of the county where
the number was first issued, as it was *in the year of birth*: a 商南县 resident
born in 1980 has 612524…, one born in 2010 has 611023…. ``python-stdnum``
checks exactly that, so the codes and their years are read from its table.
Nothing here is used for real people.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from importlib import resources

_GENERIC = frozenset({"城区", "郊区", "矿区", "市辖区", "新区"})
_SUFFIXES = ("自治县", "自治旗", "特区", "林区", "县", "区", "市", "旗")


@dataclass(frozen=True, slots=True)
class RegionSpan:
    code: str  # six digits
    name: str
    start: int | None  # first year the code was in use, None: always
    end: int | None  # last year, None: still in use

    def valid_in(self, year: int) -> bool:
        return (self.start is None or year >= self.start) and (self.end is None or year <= self.end)


def _parse_county(code: str, field: str) -> list[RegionSpan]:
    spans: list[RegionSpan] = []
    for part in field.split(","):
        if part.startswith("["):
            years, name = part[1:].split("]", 1)
            start_s, end_s = years.split("-")
            spans.append(
                RegionSpan(
                    code, name, int(start_s) if start_s else None, int(end_s) if end_s else None
                )
            )
        else:
            spans.append(RegionSpan(code, part, None, None))
    return spans


@lru_cache(maxsize=1)
def _table() -> tuple[RegionSpan, ...]:
    text = resources.files("stdnum.cn").joinpath("loc.dat").read_text(encoding="utf-8")
    province = ""
    spans: list[RegionSpan] = []
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line.split()[0]
            continue
        code4, rest = line.split(maxsplit=1)
        if not rest.startswith('county="'):
            continue
        spans.extend(_parse_county(province + code4, rest[len('county="') : -1]))
    return tuple(spans)


def _stem(name: str) -> str:
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


@lru_cache(maxsize=32)
def jurisdiction_spans(region_code: str) -> tuple[RegionSpan, ...]:
    """All codes, past and present, of the counties of a county or city code.

    A city code (``511400``) stands for its counties; a county code for itself.
    Former codes of the same county (same name stem in the same province) are
    included with their years.
    """
    table = _table()
    if region_code.endswith("00"):
        current = [
            s
            for s in table
            if s.code[:4] == region_code[:4] and not s.code.endswith("00") and s.end is None
        ]
    else:
        current = [s for s in table if s.code == region_code and s.end is None]
    if not current:
        current = [s for s in table if s.code == region_code]
    stems = {_stem(s.name) for s in current} - {"市辖"}
    prefixes = {s.code[:4] for s in current}
    province = region_code[:2]
    return tuple(
        s
        for s in table
        if s.code[:2] == province
        and _stem(s.name) in stems
        # 城区, 郊区 … exist in every city: only the jurisdiction's own.
        and (s.name not in _GENERIC or s.code[:4] in prefixes)
    )


@lru_cache(maxsize=4096)
def codes_for_year(region_code: str, year: int) -> tuple[str, ...]:
    """Codes a person born in ``year`` in this jurisdiction may carry."""
    codes = sorted({s.code for s in jurisdiction_spans(region_code) if s.valid_in(year)})
    if not codes:  # born before the county had any code we know: someone who moved in
        province = region_code[:2]
        codes = sorted(
            {
                s.code
                for s in _table()
                if s.code[:2] == province and not s.code.endswith("00") and s.valid_in(year)
            }
        )
    return tuple(codes)


def check_digit(first17: str) -> str:
    """GB 11643 check character of the first 17 digits."""
    checksum = (1 - 2 * int(first17, 13)) % 11
    return "X" if checksum == 10 else str(checksum)


def make_id_number(region6: str, birth: date, sequence: int) -> str:
    """ID number from region code, birth date and a 3-digit sequence (odd: male)."""
    # not f"{birth:%Y%m%d}": strftime costs more than the rest (the demo makes millions)
    first17 = f"{region6}{birth.year:04d}{birth.month:02d}{birth.day:02d}{sequence % 1000:03d}"
    return first17 + check_digit(first17)


def random_id_number(
    rng: random.Random, region_code: str, birth: date, *, male: bool | None = None
) -> str:
    """A valid ID number for someone born on ``birth`` in the jurisdiction."""
    codes = codes_for_year(region_code, birth.year)
    sequence = rng.randrange(0, 500) * 2
    if male is None:
        male = rng.random() < 0.5
    if male:
        sequence += 1
    return make_id_number(rng.choice(codes), birth, sequence)
