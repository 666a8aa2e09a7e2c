"""Import a department's list of special identities (民政 / 农业农村 / 残联 / 卫健 …).

``import_identities(session, path, department=..., batch=..., actor=..., now=...)``:

1. reads the file (``yibao.imports.reader``: CSV in UTF-8 or GBK, or ``.xlsx``);
2. checks every row — ID number (``yibao.idnumbers``), name against the registry
   when the person exists, identity type (Chinese label, identity code, or the
   policy's department code such as 眉山 ``2303``), dates — and keeps each refusal
   with its row number and a Chinese reason;
3. applies the good rows in the caller's transaction: a new identity is added, a
   known one left alone (or its dates corrected; one entered at the counter is
   marked as confirmed by this list), and an identity of the same department and
   type that came from an earlier list and is missing from this one is *ended*
   (``valid_to`` = the day before the batch month), never deleted. A person whose
   row is refused (a typo in a date, a name that differs …) is still on the list:
   their running identity is kept, not ended, and counted in ``report.held``;
4. writes one audit row per change and one for the batch. A run that changes
   nothing writes nothing: importing the same file twice is harmless.

A person not yet in the registry is created from the ID number and name (birth
date, sex and birth region come from the number) with a note saying which list
brought them in, so the counter can enrol them; see docs/decisions.md.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from json.encoder import encode_basestring
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

import sqlalchemy as sa
from sqlmodel import Session, select

from yibao import audit
from yibao.auditchain import SnapshotText, canonical_json
from yibao.bulk import analyze, insert_rows, rows_for, update_rows
from yibao.identities import Identity
from yibao.identities import label as identity_label
from yibao.idnumbers import InvalidIdNumber, mask, mask_ids_in, parse, tail
from yibao.imports.errors import ImportFileError
from yibao.imports.reader import SourceRow, open_table
from yibao.imports.vocabulary import DEPARTMENT_IDENTITIES, department_of, resolve_identity
from yibao.models import (
    ImportBatch,
    Person,
    PersonIdentity,
    PersonStatus,
    new_ordered_id,
    new_ordered_ids,
    to_storage,
)
from yibao.pinyin import initials
from yibao.prepared import driver_rows

COLUMNS: dict[str, tuple[str, ...]] = {
    "id_number": (
        "身份证号",
        "身份证号码",
        "公民身份号码",
        "公民身份证号码",
        "身份证件号码",
        "证件号码",
        "证件号",
        "身份证",
        "id_number",
    ),
    "name": ("姓名", "人员姓名", "参保人姓名", "救助对象姓名", "name"),
    "identity": (
        "身份类别",
        "身份类型",
        "人员类别",
        "人员类型",
        "特殊身份",
        "身份",
        "对象类别",
        "救助类别",
        "类别",
        "身份代码",
        "人员身份",
        "identity",
    ),
    "recognised_on": ("认定日期", "认定时间", "审批日期", "recognised_on"),
    "valid_from": (
        "开始日期",
        "享受开始日期",
        "有效期起",
        "起始日期",
        "纳入日期",
        "生效日期",
        "valid_from",
    ),
    "valid_to": ("结束日期", "有效期止", "终止日期", "退出日期", "享受结束日期", "valid_to"),
    "disability_grade": ("残疾等级", "等级", "disability_grade"),
}

_BATCH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)
_GRADES = {"1": 1, "2": 2, "3": 3, "4": 4, "一": 1, "二": 2, "三": 3, "四": 4}
CHUNK_ROWS = 2000  # rows checked, matched and written together
_DEAD = PersonStatus.DEAD.value
_by_id = itemgetter("id")
ANALYZE_FROM_ROWS = 10_000  # refresh the planner's statistics after an import this large

Progress = Callable[[int, int], None]


def _text_json(value: object) -> str:
    """The canonical JSON of ``audit.plain(value)`` for a text seen once (ids, notes)."""
    if type(value) is str and (
        len(value) < 15  # too short to hold an ID number: ``plain`` leaves it as it is
        or (len(value) == 36 and value[8] == value[13] == value[18] == value[23] == "-")
    ):
        return encode_basestring(value)
    return canonical_json(audit.plain(value))


@dataclass(frozen=True, slots=True)
class Problem:
    row: int  # row number in the file
    reason: str  # Chinese

    def __post_init__(self) -> None:
        # A reason may quote a cell; a shifted row can put an ID number into any cell.
        object.__setattr__(self, "reason", mask_ids_in(self.reason))

    def __str__(self) -> str:
        return f"第 {self.row} 行：{self.reason}"


@dataclass(slots=True)
class ImportReport:
    source: str
    department: str
    batch: str
    encoding: str = ""
    rows_read: int = 0
    imported: int = 0  # identities added
    updated: int = 0  # identities whose dates or grade were corrected
    confirmed: int = 0  # identities entered at the counter that this list confirms
    unchanged: int = 0
    ended: int = 0  # identities missing from this list, ended
    held: int = 0  # running identities not ended because the person's row was refused
    persons_created: int = 0
    problems: list[Problem] = field(default_factory=list)
    batch_id: str | None = None  # None when nothing changed (no batch row written)

    @property
    def refused(self) -> int:
        return len({p.row for p in self.problems})

    @property
    def changed(self) -> bool:
        return bool(
            self.imported or self.updated or self.confirmed or self.ended or self.persons_created
        )

    def summary_lines(self) -> list[str]:
        lines = [
            f"读取 {self.rows_read} 行",
            f"新增身份 {self.imported} 条",
            f"更正身份 {self.updated} 条",
            f"确认身份 {self.confirmed} 条（窗口录入、本次名单印证）",
            f"未变 {self.unchanged} 条",
            f"终止身份 {self.ended} 条（本次名单中已无此人）",
            f"拒收 {self.refused} 行",
            f"新建人员 {self.persons_created} 人（登记库中原无此人）",
        ]
        if self.held:
            lines.append(
                f"保留身份 {self.held} 条（名单中有此人但该行被拒收，未终止；请更正后重新导入）"
            )
        return lines


class _Good(NamedTuple):  # one per good row: a tuple is cheaper to build than a dataclass
    row: int
    id_number: str
    name: str
    identity: Identity
    department_code: str | None
    recognised_on: date | None
    valid_from: date | None
    valid_to: date | None
    disability_grade: int | None
    birth_date: date
    sex: str
    birth_region: str


def parse_batch(batch: str) -> date:
    """``2024-09`` → 2024-09-01 (the month the list is valid from)."""
    match = _BATCH.match((batch or "").strip())
    if match:
        year, month = int(match.group(1)), int(match.group(2))
        if 2000 <= year <= 2100 and 1 <= month <= 12:
            return date(year, month, 1)
    raise ImportFileError(f"批次“{batch}”格式不对：应为 年-月，如 2024-09（名单所属月份）。")


def parse_date(text: str) -> date:
    """Dates as departments write them: 2024-09-01, 2024/9/1, 2024年9月1日, 20240901."""
    clean = unicodedata.normalize("NFKC", text).strip()
    if "T" in clean:
        clean = clean.split("T", 1)[0]
    if " " in clean:
        clean = clean.split(" ", 1)[0]
    for pattern in _DATE_PATTERNS:
        match = pattern.match(clean)
        if match:
            year, month, day = (int(g) for g in match.groups())
            return date(year, month, day)
    raise ValueError(clean)


def _clean_name(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _listed_despite_refusal(
    source: SourceRow,
    department_codes: Mapping[str, Identity],
    default_identity: Identity | None,
    today: date,
) -> tuple[str, Identity | None] | None:
    """(ID number, identity or None when unreadable) of a refused row, if the number is valid.

    The person is on the list even though the row is refused, so an identity they
    already hold must not be ended as "no longer on the list".
    """
    raw_id = source.cells.get("id_number", "")
    if not raw_id or ("id_number" in source.numeric and len(raw_id) >= 16):
        return None
    try:
        number = parse(raw_id, today=today).number
    except InvalidIdNumber:
        return None
    raw_identity = source.cells.get("identity", "").strip()
    if not raw_identity:
        return number, default_identity
    resolved = resolve_identity(raw_identity, department_codes)
    return number, (resolved[0] if resolved else None)


class _Cells:
    """What a list repeats on most rows (identity texts, dates), read once per distinct text."""

    def __init__(self, department_codes: Mapping[str, Identity]) -> None:
        self._codes = department_codes
        self._identities: dict[str, tuple[Identity, str | None] | None] = {}
        self._dates: dict[str, date | None] = {}

    def identity(self, text: str) -> tuple[Identity, str | None] | None:
        try:
            return self._identities[text]
        except KeyError:
            found = self._identities[text] = resolve_identity(text, self._codes)
            return found

    def date(self, text: str) -> date | None:
        """The date ``text`` names (``parse_date``), None when it is not one."""
        try:
            return self._dates[text]
        except KeyError:
            pass
        try:
            found: date | None = parse_date(text)
        except ValueError:
            found = None
        if len(self._dates) < 10_000:  # a column of distinct dates must not grow without end
            self._dates[text] = found
        return found


def _row_reasons(
    source: SourceRow,
    department_codes: Mapping[str, Identity],
    default_identity: Identity | None,
    allowed: frozenset[Identity],
    department: str,
    today: date,
    known: _Cells | None = None,
) -> _Good | list[str]:
    known = known or _Cells(department_codes)
    cells = source.cells
    reasons: list[str] = []
    info = None
    raw_id = cells.get("id_number", "")
    if not raw_id:
        reasons.append("缺少身份证号码。")
    elif "id_number" in source.numeric and len(raw_id) >= 16:
        reasons.append(
            "身份证号码在 Excel 中被存成了数字，第 16 位以后已丢失。"
            "请部门把该列设为“文本”后重新录入号码（不能只改格式）。"
        )
    else:
        try:
            info = parse(raw_id, today=today)
        except InvalidIdNumber as exc:
            reasons.append(exc.message)
    name = _clean_name(cells.get("name", ""))
    if not name:
        reasons.append("缺少姓名。")
    elif len(name) > 50:
        reasons.append("姓名超过 50 个字，请核对。")
    identity: Identity | None = None
    department_code: str | None = None
    raw_identity = cells.get("identity", "").strip()
    if raw_identity:
        resolved = known.identity(raw_identity)
        if resolved is None:
            hint = "、".join(sorted(department_codes)) or "本政策未列部门代码"
            reasons.append(
                f"身份类别“{raw_identity}”无法识别：请用中文身份名称（如 低保对象、特困人员）"
                f"或本地政策列出的部门代码（{hint}）。"
            )
        else:
            identity, department_code = resolved
    elif default_identity is not None:
        identity = default_identity
    else:
        reasons.append("缺少身份类别：请在名单中填写，或导入时用 --identity 指定整份名单的身份。")
    if identity is not None and identity not in allowed:
        reasons.append(
            f"“{identity_label(identity)}”不由{department}认定，请核对名单或 --dept 参数。"
        )
    dates: dict[str, date | None] = {}
    for column, what in (
        ("recognised_on", "认定日期"),
        ("valid_from", "开始日期"),
        ("valid_to", "结束日期"),
    ):
        text = cells.get(column, "").strip()
        if not text:
            dates[column] = None
            continue
        dates[column] = known.date(text)
        if dates[column] is None:
            reasons.append(f"{what}“{text}”不是有效日期，应写成 2024-09-01。")
    for column, what in (("recognised_on", "认定日期"), ("valid_from", "开始日期")):
        value = dates[column]
        if value is not None and value > today:
            reasons.append(f"{what} {value.isoformat()} 晚于今天，请核对。")
    if dates["valid_from"] and dates["valid_to"] and dates["valid_to"] < dates["valid_from"]:
        reasons.append(
            f"结束日期 {dates['valid_to'].isoformat()} 早于开始日期 {dates['valid_from'].isoformat()}。"
        )
    grade: int | None = None
    raw_grade = cells.get("disability_grade", "").strip()
    if raw_grade:
        key = raw_grade.removesuffix("级").removeprefix("残疾")
        if key not in _GRADES:
            reasons.append(f"残疾等级“{raw_grade}”不对：应为 1 到 4（或 一级 至 四级）。")
        else:
            grade = _GRADES[key]
    if reasons or info is None or identity is None:
        return reasons
    return _Good(
        row=source.number,
        id_number=info.number,
        name=name,
        identity=identity,
        department_code=department_code,
        recognised_on=dates["recognised_on"],
        valid_from=dates["valid_from"],
        valid_to=dates["valid_to"],
        disability_grade=grade,
        birth_date=info.birth_date,
        sex=info.sex,
        birth_region=info.region_code,
    )


@dataclass(slots=True)
class _Running:
    """A running identity of the department (or one this import adds), as plain values."""

    id: str
    person_id: str
    code: str
    recognised_on: date | None
    valid_from: date | None
    valid_to: date | None
    disability_grade: int | None
    department_code: str | None
    import_batch_id: str | None
    running: bool  # on file before this import (only those can be ended)


@dataclass(slots=True)
class _Run:
    """What one import keeps across its chunks: keys, never whole rows."""

    department: str
    batch_start: date
    today: date
    department_codes: Mapping[str, Identity]
    default_identity: Identity | None
    allowed: frozenset[Identity]
    known: _Cells
    # number → (name, row, identity) of its first good row; a further identity of the same
    # number → its row. One entry per person, not two: this is what grows with the file.
    people: dict[str, tuple[str, int, Identity]] = field(default_factory=dict)
    more: dict[tuple[str, Identity], int] = field(default_factory=dict)
    held: set[tuple[str, Identity | None]] = field(default_factory=set)
    held_keys: set[tuple[str, str | None]] = field(default_factory=set)
    created: dict[str, tuple[str, str]] = field(default_factory=dict)  # number → (id, name)
    running: dict[tuple[str, str], _Running] = field(default_factory=dict)
    # (person, code, valid_from, valid_to) of the department's identities already ended: a
    # row naming one of them exactly (the same list again) is on file, not a new identity
    ended: set[tuple[str, str, date | None, date | None]] = field(default_factory=set)
    listed: set[tuple[str, str]] = field(default_factory=set)
    codes: set[str] = field(default_factory=set)
    summaries: dict[Identity, str] = field(default_factory=dict)
    # What a snapshot repeats → its JSON text: dates (or None), codes (texts or None), and
    # (type, value) of the rest. Dates and texts never equal a value of another type, so
    # they are looked up by the value itself.
    date_json: dict[object, str] = field(default_factory=dict)
    text_json: dict[object, str] = field(default_factory=dict)
    other_json: dict[tuple[type, object], str] = field(default_factory=dict)
    fixed: dict[tuple[object, ...], tuple[str, ...]] = field(default_factory=dict)

    def _json(self, value: object, memo: dict[object, str] | None = None) -> str:
        """The canonical JSON of ``audit.plain(value)``, each distinct value encoded once."""
        text = canonical_json(audit.plain(value))
        if memo is None:
            key = (type(value), value)
            found = self.other_json.setdefault(key, text) if len(self.other_json) < 10_000 else text
            return found
        if len(memo) < 10_000:  # a column of distinct dates must not grow without end
            memo[value] = text
        return text

    def snapshot_text(self, identity: dict[str, object]) -> SnapshotText:
        """``canonical_json(audit.snapshot(identity))`` of a new identity row, filled into the
        row's known shape (keys in sorted order, as the encoder writes them): encoding a dict
        per row was the import's largest Python cost. Every value goes through
        ``audit.plain`` as in a snapshot (each distinct one once);
        ``tests/services/test_import_audit_chain.py`` compares the result with the
        encoder's for every kind of value a column can hold."""
        constant = (
            identity["created_at"],
            identity["department"],
            identity["device_id"],
            identity["import_batch_id"],
            identity["revoked_at"],
            identity["updated_at"],
        )
        fixed = self.fixed.get(constant)
        if fixed is None:
            fixed = self.fixed[constant] = tuple(self._json(v) for v in constant)
        created, department, device, batch, revoked, updated = fixed
        dates, texts, slow = self.date_json, self.text_json, self._json
        code, department_code = identity["code"], identity["department_code"]
        grade = identity["disability_grade"]
        recognised, start, end = (
            identity["recognised_on"],
            identity["valid_from"],
            identity["valid_to"],
        )
        return SnapshotText(
            f'{{"code":{texts.get(code) or slow(code, texts)},"created_at":{created},'
            f'"department":{department},'
            f'"department_code":{texts.get(department_code) or slow(department_code, texts)},'
            f'"device_id":{device},'
            f'"disability_grade":{"null" if grade is None else slow(grade)},'
            f'"id":{_text_json(identity["id"])},"import_batch_id":{batch},'
            f'"note":{_text_json(identity["note"])},'
            f'"person_id":{_text_json(identity["person_id"])},'
            f'"recognised_on":{dates.get(recognised) or slow(recognised, dates)},'
            f'"revoked_at":{revoked},"updated_at":{updated},'
            f'"valid_from":{dates.get(start) or slow(start, dates)},'
            f'"valid_to":{dates.get(end) or slow(end, dates)}}}'
        )

    def recognised_as(self, identity: Identity) -> str:
        """The audit summary of a new identity, after the person's name."""
        try:
            return self.summaries[identity]
        except KeyError:
            text = self.summaries[identity] = (
                f" 认定为{identity_label(identity)}（{self.department}名单 {self.batch_start:%Y-%m}）"
            )
            return text


