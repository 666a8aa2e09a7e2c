"""参保历史: what the registry knows, what the clerk declares, and the waiting period it makes.

Expected figures are worked out by hand from 商南政办发〔2024〕57号 and policies/shangnan-2025.toml:
- 四(一): a payment in the 补缴期 (2025-01-01 – 2025-03-31) has a fixed waiting period of 3 months;
- 四(二)4(8): 未连续参保 → fixed 3 months, plus 1 variable month per lapsed year counted from the
  first (``free_lapsed_years = 0``, the lead's reading in the policy file), minus 1 month per
  repaid year, but after a lapse of 4 years or more fixed + variable stays ≥ 6 months;
  counted from the later of the payment day and 2024-12-31 (``counted_from``);
- day counting ``same_day``: N months after D ends on the same day number (or the month's last day);
  coverage starts the day after.
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from tests.ids import id_number
from tests.services.helpers import audit_actions, rows
from yibao.models import AuditLog, Enrolment, Payment
from yibao.services.errors import InvalidInput

WHY = "外县参保缴费凭证"  # the declaration's reason (申报理由)


def _person(services, *, seq: int = 11, **kwargs):  # type: ignore[no-untyped-def]
    kwargs.setdefault("hukou_region", "611023")
    return services.persons.register(
        name=kwargs.pop("name", "张三"), id_number=id_number(date(1980, 5, 6), seq=seq), **kwargs
    )


def _paid_here(services, person_id: str, *years: int) -> None:  # type: ignore[no-untyped-def]
    """Paid enrolments of earlier years in this registry (as a registry in use for years has)."""
    with Session(services.engine) as session:
        for year in years:
            session.add(
                Enrolment(
                    person_id=person_id,
                    benefit_year=year,
                    category="general",
                    insured_region="611023",
                    policy_id=f"shangnan-{year}",
                    status="paid",
                    registered_on=date(year - 1, 10, 1),
                    device_id=services.device.id,
                )
            )
        session.commit()


def _coverage(view):  # type: ignore[no-untyped-def]
    return view.decision.coverage


# --- known -------------------------------------------------------------------------------------


def test_known_for_a_new_registry_is_no_record(services) -> None:  # type: ignore[no-untyped-def]
    person = _person(services)
    known = services.history.known(person.id)
    assert known.benefit_year == 2025
    assert known.no_record and known.paid_years == () and known.last_paid_year is None
    assert (known.enrolled_previous_year, known.lapsed_years, known.continuous_years) == (False, 0, 0)
    assert "无本人以往年度缴费记录" in known.summary


def test_known_from_paid_years_here(services) -> None:  # type: ignore[no-untyped-def]
    person = _person(services)
    _paid_here(services, person.id, 2021, 2022)
    known = services.history.known(person.id)
    assert known.paid_years == (2021, 2022) and known.last_paid_year == 2022
    assert not known.no_record and not known.enrolled_previous_year
    assert known.lapsed_years == 2  # 2023 and 2024 unpaid
    assert "已断保2年" in known.summary
    _paid_here(services, person.id, 2023, 2024)
    known = services.history.known(person.id)
    assert known.enrolled_previous_year and known.continuous_years == 4 and known.lapsed_years == 0
    assert services.history.known(person.id, 2023).continuous_years == 2


def test_unchanged_form_declares_nothing(services) -> None:  # type: ignore[no-untyped-def]
    person = _person(services)
    assert services.history.validate_declared(person.id) == {}
    assert services.history.validate_declared(person.id, lapsed_years=0, repaid_years=0, continuous_years=0) == {}


# --- declared history → waiting period ---------------------------------------------------------


def test_make_up_lapsed_two_years_waits_five_months(services, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set_local(2025, 2, 10)
    person = _person(services)
    overrides = services.history.validate_declared(person.id, previous_year="not_enrolled", lapsed_years=2, reason=WHY)
    assert overrides == {"first_enrolment": False, "lapsed_years": 2, "declaration_reason": WHY}
    view = services.enrolment.assess(person.id, overrides=overrides)
    cov = _coverage(view)
    # fixed 3 (四(一) and 四(二)4(8), the larger, not added) + variable 2 × 1 = 5 months
    assert (cov.fixed_months, cov.variable_months, cov.repaired_months, cov.waiting_months) == (3, 2, 0, 5)
    # 2025-02-10 + 5 months = 2025-07-10; covered from the next day
    assert cov.start == date(2025, 7, 11) and cov.end == date(2025, 12, 31)
    assert any(r.clause.section == "四(二)4(8)" and "连续断保2年" in r.text for r in cov.reasons)
    assert cov.illness_cap_change_fen == -300000  # 四(二)4(7): 断保人员再参保 −3000 元
    # Without the declaration the registry sees a first enrolment: the 补缴期's fixed 3 months only.
    plain = _coverage(services.enrolment.assess(person.id))
    assert (plain.waiting_months, plain.variable_months) == (3, 0)


def test_make_up_lapsed_two_repaid_one_waits_four_months(services, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set_local(2025, 2, 10)
    person = _person(services)
    overrides = services.history.validate_declared(
        person.id, previous_year="not_enrolled", lapsed_years=2, repaid_years=1, reason=WHY
    )
    cov = _coverage(services.enrolment.assess(person.id, overrides=overrides))
    assert (cov.fixed_months, cov.variable_months, cov.repaired_months, cov.waiting_months) == (3, 2, 1, 4)
    assert cov.start == date(2025, 6, 11)


def test_lapse_of_four_years_repaired_keeps_six_months(services, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set_local(2025, 2, 10)
    person = _person(services)
    overrides = services.history.validate_declared(
        person.id, previous_year="not_enrolled", lapsed_years=4, repaid_years=2, reason=WHY
    )
    cov = _coverage(services.enrolment.assess(person.id, overrides=overrides))
    # 3 + 4 = 7; repair 2 would give 5 < 6, so the repair takes 1 month only: 6
    assert (cov.variable_months, cov.repaired_months, cov.waiting_months) == (4, 1, 6)
    assert cov.start == date(2025, 8, 11)


def test_centralized_lapsed_one_year_waits_from_benefit_start(services) -> None:  # type: ignore[no-untyped-def]
    person = _person(services)  # clock: 2024-10-15, in the 集中缴费期
    overrides = services.history.validate_declared(person.id, previous_year="not_enrolled", lapsed_years=1, reason=WHY)
    view = services.enrolment.assess(person.id, overrides=overrides)
    cov = _coverage(view)
    assert (cov.fixed_months, cov.variable_months, cov.waiting_months) == (3, 1, 4)
    # counted from 2024-12-31: + 4 months → 2025-04-30 (no 31 April); covered from 2025-05-01
    assert cov.start == date(2025, 5, 1)
    assert view.decision.needs_confirmation  # the document does not say where "参保后" counts from


def test_declared_continuous_years_raise_the_cap(services) -> None:  # type: ignore[no-untyped-def]
    person = _person(services)
    overrides = services.history.validate_declared(person.id, previous_year="enrolled", continuous_years=5, reason=WHY)
    assert overrides == {
        "enrolled_previous_year": True,
        "first_enrolment": False,
        "resident_insurance_years_continuous": 5,
        "basic_insurance_years_continuous": 5,
        "declaration_reason": WHY,
    }
    cov = _coverage(services.enrolment.assess(person.id, overrides=overrides))
    assert cov.waiting_months == 0 and cov.start == date(2025, 1, 1)
    # 5 years + this one = 6: 满4年后又连续 2 年 → +2 × 3000 元
    assert cov.illness_cap_change_fen == 600000


def test_employee_lapse_bridge_from_declared_exit(services, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set_local(2025, 2, 10)
    person = _person(services)
    overrides = services.history.validate_declared(
        person.id, continuous_years=3, employee_exit_on=date(2025, 1, 20), category="employee_lapse", reason=WHY
    )
    assert overrides["other_scheme_exit_on"] == date(2025, 1, 20)
    assert overrides["basic_insurance_years_continuous"] == 3
    assert "resident_insurance_years_continuous" not in overrides
    view = services.enrolment.assess(person.id, category="employee_lapse", overrides=overrides)
    cov = _coverage(view)
    # 四(二)1: 次月; 五(六): ≥2 years and a gap ≤ 3 months → no waiting period
    assert cov.start == date(2025, 3, 1) and cov.waiting_months == 0
    assert any(r.clause.section == "五(六)" and "不设待遇等待期" in r.text for r in cov.reasons)


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"previous_year": "maybe"}, "previous_year", "上年度参保情况"),
        ({"previous_year": "not_enrolled", "lapsed_years": 51}, "lapsed_years", "0至50"),
        ({"previous_year": "not_enrolled", "lapsed_years": -1}, "lapsed_years", "0至50"),
        ({"previous_year": "not_enrolled"}, "lapsed_years", "至少为1年"),
        ({"previous_year": "enrolled", "lapsed_years": 2}, "lapsed_years", "应为0"),
        ({"previous_year": "not_enrolled", "lapsed_years": 2, "repaid_years": 3}, "repaid_years", "不能多于"),
        ({"repaid_years": 1}, "repaid_years", "不能多于"),
        ({"previous_year": "not_enrolled", "lapsed_years": 2}, "reason", "请填写申报理由"),
        ({"previous_year": "not_enrolled", "lapsed_years": 2, "reason": "  "}, "reason", "请填写申报理由"),
        ({"continuous_years": -1}, "continuous_years", "连续参保年数"),
        ({"previous_year": "not_enrolled", "lapsed_years": 1, "continuous_years": 3}, "continuous_years", "重新计算"),
        ({"lapsed_years": "两"}, "lapsed_years", "整数"),
        ({"employee_exit_on": date(2024, 10, 16)}, "employee_exit_on", "晚于今天"),
        ({"category": "employee_lapse", "continuous_years": 3}, "employee_exit_on", "请填写职工医保停保日期"),
    ],
)
def test_declarations_refused(services, kwargs, field, words) -> None:  # type: ignore[no-untyped-def]
    person = _person(services)
    with pytest.raises(InvalidInput) as exc:
        services.history.validate_declared(person.id, **kwargs)
    assert exc.value.field == field and words in exc.value.message, exc.value.message


def test_declaration_contradicting_a_registry_payment_is_refused(services) -> None:  # type: ignore[no-untyped-def]
    person = _person(services)
    _paid_here(services, person.id, 2024)
    for kwargs in ({"previous_year": "not_enrolled", "lapsed_years": 1}, {"lapsed_years": 1}):
        with pytest.raises(InvalidInput) as exc:
            services.history.validate_declared(person.id, **kwargs)
        assert "2024年度缴费记录" in exc.value.message
    with pytest.raises(InvalidInput) as exc:
        services.history.validate_declared(person.id, previous_year="enrolled", continuous_years=0, reason=WHY)
    assert exc.value.field == "continuous_years" and "不能少于1年" in exc.value.message


def test_lapse_longer_than_the_registry_allows_is_refused(services) -> None:  # type: ignore[no-untyped-def]
    person = _person(services)
    _paid_here(services, person.id, 2023)
    with pytest.raises(InvalidInput) as exc:
        services.history.validate_declared(person.id, previous_year="not_enrolled", lapsed_years=3, reason=WHY)
    assert exc.value.field == "lapsed_years" and "最多连续断保1年" in exc.value.message
    # The registry's own lapse needs no declaration; a repair can be declared against it.
    assert services.history.validate_declared(person.id, repaid_years=1, reason=WHY) == {"repaid_years": 1, "declaration_reason": WHY}


# --- the declaration is recorded with the payment -------------------------------------------------


def test_payment_with_declared_history_is_audited(services, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set_local(2025, 2, 10)
    person = _person(services)
    overrides = services.history.validate_declared(person.id, previous_year="not_enrolled", lapsed_years=2, reason=WHY)
    receipt = services.enrolment.enrol_and_pay(
        person.id, channel="cash", received_fen=40000, overrides=overrides, confirmed=True
    )
    (enrolment,) = rows(services.engine, Enrolment)
    assert enrolment.waiting_months == 5 and enrolment.coverage_start == date(2025, 7, 11)
    (payment,) = rows(services.engine, Payment)
    assert payment.receipt_no == receipt.receipt_no and payment.paid_on == date(2025, 2, 10)
    assert audit_actions(services.engine, person_id=person.id) == [
        ("person.register", "done"),
        ("enrolment.paid", "done"),
        ("payment.record", "done"),
        ("enrolment.history_declared", "done"),
    ]
    (row,) = rows(services.engine, AuditLog, action="enrolment.history_declared")
    assert row.entity == "enrolment" and row.entity_id == enrolment.id
    assert row.after["source"] == "declared"
    assert row.after["declared"] == {
        "first_enrolment": False,
        "lapsed_years": 2,
        "declaration_reason": WHY,
    }
    assert row.after["waiting"] == {
        "waiting_months": 5,
        "fixed_months": 3,
        "variable_months": 2,
        "repaired_months": 0,
    }
    assert row.after["receipt_no"] == receipt.receipt_no
    assert "经办人员录入" in row.summary and "连续断保年数：2" in row.summary
    assert any("四(二)4(8)" in r for r in row.after["reasons"])


def test_payment_without_declaration_has_no_declared_row(services) -> None:  # type: ignore[no-untyped-def]
    person = _person(services)
    services.enrolment.enrol_and_pay(person.id, channel="bank")
    assert rows(services.engine, AuditLog, action="enrolment.history_declared") == []


def test_refused_payment_keeps_the_declaration_in_its_attempt(services) -> None:  # type: ignore[no-untyped-def]
    person = _person(services, employee_insured=True)
    overrides = services.history.validate_declared(person.id, previous_year="not_enrolled", lapsed_years=2, reason=WHY)
    with pytest.raises(Exception):  # noqa: B017 - Refused (employee-insured)
        services.enrolment.enrol_and_pay(person.id, channel="bank", overrides=overrides)
    (row,) = rows(services.engine, AuditLog, action="payment.record")
    assert row.outcome == "refused" and row.after["attempt"]["declared"]["lapsed_years"] == 2


def test_employee_lapse_stop_date_on_file_needs_no_declaration(services, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set_local(2025, 2, 10)
    person = _person(services, other_scheme_exit_on=date(2025, 1, 20))
    assert services.history.known(person.id).other_scheme_exit_on == date(2025, 1, 20)
    assert services.history.validate_declared(person.id, category="employee_lapse") == {}


def test_payment_with_a_declaration_and_no_reason_is_refused(services) -> None:  # type: ignore[no-untyped-def]
    """A declaration overrides the registry only with a reason; without one nothing is written."""
    person = _person(services)
    with pytest.raises(InvalidInput) as exc:
        services.enrolment.enrol_and_pay(
            person.id, channel="bank", overrides={"first_enrolment": False, "lapsed_years": 2}
        )
    assert exc.value.field == "reason" and "理由" in exc.value.message
    assert rows(services.engine, Payment) == [] and rows(services.engine, Enrolment) == []
