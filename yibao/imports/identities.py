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

import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from sqlmodel import Session, select

from yibao import audit
from yibao.identities import Identity
from yibao.identities import label as identity_label
from yibao.idnumbers import InvalidIdNumber, mask, parse, tail
from yibao.imports.errors import ImportFileError
from yibao.imports.reader import SourceRow, Table, read_table
from yibao.imports.vocabulary import DEPARTMENT_IDENTITIES, department_of, resolve_identity
from yibao.models import ImportBatch, Person, PersonIdentity, PersonStatus, to_storage
from yibao.pinyin import initials

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
_CHUNK = 500

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class Problem:
    row: int  # row number in the file
    reason: str  # Chinese

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


@dataclass(frozen=True, slots=True)
class _Good:
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


def _check_rows(
    table: Table,
    *,
    department: str,
    today: date,
    department_codes: Mapping[str, Identity],
    default_identity: Identity | None,
    held: set[tuple[str, Identity | None]],
) -> tuple[list[_Good], list[Problem]]:
    """Good rows and problems; ``held`` receives (ID number, identity) of refused rows."""
    good: list[_Good] = []
    problems: list[Problem] = []
    allowed = DEPARTMENT_IDENTITIES.get(department, frozenset(Identity))
    seen: dict[tuple[str, Identity], int] = {}
    names: dict[str, tuple[str, int]] = {}
    for source in table.rows:
        reasons = _row_reasons(
            source, department_codes, default_identity, allowed, department, today
        )
        if isinstance(reasons, list):
            problems.append(Problem(source.number, "".join(reasons)))
            listed = _listed_despite_refusal(source, department_codes, default_identity, today)
            if listed is not None:
                held.add(listed)
            continue
        row = reasons
        key = (row.id_number, row.identity)
        if key in seen:
            problems.append(
                Problem(
                    row.row,
                    f"与第 {seen[key]} 行重复（同一身份证号 {mask(row.id_number)}、同一身份"
                    f"“{identity_label(row.identity)}”），本行不导入。",
                )
            )
            continue
        earlier = names.get(row.id_number)
        if earlier is not None and earlier[0] != row.name:
            held.add((row.id_number, row.identity))
            problems.append(
                Problem(
                    row.row,
                    f"姓名“{row.name}”与第 {earlier[1]} 行同一身份证号的姓名“{earlier[0]}”不一致，"
                    "请部门核实后更正名单。",
                )
            )
            continue
        seen[key] = row.row
        names.setdefault(row.id_number, (row.name, row.row))
        good.append(row)
    return good, problems


def _row_reasons(
    source: SourceRow,
    department_codes: Mapping[str, Identity],
    default_identity: Identity | None,
    allowed: frozenset[Identity],
    department: str,
    today: date,
) -> _Good | list[str]:
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
        resolved = resolve_identity(raw_identity, department_codes)
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
        try:
            dates[column] = parse_date(text)
        except ValueError:
            reasons.append(f"{what}“{text}”不是有效日期，应写成 2024-09-01。")
            dates[column] = None
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


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]


def _persons_by_number(session: Session, numbers: list[str]) -> dict[str, Person]:
    found: dict[str, Person] = {}
    for chunk in _chunks(numbers):
        for person in session.exec(select(Person).where(Person.id_number.in_(chunk))):  # type: ignore[union-attr]
            found[person.id_number or ""] = person
    return found


def _open_identities(
    session: Session, department: str, codes: set[Identity]
) -> list[PersonIdentity]:
    """Identities of this department and these types that are still running."""
    stmt = select(PersonIdentity).where(
        PersonIdentity.department == department,
        PersonIdentity.code.in_([c.value for c in codes]),  # type: ignore[attr-defined]
        PersonIdentity.revoked_at.is_(None),  # type: ignore[union-attr]
        PersonIdentity.valid_to.is_(None),  # type: ignore[union-attr]
    )
    return list(session.exec(stmt).all())