def _check_chunk(
    run: _Run, chunk: list[SourceRow], report: ImportReport
) -> tuple[list[_Good], list[tuple[str, Identity | None]]]:
    """Good rows of ``chunk`` (checked in Python) and the (number, identity) of refused ones."""
    good: list[_Good] = []
    held: list[tuple[str, Identity | None]] = []
    for source in chunk:
        reasons = _row_reasons(
            source,
            run.department_codes,
            run.default_identity,
            run.allowed,
            run.department,
            run.today,
            run.known,
        )
        if isinstance(reasons, list):
            report.problems.append(Problem(source.number, "".join(reasons)))
            listed = _listed_despite_refusal(
                source, run.department_codes, run.default_identity, run.today
            )
            if listed is not None:
                held.append(listed)
            continue
        row = reasons
        first = run.people.get(row.id_number)
        if first is not None:
            earlier_row = (
                first[1] if first[2] is row.identity else run.more.get((row.id_number, row.identity))
            )
            if earlier_row is not None:
                report.problems.append(
                    Problem(
                        row.row,
                        f"与第 {earlier_row} 行重复（同一身份证号 {mask(row.id_number)}、同一身份"
                        f"“{identity_label(row.identity)}”），本行不导入。",
                    )
                )
                continue
            if first[0] != row.name:
                held.append((row.id_number, row.identity))
                report.problems.append(
                    Problem(
                        row.row,
                        f"姓名“{row.name}”与第 {first[1]} 行同一身份证号的姓名“{first[0]}”不一致，"
                        "请部门核实后更正名单。",
                    )
                )
                continue
            run.more[(row.id_number, row.identity)] = row.row
        else:
            run.people[row.id_number] = (row.name, row.row, row.identity)
        good.append(row)
    return good, held


