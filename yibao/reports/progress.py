"""征缴进度: target, paid, rate and the change in a week, by county, town and village, and
each special group's rate by identity (``progress``); the people of one village (``people``).

Targets: where the policy's ``[coverage.targets]`` names the document's table (商南 附件2 by
town, 晋城 附件 by county) those rows take the document's figure. Every other row (villages,
towns of 晋城, every row of 眉山 and 山阴, the unknown-town row) takes last year's payers
following 商南 附件2's formula: (1) paid last year − (2) refunded = (3), (3) − (4) no longer
insurable here (死亡、迁出, the registry's nearest to 附件2's 停保) = (5) target. The row says
which (``target_source``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from yibao import regions
from yibao.identities import label as identity_label
from yibao.idnumbers import mask
from yibao.places import UNKNOWN_TOWN
from yibao.reports import tally
from yibao.reports.base import (
    Scope,
    active_identity,
    paid_as_of,
    paid_last_year,
    persons_with_place,
    place_columns,
    rate,
    refunded_by,
    table,
    town_filter,
)
from yibao.targets import load_targets

# Said on every desk, so in words and without naming 商南 (the formula is 商南 附件2's; other
# documents give no formula for the rows they leave without a figure).
FORMULA_SOURCE = "按上年缴费人数推算（公式：上年缴费人数 − 其中已退费 − 已死亡或迁出）"


@dataclass
class Formula:
    """商南 附件2's columns, from the registry: (1) paid last year, (2) of them refunded,
    (3) = (1) − (2), (4) of (3) now dead or moved out, (5) = (3) − (4)."""

    paid_last: int = 0
    refunded_last: int = 0
    gone: int = 0

    @property
    def after_refund(self) -> int:
        return self.paid_last - self.refunded_last

    @property
    def target(self) -> int:
        return self.after_refund - self.gone

    def add(self, other: Formula) -> None:
        self.paid_last += other.paid_last
        self.refunded_last += other.refunded_last
        self.gone += other.gone


@dataclass
class ProgressRow:
    level: str  # county / town / village
    county: str  # GB/T 2260 code ("" when unknown)
    county_name: str
    town: str | None = None
    village: str | None = None
    paid: int = 0
    paid_week_ago: int = 0
    registered: int = 0  # active residents on the registry here (not in 职工医保)
    formula: Formula = field(default_factory=Formula)
    target: int | None = None
    target_source: str = FORMULA_SOURCE

    @property
    def change(self) -> int:
        return self.paid - self.paid_week_ago

    @property
    def rate(self) -> float | None:
        return rate(self.paid, self.target)

    @property
    def name(self) -> str:
        return self.village or self.town or self.county_name

    def add(self, other: ProgressRow) -> None:
        self.paid += other.paid
        self.paid_week_ago += other.paid_week_ago
        self.registered += other.registered
        self.formula.add(other.formula)


@dataclass(frozen=True)
class GroupRow:
    identity: str
    label: str
    holders: int
    paid: int
    subsidised: bool  # the policy lists a subsidy for this identity

    @property
    def rate(self) -> float | None:
        return rate(self.paid, self.holders)


@dataclass(frozen=True)
class ProgressReport:
    scope: Scope
    week_ago: date
    total: ProgressRow
    counties: list[ProgressRow]
    towns: list[ProgressRow]
    villages: list[ProgressRow]
    groups: list[GroupRow]
    special_holders: int  # distinct persons holding any identity
    special_paid: int
    goal: str | None  # the document's goal, quoted with its clause
    target_note: str

    @property
    def special_rate(self) -> float | None:
        return rate(self.special_paid, self.special_holders)

    def towns_of(self, county: str | None = None) -> list[ProgressRow]:
        return [t for t in self.towns if county is None or t.county == county]

    def villages_of(self, town: str, county: str | None = None) -> list[ProgressRow]:
        """The villages of ``town``; of that town in ``county`` only, when given (every county
        of a city has its own “（乡镇未知）”)."""
        return [v for v in self.villages if v.town == town and (county is None or v.county == county)]


def _subsidised_codes(policy: Any) -> set[str]:
    codes: set[str] = set()
    for line in getattr(policy.contribution, "subsidies", ()) or ():
        if str(getattr(line.kind, "value", line.kind)) == "none":
            continue
        codes |= {str(getattr(i, "value", i)) for i in line.identities}
    return codes


def _person_flags(scope: Scope, week_ago: date) -> sa.Subquery:
    """One row per person with a payment of this or last year (or last year's enrolment, or
    a row of last year's imported payer list):
    ``now`` / ``week`` paid this year as of the day / a week before, ``last`` paid last year,
    ``last_any`` paid last year even if refunded since. One pass over the payments."""
    pay, enr = table("payment").alias("f_pay"), table("enrolment").alias("f_enr")
    year = scope.year

    def good(cutoff: date) -> sa.ColumnElement[bool]:
        return sa.and_(
            pay.c.benefit_year == year,
            pay.c.paid_on <= cutoff,
            sa.or_(
                pay.c.status == "paid",
                sa.and_(pay.c.status == "refunded", sa.not_(refunded_by(cutoff, pay))),
            ),
        )

    def flag(cond: sa.ColumnElement[bool], name: str) -> sa.Label[int]:
        return sa.case((cond, 1), else_=0).label(name)

    last_year = pay.c.benefit_year == year - 1
    from_payments = sa.select(
        pay.c.person_id,
        flag(good(scope.as_of), "now"),
        flag(good(week_ago), "week"),
        flag(sa.and_(last_year, pay.c.status == "paid"), "last"),
        flag(sa.and_(last_year, pay.c.status.in_(("paid", "refunded"))), "last_any"),
    ).where(pay.c.benefit_year.in_((year - 1, year)))
    from_enrolments = sa.select(
        enr.c.person_id,
        sa.literal(0).label("now"),
        sa.literal(0).label("week"),
        flag(enr.c.status == "paid", "last"),
        sa.literal(1).label("last_any"),
    ).where(enr.c.benefit_year == year - 1, enr.c.status.in_(("paid", "refunded")))
    prior = table("prior_enrolment").alias("f_prior")
    from_lists = sa.select(  # an imported payer list holds payers: paid, never refunded
        prior.c.person_id,
        sa.literal(0).label("now"),
        sa.literal(0).label("week"),
        sa.literal(1).label("last"),
        sa.literal(1).label("last_any"),
    ).where(prior.c.benefit_year == year - 1)
    rows = sa.union_all(from_payments, from_enrolments, from_lists).subquery("f_rows")
    return (
        sa.select(
            rows.c.person_id,
            sa.func.max(rows.c.now).label("now"),
            sa.func.max(rows.c.week).label("week"),
            sa.func.max(rows.c.last).label("last"),
            sa.func.max(rows.c.last_any).label("last_any"),
        )
        .group_by(rows.c.person_id)
        .subquery("f_person")
    )


def _village_rows(conn: sa.Connection, scope: Scope, week_ago: date) -> list[ProgressRow]:
    counted = tally.village_counts(
        conn, region_code=scope.policy.region_code, year=scope.year, as_of=scope.as_of,
        week_ago=week_ago, town=scope.town,
    )  # fmt: skip
    if counted is None:
        return _village_rows_direct(conn, scope, week_ago)
    return [
        _village_row(c.county, c.town, c.village, c.paid, c.paid_week_ago, c.registered,
                     c.paid_last, c.after_refund, c.gone)
        for c in counted
    ]  # fmt: skip


def _village_row(
    county: str | None, town: str | None, village: str | None, paid: int, paid_week_ago: int,
    registered: int, paid_last: int, after_refund: int, gone: int,
) -> ProgressRow:  # fmt: skip
    return ProgressRow(
        level="village",
        county=county or "",
        county_name=regions.name(county) if county else "（县区未知）",
        town=town,
        village=village,
        paid=paid,
        paid_week_ago=paid_week_ago,
        registered=registered,
        formula=Formula(paid_last=paid_last, refunded_last=paid_last - after_refund, gone=gone),
    )


def _village_rows_direct(conn: sa.Connection, scope: Scope, week_ago: date) -> list[ProgressRow]:
    """Each village's counts from the registry itself: one pass over persons and payments."""
    person = table("person")
    county, town, village = place_columns(scope.policy.region_code)
    flags = _person_flags(scope, week_ago)

    def total(column: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
        return sa.func.sum(sa.func.coalesce(column, 0))

    def count(cond: sa.ColumnElement[bool]) -> sa.ColumnElement[int]:
        return sa.func.sum(sa.case((cond, 1), else_=0))

    query = (
        sa.select(
            county,
            town,
            village,
            total(flags.c.now).label("paid"),
            total(flags.c.week).label("paid_week_ago"),
            count(sa.and_(person.c.status == "active", person.c.employee_insured.is_(False))).label(
                "registered"
            ),
            total(flags.c.last_any).label("paid_last"),
            total(flags.c.last).label("after_refund"),
            count(sa.and_(flags.c.last == 1, person.c.status != "active")).label("gone"),
        )
        .select_from(persons_with_place().outerjoin(flags, flags.c.person_id == person.c.id))
        .where(*town_filter(scope))
        .group_by(county, town, village)
    )
    return [
        _village_row(r.county, r.town, r.village, int(r.paid or 0), int(r.paid_week_ago or 0),
                     int(r.registered or 0), int(r.paid_last or 0), int(r.after_refund or 0),
                     int(r.gone or 0))
        for r in conn.execute(query)
    ]  # fmt: skip


def _roll_up(rows: list[ProgressRow], level: str, key: Any) -> dict[Any, ProgressRow]:
    out: dict[Any, ProgressRow] = {}
    for row in rows:
        k = key(row)
        if k not in out:
            out[k] = ProgressRow(
                level=level,
                county=row.county,
                county_name=row.county_name,
                town=row.town if level == "town" else None,
            )
        out[k].add(row)
    return out


def progress(engine: Engine, scope: Scope) -> ProgressReport:
    """The drive's progress as of ``scope.as_of`` (and a week before), for ``scope.town`` or all."""
    week_ago = scope.as_of - timedelta(days=7)
    policy = scope.policy
    coverage = getattr(policy, "coverage", None)
    with engine.connect() as conn:
        villages = _village_rows(conn, scope, week_ago)
        groups, holders, special_paid = _groups(conn, scope)
    towns = _roll_up(villages, "town", lambda r: (r.county, r.town))
    counties = _roll_up(villages, "county", lambda r: r.county)
    total = ProgressRow(level="total", county=policy.region_code, county_name=scope.jurisdiction)
    for row in villages:
        total.add(row)
    for row in [*villages, *towns.values(), *counties.values(), total]:
        row.target = row.formula.target
    note = f"各行任务数均{FORMULA_SOURCE}。"
    targets = getattr(coverage, "targets", None) if coverage else None
    if scope.holds_only:
        targets = None
        note = f"本机为外出登记设备，只有{scope.holds_only}的人员；各行任务数{FORMULA_SOURCE}。"
    if targets is not None:
        published = load_targets(targets.file)
        source = f"{scope.document} {targets.clause}"
        if targets.level == "town":
            default_county = regions.counties_of(policy.region_code)[0]
            by_name = {t.area: t.target for t in published}
            for name, value in by_name.items():
                key = (default_county, name)
                if key not in towns:
                    if scope.town and scope.town != name:
                        continue
                    towns[key] = ProgressRow(
                        level="town",
                        county=key[0],
                        county_name=regions.name(key[0]) or "",
                        town=name,
                    )
                towns[key].target, towns[key].target_source = value, source
            if not scope.town:
                for row in counties.values():
                    if row.county == default_county:
                        row.target = sum(by_name.values())
                        row.target_source = source
                        total.target = sum(by_name.values()) + sum(
                            r.target or 0 for r in counties.values() if r.county != default_county
                        )
                        total.target_source = source
            note = (
                f"乡镇任务数取自{source}；村（社区）及名单外乡镇的任务数{FORMULA_SOURCE}。"
            )
        else:
            by_code = {t.region_code: t.target for t in published if t.region_code}
            for code, value in by_code.items():
                if code not in counties:
                    counties[code] = ProgressRow(
                        level="county", county=code, county_name=regions.name(code) or code
                    )
                counties[code].target, counties[code].target_source = value, source
            if not scope.town:
                total.target = sum(r.target or 0 for r in counties.values())
                total.target_source = source
            note = f"县区任务数取自{source}；乡镇、村（社区）的任务数{FORMULA_SOURCE}。"
    if scope.town:
        _total_the_towns(total, counties, list(towns.values()))
    goal = None
    if coverage is not None and coverage.goal is not None:
        goal = f"{coverage.goal.text}（{scope.document} {coverage.goal.clause}）"
    order = {name: i for i, name in enumerate(_town_order(policy))}
    return ProgressReport(
        scope=scope,
        week_ago=week_ago,
        total=total,
        counties=sorted(counties.values(), key=lambda r: r.county),
        towns=sorted(
            towns.values(),
            key=lambda r: (r.county, r.town == UNKNOWN_TOWN, order.get(r.town or "", 999), r.town or ""),
        ),
        villages=sorted(villages, key=lambda r: (r.county, order.get(r.town or "", 999), r.town or "", r.village or "")),
        groups=groups,
        special_holders=holders,
        special_paid=special_paid,
        goal=goal,
        target_note=note,
    )


def _total_the_towns(total: ProgressRow, counties: dict[Any, ProgressRow], towns: list[ProgressRow]) -> None:
    """A report for one town: the total and the county rows are that town, so their target
    is the town's (附件2's where published), not the sum of its villages' formula targets;
    a county the town is not in drops out."""
    for key, county in list(counties.items()):
        mine = [t for t in towns if t.county == county.county]
        if not mine:
            del counties[key]
            continue
        _sum_targets(county, mine)
    _sum_targets(total, towns)


def _sum_targets(row: ProgressRow, towns: list[ProgressRow]) -> None:
    row.target = sum(t.target or 0 for t in towns)
    sources = {t.target_source for t in towns}
    row.target_source = sources.pop() if len(sources) == 1 else "各乡镇任务数之和"


def _town_order(policy: Any) -> list[str]:
    from yibao.places import town_names

    return town_names(policy.region_code)


def _groups(conn: sa.Connection, scope: Scope) -> tuple[list[GroupRow], int, int]:
    counted = tally.group_counts(conn, year=scope.year, as_of=scope.as_of, town=scope.town)
    if counted is None:
        return _groups_direct(conn, scope)
    anyone = counted.pop("*", (0, 0))
    counts = [(code, h, p) for code, (h, p) in counted.items() if h]
    return _group_rows(scope, counts), anyone[0], anyone[1]


def _group_rows(scope: Scope, counts: list[tuple[str, int, int]]) -> list[GroupRow]:
    subsidised = _subsidised_codes(scope.policy)
    rows = [
        GroupRow(
            identity=code,
            label=identity_label(code),
            holders=int(n),
            paid=int(p),
            subsidised=code in subsidised,
        )
        for code, n, p in counts
    ]
    rows.sort(key=lambda g: (not g.subsidised, g.identity))
    return rows


def _groups_direct(conn: sa.Connection, scope: Scope) -> tuple[list[GroupRow], int, int]:
    person, identity = table("person"), table("person_identity")
    # Per holder, one probe of the payment index (person, year), not ``IN`` over every
    # payment of the year: holders are a few per cent of the registry.
    pay = table("payment").alias("g_pay")
    is_paid = sa.exists(
        sa.select(1).where(
            pay.c.person_id == person.c.id,
            pay.c.benefit_year == scope.year,
            pay.c.paid_on <= scope.as_of,
            sa.or_(
                pay.c.status == "paid",
                sa.and_(pay.c.status == "refunded", sa.not_(refunded_by(scope.as_of, pay))),
            ),
        )
    )
    base = (
        persons_with_place()
        .join(identity, identity.c.person_id == person.c.id)
    )
    alive = sa.or_(person.c.status == "active", is_paid)
    conds = [active_identity(scope.as_of), alive, *town_filter(scope)]
    by_code = conn.execute(
        sa.select(
            identity.c.code,
            sa.func.count(sa.distinct(person.c.id)),
            sa.func.count(sa.distinct(sa.case((is_paid, person.c.id)))),
        )
        .select_from(base)
        .where(*conds)
        .group_by(identity.c.code)
    ).all()
    holders, paid = conn.execute(
        sa.select(
            sa.func.count(sa.distinct(person.c.id)),
            sa.func.count(sa.distinct(sa.case((is_paid, person.c.id)))),
        )
        .select_from(base)
        .where(*conds)
    ).one()
    counts = [(str(code), int(n), int(p)) for code, n, p in by_code]
    return _group_rows(scope, counts), int(holders or 0), int(paid or 0)


@dataclass(frozen=True)
class PersonLine:
    """One person of a village, as F7's last level lists them (ID masked)."""

    person_id: str
    name: str
    id_masked: str
    status: str
    paid: bool
    paid_on: date | None
    paid_last_year: bool
    identities: tuple[str, ...]  # Chinese labels
    # In 职工医保 (not paid here): not someone to chase; the ledgers leave them out too.
    employee_insured: bool = False

    @property
    def to_chase(self) -> bool:
        return not self.paid and not self.employee_insured


def people(
    engine: Engine, scope: Scope, *, town: str, village: str | None, county: str | None = None,
    limit: int = 5000,
) -> list[PersonLine]:
    """The people of ``town`` / ``village`` (``None``: every village), of ``county`` only when
    given (a row's ``county``, "" for unknown), unpaid first."""
    person, payment, identity = table("person"), table("payment"), table("person_identity")
    county_col, town_col, village_col = place_columns(scope.policy.region_code)
    paid_now = paid_as_of(scope.year, scope.as_of, distinct=True).subquery()
    last = paid_last_year(scope.year).subquery()
    conds = [town_col == town]
    if county is not None:
        conds.append(county_col == county)
    if village is not None:
        conds.append(village_col == village)
    paid_on = (
        sa.select(sa.func.max(payment.c.paid_on))
        .where(
            payment.c.person_id == person.c.id,
            payment.c.benefit_year == scope.year,
            payment.c.paid_on <= scope.as_of,
        )
        .scalar_subquery()
    )
    query = (
        sa.select(
            person.c.id,
            person.c.name,
            person.c.id_number,
            person.c.status,
            person.c.employee_insured,
            paid_now.c.person_id.label("paid_id"),
            last.c.person_id.label("last_id"),
            paid_on.label("paid_on"),
        )
        .select_from(
            persons_with_place()
            .outerjoin(paid_now, paid_now.c.person_id == person.c.id)
            .outerjoin(last, last.c.person_id == person.c.id)
        )
        .where(*conds, sa.or_(person.c.status == "active", paid_now.c.person_id.is_not(None)))
        # those to chase first, then those in 职工医保, then those who paid
        .order_by(
            paid_now.c.person_id.is_not(None),
            person.c.employee_insured,
            village_col,
            person.c.name,
        )
        .limit(limit)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        held: dict[str, list[str]] = defaultdict(list)
        ids = [r.id for r in rows]
        for start in range(0, len(ids), 500):
            part = ids[start : start + 500]
            for pid, code in conn.execute(
                sa.select(identity.c.person_id, identity.c.code).where(
                    identity.c.person_id.in_(part), active_identity(scope.as_of)
                )
            ):
                held[pid].append(identity_label(code))
    return [
        PersonLine(
            person_id=r.id,
            name=r.name,
            id_masked=mask(r.id_number) if r.id_number else "（无身份证号）",
            status=r.status,
            paid=r.paid_id is not None,
            paid_on=r.paid_on if r.paid_id is not None else None,
            paid_last_year=r.last_id is not None,
            identities=tuple(sorted(held.get(r.id, []))),
            employee_insured=bool(r.employee_insured) and r.paid_id is None,
        )
        for r in rows
    ]
