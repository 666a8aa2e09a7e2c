"""A benefit year that is not the calendar year: the newborn rules, the open years and the
recognition cut-off read the year's end from the data, never from 1 January–31 December.

The policy here is test-only, built in the test from 商南's file (四(二)2 newborn rules, 90-day
window, 90-day year-end choice, 400 元 standard) with the benefit period moved to
1 July 2024 – 30 June 2025 (benefit year 2025) and "出生当年12月31日" rewritten as
"出生当年6月30日". Day counting as in the file: an N-day period after D ends on D + N.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
import tomlkit
from hypothesis import given, settings
from hypothesis import strategies as st

from yibao.policy.authoring import make_draft
from yibao.policy.chain import Chain
from yibao.policy.loader import PolicyError, load_policy, load_policy_text
from yibao.policy.model import Policy
from yibao.resources import policies_dir
from yibao.rules.decision import Outcome
from yibao.rules.facts import Category, PersonFacts
from yibao.rules.newborn import newborn
from yibao.rules.years import Purpose, open_years

SOURCE = policies_dir() / "shangnan-2025.toml"


def _july_year_text() -> str:
    doc = tomlkit.parse(SOURCE.read_text(encoding="utf-8"))
    periods = doc["periods"]
    periods["benefit"]["start"] = date(2024, 7, 1)
    periods["benefit"]["end"] = date(2025, 6, 30)
    periods["benefit"]["text"] = "待遇享受期为2024年7月1日至2025年6月30日。"
    for table in (periods["centralized"], doc["contribution"]["centralized"]):
        table["start"], table["end"] = date(2024, 4, 1), date(2024, 6, 20)
    periods["make_up"]["start"], periods["make_up"]["end"] = date(2024, 7, 1), date(2024, 9, 30)
    nb = doc["newborn"]
    nb["effective"]["start"] = date(2024, 7, 1)
    nb["year_end"]["month"], nb["year_end"]["day"] = 6, 30
    for name in ("window", "coverage", "year_end", "late", "year_end_choice"):
        nb[name]["text"] = str(nb[name]["text"]).replace("12月31日", "6月30日")
    return tomlkit.dumps(doc)


@pytest.fixture(scope="module")
def july() -> Policy:
    return load_policy_text(_july_year_text(), "testjuly-2025.toml")


def _baby(birth: date) -> PersonFacts:
    return PersonFacts(birth_date=birth, category=Category.NEWBORN, hukou_region="611023")


def test_the_benefit_year_of_a_day_comes_from_the_period(july: Policy) -> None:
    assert july.benefit_year_on(date(2024, 7, 1)) == 2025
    assert july.benefit_year_on(date(2024, 12, 31)) == 2025
    assert july.benefit_year_on(date(2025, 6, 30)) == 2025
    assert july.benefit_year_on(date(2025, 7, 1)) == 2026
    assert july.benefit_year_on(date(2024, 6, 30)) == 2024
    assert july.benefit_period(2026) == (date(2025, 7, 1), date(2026, 6, 30))


def test_born_in_december_is_far_from_the_year_end(july: Policy) -> None:
    # Born 2024-12-15: 197 days to 2025-06-30 (16+31+28+31+30+31+30) ≥ 90 → no choice; window
    # 2024-12-15 + 90 = 2025-03-15, paid 2025-01-05 inside it → birth to 2025-06-30, 400 元.
    # (Read as a calendar year, 16 days to 31 Dec would have offered 2024 or 2025.)
    d = newborn(july, _baby(date(2024, 12, 15)), date(2025, 1, 5))
    assert d.outcome is Outcome.ALLOWED
    assert d.choices == (2025,)
    assert (d.coverage_start, d.coverage_end) == (date(2024, 12, 15), date(2025, 6, 30))
    assert d.benefit_year == 2025 and d.fee_fen == 40000


def test_born_weeks_before_30_june_may_choose_the_next_year(july: Policy) -> None:
    # Born 2025-05-01: 60 days to 2025-06-30 (30+30) < 90 → 2025 or 2026, the guardian chooses.
    baby = _baby(date(2025, 5, 1))
    asked = newborn(july, baby, date(2025, 5, 20))
    assert asked.outcome is Outcome.CONFIRM and asked.choices == (2025, 2026)
    assert any("2025年6月30日" in r.text for r in asked.reasons)
    this = newborn(july, baby, date(2025, 5, 20), year_choice=2025)
    assert (this.coverage_start, this.coverage_end, this.fee_fen) == (
        date(2025, 5, 1), date(2025, 6, 30), 40000
    )
    # 次年: the benefit period moved a year, 2025-07-01..2026-06-30; its fee is the 2026 file's.
    nxt = newborn(july, baby, date(2025, 5, 20), year_choice=2026)
    assert (nxt.coverage_start, nxt.coverage_end, nxt.benefit_year) == (
        date(2025, 7, 1), date(2026, 6, 30), 2026
    )
    assert nxt.fee_fen is None and nxt.outcome is Outcome.CONFIRM


def test_late_in_the_birth_year_runs_to_30_june(july: Policy) -> None:
    # Born 2024-08-01; window ends 2024-10-30 (30+30+30). Paid 2025-02-10: past the window, still
    # in the birth's benefit year (2025) → 四(二)2(1) from the next month, 2025-03-01, to 2025-06-30.
    d = newborn(july, _baby(date(2024, 8, 1)), date(2025, 2, 10))
    assert d.outcome is Outcome.ALLOWED and d.within_window is False
    assert (d.coverage_start, d.coverage_end, d.fee_fen) == (date(2025, 3, 1), date(2025, 6, 30), 40000)


def test_open_years_for_a_newborn_follow_the_benefit_period(july: Policy, tmp_path: Path) -> None:
    # The next year's draft (2026: period 2025-07-01..2026-06-30, centralized from 2025-04-01).
    source = tmp_path / "testjuly-2025.toml"
    source.write_text(_july_year_text(), encoding="utf-8")
    nxt_path = tmp_path / "testjuly-2026.toml"
    nxt_path.write_text(make_draft(source, year=2026), encoding="utf-8")
    chain = Chain(key="testjuly", jurisdiction=july.jurisdiction, policies=(july, load_policy(nxt_path)))
    # Born 2024-08-10 (benefit year 2025), asked on 2025-05-01: 2025 and the next, 2026, both
    # collect that day. Read by calendar the birth year would be 2024 and 2026 would be missing.
    years = open_years(chain, date(2025, 5, 1), Purpose.NEWBORN, birth=date(2024, 8, 10))
    assert [y.benefit_year for y in years] == [2026, 2025]


def test_a_year_end_that_is_not_the_benefit_end_is_refused() -> None:
    text = SOURCE.read_text(encoding="utf-8")
    doc = tomlkit.parse(text)
    doc["newborn"]["year_end"]["month"], doc["newborn"]["year_end"]["day"] = 6, 30
    doc["newborn"]["year_end"]["text"] = "待遇享受期为出生之日起至出生当年6月30日。"
    with pytest.raises(PolicyError, match="newborn.year_end（6月30日）与待遇享受期末"):
        load_policy_text(tomlkit.dumps(doc), "bad-year-end.toml")


def test_a_newborn_sentence_naming_31_december_needs_a_benefit_year_ending_then() -> None:
    text = _july_year_text()
    doc = tomlkit.parse(text)
    del doc["newborn"]["year_end"]
    doc["newborn"]["window"]["text"] = "待遇享受期为出生之日起至出生当年12月31日。"
    with pytest.raises(PolicyError, match=r"newborn\.window 的原文写有“12月31日”.*newborn\.year_end"):
        load_policy_text(tomlkit.dumps(doc), "no-year-end.toml")


def test_a_file_written_before_these_entries_still_loads_and_reads_the_same() -> None:
    # A registry may hold files activated before [newborn.year_end], recognition month/day
    # and working_days.applies_to existed: they load, the day comes from the sentence, the
    # newborn's year end from the benefit period, and every registration waits as before.
    doc = tomlkit.parse(SOURCE.read_text(encoding="utf-8"))
    del doc["newborn"]["year_end"]
    del doc["contribution"]["recognition"]["month"]
    del doc["contribution"]["recognition"]["day"]
    old = load_policy_text(tomlkit.dumps(doc), "old-shangnan.toml")
    cut = old.contribution.recognition
    assert cut is not None and (cut.month, cut.day) == (12, 31)  # “缴费当年 12 月 31 日前”
    d = newborn(old, _baby(date(2025, 6, 10)), date(2025, 7, 1))
    assert (d.coverage_start, d.coverage_end) == (date(2025, 6, 10), date(2025, 12, 31))
    shanyin = tomlkit.parse((policies_dir() / "shanyin-2025.toml").read_text(encoding="utf-8"))
    del shanyin["day_counting"]["working_days"]["applies_to"]
    wd = load_policy_text(tomlkit.dumps(shanyin), "old-shanyin.toml").day_counting.working_days
    assert wd is not None and wd.applies_to == "everyone"


def test_the_recognition_day_must_be_in_its_sentence() -> None:
    doc = tomlkit.parse(SOURCE.read_text(encoding="utf-8"))
    doc["contribution"]["recognition"]["month"] = 6
    with pytest.raises(PolicyError, match="原文中没有“6月31日”"):
        load_policy_text(tomlkit.dumps(doc), "bad-recognition.toml")


def test_the_bundled_files_name_the_year_end_they_say() -> None:
    # 商南 四(二)2(1) and 山阴 三(二)2 say "12月31日"; 眉山 二(二)4 names no end (none needed).
    assert load_policy("shangnan-2025").newborn.year_end is not None
    assert load_policy("shanyin-2025").newborn.year_end is not None
    assert load_policy("meishan-2024").newborn.year_end is None


@settings(max_examples=150, deadline=None)
@given(
    birth=st.dates(min_value=date(2024, 7, 1), max_value=date(2025, 6, 30)),
    after=st.integers(min_value=0, max_value=400),
    next_year=st.none() | st.booleans(),
)
def test_newborn_coverage_stays_inside_one_benefit_period(
    birth: date, after: int, next_year: bool | None
) -> None:
    july = load_policy_text(_july_year_text(), "testjuly-2025.toml")
    choice = None if next_year is None else 2025 + int(next_year)
    try:
        d = newborn(july, _baby(birth), birth + timedelta(days=after), year_choice=choice)
    except ValueError as exc:  # a year the guardian may not choose: said in Chinese
        assert "年度" in str(exc)
        return
    assert d.reasons
    if d.coverage_start is None:
        return
    assert d.benefit_year is not None and d.coverage_end is not None
    assert d.coverage_start >= birth
    start, end = july.benefit_period(d.benefit_year)
    assert start <= d.coverage_start <= d.coverage_end == end  # nobody here dies
    assert d.coverage_end.month == 6 and d.coverage_end.day == 30
