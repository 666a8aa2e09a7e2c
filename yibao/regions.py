"""GB/T 2260 region codes: names, levels, validity, and the towns named in the documents.

Two sources:

- ``data/regions/regions.csv``: current province / prefecture / county codes of 山西、
  四川、陕西 (the four jurisdictions' provinces), exported from python-stdnum's
  ``stdnum/cn/loc.dat``; ``data/regions/jurisdictions.csv``: the counties of each
  policy's jurisdiction; ``data/regions/towns.csv``: town names from the documents'
  annexes (商南 附件2), without invented town codes.
- python-stdnum's table itself, for any code in the country and for codes that were
  valid in a past year (ID numbers keep the code of the year they were issued).
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from yibao.resources import data_dir


class InvalidRegion(ValueError):
    """A code that is not a GB/T 2260 region code; ``str(exc)`` is Chinese."""


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    level: str  # province / prefecture / county
    parent_code: str | None


@dataclass(frozen=True, slots=True)
class Town:
    county_code: str
    county: str
    name: str
    code: str | None
    source: str


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        lines = [line for line in handle if not line.startswith("#")]
    return list(csv.DictReader(lines))


def _regions_dir() -> Path:
    return data_dir() / "regions"


@lru_cache(maxsize=1)
def regions() -> dict[str, Region]:
    """Current regions of the bundled provinces, by code."""
    out: dict[str, Region] = {}
    for row in _csv_rows(_regions_dir() / "regions.csv"):
        out[row["code"]] = Region(
            row["code"], row["name"], row["level"], row["parent_code"] or None
        )
    return out


@lru_cache(maxsize=1)
def towns() -> tuple[Town, ...]:
    return tuple(
        Town(r["county_code"], r["county"], r["town"], r["town_code"] or None, r["source"])
        for r in _csv_rows(_regions_dir() / "towns.csv")
    )


def towns_of(county_code: str) -> tuple[Town, ...]:
    return tuple(t for t in towns() if t.county_code == county_code)


@lru_cache(maxsize=1)
def _jurisdictions() -> dict[str, tuple[str, ...]]:
    members: dict[str, list[str]] = {}
    for row in _csv_rows(_regions_dir() / "jurisdictions.csv"):
        members.setdefault(row["region_code"], []).append(row["member_code"])
    return {code: tuple(codes) for code, codes in members.items()}


def counties_of(region_code: str) -> tuple[str, ...]:
    """The county codes inside a jurisdiction (a county is its own only member)."""
    if region_code in _jurisdictions():
        return _jurisdictions()[region_code]
    return tuple(
        code
        for code, r in regions().items()
        if r.parent_code == region_code and r.level == "county"
    ) or (region_code,)


def usual_hukou(jurisdiction: str) -> str:
    """The 户籍地 a form may start with: the jurisdiction when it is one county (商南, 山阴);
    nothing for a city (眉山, 晋城), whose own code is no county anyone's 户口簿 names."""
    counties = counties_of(jurisdiction) if jurisdiction else ()
    return counties[0] if len(counties) == 1 else ""


def within(code: str | None, jurisdiction: str) -> bool:
    """True when ``code`` (county or finer, 6+ digits) lies inside ``jurisdiction``."""
    if not code:
        return False
    county = code[:6]
    if county == jurisdiction:
        return True
    if jurisdiction.endswith("0000"):
        return county[:2] == jurisdiction[:2]
    if jurisdiction.endswith("00"):
        return county[:4] == jurisdiction[:4]
    return county in counties_of(jurisdiction)


def _stdnum_info(code: str) -> dict[str, str]:
    from stdnum import numdb

    results = numdb.get("cn/loc").info(code)
    return {k: v for _part, props in results for k, v in props.items()}


def _current_name(field: str) -> str | None:
    current = None
    for part in field.split(","):
        if part.startswith("["):
            years, name = part[1:].split("]", 1)
            if not years.split("-")[1]:
                current = name
        else:
            current = part
    return current


def name(code: str) -> str | None:
    """Short name of a region code (e.g. 商南县), or None when unknown."""
    if code in regions():
        return regions()[code].name
    info = _stdnum_info(code[:6]) if len(code) >= 6 else {}
    if "county" in info:
        return _current_name(info["county"])
    return None


def full_name(code: str) -> str:
    """Province + prefecture + county, e.g. 陕西省商洛市商南县; the code itself if unknown."""
    code6 = code[:6]
    parts: list[str] = []
    for candidate in (code6[:2] + "0000", code6[:4] + "00", code6):
        label = name(candidate)
        if label and label != "市辖区" and (not parts or parts[-1] != label):
            parts.append(label)
    return "".join(parts) or code


def is_current(code: str) -> bool:
    """True when ``code`` is a region code in use today."""
    if code in regions():
        return True
    if len(code) != 6 or not code.isdigit():
        return False
    info = _stdnum_info(code)
    return "county" in info and _current_name(info["county"]) is not None


def validate(code: str | None, *, what: str = "行政区划代码") -> str:
    """A 6-digit GB/T 2260 code in use, or ``InvalidRegion`` with a Chinese message."""
    value = (code or "").strip()
    if not value:
        raise InvalidRegion(f"未填写{what}。请输入6位行政区划代码（见户口簿）。")
    if len(value) != 6 or not value.isdigit():
        raise InvalidRegion(
            f"{what}“{value}”不对：应为6位数字的行政区划代码（见户口簿）。请重新输入。"
        )
    if not is_current(value):
        raise InvalidRegion(
            f"{what} {value} 不是现行的行政区划代码。请核对户口簿后重新输入。"
        )
    return value
