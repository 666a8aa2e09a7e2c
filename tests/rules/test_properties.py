"""Properties that must hold for any facts and any date, on all four policies (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yibao.identities import Identity
from yibao.policy.loader import load_policy
from yibao.resources import policies_dir
from yibao.rules.coverage import coverage
from yibao.rules.days import add_months, days_after, working_days_after
from yibao.rules.facts import Category, IdentityFact, PersonFacts
from yibao.rules.newborn import newborn
from yibao.rules.waiting import waiting_period
from yibao.rules.windows import payment_window

# Every file in policies/ and every test-only policy under tests/fixtures/policies/: adding a
# notice adds coverage and breaks nothing.
FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "policies"
POLICIES = {
    path.stem: load_policy(path)
    for path in sorted([*policies_dir().glob("*.toml"), *FIXTURES.glob("*.toml")])
}
ADULT_CATEGORIES = [c for c in Category if c is not Category.NEWBORN]
FAST = settings(max_examples=150, deadline=None)


def _span(pid: str) -> tuple[date, date]:
    p = POLICIES[pid].periods
    return p.centralized.start - timedelta(days=40), p.benefit.end + timedelta(days=40)


@st.composite
def adult_case(draw: st.DrawFn) -> tuple[str, PersonFacts, date]:
    pid = draw(st.sampled_from(sorted(POLICIES)))
    lo, hi = _span(pid)
    paid_on = draw(st.dates(min_value=lo, max_value=hi))
    lapsed = draw(st.integers(min_value=0, max_value=8))
    exit_on = draw(st.none() | st.dates(min_value=lo - timedelta(days=200), max_value=paid_on))
    identities = draw(st.lists(st.sampled_from(list(Identity)), max_size=2, unique=True))
    person = PersonFacts(
        birth_date=date(1970, 1, 1),
        category=draw(st.sampled_from(ADULT_CATEGORIES)),
        identities=tuple(IdentityFact(code=c) for c in identities),
        lapsed_years=lapsed,
        repaid_years=draw(st.integers(min_value=0, max_value=8)),
        enrolled_previous_year=lapsed == 0 and draw(st.booleans()),
        first_enrolment=draw(st.booleans()),
        other_scheme_exit_on=exit_on,
        insured_in_benefit_year=draw(st.booleans()),
        basic_insurance_years_continuous=draw(st.integers(min_value=0, max_value=10)),
        resident_insurance_years_continuous=draw(st.integers(min_value=0, max_value=10)),
        zero_claims_last_year=draw(st.booleans()),
    )
    return pid, person, paid_on


@FAST
@given(adult_case())
def test_coverage_inside_benefit_year_and_not_before_payment(
    case: tuple[str, PersonFacts, date],
) -> None:
    pid, person, paid_on = case
    policy = POLICIES[pid]
    decision = coverage(policy, person, paid_on)
    assert decision.reasons, "every decision explains itself"
    if decision.start is None:
        assert decision.end is None and not decision.allowed
        return
    assert decision.end is not None and decision.start <= decision.end
    assert decision.end <= policy.periods.benefit.end
    # A group may start before the benefit year where the document says so (benefit_start).
    earliest = min(
        [policy.periods.benefit.start]
        + [g.benefit_start for g in policy.periods.special if g.benefit_start is not None]
    )
    assert decision.start >= earliest
    assert decision.start >= paid_on or decision.retroactive
    assert decision.waiting_months >= 0
    assert (
        decision.waiting_months
        == decision.fixed_months + decision.variable_months - decision.repaired_months
    )
    assert 0 <= decision.repaired_months <= decision.variable_months


@FAST
@given(adult_case())
def test_waiting_never_negative_and_floor_respected(case: tuple[str, PersonFacts, date]) -> None:
    pid, person, _ = case
    policy = POLICIES[pid]
    for in_centralized in (True, False):
        wp = waiting_period(policy, person, in_centralized=in_centralized)
        assert wp.waiting_months >= 0 and wp.variable_months >= 0 and wp.repaired_months >= 0
        rule = policy.periods.waiting
        if (
            rule is not None
            and rule.floor_months is not None
            and wp.lapsed_years >= (rule.floor_from_lapsed_years or 99)
        ):
            assert wp.waiting_months >= rule.floor_months


@FAST
@given(adult_case())
def test_window_says_when_pay_is_possible(case: tuple[str, PersonFacts, date]) -> None:
    pid, person, on = case
    policy = POLICIES[pid]
    decision = payment_window(policy, person, on)
    if decision.can_pay:
        assert not decision.refused
        assert decision.earliest_payment_on == on
    else:
        assert not decision.allowed
    if decision.earliest_payment_on is not None:
        assert decision.earliest_payment_on >= on


@st.composite
def newborn_case(draw: st.DrawFn) -> tuple[str, PersonFacts, date, int | None]:
    pid = draw(st.sampled_from(sorted(POLICIES)))
    year = POLICIES[pid].benefit_year
    birth = draw(st.dates(min_value=date(year - 1, 9, 1), max_value=date(year, 12, 31)))
    paid_on = birth + timedelta(days=draw(st.integers(min_value=0, max_value=400)))
    died = draw(st.none() | st.integers(min_value=0, max_value=200))
    baby = PersonFacts(
        birth_date=birth,
        category=Category.NEWBORN,
        hukou_region=draw(st.sampled_from([POLICIES[pid].region_code, None, "110101"])),
        died_on=None if died is None else birth + timedelta(days=died),
    )
    born_in = POLICIES[pid].benefit_year_on(birth) or birth.year  # the benefit year of the birth
    choice = draw(st.none() | st.sampled_from([born_in, born_in + 1]))
    return pid, baby, paid_on, choice


@FAST
@given(newborn_case())
def test_newborn_coverage_bounds(case: tuple[str, PersonFacts, date, int | None]) -> None:
    pid, baby, paid_on, choice = case
    policy = POLICIES[pid]
    try:
        decision = newborn(policy, baby, paid_on, year_choice=choice)
    except ValueError as exc:  # a year the guardian may not choose: said in Chinese
        assert "年度" in str(exc)
        return
    assert decision.reasons
    if decision.coverage_start is None:
        return
    assert decision.coverage_end is not None and decision.coverage_start <= decision.coverage_end
    assert decision.coverage_start >= baby.birth_date
    assert decision.coverage_start >= paid_on or decision.retroactive
    # Inside one benefit period, as [periods.benefit] repeats (never the calendar year as such).
    born_in = policy.benefit_year_on(baby.birth_date)
    next_year_choice = born_in is not None and decision.benefit_year == born_in + 1
    next_year_choice = next_year_choice and len(decision.choices) == 2
    limit = policy.benefit_period(policy.benefit_year + (1 if next_year_choice else 0))[1]
    assert decision.coverage_end <= limit
    assert policy.benefit_year_on(decision.coverage_end) == policy.benefit_year_on(
        decision.coverage_start
    )


@settings(max_examples=300, deadline=None)
@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
    st.integers(0, 400),
    st.integers(0, 400),
)
def test_day_counting_monotone(start: date, a: int, b: int) -> None:
    counting = next(iter(POLICIES.values())).day_counting
    lo, hi = sorted((a, b))
    assert days_after(counting, start, lo) <= days_after(counting, start, hi)
    assert days_after(counting, start, lo) <= days_after(counting, start + timedelta(days=1), lo)
    assert days_after(counting, start, lo) >= start


@settings(max_examples=300, deadline=None)
@given(
    st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)),
    st.integers(0, 60),
    st.integers(0, 60),
)
def test_month_counting_monotone(start: date, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    assert add_months(start, lo) <= add_months(start, hi)
    assert add_months(start, lo) <= add_months(start + timedelta(days=1), lo)
    assert add_months(start, lo).day <= start.day  # clamped to the month's end, never rolled over


@settings(max_examples=100, deadline=None)
@given(
    st.dates(min_value=date(2023, 1, 1), max_value=date(2026, 11, 1)),
    st.integers(0, 10),
    st.integers(0, 10),
)
def test_working_days_monotone(start: date, a: int, b: int) -> None:
    lo, hi = sorted((a, b))
    assert working_days_after(start, lo) <= working_days_after(start, hi)
    if lo:
        assert working_days_after(start, lo) > start


@pytest.mark.parametrize("pid", sorted(POLICIES))
def test_every_policy_has_my_sections(pid: str) -> None:
    policy = POLICIES[pid]
    benefit = policy.periods.benefit
    assert policy.benefit_year in (benefit.start.year, benefit.end.year)
    assert policy.day_counting.basis