def _registry_persons(session: Session, numbers: Iterable[str]) -> dict[str, tuple[str, str, str]]:
    """number → (person id, name, status) for the numbers on file: one query."""
    wanted = sorted(set(numbers))
    if not wanted:
        return {}
    connection = session.connection()
    if connection.dialect.name == "sqlite":
        # On the driver: SQLAlchemy's expanding IN compiles a parameter per number, per
        # chunk, and its result builds a row object per person.
        marks = ", ".join("?" * len(wanted))
        result = driver_rows(
            connection,
            f"SELECT id_number, id, name, status FROM person WHERE id_number IN ({marks})",
            tuple(wanted),
        )
        return {number: (person_id, name, status) for number, person_id, name, status in result}
    stmt = sa.select(Person.id, Person.id_number, Person.name, Person.status).where(
        Person.id_number.in_(wanted)  # type: ignore[union-attr]
    )
    # On the session's connection: a Core statement, no ORM result machinery per row.
    return {r.id_number: (r.id, r.name, r.status) for r in connection.execute(stmt)}


def _load_running(session: Session, department: str) -> dict[tuple[str, str], _Running]:
    """Identities of this department still running (not ended, not revoked): one query."""
    t = PersonIdentity.__table__  # type: ignore[attr-defined]
    stmt = sa.select(
        t.c.id,
        t.c.person_id,
        t.c.code,
        t.c.recognised_on,
        t.c.valid_from,
        t.c.valid_to,
        t.c.disability_grade,
        t.c.department_code,
        t.c.import_batch_id,
    ).where(t.c.department == department, t.c.revoked_at.is_(None), t.c.valid_to.is_(None))
    return {
        (r.person_id, r.code): _Running(*r, running=True)  # type: ignore[misc]
        for r in session.execute(stmt)
    }


