"""The village's to-chase list (待缴名单) carried in the outreach bundle.

At export the hall lists, among the people it exports for the town (and village), those who
live there, are active, not in 职工医保 and not paid for the benefit year, with last year's
status and their identities. The bundle carries them as its own payload section (records of
type ``CHASE_RECORD``, beside the table rows); the laptop keeps them in ``outreach_chase`` and
ticks a person off as soon as the laptop holds a good payment of the year for them. The sync
brings those payments back, and the hall's progress report counts them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from yibao.idnumbers import mask
from yibao.reports.base import (
    active_identity,
    paid_as_of,
    paid_last_year,
    persons_with_place,
    place_columns,
    table,
)

CHASE_RECORD = "_chase"


def chase_records(
    conn: sa.Connection,
    person_ids: set[str],
    *,
    town: str | None,
    village: str | None,
    year: int,
    region_code: str,
    as_of: date,
) -> list[dict[str, Any]]:
    """The to-chase list of ``town`` / ``village`` among ``person_ids`` (plain JSON rows);
    ``town`` None: a county with no town list, exported by village."""
    person, payment, identity = table("person"), table("payment"), table("person_identity")
    _county, town_col, village_col = place_columns(region_code)
    conds = [
        *([town_col == town] if town else []),
        person.c.status == "active",
        person.c.employee_insured.is_(False),
        person.c.id.not_in(paid_as_of(year, as_of)),
    ]
    if village:
        conds.append(village_col == village)
    last_paid = paid_last_year(year)
    last_refunded = sa.select(payment.c.person_id).where(
        payment.c.benefit_year == year - 1, payment.c.status == "refunded"
    )
    query = (
        sa.select(
            person.c.id,
            person.c.name,
            person.c.id_number,
            town_col,
            village_col,
            person.c.id.in_(last_paid).label("last_paid"),
            person.c.id.in_(last_refunded).label("last_refunded"),
        )
        .select_from(persons_with_place())
        .where(*conds)
        .order_by(village_col, person.c.name)
    )
    rows = [r for r in conn.execute(query) if r.id in person_ids]
    held: dict[str, list[str]] = {}
    ids = [r.id for r in rows]
    for start in range(0, len(ids), 500):
        for pid, code in conn.execute(
            sa.select(identity.c.person_id, identity.c.code).where(
                identity.c.person_id.in_(ids[start : start + 500]), active_identity(as_of)
            )
        ):
            held.setdefault(pid, []).append(code)
    return [
        {
            "person_id": r.id,
            "benefit_year": year,
            "town": r.town,
            "village": r.village,
            "name": r.name,
            "id_masked": mask(r.id_number) if r.id_number else "（无身份证号）",
            "last_year_status": "paid" if r.last_paid else ("refunded" if r.last_refunded else "not_paid"),
            "identities": sorted(held.get(r.id, [])),
        }
        for r in rows
    ]


def store_chase(conn: sa.Connection, records: list[dict[str, Any]], *, listed_at: datetime) -> int:
    """Keep the bundle's to-chase list on the laptop (``outreach_chase``)."""
    rows = [{**r, "listed_at": listed_at} for r in records]
    if rows:
        conn.execute(sa.insert(table("outreach_chase")), rows)
    return len(rows)


LAST_YEAR_LABELS = {"paid": "上年已缴", "refunded": "上年已退费", "not_paid": "上年未缴"}


@dataclass(frozen=True)
class ChaseLine:
    person_id: str
    name: str
    id_masked: str
    town: str | None
    village: str | None
    last_year: str  # Chinese label
    identities: tuple[str, ...]  # codes
    paid_on: date | None  # ticked off: paid on the laptop (or before the sync came back)

    @property
    def paid(self) -> bool:
        return self.paid_on is not None


def chase_list(conn: sa.Connection, *, year: int, as_of: date) -> list[ChaseLine]:
    """The laptop's to-chase list, each person ticked off once a good payment is on file."""
    chase, payment = table("outreach_chase"), table("payment")
    good = paid_as_of(year, as_of).subquery()  # used with IN only
    paid_on = (
        sa.select(sa.func.max(payment.c.paid_on))
        .where(
            payment.c.person_id == chase.c.person_id,
            payment.c.benefit_year == year,
            payment.c.person_id.in_(sa.select(good.c.person_id)),
        )
        .scalar_subquery()
    )
    rows = conn.execute(
        sa.select(chase, paid_on.label("paid_on"))
        .where(chase.c.benefit_year == year)
        .order_by(chase.c.village, chase.c.name)
    ).all()
    return [
        ChaseLine(
            person_id=r.person_id,
            name=r.name,
            id_masked=r.id_masked,
            town=r.town,
            village=r.village,
            last_year=LAST_YEAR_LABELS.get(r.last_year_status, r.last_year_status),
            identities=tuple(r.identities or ()),
            paid_on=r.paid_on,
        )
        for r in rows
    ]
