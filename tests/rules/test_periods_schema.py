"""Validation of [day_counting], [periods] and [newborn]: bad periods are named, in Chinese."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from yibao.policy.loader import PolicyError, load_policy
from yibao.resources import policies_dir


def _variant(tmp_path: Path, pid: str, old: str, new: str) -> Path:
    text = (policies_dir() / f"{pid}.toml").read_text(encoding="utf-8")
    assert old in text, old
    path = tmp_path / f"{pid}.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("pid", "old", "new", "words"),
    [
        # make-up period overlapping the centralized period
        (
            "shangnan-2025",
            "start = 2025-01-01\nend = 2025-03-31",
            "start = 2024-12-01\nend = 2025-03-31",
            "periods.make_up",
        ),
        # inverted centralized period
        (
            "meishan-2024",
            "start = 2023-09-01\nend = 2024-02-29\nnote",
            "start = 2024-03-01\nend = 2024-02-29\nnote",
            "periods.centralized",
        ),
        # inverted benefit year
        (
            "jincheng-2024",
            "start = 2024-01-01\nend = 2024-12-31",
            "start = 2024-12-31\nend = 2024-01-01",
            "periods.benefit",
        ),
        # monthly days inverted
        ("jincheng-2024", "first = 1\nlast = 25", "first = 26\nlast = 25", "monthly_days"),
        # working days inverted
        (
            "shanyin-2025",
            "min_days = 1\nmax_days = 2",
            "min_days = 3\nmax_days = 2",
            "working_days",
        ),
        # a start rule that needs its month
        ("meishan-2024", "nth_month = 4\n", "", "nth_month"),
        # an unknown category
        (
            "shanyin-2025",
            'categories = ["employee_lapse", "veteran", "released_prisoner"]',
            'categories = ["astronaut"]',
            "categories",
        ),
        # newborn without window nor silence
        (
            "jincheng-2024",
            "[newborn.silent]\nsilent = true\n",
            "[newborn.window_missing]\n",
            "newborn",
        ),
    ],
)
def test_bad_period_is_refused_naming_the_field(
    tmp_path: Path, pid: str, old: str, new: str, words: str
) -> None:
    path = _variant(tmp_path, pid, old, new)
    with pytest.raises(PolicyError) as info:
        load_policy(path)
    message = str(info.value)
    assert path.name in message
    assert re.search(re.escape(words), message), message


def test_every_rule_entry_cites_clause_and_text() -> None:
    for pid in ("shangnan-2025", "meishan-2024", "jincheng-2024", "shanyin-2025"):
        policy = load_policy(pid)
        refs = [
            policy.periods.benefit,
            policy.periods.centralized,
            policy.periods.outside,
            *policy.periods.special,
        ]
        for ref in refs:
            assert ref.text
            assert ref.clause or ref.silent


def test_centralized_period_agrees_with_contribution_section() -> None:
    # [contribution] repeats the centralized period for its subsidy rule; both must match.
    for pid in ("shangnan-2025", "meishan-2024", "jincheng-2024", "shanyin-2025"):
        policy = load_policy(pid)
        mine, theirs = policy.periods.centralized, policy.contribution.centralized
        assert (mine.start, mine.end) == (theirs.start, theirs.end), pid
