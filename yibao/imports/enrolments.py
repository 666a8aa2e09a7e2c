"""Import a previous year's payer list (参保缴费名单) as the platform or the tax bureau exports it.

``import_enrolments(session, path, year=..., actor=..., now=..., before_year=...)``:

1. reads the file (``yibao.imports.reader``: CSV in UTF-8 or GBK, or ``.xlsx``; a title line
   above the header is fine) with the columns 身份证号码, 姓名, 年度 (optional: the whole list
   is ``year``), 参保类别 (optional), 缴费日期, 缴费金额 (元);
2. works chunk by chunk (``chunk_size`` rows): checks each row in Python, then one query for
   the chunk's persons and one for their records of ``year``, then bulk inserts of the new
   persons, the new ``prior_enrolment`` rows and their audit rows (built as dicts);
3. every problem names its row and column in Chinese. The list goes in whole or not at all:
   one bad row anywhere — the last chunk included — and the caller rolls the transaction
   back (``report.problems`` says why; ``ImportService.enrolments`` does it);
4. a row already stored with the same date, amount and category is ``unchanged``; a run that
   changes nothing writes nothing (no batch row, no audit row): importing twice is harmless.

A person not yet in the registry is created from the ID number and name, as the identity
import does (birth date, sex and birth region come from the number), with a note naming the
list. The years imported here feed the waiting-period facts (``yibao.services.history``).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, col, select

from yibao import audit
from yibao.idnumbers import InvalidIdNumber, mask, mask_ids_in, parse, tail
from yibao.imports.errors import ImportFileError
from yibao.imports.identities import COLUMNS as IDENTITY_COLUMNS
from yibao.imports.identities import parse_date
from yibao.imports.reader import SourceRow, read_table
from yibao.models import (
    AuditLog,
    AuditOutcome,
    ImportBatch,
    Person,
    PersonStatus,
    PriorEnrolment,
    new_id,
    new_ordered_id,
    to_storage,
)
from yibao.pinyin import initials

COLUMNS: dict[str, tuple[str, ...]] = {
    "id_number": IDENTITY_COLUMNS["id_number"] + ("缴费人证件号码", "参保人身份证号码"),
    "name": IDENTITY_COLUMNS["name"] + ("缴费人姓名",),
    "year": ("年度", "参保年度", "缴费年度", "待遇年度", "所属年度", "费款所属年度", "year"),
    "category": (
        "参保类别",
        "参保人员类别",
        "人员类别",
        "缴费类别",
        "参保身份",
        "缴费档次",
        "category",
    ),
    "paid_on": ("缴费日期", "缴款日期", "缴费时间", "入库日期", "开票日期", "paid_on"),
    "amount": (
        "缴费金额",
        "缴费金额(元)",
        "个人缴费金额",
        "个人缴费金额(元)",
        "实缴金额",
        "实缴金额(元)",
        "金额",
        "金额(元)",
        "amount",
    ),
}
REQUIRED = ("id_number", "name", "paid_on", "amount")
LABELS: dict[str, str] = {
    "id_number": "身份证号码",
    "name": "姓名",
    "year": "年度",
    "category": "参保类别",
    "paid_on": "缴费日期",
    "amount": "缴费金额",
}
CHUNK = 500
_MAX_AMOUNT_FEN = 10_000_00  # 1万元: no resident's yearly share comes near it
_YEAR = re.compile(r"^(\d{4})\s*(年度|年)?$")

Progress = Callable[[int, int], None]


@dataclass(frozen=True, slots=True)
class RowProblem:
    row: int  # row number in the file
    column: str | None  # canonical column, None for the row as a whole
    reason: str  # Chinese

    def __post_init__(self) -> None:
        # A reason may quote a cell; a shifted row can put an ID number into any cell.
        object.__setattr__(self, "reason", mask_ids_in(self.reason))

    def __str__(self) -> str:
        where = f"“{LABELS[self.column]}”列" if self.column else ""
        return f"第 {self.row} 行{where}：{self.reason}"


@dataclass(slots=True)
class EnrolmentImportReport:
    source: str
    year: int
    encoding: str = ""
    rows_read: int = 0
    imported: int = 0  # new records of the year
    unchanged: int = 0  # already imported with the same figures
    persons_created: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    batch_id: str | None = None  # None when nothing was written

    @property
    def refused(self) -> int:
        return len({p.row for p in self.problems})

    @property
    def changed(self) -> bool:
        return bool(self.imported or self.persons_created) and not self.problems

    def summary_lines(self) -> list[str]:
        lines = [
            f"读取 {self.rows_read} 行",
            f"新增{self.year}年度参保缴费记录 {self.imported} 条",
            f"已导入过、未变 {self.unchanged} 条",
            f"新建人员 {self.persons_created} 人（登记库中原无此人）",
        ]
        if self.problems:
            lines.append(f"有问题 {self.refused} 行：整份名单未导入，请更正后重新导入")
        return lines


@dataclass(frozen=True, slots=True)
class _Row:
    row: int
    id_number: str
    name: str
    category: str | None
    paid_on: date
    amount_fen: int
    birth_date: date
    sex: str
    birth_region: str


def parse_yuan(text: str) -> int:
    """``380`` / ``380.00`` / ``¥380.5`` / ``380元`` / ``1,380.00`` → fen; ValueError otherwise."""
    clean = unicodedata.normalize("NFKC", text).strip().replace(",", "")
    clean = clean.removeprefix("¥").removeprefix("￥").removesuffix("元").strip()
    try:
        value = Decimal(clean)
    except InvalidOperation:
        raise ValueError(text) from None
    if not value.is_finite():
        raise ValueError(text)
    fen = value * 100
    if fen != fen.to_integral_value():
        raise ValueError(text)
    return int(fen)


def _clean_name(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def _check_row(
    source: SourceRow, *, year: int, today: date, has_year: bool
) -> _Row | list[RowProblem]:
    """One row on its own (no database): a good row or its problems."""
    cells = source.cells
    problems: list[RowProblem] = []

    def bad(column: str, reason: str) -> None:
        problems.append(RowProblem(source.number, column, reason))

    info = None
    raw_id = cells.get("id_number", "").strip()
    if not raw_id:
        bad("id_number", "缺少身份证号码。")
    elif "id_number" in source.numeric and len(raw_id) >= 16:
        bad(
            "id_number",
            "身份证号码在 Excel 中被存成了数字，第 16 位以后已丢失。"
            "请把该列设为“文本”后从原系统重新导出（不能只改格式）。",
        )
    else:
        try:
            info = parse(raw_id, today=today)
        except InvalidIdNumber as exc:
            bad("id_number", exc.message)
    name = _clean_name(cells.get("name", ""))
    if not name:
        bad("name", "缺少姓名。")
    elif len(name) > 50:
        bad("name", "姓名超过 50 个字，请核对。")
    if has_year:
        raw_year = unicodedata.normalize("NFKC", cells.get("year", "")).strip()
        match = _YEAR.match(raw_year)
        if not raw_year:
            bad("year", f"缺少年度：本名单按 --year {year} 导入，请填写 {year}。")
        elif match is None:
            bad("year", f"年度“{raw_year}”不对，应为四位年份，如 {year}。")
        elif int(match.group(1)) != year:
            bad(
                "year",
                f"年度为 {match.group(1)}，与导入的年度 {year} 不符：一份名单只导入一个年度，"
                f"请把 {match.group(1)} 年度的行另存一个文件，用 --year {match.group(1)} 导入。",
            )
    category = _clean_name(cells.get("category", "")) or None
    if category is not None and len(category) > 60:
        bad("category", "参保类别超过 60 个字，请核对。")
    paid_on: date | None = None
    raw_date = cells.get("paid_on", "").strip()
    if not raw_date:
        bad("paid_on", "缺少缴费日期。")
    else:
        try:
            paid_on = parse_date(raw_date)
        except ValueError:
            bad("paid_on", f"缴费日期“{raw_date}”不是有效日期，应写成 {year - 1}-10-15。")
        else:
            if paid_on > today:
                bad("paid_on", f"缴费日期 {paid_on.isoformat()} 晚于今天，请核对。")
    amount: int | None = None
    raw_amount = cells.get("amount", "").strip()
    if not raw_amount:
        bad("amount", "缺少缴费金额。")
    else:
        try:
            amount = parse_yuan(raw_amount)
        except ValueError:
            bad("amount", f"缴费金额“{raw_amount}”不是金额，应写成元，最多两位小数，如 380.00。")
        else:
            if amount < 0:
                bad(
                    "amount",
                    f"缴费金额为负数（{raw_amount}），请核对：退费不在参保缴费名单中导入。",
                )
            elif amount > _MAX_AMOUNT_FEN:
                bad("amount", f"缴费金额 {raw_amount} 元超过 1 万元，请核对单位是否为“元”。")
    if problems or info is None or paid_on is None or amount is None:
        return problems
    return _Row(
        row=source.number,
        id_number=info.number,
        name=name,
        category=category,
        paid_on=paid_on,
        amount_fen=amount,
        birth_date=info.birth_date,
        sex=info.sex,
        birth_region=info.region_code,
    )


def _persons(session: Session, numbers: Sequence[str]) -> dict[str, Person]:
    if not numbers:
        return {}
    stmt = select(Person).where(col(Person.id_number).in_(numbers))
    return {p.id_number or "": p for p in session.exec(stmt)}


def _records(session: Session, person_ids: Sequence[str], year: int) -> dict[str, PriorEnrolment]:
    if not person_ids:
        return {}
    stmt = select(PriorEnrolment).where(
        col(PriorEnrolment.person_id).in_(person_ids), PriorEnrolment.benefit_year == year
    )
    return {r.person_id: r for r in session.exec(stmt)}


def _source_names(session: Session, batch_ids: set[str]) -> dict[str, str]:
    if not batch_ids:
        return {}
    stmt = sa.select(ImportBatch.id, ImportBatch.source_name).where(
        col(ImportBatch.id).in_(batch_ids)
    )
    return {i: n for i, n in session.execute(stmt)}


def _audit_dict(
    actor: audit.Actor,
    at: datetime,
    *,
    action: str,
    entity: str,
    entity_id: str,
    person_id: str | None,
    summary: str,
    after: dict[str, Any],
) -> dict[str, Any]:
    return {
        "id": new_ordered_id(),
        "at": at,
        "clerk_id": actor.clerk_id,
        "clerk_name": actor.clerk_name,
        "device_id": actor.device_id,
        "action": action,
        "outcome": AuditOutcome.DONE.value,
        "entity": entity,
        "entity_id": entity_id,
        "person_id": person_id,
        "summary": summary,
        "before": None,
        "after": audit.snapshot(after),
    }


def import_enrolments(
    session: Session,
    path: Path | str,
    *,
    year: int,
    actor: audit.Actor,
    now: datetime,
    before_year: int,
    today: date | None = None,
    chunk_size: int = CHUNK,
    progress: Progress | None = None,
) -> EnrolmentImportReport:
    """Check and load one year's payer list in ``session`` (the caller commits or rolls back).

    ``before_year``: the benefit year the registry is collecting; ``year`` must be earlier
    (this registry's own payments are the record of the years it takes). Raises
    ``ImportFileError`` (Chinese) when the file as a whole cannot be used. When
    ``report.problems`` is not empty the rows already written in ``session`` must be rolled
    back: the list goes in whole or not at all.
    """
    path = Path(path)
    today = today or now.date()
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise ImportFileError(f"--year “{year}”不对：应为四位年份，如 {before_year - 1}。")
    if year >= before_year:
        raise ImportFileError(
            f"本登记库正在办理 {before_year} 年度，{year} 年度的缴费由本登记库收取，"
            f"不能从名单导入。只能导入 {before_year} 年度以前的参保缴费名单（--year {before_year - 1} 或更早）。"
        )
    if chunk_size < 1:
        raise ValueError("chunk_size must be positive")
    table = read_table(path, COLUMNS, REQUIRED)
    report = EnrolmentImportReport(source=path.name, year=year, encoding=table.encoding)
    report.rows_read = len(table.rows)
    has_year = "year" in table.columns
    moment = to_storage(now)
    batch_id = new_id()
    batch_written = False
    seen: dict[str, int] = {}  # ID number → first row in this file
    total = len(table.rows)

    for start in range(0, total, chunk_size):
        chunk = table.rows[start : start + chunk_size]
        good: list[_Row] = []
        for source in chunk:
            checked = _check_row(source, year=year, today=today, has_year=has_year)
            if isinstance(checked, list):
                report.problems.extend(checked)
                continue
            first = seen.get(checked.id_number)
            if first is not None:
                report.problems.append(
                    RowProblem(
                        checked.row,
                        "id_number",
                        f"与第 {first} 行是同一人（{mask(checked.id_number)}）：一人一年只有一条缴费记录，"
                        "请删去重复的行。",
                    )
                )
                continue
            seen[checked.id_number] = checked.row
            good.append(checked)

        # One query for the chunk's persons, one for their records of the year.
        persons = _persons(session, [r.id_number for r in good])
        records = _records(session, [p.id for p in persons.values()], year)
        sources = _source_names(session, {r.import_batch_id for r in records.values()})
        new_persons: list[dict[str, Any]] = []
        new_records: list[dict[str, Any]] = []
        audits: list[dict[str, Any]] = []
        for row in good:
            person = persons.get(row.id_number)
            if person is not None and _clean_name(person.name) != row.name:
                report.problems.append(
                    RowProblem(
                        row.row,
                        "name",
                        f"姓名“{row.name}”与登记库中身份证号 {mask(row.id_number)} 的姓名“{person.name}”"
                        "不一致：请核实名单，或先在窗口更正登记信息后再导入。",
                    )
                )
                continue
            if person is not None and person.id in records:
                stored = records[person.id]
                same = (
                    stored.paid_on == row.paid_on
                    and stored.amount_fen == row.amount_fen
                    and (stored.category or None) == row.category
                )
                if same:
                    report.unchanged += 1
                    continue
                where = sources.get(stored.import_batch_id, "此前的名单")
                report.problems.append(
                    RowProblem(
                        row.row,
                        None,
                        f"{row.name}（{mask(row.id_number)}）的 {year} 年度缴费已由 {where} 第 "
                        f"{stored.source_row} 行导入（缴费日期 {stored.paid_on.isoformat()}，"
                        f"金额 {stored.amount_fen / 100:.2f} 元，类别 {stored.category or '未写'}），"
                        "与本行不一致。请向税务部门核实哪一份正确；已导入的记录不会被覆盖。",
                    )
                )
                continue
            if person is None:
                person_id = new_id()
                new_persons.append(
                    {
                        "id": person_id,
                        "id_number": row.id_number,
                        "id_tail": tail(row.id_number),
                        "name": row.name,
                        "name_initials": initials(row.name),
                        "sex": row.sex,
                        "birth_date": row.birth_date,
                        "birth_region": row.birth_region,
                        "status": PersonStatus.ACTIVE.value,
                        "employee_insured": False,
                        "note": f"由{year}年度参保缴费名单 {path.name} 导入（第 {row.row} 行），"
                        "户籍等信息待窗口补登。",
                        "device_id": actor.device_id,
                        "created_at": moment,
                        "updated_at": moment,
                    }
                )
                audits.append(
                    _audit_dict(
                        actor,
                        moment,
                        action="person.import",
                        entity="person",
                        entity_id=person_id,
                        person_id=person_id,
                        summary=f"由{year}年度参保缴费名单新建人员 {row.name}（{mask(row.id_number)}）",
                        after=new_persons[-1],
                    )
                )
                report.persons_created += 1
            else:
                person_id = person.id
            record = {
                "id": new_id(),
                "person_id": person_id,
                "benefit_year": year,
                "category": row.category,
                "paid_on": row.paid_on,
                "amount_fen": row.amount_fen,
                "import_batch_id": batch_id,
                "source_row": row.row,
                "device_id": actor.device_id,
                "created_at": moment,
                "updated_at": moment,
            }
            new_records.append(record)
            audits.append(
                _audit_dict(
                    actor,
                    moment,
                    action="enrolment.import",
                    entity="prior_enrolment",
                    entity_id=record["id"],
                    person_id=person_id,
                    summary=f"{row.name} {year}年度已参保缴费 {row.amount_fen / 100:.2f} 元"
                    f"（{row.paid_on.isoformat()}，名单 {path.name} 第 {row.row} 行）",
                    after=record,
                )
            )
            report.imported += 1

        # Nothing more is written once a row is bad: the whole list is rolled back anyway.
        if not report.problems and new_records:
            if not batch_written:
                session.execute(
                    sa.insert(ImportBatch),
                    [
                        {
                            "id": batch_id,
                            "kind": "enrolments",
                            "source_name": path.name,
                            "source_sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
                            "department": None,
                            "recognised_on": date(year, 1, 1),
                            "row_count": report.rows_read,
                            "accepted_count": 0,
                            "rejected_count": 0,
                            "clerk_id": actor.clerk_id,
                            "note": f"{year}年度参保缴费名单",
                            "device_id": actor.device_id,
                            "created_at": moment,
                            "updated_at": moment,
                        }
                    ],
                )
                batch_written = True
            if new_persons:
                session.execute(sa.insert(Person), new_persons)
            session.execute(sa.insert(PriorEnrolment), new_records)
            session.execute(sa.insert(AuditLog), audits)
        if progress is not None:
            progress(min(start + chunk_size, total), total)

    report.problems.sort(key=lambda p: p.row)
    if report.problems or not batch_written:
        return report
    session.execute(
        sa.update(ImportBatch)
        .where(col(ImportBatch.id) == batch_id)
        .values(accepted_count=report.imported + report.unchanged, rejected_count=0)
    )
    report.batch_id = batch_id
    audit.record(
        session,
        actor=actor,
        at=now,
        action="import.enrolments",
        entity="import_batch",
        entity_id=batch_id,
        summary=f"导入{year}年度参保缴费名单 {path.name}：" + "，".join(report.summary_lines()),
        after={
            "source": path.name,
            "year": year,
            "rows_read": report.rows_read,
            "imported": report.imported,
            "unchanged": report.unchanged,
            "persons_created": report.persons_created,
        },
    )
    return report
