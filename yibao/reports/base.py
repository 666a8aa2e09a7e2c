"""What every report shares: the benefit year being collected, "paid as of a day", places.

*Paid as of D* (``paid_as_of``): the person has a payment for the benefit year with
``paid_on`` ≤ D that is still good at the end of D — status ``paid``, or status
``refunded`` with the refund paid out after D. Voided payments and the second payment of a
person-year (``conflict``) never count; a person counts once.

*Paid last year*: a ``paid`` payment for the year before, an enrolment of that year with
status ``paid``, or a row of that year in an imported payer list (``prior_enrolment``, loaded
by ``yibao import enrolments``: last year's payers when this registry did not take them).
An imported list holds payers only: its row counts as paid, whatever the registry holds.

*Where*: the person's own town and village, else the household's; unknown stays unknown.
The county is the first six digits of the 户籍地 code (else of the 居住证 code).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlmodel import SQLModel

import yibao.models  # noqa: F401  (tables on the metadata)
import yibao.outreach.models  # noqa: F401
from yibao.places import UNKNOWN_TOWN, UNKNOWN_VILLAGE

LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def table(name: str) -> sa.Table:
    return SQLModel.metadata.tables[name]


@dataclass(frozen=True)
class Scope:
    """A report's frame: which policy and year, as of which day, optionally one town."""

    policy: Any
    as_of: date
    town: str | None = None
    # On an outreach laptop: the place its bundle holds (e.g. 过风楼镇张家湾村). The laptop has
    # only those people, so a published town target would make its rate meaningless.
    holds_only: str | None = None

    @property
    def year(self) -> int:
        return int(self.policy.benefit_year)

    @property
    def document(self) -> str:
        return str(self.policy.document.number)

    @property
    def jurisdiction(self) -> str:
        return str(self.policy.jurisdiction)


@contextmanager
def gc_paused() -> Iterator[None]:
    """The cyclic garbage collector off for the block: a ledger makes millions of tuples
    that live until the sheet is written, and every collection on the way walked the lists
    holding them (~1 s of a big ledger). Nothing made there is cyclic: reference counting
    frees it as before. Restored as it was (nested blocks: the outer one). What the block
    made and still holds at its end is walked once by the next collection: a caller that
    makes a workbook and drops it (``write_ledgers``) wraps both."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def end_of_day_utc(day: date) -> datetime:
    """The first instant after ``day`` ends in local time, as aware UTC."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL_TZ).astimezone(UTC)


def refunded_by(cutoff: date, payment: sa.FromClause | None = None) -> sa.ColumnElement[bool]:
    """True for a payment (of ``payment``, default the table) whose refund was paid out by the
    end of ``cutoff``. Correlated to that payment only."""
    request, transition = table("refund_request"), table("refund_transition")
    pay = payment if payment is not None else table("payment")
    return (
        sa.exists(
            sa.select(1)
            .select_from(request.join(transition, transition.c.refund_id == request.c.id))
            .where(
                request.c.payment_id == pay.c.id,
                transition.c.to_state == "refunded",
                transition.c.at < end_of_day_utc(cutoff),
            )
        )
        .correlate(pay)
    )


def paid_as_of(
    year: int, cutoff: date, *, since: date | None = None, distinct: bool = False
) -> sa.Select[Any]:
    """``SELECT person_id`` of the persons paid for ``year`` as of ``cutoff``;
    with ``since``, only payments made on or after that day. Self-contained (its own alias
    of ``payment``), so it never correlates with an outer query."""
    payment = table("payment").alias("paid_pay")
    conds = [
        payment.c.benefit_year == year,
        payment.c.paid_on <= cutoff,
        sa.or_(
            payment.c.status == "paid",
            sa.and_(payment.c.status == "refunded", sa.not_(refunded_by(cutoff, payment))),
        ),
    ]
    if since is not None:
        conds.append(payment.c.paid_on >= since)
    query = sa.select(payment.c.person_id).where(*conds)
    # For ``IN (…)`` no DISTINCT (it would make SQLite walk the payments by person); a join
    # needs it (a refunded payment beside a newer good one).
    return query.distinct() if distinct else query