def _load_ended(session: Session, department: str) -> set[tuple[str, str, date | None, date | None]]:
    """Identities of this department that have an end date (not revoked): one query."""
    t = PersonIdentity.__table__  # type: ignore[attr-defined]
    stmt = sa.select(t.c.person_id, t.c.code, t.c.valid_from, t.c.valid_to).where(
        t.c.department == department, t.c.revoked_at.is_(None), t.c.valid_to.is_not(None)
    )
    return {(r.person_id, r.code, r.valid_from, r.valid_to) for r in session.execute(stmt)}


PAGE_CACHE_KIB = 32_768  # SQLite's page cache while a large list is written (default 2 MiB)


@contextmanager
def _page_cache(session: Session, rows: int) -> Iterator[None]:
    """A larger SQLite page cache for the import's connection while it writes a large list.

    Each row adds to five indexes keyed by random ids (identities, audit rows); with the
    default 2 MiB cache most of those pages are read back from the file again and again.
    The memory is bounded (32 MiB) whatever the file's size; the connection's own setting
    is put back afterwards, as the pool hands it to the desk next.
    """
    connection = session.connection()
    if connection.dialect.name != "sqlite" or rows < ANALYZE_FROM_ROWS:
        yield
        return
    before = connection.exec_driver_sql("PRAGMA cache_size").scalar()
    connection.exec_driver_sql(f"PRAGMA cache_size=-{PAGE_CACHE_KIB}")
    try:
        yield
    finally:
        # On the driver: after a failed statement SQLAlchemy refuses the connection until
        # the rollback, and the import's own error (in Chinese) must be the one raised.
        with suppress(Exception):
            driver = connection.connection.driver_connection
            driver.execute(f"PRAGMA cache_size={int(before or -2000)}")  # type: ignore[union-attr]


