"""A newborn's fee that depends on another person's facts: free when a parent is insured here
(test-only policy tests/fixtures/policies/fixture-2026.toml 五, standard 385 元)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.ids import id_number

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "policies" / "fixture-2026.toml"


@pytest.fixture
def policy_id() -> str:
    return str(FIXTURE)


def _family(services, clock, *, mother_pays: bool):  # type: ignore[no-untyped-def]
    clock.set_local(2025, 10, 10)  # inside the centralized period 2025-09-01..12-31
    mother = services.persons.register(
        name="测母",
        id_number=id_number(date(1995, 5, 6), seq=12),  # any valid number; 测试县 is made up
        hukou_region="110105",
    )
    if mother_pays:
        services.enrolment.enrol_and_pay(mother.id, channel="cash", received_fen=38500)
    clock.set_local(2026, 4, 1)
    return services.newborns.register(
        name="测宝",
        birth_date=date(2026, 3, 10),
        sex="女",
        birth_cert_no="q999001234",
        guardian_person_id=mother.id,
        hukou_region="110105",
    )


def test_mother_insured_here_makes_the_baby_free(services, clock) -> None:  # type: ignore[no-untyped-def]
    baby = _family(services, clock, mother_pays=True)
    assessment = services.newborns.assess(baby.id)
    # 五: the mother holds a paid 2026 enrolment in this registry → fee 0, covered from birth.
    assert assessment.decision.fee_fen == 0
    assert assessment.decision.coverage_start == date(2026, 3, 10)
    assert assessment.outcome == "allowed"


def test_mother_not_paid_here_leaves_the_fee_to_confirm(services, clock) -> None:  # type: ignore[no-untyped-def]
    baby = _family(services, clock, mother_pays=False)
    assessment = services.newborns.assess(baby.id)
    # Not paid here does not prove not insured (职工医保): the standard is shown, confirmed.
    assert assessment.decision.fee_fen == 38500
    assert assessment.outcome == "confirm"
