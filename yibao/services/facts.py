"""Build the rules' ``PersonFacts`` from registry rows for one benefit year.

What the registry knows is used; what it cannot know is left at the neutral value
and can be supplied by the clerk through ``overrides`` (e.g. continuity with
another 统筹区 before this registry existed):

- identities: every identity not revoked, with its dates and department;
- ``insured_in_benefit_year``: a ``paid`` payment exists for the year;
- ``enrolled_previous_year`` / ``lapsed_years`` / ``basic_insurance_years_continuous`` /
  ``first_enrolment``: from the paid benefit years in this registry. A person with
  no paid year before this one is ``first_enrolment=True`` with ``lapsed_years=0``:
  the registry cannot tell a first enrolment from a history kept elsewhere, so the
  desk should ask and pass ``overrides`` (``yibao.services.history`` shows what is
  known and checks what the clerk declares);
- ``registered_on``: the enrolment's registration date for the year, if any.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from yibao.identities import Identity
from yibao.models import Enrolment, EnrolmentStatus, Payment, PaymentStatus, Person, PersonIdentity
from yibao.rules.facts import Category, IdentityFact, PersonFacts
from yibao.services.errors import InvalidInput

# Fields the clerk may state for a case (anything else in ``overrides`` is refused).
OVERRIDABLE = frozenset(PersonFacts.model_fields) - {"birth_date", "identities"}


def identity_facts(rows: list[PersonIdentity]) -> tuple[IdentityFact, ...]:
    out: list[IdentityFact] = []
    for row in rows:
        if row.revoked_at is not None:
            continue
        try:
            code = Identity(row.code)
        except ValueError:
            continue  # an identity the rules do not know cannot change a decision
        out.append(
            IdentityFact(
                code=code,
                valid_from=row.valid_from,
                valid_to=row.valid_to,
                recognised_on=row.recognised_on,
                department=row.department,
                department_code=row.department_code,
            )
        )
    return tuple(out)


def paid_years(session: Session, person_id: str) -> set[int]:
    """Benefit years with a valid (not refunded/voided) payment or a paid enrolment."""
    years = set(
        session.exec(
            select(Payment.benefit_year).where(
                Payment.person_id == person_id, Payment.status == PaymentStatus.PAID.value
            )
        ).all()
    )
    years |= set(
        session.exec(
            select(Enrolment.benefit_year).where(
                Enrolment.person_id == person_id,
                Enrolment.status == EnrolmentStatus.PAID.value,
            )
        ).all()
    )
    return years


def continuity(years: set[int], benefit_year: int) -> dict[str, Any]:
    before = {y for y in years if y < benefit_year}
    previous = benefit_year - 1
    continuous = 0
    y = previous
    while y in before:
        continuous += 1
        y -= 1
    if not before:
        return {
            "enrolled_previous_year": False,
            "lapsed_years": 0,
            "basic_insurance_years_continuous": 0,
            "resident_insurance_years_continuous": 0,
            "first_enrolment": True,
        }
    lapsed = 0
    y = previous
    while y not in before:
        lapsed += 1
        y -= 1
    return {
        "enrolled_previous_year": previous in before,
        "lapsed_years": lapsed,
        "basic_insurance_years_continuous": continuous,
        # This registry's payments are all resident insurance (商南 四(二)4(7) counts these).
        "resident_insurance_years_continuous": continuous,
        "first_enrolment": False,
    }


def build_facts(
    session: Session,
    person: Person,
    *,
    benefit_year: int,
    category: Category | str | None = None,
    insured_region: str | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> PersonFacts:
    """The facts of ``person`` for ``benefit_year`` as the rules take them."""
    identities = list(
        session.exec(
            select(PersonIdentity)
            .where(PersonIdentity.person_id == person.id)
            .order_by(col(PersonIdentity.created_at))
        ).all()
    )
    enrolment = session.exec(
        select(Enrolment).where(
            Enrolment.person_id == person.id, Enrolment.benefit_year == benefit_year
        )
    ).first()
    years = paid_years(session, person.id)
    grades = [g for g in [person.disability_grade, *(i.disability_grade for i in identities)] if g]
    if category is None:
        category = enrolment.category if enrolment is not None else Category.GENERAL
    try:
        category = Category(category)
    except ValueError:
        raise InvalidInput(
            f"参保类别“{category}”不对。可选："
            + "、".join(f"{c.value}（{c.label}）" for c in Category),
            field="category",
        ) from None
    data: dict[str, Any] = {
        "birth_date": person.birth_date,
        "category": category,
        "identities": identity_facts(identities),
        "disability_grade": min(grades) if grades else None,
        "hukou_region": person.hukou_region,
        "residence_permit_region": person.residence_permit_region,
        "school_region": person.school_region,
        "insured_region": insured_region
        or (enrolment.insured_region if enrolment is not None else None),
        "employee_insured": person.employee_insured,
        "other_scheme_exit_on": person.other_scheme_exit_on,
        "insured_in_benefit_year": benefit_year in years,
        "registered_on": enrolment.registered_on if enrolment is not None else None,
        "died_on": person.died_on,
        **continuity(years, benefit_year),
    }
    if overrides:
        unknown = set(overrides) - OVERRIDABLE
        if unknown:
            raise InvalidInput(
                "以下情况不能由经办人员直接指定：" + "、".join(sorted(unknown)) + "。",
                field="overrides",
            )
        data.update(overrides)
    try:
        return PersonFacts.model_validate(data)
    except ValueError as exc:
        raise InvalidInput(f"参保人情况有误：{exc}", field="overrides") from None


def on_or_today(on: date | None, today: date) -> date:
    return on if on is not None else today