def _latest_batch(session: Session, department: str) -> date | None:
    return session.exec(
        select(sa.func.max(ImportBatch.recognised_on)).where(
            ImportBatch.kind == "identities", ImportBatch.department == department
        )
    ).one()


def _apply_chunk(
    session: Session,
    run: _Run,
    good: list[_Good],
    held: list[tuple[str, Identity | None]],
    report: ImportReport,
    *,
    batch_id: str,
    actor: audit.Actor,
    now: datetime,
    moment: datetime,
    dry_run: bool,
) -> None:
    """Match ``good`` against the registry with one query, then write with bulk statements."""
    canonical, batch_start = run.department, run.batch_start
    numbers = {g.id_number for g in good} | {n for n, _ in held}
    on_file = _registry_persons(session, (n for n in numbers if n not in run.created))
    for number, identity in held:
        found = on_file.get(number)
        if found is not None:
            run.held_keys.add((found[0], identity.value if identity else None))
    new_persons: list[dict[str, object]] = []
    new_identities: list[dict[str, object]] = []
    updates: list[dict[str, object]] = []
    entries: list[dict[str, object]] = []
    fresh = iter(new_ordered_ids(len(good)))
    for row in good:
        person_id: str
        person_name: str
        if row.id_number in run.created:
            person_id, person_name = run.created[row.id_number]
        elif row.id_number in on_file:
            person_id, person_name, status = on_file[row.id_number]
            if person_name != row.name and _clean_name(person_name) != row.name:
                report.problems.append(
                    Problem(
                        row.row,
                        f"姓名“{row.name}”与登记库中身份证号 {mask(row.id_number)} 的姓名“{person_name}”"
                        "不一致：请部门核实，或先在窗口更正登记信息后再导入。",
                    )
                )
                run.held_keys.add((person_id, row.identity.value))
                continue
            if status == _DEAD:
                report.problems.append(
                    Problem(
                        row.row,
                        f"登记库中 {person_name}（{mask(row.id_number)}）已登记死亡，不导入身份。",
                    )
                )
                continue
        else:
            (person,) = rows_for(
                Person,
                [
                    {
                        "id": new_ordered_id(),
                        "id_number": row.id_number,
                        "id_tail": tail(row.id_number),
                        "name": row.name,
                        "name_initials": initials(row.name),
                        "sex": row.sex,
                        "birth_date": row.birth_date,
                        "birth_region": row.birth_region,
                        "status": PersonStatus.ACTIVE.value,
                        "note": f"由{canonical} {batch_start:%Y-%m} 名单导入（第 {row.row} 行），"
                        "户籍等信息待窗口补登。",
                        "device_id": actor.device_id,
                        "created_at": moment,
                        "updated_at": moment,
                    }
                ],
            )
            person_id, person_name = str(person["id"]), row.name
            run.created[row.id_number] = (person_id, person_name)
            new_persons.append(person)
            report.persons_created += 1
            entries.append(
                {
                    "action": "person.import",
                    "entity": "person",
                    "entity_id": person_id,
                    "person_id": person_id,
                    "summary": f"由{canonical}名单新建人员 {person_name}（{mask(row.id_number)}）",
                    "after": person,
                }
            )
        code = row.identity.value
        key = (person_id, code)
        run.codes.add(code)
        existing = run.running.get(key)
        valid_from = row.valid_from or row.recognised_on or batch_start
        if existing is not None:
            run.listed.add(key)  # only identities on file can be ended: only they are kept
        elif (person_id, code, valid_from, row.valid_to) in run.ended:
            report.unchanged += 1  # already ended on file as this row says: the same list again
            continue
        else:
            # Every column named (what ``rows_for`` would give): the bulk insert picks them
            # in C. Not kept in ``run.running``: a second row with this key is a duplicate,
            # refused by ``_check_chunk`` before it gets here, and only identities on file
            # before the import can be ended.
            identity = {
                "id": next(fresh),
                "person_id": person_id,
                "code": code,
                "department": canonical,
                "department_code": row.department_code,
                "recognised_on": row.recognised_on,
                "valid_from": valid_from,
                "valid_to": row.valid_to,
                "disability_grade": row.disability_grade,
                "import_batch_id": batch_id,
                "revoked_at": None,
                "note": f"第 {row.row} 行",
                "device_id": actor.device_id,
                "created_at": moment,
                "updated_at": moment,
            }
            new_identities.append(identity)
            report.imported += 1
            entries.append(
                {
                    "action": "identity.import",
                    "entity": "person_identity",
                    "entity_id": identity["id"],
                    "person_id": person_id,
                    "summary": person_name + run.recognised_as(row.identity),
                    "after": run.snapshot_text(identity),
                }
            )
            continue
        changes: dict[str, object] = {
            name: value
            for name, value in (
                ("recognised_on", row.recognised_on),
                ("valid_from", row.valid_from),
                ("valid_to", row.valid_to),
                ("disability_grade", row.disability_grade),
                ("department_code", row.department_code),
            )
            if value is not None and getattr(existing, name) != value
        }
        confirmed_only = False
        if existing.import_batch_id is None:
            # entered at the counter, now confirmed by the department's list: from
            # here on a later list that drops the person ends it
            confirmed_only = not changes
            changes["import_batch_id"] = batch_id
        if not changes:
            report.unchanged += 1
            continue
        before = {name: getattr(existing, name) for name in changes}
        for name, value in changes.items():
            setattr(existing, name, value)
        updates.append({"id": existing.id, **changes, "updated_at": moment})
        if confirmed_only:
            report.confirmed += 1
        else:
            report.updated += 1
        entries.append(
            {
                "action": "identity.update",
                "entity": "person_identity",
                "entity_id": existing.id,
                "person_id": person_id,
                "summary": f"{person_name} 的{identity_label(row.identity)}"
                + ("经" if confirmed_only else "信息按")
                + f"{canonical} {batch_start:%Y-%m} 名单"
                + ("确认" if confirmed_only else "更正"),
                "before": before,
                "after": changes,
            }
        )
    if dry_run:
        return
    insert_rows(session, Person, new_persons)
    # in key order: each page of the primary key is visited once per chunk, not once per row
    new_identities.sort(key=_by_id)
    insert_rows(session, PersonIdentity, new_identities)
    update_rows(session, PersonIdentity, updates)
    audit.record_many(session, actor=actor, at=now, entries=entries)


