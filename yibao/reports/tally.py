"""The progress report's counts, kept up to date per benefit year, place and day.

Counting paid residents over a 1.6 M registry takes a pass over persons and payments
(~25 s); the report needs seconds. So each resident's share of the counts — where they
live (户籍 and 居住证 county codes, town, village), registered or not, paid last year (with
and without the refunded), gone, and the days they count as paid this year — is kept in
``progress_person``, and the sums by place and day in ``progress_tally``. Paid as of D is
then the sum of the ``paid`` changes on days ≤ D: a few thousand rows, whatever the
registry's size.

Keeping it exact: triggers (revision ``0700_tally``) note in ``progress_dirty`` every
resident a write may have changed — a person, their household's place, a payment, an
enrolment, a row of an imported payer list (revision ``0710_prior``), a refund or its
steps — whoever writes (services, imports, sync, SQL by hand).
``settle`` recomputes those residents' shares from the registry, takes the old shares out of
the tally and puts the new ones in; a hook runs it in every session's transaction before it
commits, so the counts change with the writes that change them, or not at all. The report
reads the tally only for a year ``rebuild`` has built and while nothing is left unsettled;
otherwise it computes from the registry directly (``yibao.reports.progress``). The figures
are the same either way (``tests/reports/test_tally.py`` compares them after random
payments, refunds and moves).

The rules are those of ``yibao.reports.base``: paid as of D — a payment of the year with
``paid_on`` ≤ D, status ``paid``, or ``refunded`` with the refund paid out after D (its
first step to ``refunded`` on a later local day); paid last year — a ``paid`` payment or
enrolment of the year before, or a row of that year's imported payer list.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from yibao.models import ALWAYS
from yibao.places import UNKNOWN_TOWN, UNKNOWN_VILLAGE
from yibao.reports.base import table
from yibao.reports.shares import (
    Share,
    Span,
    decode,
    decode_groups,
    encode,
    encode_groups,
    in_,
    merged,
    shares,
)

_CHUNK = 2000
_MEASURES = ("persons", "registered", "last", "last_any", "gone", "paid")
_PLACE = ("hukou6", "permit6", "fallback6", "town", "village")

# --- keeping the tally --------------------------------------------------------------------
Deltas = dict[tuple[Any, ...], list[int]]


def _add_spans(deltas: Deltas, key: tuple[Any, ...], spans: tuple[Span, ...], i: int, sign: int) -> None:
    for start, end in spans:
        deltas.setdefault((*key, start), [0, 0])[i] += sign
        if end is not None:
            deltas.setdefault((*key, end), [0, 0])[i] -= sign


def _add_groups(deltas: Deltas, year: int, share: Share, sign: int) -> None:
    if not share.groups:
        return
    for code, holder, payer in share.groups:
        _add_spans(deltas, (year, share.town, code), holder, 0, sign)
        _add_spans(deltas, (year, share.town, code), payer, 1, sign)
    # any identity, each resident once: the union of their codes' days
    _add_spans(deltas, (year, share.town, "*"), merged(d for g in share.groups for d in g[1]), 0, sign)
    _add_spans(deltas, (year, share.town, "*"), merged(d for g in share.groups for d in g[2]), 1, sign)


def _add(deltas: Deltas, year: int, share: Share, sign: int) -> None:
    static = deltas.setdefault((year, *share.place, ALWAYS), [0] * len(_MEASURES))
    for i, value in enumerate((1, share.registered, share.last, share.last_any, share.gone)):
        static[i] += sign * value
    for start, end in share.spans:
        deltas.setdefault((year, *share.place, start), [0] * len(_MEASURES))[5] += sign
        if end is not None:
            deltas.setdefault((year, *share.place, end), [0] * len(_MEASURES))[5] -= sign


def _old_shares(
    conn: sa.Connection, person_ids: Sequence[str], years: Sequence[int]
) -> dict[tuple[str, int], Share]:
    stored = table("progress_person")
    rows = conn.execute(
        sa.select(stored).where(
            in_(stored.c.person_id, person_ids), in_(stored.c.benefit_year, years)
        )
    ).all()
    return {
        (r.person_id, r.benefit_year): Share(
            r.hukou6, r.permit6, r.fallback6, r.town, r.village, r.registered, r.last,
            r.last_any, r.gone, decode(r.spans), decode_groups(r.groups),
        )
        for r in rows
    }  # fmt: skip


def _apply(
    conn: sa.Connection,
    person_ids: Sequence[str],
    years: Sequence[int],
    *,
    old: dict[tuple[str, int], Share] | None = None,
) -> None:
    """Bring ``person_ids``' shares in ``years`` up to date (``old``: their stored shares,
    read here unless given)."""
    if old is None:
        old = _old_shares(conn, person_ids, years)
    new = shares(conn, person_ids, years)
    changed = [k for k in old.keys() | new.keys() if old.get(k) != new.get(k)]
    if not changed:
        return
    deltas: Deltas = {}
    group_deltas: Deltas = {}
    for key in changed:
        if key in old:
            _add(deltas, key[1], old[key], -1)
            _add_groups(group_deltas, key[1], old[key], -1)
        if key in new:
            _add(deltas, key[1], new[key], +1)
            _add_groups(group_deltas, key[1], new[key], +1)
    stored = table("progress_person")
    gone = [k for k in changed if k in old]
    for year in years:
        ids = [pid for pid, y in gone if y == year]
        for start in range(0, len(ids), 500):
            conn.execute(
                sa.delete(stored).where(
                    stored.c.benefit_year == year, in_(stored.c.person_id, ids[start : start + 500])
                )
            )
    rows = [
        {"person_id": pid, "benefit_year": year, **_share_columns(new[(pid, year)])}
        for pid, year in changed
        if (pid, year) in new
    ]
    if rows:
        conn.execute(sa.insert(stored), rows)
    _upsert(conn, deltas)
    _upsert_groups(conn, group_deltas)


def _share_columns(share: Share) -> dict[str, Any]:
    return {
        "hukou6": share.hukou6, "permit6": share.permit6, "fallback6": share.fallback6,
        "town": share.town, "village": share.village, "registered": share.registered,
        "last": share.last, "last_any": share.last_any, "gone": share.gone,
        "spans": encode(share.spans), "groups": encode_groups(share.groups),
    }  # fmt: skip


def _upsert(conn: sa.Connection, deltas: Deltas) -> None:
    rows = [
        {"benefit_year": key[0], **dict(zip(_PLACE, key[1:6], strict=True)), "day": key[6],
         **dict(zip(_MEASURES, values, strict=True))}
        for key, values in deltas.items()
        if any(values)
    ]  # fmt: skip
    if not rows:
        return
    tally = table("progress_tally")
    insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(tally)
    statement = insert.on_conflict_do_update(
        index_elements=["benefit_year", *_PLACE, "day"],
        set_={m: getattr(tally.c, m) + getattr(insert.excluded, m) for m in _MEASURES},
    )
    conn.execute(statement, rows)


def _upsert_groups(conn: sa.Connection, deltas: Deltas) -> None:
    rows = [
        {"benefit_year": year, "town": town, "code": code, "day": day, "holders": h, "payers": p}
        for (year, town, code, day), (h, p) in deltas.items()
        if h or p
    ]
    if not rows:
        return
    groups = table("progress_group_tally")
    insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(groups)
    statement = insert.on_conflict_do_update(
        index_elements=["benefit_year", "town", "code", "day"],
        set_={m: getattr(groups.c, m) + getattr(insert.excluded, m) for m in ("holders", "payers")},
    )
    conn.execute(statement, rows)


def built_years(conn: sa.Connection) -> list[int]:
    years = table("progress_year")
    return [int(y) for y in conn.execute(sa.select(years.c.benefit_year)).scalars()]


def is_settled(conn: sa.Connection) -> bool:
    dirty = table("progress_dirty")
    return conn.execute(sa.select(dirty.c.person_id).limit(1)).first() is None


def settle(conn: sa.Connection) -> int:
    """Recompute the shares of the residents ``progress_dirty`` names, in the caller's
    transaction; returns how many residents were settled."""
    dirty = table("progress_dirty")
    years = built_years(conn)
    if not years:  # no year built: nothing to recompute, the marks just go
        return int(conn.execute(sa.delete(dirty)).rowcount or 0)
    done = 0
    while True:
        ids = list(conn.execute(sa.select(dirty.c.person_id).limit(_CHUNK)).scalars())
        if not ids:
            return done
        _apply(conn, ids, years)
        conn.execute(sa.delete(dirty).where(in_(dirty.c.person_id, ids)))
        done += len(ids)


def rebuild(conn: sa.Connection, years: Sequence[int], *, now: datetime) -> int:
    """Build ``years`` of the tally from the registry (replacing what it held for them), in
    the caller's transaction; returns the number of residents counted.

    Set-based: one ``INSERT … SELECT`` per year writes every resident's share, with the
    paid span of their ``paid`` payment (at most one per person-year); the tally is summed
    from those shares; then the residents with a refunded payment of the year (whose spans
    end when the refund is paid out) are recomputed one by one like any changed resident."""
    years = sorted(set(years))
    stored, tally, built = table("progress_person"), table("progress_tally"), table("progress_year")
    dirty = table("progress_dirty")
    if set(built_years(conn)) - set(years):
        settle(conn)  # the other years built, up to date
    else:
        conn.execute(sa.delete(dirty))  # every built year is rebuilt below
    conn.execute(sa.delete(stored).where(in_(stored.c.benefit_year, years)))
    conn.execute(sa.delete(tally).where(in_(tally.c.benefit_year, years)))
    group_tally = table("progress_group_tally")
    conn.execute(sa.delete(group_tally).where(in_(group_tally.c.benefit_year, years)))
    conn.execute(sa.delete(built).where(in_(built.c.benefit_year, years)))
    conn.execute(sa.insert(built), [{"benefit_year": y, "built_at": now} for y in years])
    for year in years:
        conn.execute(_shares_insert(year))
        _sum_tally(conn, year)
    payment, identity = table("payment"), table("person_identity")
    # one by one: spans cut by a refund, and the identities held (their days per code)
    again = sorted(
        set(
            conn.execute(
                sa.select(payment.c.person_id)
                .where(in_(payment.c.benefit_year, years), payment.c.status == "refunded")
                .distinct()
            ).scalars()
        )
        | set(
            conn.execute(
                sa.select(identity.c.person_id).where(identity.c.revoked_at.is_(None)).distinct()
            ).scalars()
        )
    )
    for start in range(0, len(again), _CHUNK):
        _apply(conn, again[start : start + _CHUNK], years)
    conn.execute(sa.delete(dirty))
    person = table("person")
    return int(conn.execute(sa.select(sa.func.count()).select_from(person)).scalar_one())


def _shares_insert(year: int) -> sa.Insert:
    """``INSERT INTO progress_person SELECT …``: every resident's share of ``year``."""
    person, household = table("person"), table("household")
    payment, enrolment = table("payment"), table("enrolment")
    prior = table("prior_enrolment")

    def last_year(statuses: tuple[str, ...]) -> sa.ColumnElement[bool]:
        return sa.or_(
            sa.exists().where(
                payment.c.person_id == person.c.id, payment.c.benefit_year == year - 1,
                payment.c.status.in_(statuses),
            ),
            sa.exists().where(
                enrolment.c.person_id == person.c.id, enrolment.c.benefit_year == year - 1,
                enrolment.c.status.in_(statuses),
            ),
            # an imported payer list holds payers: paid, whatever the statuses asked
            sa.exists().where(prior.c.person_id == person.c.id, prior.c.benefit_year == year - 1),
        )  # fmt: skip

    def flag(cond: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.case((cond, 1), else_=0)

    paid_on = (
        sa.select(sa.cast(payment.c.paid_on, sa.String))
        .where(payment.c.person_id == person.c.id, payment.c.benefit_year == year,
               payment.c.status == "paid")
        .limit(1)
        .scalar_subquery()
    )  # fmt: skip
    was = last_year(("paid",))
    select = sa.select(
        person.c.id,
        sa.literal(year),
        sa.func.coalesce(sa.func.substr(person.c.hukou_region, 1, 6), ""),
        sa.func.coalesce(sa.func.substr(person.c.residence_permit_region, 1, 6), ""),
        sa.func.substr(
            sa.func.coalesce(person.c.hukou_region, person.c.residence_permit_region, ""), 1, 6
        ),
        sa.func.coalesce(person.c.town, household.c.town, UNKNOWN_TOWN),
        sa.func.coalesce(person.c.village, household.c.village, UNKNOWN_VILLAGE),
        flag(sa.and_(person.c.status == "active", person.c.employee_insured.is_(False))),
        flag(was),
        flag(last_year(("paid", "refunded"))),
        flag(sa.and_(was, person.c.status != "active")),
        sa.func.coalesce(paid_on + "/", ""),
        sa.literal(""),
    ).select_from(person.outerjoin(household, household.c.id == person.c.household_id))
    stored = table("progress_person")
    columns = ["person_id", "benefit_year", *_PLACE, "registered", "last", "last_any", "gone",
               "spans", "groups"]  # fmt: skip
    return sa.insert(stored).from_select(columns, select)


def _sum_tally(conn: sa.Connection, year: int) -> None:
    """The tally of ``year`` summed from its shares (each a single open span or none)."""
    stored, tally = table("progress_person"), table("progress_tally")
    place = [getattr(stored.c, c) for c in _PLACE]
    static = sa.select(
        stored.c.benefit_year, *place, sa.literal(ALWAYS, sa.Date), sa.func.count(),
        sa.func.sum(stored.c.registered), sa.func.sum(stored.c.last),
        sa.func.sum(stored.c.last_any), sa.func.sum(stored.c.gone), sa.literal(0),
    ).where(stored.c.benefit_year == year).group_by(stored.c.benefit_year, *place)  # fmt: skip
    day: sa.ColumnElement[Any] = sa.func.substr(stored.c.spans, 1, 10)
    if conn.dialect.name != "sqlite":  # SQLite keeps dates as this text; CAST would make a number
        day = sa.cast(day, sa.Date)
    events = (
        sa.select(stored.c.benefit_year, *place, day, *(sa.literal(0) for _ in range(5)),
                  sa.func.count())
        .where(stored.c.benefit_year == year, stored.c.spans != "")
        .group_by(stored.c.benefit_year, *place, day)
    )  # fmt: skip
    columns = ["benefit_year", *_PLACE, "day", *_MEASURES]
    conn.execute(sa.insert(tally).from_select(columns, static))
    conn.execute(sa.insert(tally).from_select(columns, events))


def years_to_build(conn: sa.Connection) -> list[int]:
    """Every benefit year the registry has payments, enrolments or imported payer lists for,
    and the one after the last (last year's payers are its targets)."""
    found: set[int] = set()
    for name in ("payment", "enrolment", "prior_enrolment"):
        years = table(name).c.benefit_year
        found |= set(conn.execute(sa.select(years).distinct()).scalars())
    return sorted({*found, max(found) + 1}) if found else []


# --- the hook: settled before every commit ------------------------------------------------

# by pool: an engine and its ``write_engine`` share one
_HAS_TALLY: weakref.WeakKeyDictionary[Any, bool] = weakref.WeakKeyDictionary()


def _has_tally(conn: sa.Connection) -> bool:
    pool = conn.engine.pool
    if _HAS_TALLY.get(pool):
        return True
    found = sa.inspect(conn).has_table("progress_dirty")
    if found:
        _HAS_TALLY[pool] = True
    return found


@event.listens_for(Session, "before_commit")
def _settle_before_commit(session: Session) -> None:
    if not session.in_transaction():
        return
    session.flush()  # the commit's own flush comes after this hook: its writes must be in
    conn = session.connection()
    if _has_tally(conn) and not is_settled(conn):
        settle(conn)


# --- the report's read ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class VillageCounts:
    county: str
    town: str
    village: str
    paid: int
    paid_week_ago: int
    registered: int
    paid_last: int  # 附件2 (1): paid last year, refunded since included
    after_refund: int  # (3)
    gone: int  # (4)


def village_counts(
    conn: sa.Connection, *, region_code: str, year: int, as_of: date, week_ago: date,
    town: str | None = None,
) -> list[VillageCounts] | None:  # fmt: skip
    """Each village's counts from the tally, or None when the tally cannot give them (the
    year not built, or writes not yet settled): the caller computes them directly."""
    if year not in built_years(conn) or not is_settled(conn):
        return None
    from yibao import regions

    tally = table("progress_tally")

    def upto(day: date) -> sa.ColumnElement[int]:
        return sa.func.sum(sa.case((tally.c.day <= day, tally.c.paid), else_=0))

    query = (
        sa.select(
            *(getattr(tally.c, c) for c in _PLACE),
            upto(as_of), upto(week_ago),
            *(sa.func.sum(getattr(tally.c, m)) for m in ("persons", "registered", "last_any", "last", "gone")),
        )
        .where(tally.c.benefit_year == year, *([tally.c.town == town] if town else []))
        .group_by(*(getattr(tally.c, c) for c in _PLACE))
    )  # fmt: skip
    codes = {*regions.counties_of(region_code), region_code} if region_code else set()
    merged: dict[tuple[str, str, str], list[int]] = {}
    for hukou6, permit6, fallback6, town_, village, *figures in conn.execute(query):
        if codes:
            county = hukou6 if hukou6 in codes else permit6 if permit6 in codes else fallback6
        else:
            county = fallback6
        into = merged.setdefault((county, town_, village), [0] * 7)
        for i, value in enumerate(figures):
            into[i] += int(value or 0)
    return [
        VillageCounts(county, town_, village, paid, week, registered, last_any, last, gone)
        for (county, town_, village), (paid, week, persons, registered, last_any, last, gone)
        in merged.items()
        if persons > 0
    ]


@contextmanager
def paused(conn: sa.Connection, *, now: datetime) -> Iterator[None]:
    """A bulk fill without the marking triggers (SQLite; the demo builder): they are dropped
    for the block and created again from their own text, and the years built are rebuilt
    from the registry afterwards, all in the caller's transaction. Elsewhere the triggers
    mark as usual and the hook settles at commit."""
    if conn.dialect.name != "sqlite":
        yield
        return
    triggers = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'progress\\_%' ESCAPE '\\'"
        " ORDER BY name"
    ).all()
    for name, _sql in triggers:
        conn.exec_driver_sql(f'DROP TRIGGER "{name}"')
    yield
    for _name, sql in triggers:
        conn.exec_driver_sql(sql)
    years = built_years(conn)
    if years:
        rebuild(conn, years, now=now)


def group_counts(
    conn: sa.Connection, *, year: int, as_of: date, town: str | None = None
) -> dict[str, tuple[int, int]] | None:
    """Identity code (``*``: any, each resident once) → (holders, paid holders) as of
    ``as_of``, from the kept counts; None when they cannot say (the year not built, or
    writes not yet settled)."""
    if year not in built_years(conn) or not is_settled(conn):
        return None
    groups = table("progress_group_tally")
    rows = conn.execute(
        sa.select(groups.c.code, sa.func.sum(groups.c.holders), sa.func.sum(groups.c.payers))
        .where(groups.c.benefit_year == year, groups.c.day <= as_of,
               *([groups.c.town == town] if town else []))
        .group_by(groups.c.code)
    ).all()  # fmt: skip
    return {code: (int(h or 0), int(p or 0)) for code, h, p in rows}
