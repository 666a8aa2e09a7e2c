"""Build the rules' ``PersonFacts`` from registry rows for one benefit year.

What the registry knows is used; what it cannot know is left at the neutral value
and can be supplied by the clerk through ``overrides`` (e.g. continuity with
another 统筹区 before this registry existed):

- identities: every identity not revoked, with its dates and department;
- ``insured_in_benefit_year``: a ``paid`` payment exists for the year;
- ``enrolled_previous_year`` / ``lapsed_years`` / ``repaid_years`` /
  ``basic_insurance_years_continuous`` / ``first_enrolment``: from the benefit years the
  person is on record as insured — this registry's own payments and the rows of imported
  payer lists (``prior_enrolment``, ``yibao import enrolments``) — see ``year_records`` and
  ``derive``. A person with no year on record before this one is ``first_enrolment=True``
  with ``lapsed_years=0``: the registry cannot tell a first enrolment from a history kept
  elsewhere, so the desk shows the derived history with its sources
  (``yibao.services.history``) and the clerk may override it with a declaration and a
  reason (``overrides`` with ``declaration_reason``, audited);
- ``registered_on``: the enrolment's registration date for the year, if any.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

import sqlalchemy as sa
from sqlmodel import Session, select

from yibao.identities import Identity
from yibao.models import (
    Enrolment,
    EnrolmentStatus,
    ImportBatch,
    Payment,
    PaymentStatus,
    Person,
    PersonIdentity,
    PriorEnrolment,
)
from yibao.prepared import Prepared
from yibao.rules.facts import Category, IdentityFact, PersonFacts
from yibao.services.errors import InvalidInput

# Fields the clerk may state for a case (anything else in ``overrides`` is refused).
OVERRIDABLE = frozenset(PersonFacts.model_fields) - {"birth_date", "identities"}
# Why the clerk declared history the registry does not hold (required with a declaration;
# audited with the payment, never a fact the rules read).
DECLARATION_REASON = "declaration_reason"

Source = Literal["registry", "imported"]


@dataclass(frozen=True, slots=True)
class YearRecord:
    """One benefit year the person is on record as having paid, and where that comes from."""

    year: int
    source: Source  # this registry's payment, or a row of an imported payer list
    paid_on: date
    amount_fen: int
    receipt_no: str | None = None  # registry payment
    list_name: str | None = None  # imported list (file name)
    list_row: int | None = None
    category: str | None = None

    @property
    def repaid(self) -> bool:
        """Paid after the benefit year was over: a repair payment (缴费修复), not insurance
        for that year (商南 四(二)4(8) “参保人员可通过缴费修复变动待遇等待期”)."""
        return self.source == "imported" and self.paid_on > date(self.year, 12, 31)

    @property
    def where(self) -> str:
        """Chinese: where the record comes from."""
        if self.source == "registry" and self.receipt_no is None:
            return f"本登记库参保记录（{self.year}年度已缴费）"
        if self.source == "registry":
            return f"本登记库缴费（收据号 {self.receipt_no}，{self.paid_on.isoformat()}）"
        return f"导入名单 {self.list_name} 第 {self.list_row} 行（缴费日期 {self.paid_on.isoformat()}）"


@dataclass(frozen=True, slots=True)
class PersonFile:
    """Every row of one person the facts are built from, read at once (``read_file``).

    The rows are named tuples (``yibao.prepared``: attribute access by column name, no ORM
    identity map): a quote reads them on every keystroke of F2, and ORM objects, then
    SQLAlchemy's per-statement overhead, were most of its cost."""

    person: Any  # the person table's columns: an ORM ``Person`` or a row
    identities: tuple[Any, ...]  # person_identity rows, in recognition order (created_at)
    enrolments: tuple[Any, ...]  # enrolment rows, every benefit year
    payments: tuple[Any, ...]  # payment rows, status paid only
    imported: tuple[Any, ...]  # prior_enrolment rows with their list's source_name

    def enrolment(self, benefit_year: int) -> Any:
        return next((e for e in self.enrolments if e.benefit_year == benefit_year), None)


_IDENTITIES = sa.select(PersonIdentity.__table__).where(  # type: ignore[attr-defined]
    PersonIdentity.__table__.c.person_id == sa.bindparam("pid")  # type: ignore[attr-defined]
).order_by(PersonIdentity.__table__.c.created_at)  # type: ignore[attr-defined]
_ENROLMENTS = sa.select(Enrolment.__table__).where(  # type: ignore[attr-defined]
    Enrolment.__table__.c.person_id == sa.bindparam("pid")  # type: ignore[attr-defined]
)
_PAYMENTS = sa.select(Payment.__table__).where(  # type: ignore[attr-defined]
    Payment.__table__.c.person_id == sa.bindparam("pid"),  # type: ignore[attr-defined]
    Payment.__table__.c.status == PaymentStatus.PAID.value,  # type: ignore[attr-defined]
)
_IMPORTED = (
    sa.select(PriorEnrolment.__table__, ImportBatch.__table__.c.source_name)  # type: ignore[attr-defined]
    .join_from(
        PriorEnrolment.__table__,  # type: ignore[attr-defined]
        ImportBatch.__table__,  # type: ignore[attr-defined]
        ImportBatch.__table__.c.id == PriorEnrolment.__table__.c.import_batch_id,  # type: ignore[attr-defined]
    )
    .where(PriorEnrolment.__table__.c.person_id == sa.bindparam("pid"))  # type: ignore[attr-defined]
)


