"""The ledgers (台账): four lists of people not paid for the benefit year as of a day, and the
subsidy ledger.

- 户籍人口未参保: 户籍 in the jurisdiction, active, not in 职工医保, not paid.
- 常住人口未参保: 居住证 issued here, 户籍 elsewhere (or unknown), active, not in 职工医保, not paid.
- 上年度参保本年度未参保: paid last year (registry or ``import enrolments``), active, not in
  职工医保, not paid this year. People who died or moved out since are not chased: they are
  counted in the sheet's footer instead.
- 特殊身份群体未参保: holding, on the day, an identity the policy subsidises, active, not in
  职工医保, not paid.
- 资助参保台账: every payment of the year still good on the day with a subsidy: the identity
  applied (就高不重复: one line per person, the identity the payment used), the subsidy, and its
  split by source where the policy's ``[[coverage.funding]]`` gives one — otherwise the line
  says the document does not split it.

ID numbers are masked unless ``full_ids`` (the CLI lets only a 审核人员 ask, and audits it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from itertools import compress, count, repeat
from operator import itemgetter
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from yibao import regions
from yibao.identities import label as identity_label
from yibao.idnumbers import mask
from yibao.prepared import Prepared
from yibao.reports.base import (
    Scope,
    active_identity,
    gc_paused,
    paid_as_of,
    paid_as_of_exists,
    paid_last_year_exists,
    persons_with_place,
    place_columns,
    table,
    town_filter,
    yuan,
)
from yibao.reports.progress import _subsidised_codes
from yibao.reports.sheet import Cell, Sheet

HUKOU = "户籍人口未参保"
RESIDENT = "常住人口未参保"
LAST_YEAR = "上年度参保本年度未参保"
SPECIAL = "特殊身份群体未参保"
SUBSIDY = "资助参保台账"
LEDGERS = (HUKOU, RESIDENT, LAST_YEAR, SPECIAL)


class LedgerLine(NamedTuple):
    """One person of a ledger (a named tuple: a county's ledger holds half a million)."""

    person_id: str
    name: str
    id_number: str | None
    sex: str | None
    birth_date: Any
    county: str
    town: str
    village: str
    address: str | None
    phone: str | None
    paid_last_year: bool
    identities: tuple[str, ...]  # codes


class SubsidyLine(NamedTuple):
    """One subsidised person of the subsidy ledger (a named tuple, as ``LedgerLine``: a
    county's ledger holds 80,000; a frozen dataclass took ~4 µs to make each)."""

    person_id: str
    name: str
    id_number: str | None
    town: str
    village: str
    identity: str  # applied (code)
    other_identities: tuple[str, ...]  # also held on the day (not added: 就高不重复)
    standard_fen: int
    subsidy_fen: int
    personal_fen: int
    paid_on: Any
    receipt_no: str
    split: list[tuple[str, int]] | None  # by source; None: not split by the document
    split_note: str  # clause, or what the document leaves unsaid


def _in_jurisdiction(column: sa.ColumnElement[Any], region_code: str) -> sa.ColumnElement[bool]:
    codes = {*regions.counties_of(region_code), region_code}
    return sa.func.substr(column, 1, 6).in_(sorted(codes))


# Up to this many people the ledger's identities are read for them (by ``IN``); beyond it
# every identity valid on the day is read at once (a few per hundred residents).
_IDENTITIES_BY_ID = 5000


def _identities(conn: sa.Connection, ids: list[str], scope: Scope) -> dict[str, list[str]]:
    """Codes of the identities each of ``ids`` holds on the day, in code order, each once
    (for a long list, of everyone who holds one)."""
    identity = table("person_identity")
    held: dict[str, list[str]] = defaultdict(list)
    query = sa.select(identity.c.person_id, identity.c.code).where(active_identity(scope.as_of))
    if len(ids) > _IDENTITIES_BY_ID:
        # Everyone's: a holder not among ``ids`` is never asked for (a set of half a million
        # ids to leave them out cost more than keeping them).
        pairs: Any = Prepared(query.order_by(identity.c.code)).tuples(conn)
    else:
        pairs = (
            (pid, code)
            for start in range(0, len(ids), 900)
            for pid, code in conn.execute(
                query.where(identity.c.person_id.in_(ids[start : start + 900])).order_by(identity.c.code)
            )
        )
    for pid, code in pairs:
        codes = held[pid]
        if code not in codes:
            codes.append(code)
    return held


def ledger(engine: Engine, scope: Scope, which: str) -> list[LedgerLine]:
    """The people of one of the four ledgers (``LEDGERS``), by town, village and name."""
    rows, held = _ledger_rows(engine, scope, (which,))
    none: tuple[str, ...] = ()
    return [
        LedgerLine(pid, name, number, sex, born, county, town, village, address, phone,
                   bool(was), tuple(held[pid]) if pid in held else none)
        for pid, name, number, sex, born, county, town, village, address, phone, was in rows
    ]


def _who(
    scope: Scope, which: str, last: sa.ColumnElement[bool], person_id: sa.ColumnElement[Any] | None = None
) -> sa.ColumnElement[bool]:
    """Who of the active, not in 职工医保 and not paid belongs in the ledger ``which``
    (``person_id``: the person's id column, default ``person.id``)."""
    person, identity = table("person"), table("person_identity")
    code = scope.policy.region_code
    if which == HUKOU:
        return _in_jurisdiction(person.c.hukou_region, code)
    if which == RESIDENT:
        return sa.and_(
            _in_jurisdiction(person.c.residence_permit_region, code),
            sa.or_(
                person.c.hukou_region.is_(None),
                sa.not_(_in_jurisdiction(person.c.hukou_region, code)),
            ),
        )
    if which == LAST_YEAR:
        return last
    codes = sorted(_subsidised_codes(scope.policy))
    return (person.c.id if person_id is None else person_id).in_(
        sa.select(identity.c.person_id).where(identity.c.code.in_(codes), active_identity(scope.as_of))
    )


def _ledger_rows(
    engine: Engine, scope: Scope, whiches: tuple[str, ...], *, dates_as_text: bool = False
) -> tuple[list[Any], dict[str, list[str]]]:
    """The rows of the ledgers ``whiches`` as the query gives them (sorted as a ledger is),
    and each one's identities: the sheet is made from these, without a ``LedgerLine`` each.
    For one ledger, its people; for several, everyone in any of them, each row ending with a
    flag (1/0) per ledger after the first's columns: one pass for the whole workbook, and
    each ledger's rows are the flagged ones, in the same order. ``dates_as_text``: the birth
    date as the database gives it, not made a ``date`` (SQLite: the ISO text the sheet
    shows; half a million ``date`` objects made and formatted again cost ~0.5 s).

    Who is in them is read from the kept per-person counts (``progress_person``) when they
    are built for the year and settled, else from the registry (the same rules,
    ``yibao.reports.base``; the tests compare the two)."""
    with engine.connect() as conn, conn.begin():
        return _ledger_rows_on(conn, scope, whiches, dates_as_text=dates_as_text)


Key = tuple[str, str, str]  # (county, town, village): the ledgers' order before the name


def _ledger_rows_on(
    conn: sa.Connection, scope: Scope, whiches: tuple[str, ...], *, dates_as_text: bool = False,
    low: Key | None = None, high: Key | None = None,
) -> tuple[list[Any], dict[str, list[str]]]:
    """``_ledger_rows`` in ``conn``'s transaction; with ``low`` / ``high``, only the rows whose
    (county, town, village) is from ``low`` on and before ``high``: one stretch of the
    ledgers' order (``yibao.reports.ledger_book`` writes two stretches at once)."""
    for which in whiches:
        if which not in LEDGERS:
            raise ValueError(f"没有“{which}”这本台账。可选：{'、'.join(LEDGERS)}。")
    query = (_kept_query if _tally_serves(conn, scope) else _registry_query)(
        scope, whiches, dates_as_text=dates_as_text
    )
    query = _within(query, conn.dialect.name, low, high)
    # The driver's tuples: a SQLAlchemy row each cost ~0.4 µs to make, and indexing
    # one is a Python call.
    rows = Prepared(_in_ledger_order(query, conn.dialect.name)).tuples(conn)
    held = _identities(conn, [r[0] for r in rows], scope)
    return rows, held


def _within(query: sa.Select[Any], dialect: str, low: Key | None, high: Key | None) -> sa.Select[Any]:
    """``query`` (a ledger's) limited to the (county, town, village) from ``low`` on and
    before ``high``, compared as the ledger is ordered (code point: "C" on PostgreSQL)."""
    if low is None and high is None:
        return query
    columns = [query.selected_columns[i] for i in (5, 6, 7)]
    if dialect == "postgresql":
        columns = [sa.collate(c, "C") for c in columns]
    key = sa.tuple_(*columns)
    if low is not None:
        query = query.where(key >= sa.tuple_(*(sa.literal(v, sa.String) for v in low)))
    if high is not None:
        query = query.where(key < sa.tuple_(*(sa.literal(v, sa.String) for v in high)))
    return query


def _in_ledger_order(query: sa.Select[Any], dialect: str) -> sa.Select[Any]:
    """``query`` ordered as a ledger is: county, town, village, name, person id (its columns
    5, 6, 7, 1, 0), by code point on both databases (PostgreSQL's "C" collation; SQLite's
    default). By the database, not in Python: half a million rows sorted in Python come
    out scattered in memory, and every later pass over them (the cells, the XML, freeing
    them) waited on memory — at 1.6 M the sort in SQLite costs ~0.5 s more, Python's sort
    and those passes ~1.5 s less."""
    columns = [query.selected_columns[i] for i in (5, 6, 7, 1, 0)]
    if dialect == "postgresql":
        return query.order_by(*(sa.collate(c, "C") for c in columns))
    return query.order_by(*columns)


def _tally_serves(conn: sa.Connection, scope: Scope) -> bool:
    """The kept per-person counts can say who is in a ledger: built for the year, and no
    write left unsettled (the hook settles every commit; a write by hand may not be)."""
    from yibao.reports import tally

    return scope.year in tally.built_years(conn) and tally.is_settled(conn)


def _person_columns(
    person: sa.Table, dates_as_text: bool
) -> tuple[sa.ColumnElement[Any], ...]:
    born = sa.type_coerce(person.c.birth_date, sa.String).label("birth_date") if dates_as_text else person.c.birth_date
    return person.c.id, person.c.name, person.c.id_number, person.c.sex, born


def _flags(
    whiches: tuple[str, ...], who: Any
) -> tuple[sa.ColumnElement[int], list[sa.ColumnElement[Any]]]:
    """The last-year column and, for several ledgers, a flag per ledger but 上年度 (whose
    flag is the last-year column): ``who(which)`` is the ledger's condition."""
    last = sa.type_coerce(sa.true() if whiches == (LAST_YEAR,) else who(LAST_YEAR), sa.Integer).label("last")
    flags = [] if len(whiches) == 1 else [
        sa.type_coerce(who(which), sa.Integer).label(f"in_{i}")
        for i, which in enumerate(whiches) if which != LAST_YEAR
    ]
    return last, flags


def _registry_query(scope: Scope, whiches: tuple[str, ...], *, dates_as_text: bool) -> sa.Select[Any]:
    person = table("person")
    county, town, village = place_columns(scope.policy.region_code)
    last = paid_last_year_exists(person.c.id, scope.year)

    def who(which: str) -> sa.ColumnElement[bool]:
        return _who(scope, which, last)

    last_column, flags = _flags(whiches, who)
    return (
        sa.select(
            *_person_columns(person, dates_as_text), county, town, village,
            person.c.address, person.c.phone, last_column, *flags,
        )
        .select_from(persons_with_place())
        .where(
            person.c.status == "active",
            person.c.employee_insured.is_(False),
            person.c.id.not_in(paid_as_of(scope.year, scope.as_of)),
            *town_filter(scope),
            sa.or_(*(who(which) for which in whiches)),
        )
    )  # fmt: skip


def _kept_query(scope: Scope, whiches: tuple[str, ...], *, dates_as_text: bool) -> sa.Select[Any]:
    """The same rows as ``_registry_query`` from the kept shares of the year: each resident's
    place, registered, paid last year and paid days are on their own row there, where the
    registry needs the household, three last-year look-ups and the 1.1 M payers (at 1.6 M:
    ~3.7 s of SQLite against ~0.9 s). The person's own columns are joined by key."""
    kept, person = table("progress_person"), table("person")
    codes = sorted({*regions.counties_of(scope.policy.region_code), scope.policy.region_code})
    here = kept.c.hukou6.in_(codes)
    day = sa.literal(scope.as_of.isoformat(), sa.String)

    def who(which: str) -> sa.ColumnElement[bool]:
        if which == HUKOU:
            return here
        if which == RESIDENT:
            return sa.and_(kept.c.permit6.in_(codes), sa.not_(here))
        if which == LAST_YEAR:
            return kept.c.last == 1
        return _who(scope, which, sa.false(), kept.c.person_id)

    last_column, flags = _flags(whiches, who)
    county = sa.case(
        (here, kept.c.hukou6), (kept.c.permit6.in_(codes), kept.c.permit6), else_=kept.c.fallback6
    )
    # Not paid on the day: no paid days, or the first (in order) after it; days that end (a
    # refund) or several spans are asked of the registry, by person (a few in a hundred).
    spans = kept.c.spans
    not_paid = sa.or_(
        spans == "",
        sa.func.substr(spans, 1, 10) > day,
        sa.and_(
            sa.func.length(spans) != len("2024-01-01/"),
            sa.not_(paid_as_of_exists(kept.c.person_id, scope.year, scope.as_of)),
        ),
    )
    return (
        sa.select(
            *_person_columns(person, dates_as_text), county.label("county"),
            kept.c.town.label("town"), kept.c.village.label("village"),
            person.c.address, person.c.phone, last_column, *flags,
        )
        # Joined on an expression of the kept side, so SQLite reads the kept rows first (a
        # plain scan, narrow rows, most left out) and finds each person by key, not every
        # person first and their kept row by key.
        .select_from(kept.join(person, person.c.id == sa.func.coalesce(kept.c.person_id, "")))
        .where(
            kept.c.benefit_year == scope.year,
            kept.c.registered == 1,
            not_paid,
            *([kept.c.town == scope.town] if scope.town else []),
            sa.or_(*(who(which) for which in whiches)),
        )
    )  # fmt: skip


def gone_since_last_year(engine: Engine, scope: Scope) -> int:
    """Last year's payers not paid this year who have since died or moved out. Probed per
    person gone (a few in a thousand), where ``NOT IN (paid_as_of)`` first collected the
    1.1 M payers of a county (1.6 s against 0.4 s)."""
    with engine.connect() as conn:
        return _gone_on(conn, scope)


def _gone_on(conn: sa.Connection, scope: Scope) -> int:
    person = table("person")
    return int(
        conn.scalar(
            sa.select(sa.func.count())
            .select_from(persons_with_place() if scope.town else person)
            .where(
                person.c.status != "active",
                paid_last_year_exists(person.c.id, scope.year),
                sa.not_(paid_as_of_exists(person.c.id, scope.year, scope.as_of)),
                *town_filter(scope),
            )
        )
        or 0
    )


def subsidy_ledger(engine: Engine, scope: Scope) -> list[SubsidyLine]:
    with engine.connect() as conn, conn.begin():
        return _subsidy_ledger_on(conn, scope)


def _subsidy_ledger_on(conn: sa.Connection, scope: Scope) -> list[SubsidyLine]:
    person, payment = table("person"), table("payment")
    _county, town, village = place_columns(scope.policy.region_code)
    query = (
        sa.select(
            person.c.id,
            person.c.name,
            person.c.id_number,
            town,
            village,
            payment.c.subsidy_identity,
            payment.c.standard_fen,
            payment.c.subsidy_fen,
            payment.c.personal_fen,
            payment.c.paid_on,
            payment.c.receipt_no,
            payment.c.status,
        )
        .select_from(persons_with_place().join(payment, payment.c.person_id == person.c.id))
        .where(
            payment.c.benefit_year == scope.year,
            payment.c.paid_on <= scope.as_of,
            # A literal, not a parameter: so the planner can use ``ix_payment_subsidised``
            # (partial on ``subsidy_fen > 0``) and read the subsidised payments only.
            payment.c.subsidy_fen > sa.literal_column("0"),
            payment.c.status.in_(("paid", "refunded")),
            paid_as_of_exists(person.c.id, scope.year, scope.as_of),
            *town_filter(scope),
        )
    )
    rows = list(Prepared(query).rows(conn))  # named tuples, not SQLAlchemy rows
    held = _identities(conn, [r.id for r in rows], scope)
    rows.sort(key=itemgetter(3, 4, 1, 0))  # town, village, name, person (as the ledgers)
    coverage = getattr(scope.policy, "coverage", None)
    # A refunded payment beside a newer good one: keep the good one only.
    seen: dict[str, Any] = {}
    for r in rows:
        if r.id not in seen or r.status == "paid":
            seen[r.id] = r
    notes: dict[str, tuple[Any, str]] = {}  # per identity applied: its funding and the note
    # per identity and subsidy: its split and note (a few amounts: worked out once each)
    splits: dict[tuple[str, int], tuple[list[tuple[str, int]] | None, str]] = {}
    out: list[SubsidyLine] = []
    for r in seen.values():
        code = r.subsidy_identity or ""
        known = splits.get((code, r.subsidy_fen))
        if known is None:
            if code not in notes:
                notes[code] = _funding_note(scope, coverage, code)
            funding, note = notes[code]
            split = funding.split(int(r.subsidy_fen)) if funding is not None else None
            if funding is not None and split is None:
                note = f"{scope.document} {funding.clause} 所列来源之和与资助额不符，需核实"
            known = splits[(code, r.subsidy_fen)] = (split, note)
        split, note = known
        if split is not None:
            split = list(split)  # each line its own list
        out.append(
            SubsidyLine(
                person_id=r.id,
                name=r.name,
                id_number=r.id_number,
                town=r.town,
                village=r.village,
                identity=code,
                other_identities=tuple(c for c in held.get(r.id, ()) if c != code),
                standard_fen=int(r.standard_fen),
                subsidy_fen=int(r.subsidy_fen),
                personal_fen=int(r.personal_fen),
                paid_on=r.paid_on,
                receipt_no=r.receipt_no,
                split=split,
                split_note=note,
            )
        )
    return out


def _funding_note(scope: Scope, coverage: Any, code: str) -> tuple[Any, str]:
    """The policy's split of ``code``'s subsidy by source (None: not split) and the note."""
    funding = coverage.funding_for(code) if coverage is not None else None
    if funding is None:
        return None, f"{scope.document} 未规定该身份资助资金的来源划分"
    return funding, f"{scope.document} {funding.clause}"


def totals_by_source(lines: list[SubsidyLine]) -> tuple[dict[str, int], int]:
    """Subsidy fen by source, and the fen the document does not split."""
    by_source: dict[str, int] = defaultdict(int)
    unsplit = 0
    for line in lines:
        if line.split is None:
            unsplit += line.subsidy_fen
        else:
            for source, fen in line.split:
                by_source[source] += fen
    return dict(by_source), unsplit


# --- as sheets -----------------------------------------------------------------------------


def header_lines(scope: Scope, what: str) -> list[str]:
    place = scope.jurisdiction + (f" {scope.town}" if scope.town else "")
    return [
        f"依据文件：{scope.document}《{scope.policy.document.title}》",
        f"辖区：{place}　待遇年度：{scope.year}年　统计截至：{scope.as_of.isoformat()}",
        what,
    ]


def _shown(number: str | None, full_ids: bool) -> str:
    if not number:
        return "（无身份证号）"
    return number if full_ids else mask(number)


class _Labels:
    """The Chinese labels of a set of identity codes, joined, worked out once per set."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, ...], str] = {}

    def of(self, codes: tuple[str, ...]) -> str:
        text = self._seen.get(codes)
        if text is None:
            text = self._seen[codes] = "、".join(identity_label(c) for c in codes)
        return text


_LEDGER_RULE = {
    HUKOU: "户籍在本辖区、未参加职工医保、截至统计日未缴本年度居民医保的人员。",
    RESIDENT: "持本辖区居住证、户籍不在本辖区、未参加职工医保、截至统计日未缴本年度居民医保的人员。",
    LAST_YEAR: "上年度已缴费参保、截至统计日未缴本年度居民医保的人员（已死亡、迁出的不列入，见表尾）。",
    SPECIAL: "截至统计日持有本政策资助参保身份、未参加职工医保、未缴本年度居民医保的人员。",
}


def ledger_sheet(engine: Engine, scope: Scope, which: str, *, full_ids: bool = False) -> Sheet:
    with gc_paused():
        lines, held = _ledger_rows(engine, scope, (which,), dates_as_text=True)
        columns = _columns(lines, held, full_ids)
        del lines
        gone = gone_since_last_year(engine, scope) if which == LAST_YEAR else 0
        return _ledger_sheet(scope, which, _numbered(columns), gone, full_ids=full_ids)


_SEXES = {"1": "男", "2": "女"}
_PAID_LAST = ("未缴", "已缴")


def _columns(lines: list[Any], held: dict[str, list[str]], full_ids: bool) -> list[Sequence[Cell]]:
    """The cells after the 序号 (the same for a person in any ledger), column by column:
    half a million rows, so each column is made by ``map`` over a dict or tuple where it
    can (in C, no Python call per cell) and by one expression per row where it cannot."""
    if not lines:
        return [() for _ in range(10)]
    pid, name, number, sex, born, _county, town, village, address, phone, was = list(zip(*lines, strict=True))[:11]
    labels = _Labels()
    held_labels = {person: labels.of(tuple(codes)) for person, codes in held.items()}
    if full_ids:
        shown: Sequence[Cell] = [_shown(n, True) for n in number]
    else:  # mask's slice inline: a call per row costs more than the slice
        shown = [f"{n[:6]}********{n[-4:]}" if n and len(n) >= 10 else _shown(n, False) for n in number]
    # SQLite gives the date as its text (the sheet shows it as it is); PostgreSQL a date.
    if type(born[0]) is not str:
        born = tuple(b if type(b) is str else b.isoformat() if b else "" for b in born)
    return [
        town,
        village,
        name,
        shown,
        list(map(_SEXES.get, sex, repeat("未知"))),
        born,
        list(map(_PAID_LAST.__getitem__, map(bool, was))),
        list(map(held_labels.get, pid, repeat(""))),
        [p or "" for p in phone],
        [a or "" for a in address],
    ]


def _numbered(columns: list[Sequence[Cell]], keep: Sequence[Any] | None = None) -> list[list[Cell]]:
    """The sheet's rows from ``columns``: 序号 first; with ``keep``, only the rows it flags."""
    if keep is not None:
        columns = [list(compress(column, keep)) for column in columns]
    return list(zip(count(1), *columns))


def _ledger_sheet(scope: Scope, which: str, rows: list[list[Cell]], gone: int, *, full_ids: bool) -> Sheet:
    sheet = ledger_frame(scope, which, len(rows), gone, full_ids=full_ids)
    sheet.rows = rows
    return sheet


LEDGER_COLUMNS = 11  # the ledgers' columns, 序号 first


def ledger_frame(scope: Scope, which: str, count: int, gone: int, *, full_ids: bool) -> Sheet:
    """The ledger ``which``'s sheet without its rows (``count`` of them; ``gone``: last
    year's payers since dead or moved out, said under 上年度参保本年度未参保)."""
    sheet = Sheet(
        name=which,
        title=f"{which}台账",
        header=header_lines(scope, "口径：" + _LEDGER_RULE[which]),
        columns=["序号", "乡镇（街道）", "村（社区）", "姓名", "身份证号", "性别", "出生日期",
                 "上年度缴费", "特殊身份", "联系电话", "住址"],
        widths=[6, 14, 14, 10, 22, 6, 12, 10, 24, 14, 30],
    )
    sheet.footer.append(f"合计：{count} 人。")
    if which == LAST_YEAR:
        sheet.footer.append(f"另有上年度参保、现已死亡或迁出的 {gone} 人，未列入本台账。")
    sheet.footer.append("身份证号" + ("为完整号码（已记入审计日志）。" if full_ids else "已遮蔽（前6位、后4位）。"))
    return sheet


def subsidy_sheets(engine: Engine, scope: Scope, *, full_ids: bool = False) -> list[Sheet]:
    return subsidy_sheets_of(scope, subsidy_ledger(engine, scope), full_ids=full_ids)


def subsidy_sheets_of(scope: Scope, lines: list[SubsidyLine], *, full_ids: bool = False) -> list[Sheet]:
    """The subsidy ledger and its totals by source, of ``lines`` (``subsidy_ledger``)."""
    sources: list[str] = []
    coverage = getattr(scope.policy, "coverage", None)
    for funding in getattr(coverage, "funding", ()) or ():
        for share in funding.shares:
            if share.source not in sources:
                sources.append(share.source)
    sheet = Sheet(
        name=SUBSIDY,
        title="特殊人群资助参保台账",
        header=header_lines(
            scope, "口径：本年度已缴费且享受资助的人员；多重身份按“就高不重复享受资助”只计所用身份一次。"
        ),
        columns=["序号", "乡镇（街道）", "村（社区）", "姓名", "身份证号", "资助身份", "另持身份",
                 "缴费标准（元）", "资助（元）", "个人缴费（元）", *[f"{s}（元）" for s in sources],
                 "资金来源依据", "缴费日期", "收据号"],
        widths=[6, 14, 14, 10, 22, 16, 16, 12, 10, 12, *[12] * len(sources), 34, 12, 16],
    )
    amounts: dict[int, str] = {}  # fen → yuan text: a few amounts, a line's four each

    def money(fen: int) -> str:
        text = amounts.get(fen)
        if text is None:
            text = amounts[fen] = yuan(fen)
        return text

    for n, line in enumerate(lines, start=1):
        split = dict(line.split or [])
        sheet.rows.append(
            [
                n,
                line.town,
                line.village,
                line.name,
                _shown(line.id_number, full_ids),
                identity_label(line.identity) if line.identity else "",
                "、".join(identity_label(c) for c in line.other_identities),
                money(line.standard_fen),
                money(line.subsidy_fen),
                money(line.personal_fen),
                *[money(split[s]) if s in split else "" for s in sources],
                line.split_note,
                line.paid_on.isoformat() if line.paid_on else "",
                line.receipt_no,
            ]
        )
    by_source, unsplit = totals_by_source(lines)
    total = sum(line.subsidy_fen for line in lines)
    sheet.footer.append(f"合计：{len(lines)} 人，资助 {yuan(total)} 元。")
    totals = Sheet(
        name="资助资金来源汇总",
        title="资助参保资金按来源汇总",
        header=header_lines(scope, "按政策文件所列资金来源汇总本年度已缴费人员的资助额（财政、医疗救助应划转数）。"),
        columns=["资助身份", "人数", "资助（元）", *[f"{s}（元）" for s in sources], "依据"],
        widths=[24, 8, 14, *[14] * len(sources), 40],
    )
    by_identity: dict[str, list[SubsidyLine]] = defaultdict(list)
    for line in lines:
        by_identity[line.identity].append(line)
    for code, group in sorted(by_identity.items()):
        split_totals: dict[str, int] = defaultdict(int)
        for line in group:
            for source, fen in line.split or []:
                split_totals[source] += fen
        totals.rows.append(
            [
                identity_label(code),
                len(group),
                yuan(sum(g.subsidy_fen for g in group)),
                *[yuan(split_totals[s]) if s in split_totals else "" for s in sources],
                group[0].split_note,
            ]
        )
    totals.rows.append(
        ["合计", len(lines), yuan(total), *[yuan(by_source.get(s, 0)) for s in sources], ""]
    )
    if unsplit:
        totals.footer.append(
            f"其中 {yuan(unsplit)} 元的资金来源政策文件未作划分，未计入各来源，需另行核实。"
        )
    if not sources:
        totals.footer.append(f"{scope.document} 未按来源划分资助资金，本表只列资助总额。")
    return [sheet, totals]


def ledger_flags(lines: list[Any]) -> dict[str, list[Any]]:
    """Per ledger, which of the rows of all four (``_ledger_rows`` of ``LEDGERS``) are its:
    the last-year column (10), else the flags after it, in ``LEDGERS``' order."""
    others = [w for w in LEDGERS if w != LAST_YEAR]
    flag = {LAST_YEAR: 10, **{which: 11 + i for i, which in enumerate(others)}}
    return {which: list(map(itemgetter(flag[which]), lines)) for which in LEDGERS}


def ledger_sheets(engine: Engine, scope: Scope, *, full_ids: bool = False) -> list[Sheet]:
    """The whole ledger workbook: the four ledgers, the subsidy ledger and its totals by source.
    The four ledgers' people are read at once (``_ledger_rows``), each one's cells made once."""
    with gc_paused():
        lines, held = _ledger_rows(engine, scope, LEDGERS, dates_as_text=True)
        columns = _columns(lines, held, full_ids)
        flags = ledger_flags(lines)
        del lines
        gone = gone_since_last_year(engine, scope)
        return [
            *(
                _ledger_sheet(scope, which, _numbered(columns, flags[which]), gone, full_ids=full_ids)
                for which in LEDGERS
            ),
            *subsidy_sheets(engine, scope, full_ids=full_ids),
        ]
