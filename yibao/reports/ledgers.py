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
from dataclasses import dataclass
from operator import itemgetter
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from yibao import regions
from yibao.identities import label as identity_label
from yibao.idnumbers import mask
from yibao.reports.base import (
    Scope,
    active_identity,
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


@dataclass(frozen=True)
class SubsidyLine:
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
    """Codes of the identities each of ``ids`` holds on the day, in code order, each once."""
    identity = table("person_identity")
    held: dict[str, list[str]] = defaultdict(list)
    query = sa.select(identity.c.person_id, identity.c.code).where(active_identity(scope.as_of))
    if len(ids) > _IDENTITIES_BY_ID:
        wanted = set(ids)
        rows: Any = conn.execute(query.order_by(identity.c.code)).all()
        pairs = ((pid, code) for pid, code in rows if pid in wanted)
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


def _who(scope: Scope, which: str, last: sa.ColumnElement[bool]) -> sa.ColumnElement[bool]:
    """Who of the active, not in 职工医保 and not paid belongs in the ledger ``which``."""
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
    return person.c.id.in_(
        sa.select(identity.c.person_id).where(identity.c.code.in_(codes), active_identity(scope.as_of))
    )


def _ledger_rows(
    engine: Engine, scope: Scope, whiches: tuple[str, ...], *, dates_as_text: bool = False
) -> tuple[list[Any], dict[str, list[str]]]:
    """The rows of the ledgers ``whiches`` as the query gives them (sorted as a ledger is),
    and each one's identities: the sheet is made from these, without a ``LedgerLine`` each.
    For one ledger, its people; for several, everyone in any of them, each row ending with a
    flag (1/0) per ledger after the first's columns: one pass over the registry for the whole
    workbook (each pass reads every resident: ~2.5 s at 1.6 M), and each ledger's rows are the
    flagged ones, in the same order. ``dates_as_text``: the birth date as the database gives
    it, not made a ``date`` (SQLite: the ISO text the sheet shows; half a million ``date``
    objects made and formatted again cost ~0.5 s)."""
    for which in whiches:
        if which not in LEDGERS:
            raise ValueError(f"没有“{which}”这本台账。可选：{'、'.join(LEDGERS)}。")
    person = table("person")
    county, town, village = place_columns(scope.policy.region_code)
    last = paid_last_year_exists(person.c.id, scope.year)
    conds: list[sa.ColumnElement[bool]] = [
        person.c.status == "active",
        person.c.employee_insured.is_(False),
        person.c.id.not_in(paid_as_of(scope.year, scope.as_of)),
        *town_filter(scope),
    ]
    conds.append(sa.or_(*(_who(scope, which, last) for which in whiches)))
    # The last-year column is the last-year flag: probed once per row.
    flags = [] if len(whiches) == 1 else [
        sa.type_coerce(_who(scope, which, last), sa.Integer).label(f"in_{i}")
        for i, which in enumerate(whiches) if which != LAST_YEAR
    ]
    query = (
        sa.select(
            person.c.id,
            person.c.name,
            person.c.id_number,
            person.c.sex,
            sa.type_coerce(person.c.birth_date, sa.String) if dates_as_text else person.c.birth_date,
            county,
            town,
            village,
            person.c.address,
            person.c.phone,
            sa.type_coerce(sa.true() if whiches == (LAST_YEAR,) else last, sa.Integer).label("last"),
            *flags,
        )
        .select_from(persons_with_place())
        .where(*conds)
    )
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        held = _identities(conn, [r[0] for r in rows], scope)
    # Sorted here, not by ORDER BY: SQLite's sorter carried every column of half a million
    # rows (~2 s at 1.6 M). By code point, as SQLite sorted; on PostgreSQL the same order now,
    # not the database's collation.
    rows.sort(key=itemgetter(5, 6, 7, 1, 0))
    return rows, held


def gone_since_last_year(engine: Engine, scope: Scope) -> int:
    """Last year's payers not paid this year who have since died or moved out."""
    person = table("person")
    with engine.connect() as conn:
        return int(
            conn.scalar(
                sa.select(sa.func.count())
                .select_from(persons_with_place())
                .where(
                    person.c.status != "active",
                    paid_last_year_exists(person.c.id, scope.year),
                    person.c.id.not_in(paid_as_of(scope.year, scope.as_of)),
                    *town_filter(scope),
                )
            )
            or 0
        )


def subsidy_ledger(engine: Engine, scope: Scope) -> list[SubsidyLine]:
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
    with engine.connect() as conn:
        rows = conn.execute(query).all()
        held = _identities(conn, [r.id for r in rows], scope)
    rows.sort(key=itemgetter(3, 4, 1, 0))  # town, village, name, person (as the ledgers)
    coverage = getattr(scope.policy, "coverage", None)
    # A refunded payment beside a newer good one: keep the good one only.
    seen: dict[str, Any] = {}
    for r in rows:
        if r.id not in seen or r.status == "paid":
            seen[r.id] = r
    notes: dict[str, tuple[Any, str]] = {}  # per identity applied: its funding and the note
    out: list[SubsidyLine] = []
    for r in seen.values():
        code = r.subsidy_identity or ""
        if code not in notes:
            notes[code] = _funding_note(scope, coverage, code)
        funding, note = notes[code]
        split = funding.split(int(r.subsidy_fen)) if funding is not None else None
        if funding is not None and split is None:
            note = f"{scope.document} {funding.clause} 所列来源之和与资助额不符，需核实"
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
    lines, held = _ledger_rows(engine, scope, (which,), dates_as_text=True)
    return _ledger_sheet(engine, scope, which, _cells(lines, held, full_ids), full_ids=full_ids)


def _cells(lines: list[Any], held: dict[str, list[str]], full_ids: bool) -> list[list[Cell]]:
    """Each row's cells after the 序号 (the same for a person in any ledger)."""
    labels = _Labels()
    held_labels = {pid: labels.of(tuple(codes)) for pid, codes in held.items()}
    sexes = {"1": "男", "2": "女"}
    # Half a million rows: no call per row that an expression can do (mask's slice inline).
    return [
        [
            town,
            village,
            name,
            number[:6] + "********" + number[-4:] if not full_ids and number and len(number) >= 10
            else _shown(number, full_ids),
            sexes.get(sex, "未知"),
            born if type(born) is str else born.isoformat() if born else "",
            "已缴" if was else "未缴",
            held_labels.get(pid, ""),
            phone or "",
            address or "",
        ]
        for pid, name, number, sex, born, _county, town, village, address, phone, was, *_flags in lines
    ]


def _ledger_sheet(engine: Engine, scope: Scope, which: str, cells: list[list[Cell]], *, full_ids: bool) -> Sheet:
    sheet = Sheet(
        name=which,
        title=f"{which}台账",
        header=header_lines(scope, "口径：" + _LEDGER_RULE[which]),
        columns=["序号", "乡镇（街道）", "村（社区）", "姓名", "身份证号", "性别", "出生日期",
                 "上年度缴费", "特殊身份", "联系电话", "住址"],
        widths=[6, 14, 14, 10, 22, 6, 12, 10, 24, 14, 30],
    )
    sheet.rows = [[n, *row] for n, row in enumerate(cells, start=1)]
    sheet.footer.append(f"合计：{len(cells)} 人。")
    if which == LAST_YEAR:
        gone = gone_since_last_year(engine, scope)
        sheet.footer.append(f"另有上年度参保、现已死亡或迁出的 {gone} 人，未列入本台账。")
    sheet.footer.append("身份证号" + ("为完整号码（已记入审计日志）。" if full_ids else "已遮蔽（前6位、后4位）。"))
    return sheet


def subsidy_sheets(engine: Engine, scope: Scope, *, full_ids: bool = False) -> list[Sheet]:
    lines = subsidy_ledger(engine, scope)
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


def ledger_sheets(engine: Engine, scope: Scope, *, full_ids: bool = False) -> list[Sheet]:
    """The whole ledger workbook: the four ledgers, the subsidy ledger and its totals by source.
    The four ledgers' people are read at once (``_ledger_rows``), each one's cells made once."""
    lines, held = _ledger_rows(engine, scope, LEDGERS, dates_as_text=True)
    cells = _cells(lines, held, full_ids)
    # Each ledger's flag: the last-year column (10), else the flags after it, in LEDGERS' order.
    others = [w for w in LEDGERS if w != LAST_YEAR]
    flag = {LAST_YEAR: 10, **{which: 11 + i for i, which in enumerate(others)}}
    return [
        *(
            _ledger_sheet(
                engine, scope, which, [c for c, line in zip(cells, lines, strict=True) if line[flag[which]]],
                full_ids=full_ids,
            )
            for which in LEDGERS
        ),
        *subsidy_sheets(engine, scope, full_ids=full_ids),
    ]