_PERSON = sa.select(Person.__table__).where(Person.__table__.c.id == sa.bindparam("pid"))  # type: ignore[attr-defined]


_READ_PERSON, _READ_IDENTITIES, _READ_ENROLMENTS, _READ_PAYMENTS, _READ_IMPORTED = (
    Prepared(stmt) for stmt in (_PERSON, _IDENTITIES, _ENROLMENTS, _PAYMENTS, _IMPORTED)
)


def read_file(session: Session, person: Person | str) -> PersonFile | None:
    """The person (an ORM ``Person`` the caller holds, or read here as a row by id; None
    when there is no such person) with their identities, enrolments, paid payments and
    imported list rows. The statements are prepared once (``yibao.prepared``: a quote runs
    them on every keystroke of F2); they run on the session's connection, in its
    transaction, after a flush, so a caller inside a write transaction reads what it has
    just added."""
    session.flush()
    con = session.connection()
    pid = person if isinstance(person, str) else person.id
    if isinstance(person, Person):
        row: Any = person
    else:
        found = _READ_PERSON.rows(con, pid=pid)
        if not found:
            return None
        row = found[0]
    return PersonFile(
        person=row,
        identities=_READ_IDENTITIES.rows(con, pid=pid),
        enrolments=_READ_ENROLMENTS.rows(con, pid=pid),
        payments=_READ_PAYMENTS.rows(con, pid=pid),
        imported=_READ_IMPORTED.rows(con, pid=pid),
    )


def file_of(session: Session, person: Person) -> PersonFile:
    """``read_file`` for a person the caller already holds."""
    file = read_file(session, person)
    assert file is not None
    return file


def year_records(session: Session, person_id: str) -> list[YearRecord]:
    """Every year on record for ``person_id`` (see ``records_of``)."""
    file = read_file(session, person_id)
    return records_of(file) if file is not None else []


def records_of(file: PersonFile) -> list[YearRecord]:
    """Every year on record: valid registry payments first, then paid enrolments with no
    payment row, then imported list rows for years the registry has no payment for. Sorted
    by year."""
    out: dict[int, YearRecord] = {}
    for p in file.payments:
        out[p.benefit_year] = YearRecord(
            year=p.benefit_year,
            source="registry",
            paid_on=p.paid_on,
            amount_fen=p.amount_fen,
            receipt_no=p.receipt_no,
        )
    # A paid enrolment with no payment row (a year carried over from an older registry).
    for e in file.enrolments:
        if e.status != EnrolmentStatus.PAID.value:
            continue
        out.setdefault(
            e.benefit_year,
            YearRecord(
                year=e.benefit_year,
                source="registry",
                paid_on=e.registered_on,
                amount_fen=0,
                category=e.category,
            ),
        )
    for row in file.imported:
        out.setdefault(
            row.benefit_year,
            YearRecord(
                year=row.benefit_year,
                source="imported",
                paid_on=row.paid_on,
                amount_fen=row.amount_fen,
                list_name=row.source_name,
                list_row=row.source_row,
                category=row.category,
            ),
        )
    return [out[y] for y in sorted(out)]


def derive(records: list[YearRecord], benefit_year: int) -> dict[str, Any]:
    """The waiting-period facts for ``benefit_year`` from ``records``.

    Insured years are the records paid by the end of their year; a record paid after its
    year is over repairs that lapsed year (``repaid_years`` counts the repaired years of
    the current break only). See ``continuity`` for the counting.
    """
    insured = {r.year for r in records if not r.repaid}
    data = continuity(insured, benefit_year)
    lapse = set(range(benefit_year - data["lapsed_years"], benefit_year))
    data["repaid_years"] = len({r.year for r in records if r.repaid and r.year in lapse})
    return data


def identity_facts(rows: Sequence[PersonIdentity | sa.Row[Any]]) -> tuple[IdentityFact, ...]:
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
    return facts_of(
        file_of(session, person), benefit_year=benefit_year, category=category,
        insured_region=insured_region, overrides=overrides,
    )


def facts_of(
    file: PersonFile,
    *,
    benefit_year: int,
    category: Category | str | None = None,
    insured_region: str | None = None,
    overrides: Mapping[str, Any] | None = None,
    records: list[YearRecord] | None = None,
) -> PersonFacts:
    """The facts for ``benefit_year`` from rows already read (``records``: ``records_of(file)``
    when the caller has it)."""
    person = file.person
    identities = file.identities
    enrolment = file.enrolment(benefit_year)
    if records is None:
        records = records_of(file)
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
    # Insured this year: a paid payment or a paid enrolment for it (``paid_years``).
    insured = any(p.benefit_year == benefit_year for p in file.payments) or any(
        e.benefit_year == benefit_year and e.status == EnrolmentStatus.PAID.value
        for e in file.enrolments
    )
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
        "insured_in_benefit_year": insured,
        "registered_on": enrolment.registered_on if enrolment is not None else None,
        "died_on": person.died_on,
        **derive(records, benefit_year),
    }
    if overrides:
        overrides = {k: v for k, v in overrides.items() if k != DECLARATION_REASON}
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
