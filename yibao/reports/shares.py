"""Each resident's share of the progress report's counts, computed from the registry
(``yibao.reports.tally`` keeps the sums): where they live, registered or not, paid last
year (the registry's payments and enrolments, or an imported payer list), gone, the days
they count as paid this year, and per identity the days they count
among its holders and its paid holders. The rules are those of ``yibao.reports.base``.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from yibao.models import ALWAYS
from yibao.places import UNKNOWN_TOWN, UNKNOWN_VILLAGE
from yibao.reports.base import LOCAL_TZ, table

Span = tuple[date, date | None]  # [start, end): end None = still paid


@dataclass(frozen=True, slots=True)
class Share:
    """One resident's share of one benefit year's counts."""

    hukou6: str
    permit6: str
    fallback6: str
    town: str
    village: str
    registered: int
    last: int
    last_any: int
    gone: int
    spans: tuple[Span, ...]
    # (code, holder spans, payer spans) per identity held, by code
    groups: tuple[tuple[str, tuple[Span, ...], tuple[Span, ...]], ...] = ()

    @property
    def place(self) -> tuple[str, str, str, str, str]:
        return (self.hukou6, self.permit6, self.fallback6, self.town, self.village)


# --- the shares, computed from the registry -------------------------------------------


def in_(column: sa.ColumnElement[Any], values: Sequence[Any]) -> sa.ColumnElement[bool]:
    return column.in_(list(values))


def _local_day(moment: datetime) -> date:
    if moment.tzinfo is None:  # stored as UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(LOCAL_TZ).date()


def merged(spans: Iterable[Span]) -> tuple[Span, ...]:
    """The union of [start, end) spans, as disjoint spans in order."""
    out: list[Span] = []
    for start, end in sorted(spans, key=lambda s: s[0]):
        if end is not None and end <= start:
            continue  # refunded by the end of the day it was paid: never counted
        if out:
            first, last_end = out[-1]
            if last_end is None:
                continue  # already paid from then on
            if start <= last_end:
                out[-1] = (first, None if end is None else max(last_end, end))
                continue
        out.append((start, end))
    return tuple(out)


def _intersected(a: tuple[Span, ...], b: tuple[Span, ...]) -> tuple[Span, ...]:
    """The days in both (each disjoint and in order)."""
    out: list[Span] = []
    for start_a, end_a in a:
        for start_b, end_b in b:
            start = max(start_a, start_b)
            ends = [e for e in (end_a, end_b) if e is not None]
            end = min(ends) if ends else None
            if end is None or start < end:
                out.append((start, end))
    return merged(out)


_FOREVER: tuple[Span, ...] = ((ALWAYS, None),)


def _groups_of(
    held: list[tuple[str, date | None, date | None]], active: bool, paid: tuple[Span, ...]
) -> tuple[tuple[str, tuple[Span, ...], tuple[Span, ...]], ...]:
    """Per code: the days the resident holds it (valid, and active or paid) and the days they
    hold it paid. ``held``: (code, valid_from, valid_to) of the identities not revoked."""
    valid: dict[str, list[Span]] = defaultdict(list)
    for code, valid_from, valid_to in held:
        end = valid_to + timedelta(days=1) if valid_to is not None else None  # valid_to counts
        valid[code].append((valid_from or ALWAYS, end))
    alive = _FOREVER if active else paid
    out = []
    for code in sorted(valid):
        days = merged(valid[code])
        out.append((code, _intersected(days, alive), _intersected(days, paid)))
    return tuple(out)


def shares(
    conn: sa.Connection, person_ids: Sequence[str], years: Sequence[int]
) -> dict[tuple[str, int], Share]:
    """The current share of each of ``person_ids`` (that still exists) in each of ``years``."""
    person, household = table("person"), table("household")
    payment, enrolment = table("payment"), table("enrolment")
    request, step = table("refund_request"), table("refund_transition")
    wanted = sorted({*years, *(y - 1 for y in years)})
    people = conn.execute(
        sa.select(
            person.c.id,
            person.c.status,
            person.c.employee_insured,
            person.c.hukou_region,
            person.c.residence_permit_region,
            sa.func.coalesce(person.c.town, household.c.town, UNKNOWN_TOWN),
            sa.func.coalesce(person.c.village, household.c.village, UNKNOWN_VILLAGE),
        )
        .select_from(person.outerjoin(household, household.c.id == person.c.household_id))
        .where(in_(person.c.id, person_ids))
    ).all()
    refunded_on = {
        payment_id: _local_day(at)
        for payment_id, at in conn.execute(
            sa.select(request.c.payment_id, sa.func.min(step.c.at))
            .select_from(request.join(step, step.c.refund_id == request.c.id))
            .where(in_(request.c.person_id, person_ids), step.c.to_state == "refunded")
            .group_by(request.c.payment_id)
        )
    }
    paid: dict[tuple[str, int], list[Span]] = defaultdict(list)
    last: set[tuple[str, int]] = set()  # (person, year) paid that year
    last_any: set[tuple[str, int]] = set()  # … or refunded since
    for pid, person_id, year, status, paid_on in conn.execute(
        sa.select(
            payment.c.id, payment.c.person_id, payment.c.benefit_year, payment.c.status,
            payment.c.paid_on,
        ).where(in_(payment.c.person_id, person_ids), in_(payment.c.benefit_year, wanted))
    ):  # fmt: skip
        key = (person_id, year)
        if status == "paid":
            paid[key].append((paid_on, None))
            last.add(key)
            last_any.add(key)
        elif status == "refunded":
            paid[key].append((paid_on, refunded_on.get(pid)))
            last_any.add(key)
    for person_id, year, status in conn.execute(
        sa.select(enrolment.c.person_id, enrolment.c.benefit_year, enrolment.c.status).where(
            in_(enrolment.c.person_id, person_ids),
            in_(enrolment.c.benefit_year, [y - 1 for y in years]),
            enrolment.c.status.in_(("paid", "refunded")),
        )
    ):
        last_any.add((person_id, year))
        if status == "paid":
            last.add((person_id, year))
    prior = table("prior_enrolment")
    for person_id, year in conn.execute(  # an imported payer list holds payers
        sa.select(prior.c.person_id, prior.c.benefit_year).where(
            in_(prior.c.person_id, person_ids), in_(prior.c.benefit_year, [y - 1 for y in years])
        )
    ):
        last.add((person_id, year))
        last_any.add((person_id, year))
    identity = table("person_identity")
    held: dict[str, list[tuple[str, date | None, date | None]]] = defaultdict(list)
    for person_id, code, valid_from, valid_to in conn.execute(
        sa.select(identity.c.person_id, identity.c.code, identity.c.valid_from, identity.c.valid_to)
        .where(in_(identity.c.person_id, person_ids), identity.c.revoked_at.is_(None))
    ):  # fmt: skip
        held[person_id].append((code, valid_from, valid_to))
    out: dict[tuple[str, int], Share] = {}
    for pid, status, employee, hukou, permit, town, village in people:
        fallback = hukou if hukou is not None else (permit if permit is not None else "")
        registered = int(status == "active" and employee is False)
        for year in years:
            was = int((pid, year - 1) in last)
            spans = merged(paid.get((pid, year), ()))
            out[(pid, year)] = Share(
                hukou6=(hukou or "")[:6],
                permit6=(permit or "")[:6],
                fallback6=fallback[:6],
                town=town,
                village=village,
                registered=registered,
                last=was,
                last_any=int((pid, year - 1) in last_any),
                gone=int(was and status != "active"),
                spans=spans,
                groups=_groups_of(held[pid], status == "active", spans) if pid in held else (),
            )
    return out




def encode(spans: tuple[Span, ...]) -> str:
    return ";".join(f"{s.isoformat()}/{e.isoformat() if e else ''}" for s, e in spans)


def decode(text: str) -> tuple[Span, ...]:
    out: list[Span] = []
    for part in filter(None, text.split(";")):
        start, _, end = part.partition("/")
        out.append((date.fromisoformat(start), date.fromisoformat(end) if end else None))
    return tuple(out)


def encode_groups(groups: tuple[tuple[str, tuple[Span, ...], tuple[Span, ...]], ...]) -> str:
    if not groups:
        return ""
    return json.dumps([[code, encode(h), encode(p)] for code, h, p in groups], ensure_ascii=False)


def decode_groups(text: str) -> tuple[tuple[str, tuple[Span, ...], tuple[Span, ...]], ...]:
    if not text:
        return ()
    return tuple((code, decode(h), decode(p)) for code, h, p in json.loads(text))