def _end_missing(
    session: Session,
    run: _Run,
    report: ImportReport,
    *,
    actor: audit.Actor,
    now: datetime,
    moment: datetime,
    dry_run: bool,
) -> None:
    """Identities of the listed types that this list no longer carries: end them."""
    canonical, batch_start = run.department, run.batch_start
    codes = run.codes | ({run.default_identity.value} if run.default_identity else set())
    end_on = batch_start - timedelta(days=1)
    updates: list[dict[str, object]] = []
    entries: list[dict[str, object]] = []
    for key, existing in sorted(run.running.items()):
        if key in run.listed or not existing.running or existing.code not in codes:
            continue
        if existing.valid_to is not None:
            continue
        if existing.import_batch_id is None:
            continue  # entered at the counter and never on a list: the clerk decides
        if existing.valid_from is not None and existing.valid_from > end_on:
            continue  # began after the day this list ends it: leave for the clerk
        if (existing.person_id, existing.code) in run.held_keys or (
            existing.person_id,
            None,
        ) in run.held_keys:
            report.held += 1  # on the list, but the row was refused: not ended
            continue
        report.ended += 1
        updates.append({"id": existing.id, "valid_to": end_on, "updated_at": moment})
        entries.append(
            {
                "action": "identity.end",
                "entity": "person_identity",
                "entity_id": existing.id,
                "person_id": existing.person_id,
                "summary": f"{identity_label(existing.code)} 于 {end_on.isoformat()} 终止"
                f"（{canonical} {batch_start:%Y-%m} 名单中已无此人）",
                "before": {"valid_to": None},
                "after": {"valid_to": end_on.isoformat()},
            }
        )
    if dry_run:
        return
    update_rows(session, PersonIdentity, updates)
    audit.record_many(session, actor=actor, at=now, entries=entries)


