"""Where people live, as data: town (乡镇/街道) and village (村/社区).

The towns of a county come from ``data/regions/towns.csv`` (商南: the towns of 附件2;
other counties: add rows there, it is editable data). A town is read from a free
address only when exactly one of the county's towns is named in it; the village is
the name right after the town, ending in 村 or 社区 (or 居委会). Anything else is
reported as unknown (``None``) rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from yibao import regions

UNKNOWN_TOWN = "（乡镇未知）"
UNKNOWN_VILLAGE = "（村/社区未知）"

_TOWN_SUFFIXES = ("街道办事处", "街道办", "街道", "镇", "乡")
_VILLAGE = re.compile(r"^([\u4e00-\u9fff]{1,12}?(?:村|社区|居委会))")


@dataclass(frozen=True, slots=True)
class Place:
    town: str | None
    village: str | None


def _stem(town: str) -> str:
    for suffix in _TOWN_SUFFIXES:
        if town.endswith(suffix) and len(town) > len(suffix):
            return town[: -len(suffix)]
    return town


@lru_cache(maxsize=64)
def _town_patterns(county_codes: tuple[str, ...]) -> tuple[tuple[str, re.Pattern[str]], ...]:
    out: list[tuple[str, re.Pattern[str]]] = []
    for code in county_codes:
        for town in regions.towns_of(code):
            stem = re.escape(_stem(town.name))
            suffixes = "|".join(re.escape(s) for s in _TOWN_SUFFIXES)
            out.append((town.name, re.compile(f"{stem}(?:{suffixes})")))
    return tuple(out)


def town_names(region_code: str) -> list[str]:
    """The towns of a jurisdiction (county or city), in the data file's order."""
    return [t.name for code in regions.counties_of(region_code) for t in regions.towns_of(code)]


def parse_place(address: str | None, region_code: str | None) -> Place:
    """Town and village named in ``address`` within ``region_code``'s towns; ``None`` where
    the address does not name exactly one of them (or names no village after it)."""
    text = (address or "").strip()
    if not text or not region_code:
        return Place(None, None)
    codes = regions.counties_of(region_code[:6]) if region_code[:6] else ()
    if region_code[:6] not in codes:
        codes = (*codes, region_code[:6])
    found: dict[str, re.Match[str]] = {}
    for name, pattern in _town_patterns(tuple(codes)):
        match = pattern.search(text)
        if match:
            found[name] = match
    if len(found) != 1:
        return Place(None, None)
    (town, match), = found.items()
    rest = text[match.end() :]
    village = _VILLAGE.match(rest)
    return Place(town, village.group(1) if village else None)


def clean_town(value: str | None, region_code: str | None) -> str | None:
    """A town typed or chosen at the desk, checked against the list when there is one.

    Raises ``ValueError`` with a Chinese message for a town not in the list."""
    town = (value or "").strip()
    if not town:
        return None
    names = town_names(region_code or "") if region_code else []
    if names and town not in names:
        raise ValueError(
            f"“{town}”不是本辖区的乡镇（街道）。请从列表中选择：{'、'.join(names)}。"
        )
    return town


def clean_village(value: str | None) -> str | None:
    village = (value or "").strip()
    if not village:
        return None
    if len(village) > 50:
        raise ValueError("村（社区）名称过长，请只填村或社区的名称（50字以内）。")
    return village
