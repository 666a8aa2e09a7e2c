"""Synthetic residents for the demo registry, benchmarks and tests. Nothing here is real.

Names are drawn from ``data/names/`` (surnames weighted by frequency, one or two
given-name characters by sex); birth dates follow a rough county age pyramid;
ID numbers are valid (``yibao.idgen``) with the jurisdiction's region codes as
they were in the year of birth. Everything is deterministic for a ``random.Random``.
"""

from __future__ import annotations

import bisect
import itertools
import random
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache

from yibao.idgen import codes_for_year, make_id_number
from yibao.pinyin import initials
from yibao.resources import data_dir

# Share of residents by age band (years): a county with many elderly and children,
# working-age adults often away.
_AGE_BANDS: tuple[tuple[int, int, float], ...] = (
    (0, 6, 0.07),
    (7, 17, 0.14),
    (18, 34, 0.17),
    (35, 59, 0.35),
    (60, 79, 0.22),
    (80, 99, 0.05),
)


@dataclass(frozen=True, slots=True)
class NameTables:
    surnames: tuple[str, ...]
    surname_cumweights: tuple[float, ...]
    male: tuple[str, ...]
    female: tuple[str, ...]


def _lines(name: str) -> list[str]:
    path = data_dir() / "names" / name
    return [
        line.strip()
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


@lru_cache(maxsize=1)
def name_tables() -> NameTables:
    surnames: list[str] = []
    weights: list[float] = []
    for line in _lines("surnames.txt"):
        surname, _, weight = line.partition("\t")
        surnames.append(surname.strip())
        weights.append(float(weight or 1))
    male = tuple(dict.fromkeys(_lines("given_male.txt")))
    female = tuple(dict.fromkeys(_lines("given_female.txt")))
    return NameTables(tuple(surnames), tuple(itertools.accumulate(weights)), male, female)


def random_surname(rng: random.Random) -> str:
    tables = name_tables()
    point = rng.random() * tables.surname_cumweights[-1]
    return tables.surnames[bisect.bisect_right(tables.surname_cumweights, point)]


def random_given(rng: random.Random, *, male: bool) -> str:
    tables = name_tables()
    pool = tables.male if male else tables.female
    if rng.random() < 0.25:
        return rng.choice(pool)
    return rng.choice(pool) + rng.choice(pool)


@lru_cache(maxsize=200_000)
def name_initials(name: str) -> str:
    """``yibao.pinyin.initials`` with a cache: synthetic names repeat a lot."""
    return initials(name)


@lru_cache(maxsize=4096)
def _surname_initials(surname: str) -> str:
    if len(surname) == 1:  # read as a surname (曾 → z): what initials() does at index 0
        return initials(surname + "某")[:-1]
    return initials(surname)


@lru_cache(maxsize=200_000)
def _given_initials(given: str) -> str:
    # behind a neutral first character, so the surname reading is not applied to it;
    # pypinyin reads a character alone unless it is part of a phrase of its dictionary, so
    # a given name no phrase runs through is its characters' initials (a few hundred
    # characters, but tens of thousands of given names at ~1 ms each)
    text = "某" + given
    if len(given) > 1 and not _has_phrase(text):
        return "".join(_given_initials(ch) for ch in given)
    return initials(text)[1:]


def _has_phrase(text: str) -> bool:
    from pypinyin.constants import PHRASES_DICT

    return any(
        text[i:j] in PHRASES_DICT for i in range(len(text)) for j in range(i + 2, len(text) + 1)
    )


def composed_initials(surname: str, given: str) -> str:
    """``initials(surname + given)`` from two cached parts: a county has a few hundred
    surnames and some tens of thousands of given names, but millions of full names, and
    pypinyin costs ~100 µs a name. Equal to ``initials`` unless a phrase spans the
    boundary between surname and given name (``tests/storage`` checks a sample)."""
    return _surname_initials(surname) + _given_initials(given)


def random_birth_date(rng: random.Random, today: date) -> date:
    point = rng.random()
    acc = 0.0
    low, high = _AGE_BANDS[-1][:2]
    for band_low, band_high, share in _AGE_BANDS:
        acc += share
        if point <= acc:
            low, high = band_low, band_high
            break
    age_days = rng.randint(low * 365, high * 365 + 364)
    return today - timedelta(days=age_days)


def birth_date_for_age(rng: random.Random, today: date, low: int, high: int) -> date:
    low, high = max(0, low), max(low, high)
    return today - timedelta(days=rng.randint(low * 365, high * 365 + 364))


def id_number(rng: random.Random, region_code: str, birth: date, *, male: bool) -> str:
    """A valid ID number; sex in the 17th digit (odd: male)."""
    region6 = rng.choice(codes_for_year(region_code, birth.year))
    sequence = rng.randrange(0, 500) * 2 + (1 if male else 0)
    return make_id_number(region6, birth, sequence)


def unique_id_number(
    rng: random.Random, region_code: str, birth: date, *, male: bool, taken: set[str]
) -> str:
    """``id_number`` that is not in ``taken`` (and is added to it)."""
    for _ in range(50):
        number = id_number(rng, region_code, birth, male=male)
        if number not in taken:
            taken.add(number)
            return number
    raise RuntimeError("生成演示身份证号时重复过多：请减少人数。")