def paid_as_of_exists(person_id: sa.ColumnElement[Any], year: int, cutoff: date) -> sa.ColumnElement[bool]:
    """True when the person ``person_id`` (a column of an outer query) is among
    ``paid_as_of(year, cutoff)``, probed through their payments of the year: for rows already
    few (the subsidised payments), where ``IN (paid_as_of)`` collects every payer first."""
    paid = paid_as_of(year, cutoff)
    return paid.where(paid.selected_columns.person_id == person_id).exists()


def paid_last_year(year: int) -> sa.Select[Any]:
    """``SELECT person_id`` of the persons paid for ``year − 1``: the registry's own payment
    or enrolment, or a row of an imported payer list (``prior_enrolment``)."""
    payment, enrolment = table("payment").alias("last_pay"), table("enrolment").alias("last_enr")
    prior = table("prior_enrolment").alias("last_prior")
    return sa.union(
        sa.select(payment.c.person_id).where(
            payment.c.benefit_year == year - 1, payment.c.status == "paid"
        ),
        sa.select(enrolment.c.person_id).where(
            enrolment.c.benefit_year == year - 1, enrolment.c.status == "paid"
        ),
        sa.select(prior.c.person_id).where(prior.c.benefit_year == year - 1),
    )


def paid_last_year_exists(person_id: sa.ColumnElement[Any], year: int) -> sa.ColumnElement[bool]:
    """True when the person ``person_id`` (a column of an outer query) is among
    ``paid_last_year(year)``: the same three sources, probed by person through their
    ``(person_id, benefit_year)`` indexes. For a list of people already chosen this is three
    index look-ups each, where ``IN (paid_last_year)`` first collects every payer of last year."""
    payment, enrolment = table("payment").alias("last_pay"), table("enrolment").alias("last_enr")
    prior = table("prior_enrolment").alias("last_prior")
    return sa.or_(
        sa.exists(
            sa.select(1).where(
                payment.c.person_id == person_id,
                payment.c.benefit_year == year - 1,
                payment.c.status == "paid",
            )
        ),
        sa.exists(
            sa.select(1).where(
                enrolment.c.person_id == person_id,
                enrolment.c.benefit_year == year - 1,
                enrolment.c.status == "paid",
            )
        ),
        sa.exists(
            sa.select(1).where(prior.c.person_id == person_id, prior.c.benefit_year == year - 1)
        ),
    )


def place_columns(
    region_code: str | None = None,
) -> tuple[sa.ColumnElement[str], sa.ColumnElement[str], sa.ColumnElement[str]]:
    """(county, town, village) of a person row joined with its household.

    The county is the 户籍 county when it lies in the jurisdiction ``region_code``, else the
    居住证 county when that does, else the 户籍 (or 居住证) county as it is."""
    from yibao import regions

    person, household = table("person"), table("household")
    hukou = sa.func.substr(person.c.hukou_region, 1, 6)
    permit = sa.func.substr(person.c.residence_permit_region, 1, 6)
    fallback = sa.func.substr(
        sa.func.coalesce(person.c.hukou_region, person.c.residence_permit_region, ""), 1, 6
    )
    if region_code:
        codes = sorted({*regions.counties_of(region_code), region_code})
        county: sa.ColumnElement[str] = sa.case(
            (hukou.in_(codes), hukou), (permit.in_(codes), permit), else_=fallback
        )
    else:
        county = fallback
    town = sa.func.coalesce(person.c.town, household.c.town, UNKNOWN_TOWN)
    village = sa.func.coalesce(person.c.village, household.c.village, UNKNOWN_VILLAGE)
    return county.label("county"), town.label("town"), village.label("village")


def persons_with_place() -> sa.FromClause:
    person, household = table("person"), table("household")
    return person.outerjoin(household, person.c.household_id == household.c.id)


def town_filter(scope: Scope) -> list[sa.ColumnElement[bool]]:
    if not scope.town:
        return []
    _county, town, _village = place_columns()
    return [town == scope.town]


def active_identity(on: date) -> sa.ColumnElement[bool]:
    identity = table("person_identity")
    return sa.and_(
        identity.c.revoked_at.is_(None),
        sa.or_(identity.c.valid_from.is_(None), identity.c.valid_from <= on),
        sa.or_(identity.c.valid_to.is_(None), identity.c.valid_to >= on),
    )


def rate(part: int, whole: int | None) -> float | None:
    """``part / whole`` as a fraction; None when there is no whole to measure against."""
    if not whole:
        return None
    return part / whole


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def yuan(fen: int) -> str:
    return f"{fen / 100:,.2f}"
