"""A refund window that closes when the benefit period starts follows the file's period,
not 1 January: test-only policy tests/fixtures/policies/fixture-2026.toml (六 "可在待遇享受期
开始前申请退费"), its benefit period moved here to 2025-12-01 – 2026-11-30 (test data: a
benefit year of 2026 that does not start on 1 January)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from tests.ids import id_number

FIXTURE = Path(__file__).resolve().parent.parent / "fixtures" / "policies" / "fixture-2026.toml"


@pytest.fixture
def policy_id(tmp_path: Path) -> str:
    text = FIXTURE.read_text(encoding="utf-8")
    text = text.replace("start = 2026-01-01\nend = 2026-12-31", "start = 2025-12-01\nend = 2026-11-30", 1)
    assert "start = 2025-12-01\nend = 2026-11-30" in text  # the benefit period, and only it
    target = tmp_path / "fixture-2026.toml"
    target.write_text(text, encoding="utf-8")
    return str(target)


def test_the_refund_window_closes_when_this_files_benefit_period_starts(services, clock) -> None:  # type: ignore[no-untyped-def]
    assert services.policy.periods.benefit.start == date(2025, 12, 1)
    clock.set_local(2025, 10, 10)  # inside the centralized period 2025-09-01..12-31 (三(一))
    person = services.persons.register(
        name="测退", id_number=id_number(date(1990, 5, 6), seq=12), hukou_region="110105"
    )
    receipt = services.enrolment.enrol_and_pay(person.id, channel="cash", received_fen=38500)
    payment_id = receipt.payment.id
    # 六: before the benefit period starts (2025-12-01), i.e. until 2025-11-30.
    before = services.refunds.assess(payment_id, reason="duplicate", on=date(2025, 11, 30))
    assert not before.decision.refused
    # 2025-12-15 is inside the benefit period (from 2025-12-01); with 1 January assumed it
    # would still be "before the benefit period" and wrongly accepted.
    after = services.refunds.assess(payment_id, reason="duplicate", on=date(2025, 12, 15))
    assert after.decision.refused