def import_identities(
    session: Session,
    path: Path | str,
    *,
    department: str,
    batch: str,
    actor: audit.Actor,
    now: datetime,
    today: date | None = None,
    department_codes: Mapping[str, Identity] | None = None,
    default_identity: Identity | str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
    chunk_size: int | None = None,
) -> ImportReport:
    """Check and import one department list in ``session`` (the caller commits).

    The file is read ``chunk_size`` (default ``CHUNK_ROWS``) rows at a time: each chunk is checked in Python,
    matched against the registry with one query and written with bulk statements, so
    memory follows the chunk, not the file. Everything stays in the caller's one
    transaction: an error in the last chunk leaves nothing of the first.

    Raises ``ImportFileError`` (Chinese) when the file as a whole cannot be used;
    refused rows are in ``report.problems``. With ``dry_run`` nothing is written.
    """
    path = Path(path)
    canonical = department_of(department)
    if canonical is None:
        known = "、".join(DEPARTMENT_IDENTITIES)
        raise ImportFileError(f"部门“{department}”无法识别：应为 {known} 之一。")
    batch_start = parse_batch(batch)
    today = today or now.date()
    if default_identity is not None and not isinstance(default_identity, Identity):
        resolved = resolve_identity(str(default_identity), department_codes)
        if resolved is None:
            raise ImportFileError(
                f"--identity “{default_identity}”无法识别：请用中文身份名称，如 低保对象。"
            )
        default_identity = resolved[0]
    latest = _latest_batch(session, canonical)
    if latest is not None and latest > batch_start:
        raise ImportFileError(
            f"{canonical}已导入 {latest:%Y-%m} 的名单，不能再导入更早的 {batch_start:%Y-%m} 名单"
            "（否则会把新名单中的身份终止）。如确需更正，请先核实。"
        )
    required = ["id_number", "name"] + ([] if default_identity else ["identity"])
    table = open_table(path, COLUMNS, required)
    report = ImportReport(
        source=path.name,
        department=canonical,
        batch=f"{batch_start:%Y-%m}",
        encoding=table.encoding,
    )
    run = _Run(
        department=canonical,
        batch_start=batch_start,
        today=today,
        department_codes=department_codes or {},
        default_identity=default_identity,
        allowed=DEPARTMENT_IDENTITIES.get(canonical, frozenset(Identity)),
        known=_Cells(department_codes or {}),
        running=_load_running(session, canonical),
        ended=_load_ended(session, canonical),
    )
    moment = to_storage(now)
    (batch_row,) = rows_for(
        ImportBatch,
        [
            {
                "kind": "identities",
                "source_name": path.name,
                "source_sha256": table.sha256,
                "department": canonical,
                "recognised_on": batch_start,
                "clerk_id": actor.clerk_id,
                "note": f"{canonical} {batch_start:%Y-%m} 特殊身份名单",
                "device_id": actor.device_id,
                "created_at": moment,
                "updated_at": moment,
            }
        ],
    )
    batch_id = str(batch_row["id"])
    if not dry_run:
        # first, so the identities can point at it; removed again if nothing changes
        insert_rows(session, ImportBatch, [batch_row])
    total = max(table.estimated_rows, 1)
    size = chunk_size or CHUNK_ROWS
    chunk: list[SourceRow] = []

    def flush() -> None:
        good, held = _check_chunk(run, chunk, report)
        _apply_chunk(
            session,
            run,
            good,
            held,
            report,
            batch_id=batch_id,
            actor=actor,
            now=now,
            moment=moment,
            dry_run=dry_run,
        )
        report.rows_read += len(chunk)
        chunk.clear()
        if progress is not None:
            progress(min(report.rows_read, total), total)

    with _page_cache(session, table.estimated_rows):
        for source in table.rows:
            chunk.append(source)
            if len(chunk) >= size:
                flush()
        if chunk:
            flush()
    _end_missing(session, run, report, actor=actor, now=now, moment=moment, dry_run=dry_run)
    report.problems.sort(key=lambda p: p.row)
    if dry_run:
        return report
    batch_table = ImportBatch.__table__  # type: ignore[attr-defined]
    if not report.changed:
        session.execute(sa.delete(batch_table).where(batch_table.c.id == batch_id))
        return report
    session.execute(
        sa.update(batch_table)
        .where(batch_table.c.id == batch_id)
        .values(
            row_count=report.rows_read,
            accepted_count=report.imported + report.updated + report.confirmed + report.unchanged,
            rejected_count=report.refused,
        )
    )
    report.batch_id = batch_id
    audit.record_many(
        session,
        actor=actor,
        at=now,
        entries=[
            {
                "action": "import.identities",
                "entity": "import_batch",
                "entity_id": batch_id,
                "summary": f"导入{canonical} {batch_start:%Y-%m} 特殊身份名单 {path.name}："
                + "，".join(report.summary_lines()),
                "after": {
                    "source": path.name,
                    "department": canonical,
                    "batch": report.batch,
                    "rows_read": report.rows_read,
                    "imported": report.imported,
                    "updated": report.updated,
                    "confirmed": report.confirmed,
                    "unchanged": report.unchanged,
                    "ended": report.ended,
                    "held": report.held,
                    "refused": report.refused,
                    "persons_created": report.persons_created,
                    "problems": [str(p) for p in report.problems[:200]],
                },
            }
        ],
    )
    if report.rows_read >= ANALYZE_FROM_ROWS:
        analyze(session, "person", "person_identity", "audit_log")
    return report