def _latest_batch(session: Session, department: str) -> date | None:
    return session.exec(
        select(sa.func.max(ImportBatch.recognised_on)).where(
            ImportBatch.kind == "identities", ImportBatch.department == department
        )
    ).one()


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
) -> ImportReport:
    """Check and import one department list in ``session`` (the caller commits).

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
    table = read_table(path, COLUMNS, required)
    report = ImportReport(
        source=path.name,
        department=canonical,
        batch=f"{batch_start:%Y-%m}",
        encoding=table.encoding,
    )
    report.rows_read = len(table.rows)
    held: set[tuple[str, Identity | None]] = set()
    good, problems = _check_rows(
        table,
        department=canonical,
        today=today,
        department_codes=department_codes or {},
        default_identity=default_identity,
        held=held,
    )
    report.problems.extend(problems)

    persons = _persons_by_number(session, sorted({g.id_number for g in good}))
    kept: list[_Good] = []
    for row in good:
        person = persons.get(row.id_number)
        if person is None:
            kept.append(row)
            continue
        if _clean_name(person.name) != row.name:
            report.problems.append(
                Problem(
                    row.row,
                    f"姓名“{row.name}”与登记库中身份证号 {mask(row.id_number)} 的姓名“{person.name}”"
                    "不一致：请部门核实，或先在窗口更正登记信息后再导入。",
                )
            )
            held.add((row.id_number, row.identity))
        elif person.status == PersonStatus.DEAD.value:
            report.problems.append(
                Problem(
                    row.row,
                    f"登记库中 {person.name}（{mask(row.id_number)}）已登记死亡，不导入身份。",
                )
            )
        else:
            kept.append(row)
    report.problems.sort(key=lambda p: p.row)

    moment = to_storage(now)
    batch_row = ImportBatch(
        kind="identities",
        source_name=path.name,
        source_sha256=hashlib.sha256(path.read_bytes()).hexdigest(),
        department=canonical,
        recognised_on=batch_start,
        row_count=report.rows_read,
        clerk_id=actor.clerk_id,
        note=f"{canonical} {batch_start:%Y-%m} 特殊身份名单",
        device_id=actor.device_id,
        created_at=moment,
        updated_at=moment,
    )
    pending_audit: list[dict[str, object]] = []

    # Existing running identities of this department, for the types in this list.
    codes = {row.identity for row in kept} | ({default_identity} if default_identity else set())
    running = _open_identities(session, canonical, codes)  # type: ignore[arg-type]
    running_ids = {r.id for r in running}
    by_key: dict[tuple[str, str], PersonIdentity] = {(r.person_id, r.code): r for r in running}
    listed: set[tuple[str, str]] = set()
    # Refused rows of persons in the registry: (person id, code or None = every code).
    held_numbers = sorted({number for number, _ in held})
    held_ids = {n: p.id for n, p in _persons_by_number(session, held_numbers).items()}
    held_keys = {
        (held_ids[number], identity.value if identity else None)
        for number, identity in held
        if number in held_ids
    }

    total = len(kept)
    for done, row in enumerate(kept, start=1):
        person = persons.get(row.id_number)
        if person is None:
            person = Person(
                id_number=row.id_number,
                id_tail=tail(row.id_number),
                name=row.name,
                name_initials=initials(row.name),
                sex=row.sex,
                birth_date=row.birth_date,
                birth_region=row.birth_region,
                status=PersonStatus.ACTIVE.value,
                note=f"由{canonical} {batch_start:%Y-%m} 名单导入（第 {row.row} 行），户籍等信息待窗口补登。",
                device_id=actor.device_id,
                created_at=moment,
                updated_at=moment,
            )
            persons[row.id_number] = person
            if not dry_run:
                session.add(person)
            report.persons_created += 1
            pending_audit.append(
                dict(
                    action="person.import",
                    entity="person",
                    entity_id=person.id,
                    person_id=person.id,
                    summary=f"由{canonical}名单新建人员 {person.name}（{mask(row.id_number)}）",
                    after=audit.snapshot(person),
                )
            )
        key = (person.id, row.identity.value)
        listed.add(key)
        existing = by_key.get(key)
        if existing is None:
            identity = PersonIdentity(
                person_id=person.id,
                code=row.identity.value,
                department=canonical,
                department_code=row.department_code,
                recognised_on=row.recognised_on,
                valid_from=row.valid_from or row.recognised_on or batch_start,
                valid_to=row.valid_to,
                disability_grade=row.disability_grade,
                import_batch_id=batch_row.id,
                note=f"第 {row.row} 行",
                device_id=actor.device_id,
                created_at=moment,
                updated_at=moment,
            )
            by_key[key] = identity
            if not dry_run:
                session.add(identity)
            report.imported += 1
            pending_audit.append(
                dict(
                    action="identity.import",
                    entity="person_identity",
                    entity_id=identity.id,
                    person_id=person.id,
                    summary=f"{person.name} 认定为{identity_label(row.identity)}（{canonical}名单 {batch_start:%Y-%m}）",
                    after=audit.snapshot(identity),
                )
            )
        else:
            changes = {
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
                changes["import_batch_id"] = batch_row.id
            if not changes:
                report.unchanged += 1
            else:
                before = {name: getattr(existing, name) for name in changes}
                if not dry_run:
                    for name, value in changes.items():
                        setattr(existing, name, value)
                    existing.updated_at = moment
                    session.add(existing)
                if confirmed_only:
                    report.confirmed += 1
                else:
                    report.updated += 1
                pending_audit.append(
                    dict(
                        action="identity.update",
                        entity="person_identity",
                        entity_id=existing.id,
                        person_id=person.id,
                        summary=f"{person.name} 的{identity_label(row.identity)}"
                        + ("经" if confirmed_only else "信息按")
                        + f"{canonical} {batch_start:%Y-%m} 名单"
                        + ("确认" if confirmed_only else "更正"),
                        before=before,
                        after=changes,
                    )
                )
        if progress is not None:
            progress(done, total)

    # Identities of the listed types that this list no longer carries: end them.
    end_on = batch_start - timedelta(days=1)
    for key, existing in sorted(by_key.items()):
        if key in listed or existing.valid_to is not None or existing.id not in running_ids:
            continue
        if existing.import_batch_id is None:
            continue  # entered at the counter and never on a list: the clerk decides
        if existing.valid_from is not None and existing.valid_from > end_on:
            continue  # began after the day this list ends it: leave for the clerk
        if (existing.person_id, existing.code) in held_keys or (
            existing.person_id,
            None,
        ) in held_keys:
            report.held += 1  # on the list, but the row was refused: not ended
            continue
        if not dry_run:
            existing.valid_to = end_on
            existing.updated_at = moment
            session.add(existing)
        report.ended += 1
        pending_audit.append(
            dict(
                action="identity.end",
                entity="person_identity",
                entity_id=existing.id,
                person_id=existing.person_id,
                summary=f"{identity_label(existing.code)} 于 {end_on.isoformat()} 终止"
                f"（{canonical} {batch_start:%Y-%m} 名单中已无此人）",
                before={"valid_to": None},
                after={"valid_to": end_on.isoformat()},
            )
        )

    if dry_run or not report.changed:
        return report
    batch_row.accepted_count = (
        report.imported + report.updated + report.confirmed + report.unchanged
    )
    batch_row.rejected_count = report.refused
    session.add(batch_row)
    session.flush()  # the batch row before the identities that point at it
    report.batch_id = batch_row.id
    for entry in pending_audit:
        audit.record(session, actor=actor, at=now, **entry)  # type: ignore[arg-type]
    audit.record(
        session,
        actor=actor,
        at=now,
        action="import.identities",
        entity="import_batch",
        entity_id=batch_row.id,
        summary=f"导入{canonical} {batch_start:%Y-%m} 特殊身份名单 {path.name}："
        + "，".join(report.summary_lines()),
        after={
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
    )
    return report
