"""Export a benefit year's enrolments and payments to CSV: ``yibao export --year 2025 --to F.csv``.

One line per payment (refunded and voided ones included, with their status), and
one line for an enrolment with no payment yet. Amounts are integer fen with a yuan
column beside the total. The file is UTF-8 with a BOM so Excel opens it as
Chinese text; it is written to a temporary file and renamed, so a failed export
never leaves half a file.

ID numbers are masked unless ``full_id=True``; a full export writes an audit row
(who, when, which file, how many people). In a full export the number is written
after a tab character so Excel keeps all 18 digits as text instead of turning
them into ``6.11023E+17``. Every other cell beginning with = + - @ tab or CR (a name
from a department list, say) is neutralised (``neutralise``: OWASP's CSV-injection rule).
The file is created 0600.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlmodel import Session

from yibao import audit
from yibao.cells import neutralise
from yibao.identities import label as identity_label
from yibao.idnumbers import mask
from yibao.models import CHANNEL_LABELS, Channel, Enrolment, Payment, Person
from yibao.money import yuan
from yibao.rules.facts import Category

HEADER = (
    "身份证号",
    "姓名",
    "性别",
    "出生日期",
    "待遇年度",
    "参保地",
    "参保类别",
    "参保状态",
    "登记日期",
    "待遇开始",
    "待遇终止",
    "资助身份",
    "收据号",
    "缴费日期",
    "缴费方式",
    "缴费状态",
    "筹资标准_分",
    "资助_分",
    "个人缴费_分",
    "附加险_分",
    "实缴金额_分",
    "实缴金额_元",
)

_ENROLMENT_STATUS = {
    "registered": "已登记未缴费",
    "paid": "已缴费",
    "refunded": "已退费",
    "cancelled": "已注销",
}
_PAYMENT_STATUS = {"paid": "有效", "refunded": "已退费", "voided": "已作废"}
_SEX = {"1": "男", "2": "女"}


class ExportError(ValueError):
    """The export cannot be made; ``message`` is Chinese."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class ExportReport:
    path: Path
    year: int
    rows: int
    persons: int
    enrolments: int
    payments: int
    amount_fen: int  # total of valid (paid) payments
    full_id: bool


def yuan_text(fen: int) -> str:
    """Fen as a plain yuan figure for the file (no thousands separator): 40000 → 400.00."""
    return yuan(fen, grouping=False)


def _text(value: date | datetime | None) -> str:
    return value.isoformat() if value is not None else ""


def _category(code: str) -> str:
    try:
        return Category(code).label
    except ValueError:
        return code


def _channel(code: str) -> str:
    try:
        return CHANNEL_LABELS[Channel(code)]
    except ValueError:
        return code


def _shown_id(number: str | None, full_id: bool) -> str:
    if not number:
        return ""
    return "\t" + number if full_id else mask(number)


def _lines(
    session: Session, year: int, full_id: bool
) -> Iterator[tuple[list[Any], dict[str, Any]]]:
    stmt = (
        sa.select(
            Person.id_number,
            Person.name,
            Person.sex,
            Person.birth_date,
            Enrolment.id.label("enrolment_id"),
            Enrolment.person_id,
            Enrolment.benefit_year,
            Enrolment.insured_region,
            Enrolment.category,
            Enrolment.status.label("enrolment_status"),
            Enrolment.registered_on,
            Enrolment.coverage_start,
            Enrolment.coverage_end,
            Enrolment.subsidy_identity.label("enrolment_subsidy_identity"),
            Payment.id.label("payment_id"),
            Payment.receipt_no,
            Payment.paid_on,
            Payment.channel,
            Payment.status.label("payment_status"),
            Payment.standard_fen,
            Payment.subsidy_fen,
            Payment.personal_fen,
            Payment.extras_fen,
            Payment.amount_fen,
            Payment.subsidy_identity,
        )
        .select_from(Enrolment)
        .join(Person, Person.id == Enrolment.person_id)
        .outerjoin(Payment, Payment.enrolment_id == Enrolment.id)
        .where(Enrolment.benefit_year == year)
        .order_by(
            Enrolment.insured_region, Person.name, Person.id, Payment.paid_on, Payment.receipt_no
        )
        .execution_options(yield_per=2000)
    )
    for r in session.execute(stmt):
        shown = _shown_id(r.id_number, full_id)
        identity = r.subsidy_identity or r.enrolment_subsidy_identity
        paid = r.payment_id is not None
        yield (
            [
                shown,
                r.name,
                _SEX.get(r.sex or "", ""),
                _text(r.birth_date),
                r.benefit_year,
                r.insured_region,
                _category(r.category),
                _ENROLMENT_STATUS.get(r.enrolment_status, r.enrolment_status),
                _text(r.registered_on),
                _text(r.coverage_start),
                _text(r.coverage_end),
                identity_label(identity) if identity else "",
                r.receipt_no or "",
                _text(r.paid_on),
                _channel(r.channel) if paid else "",
                _PAYMENT_STATUS.get(r.payment_status, r.payment_status) if paid else "",
                r.standard_fen if paid else "",
                r.subsidy_fen if paid else "",
                r.personal_fen if paid else "",
                r.extras_fen if paid else "",
                r.amount_fen if paid else "",
                yuan_text(r.amount_fen) if paid else "",
            ],
            {
                "person_id": r.person_id,
                "enrolment_id": r.enrolment_id,
                "paid": paid,
                "valid": paid and r.payment_status == "paid",
                "amount_fen": r.amount_fen or 0,
            },
        )


def export_year(
    session: Session,
    *,
    year: int,
    to: Path | str,
    full_id: bool = False,
    actor: audit.Actor,
    now: datetime,
) -> ExportReport:
    """Write the year's enrolments and payments to ``to`` (CSV, UTF-8 with BOM).

    The audit row is added to ``session``; the caller commits. Raises
    ``ExportError`` with a Chinese message when the file cannot be written.
    """
    if not 2000 <= year <= 2100:
        raise ExportError(f"待遇年度 {year} 不合理：请写四位年份，如 2025。")
    path = Path(to)
    if path.suffix.lower() != ".csv":
        raise ExportError(f"导出文件应以 .csv 结尾（现在是 {path.name}）。")
    if path.is_dir():
        raise ExportError(f"{path} 是一个文件夹：请写文件名，如 {path / f'参保缴费{year}.csv'}。")
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        raise ExportError(f"文件夹 {directory} 不存在：请先创建，或换一个位置。")
    rows = 0
    persons: set[str] = set()
    enrolments: set[str] = set()
    payments = 0
    amount = 0
    try:
        handle, tmp_name = tempfile.mkstemp(prefix=".yibao-export-", suffix=".tmp", dir=directory)
        os.fchmod(handle, 0o600)  # personal data: owner only
        import fcntl

        fcntl.flock(handle, fcntl.LOCK_EX)  # in use: a desk starting now leaves it alone
    except OSError as exc:
        raise ExportError(
            f"无法在 {directory} 写文件：{exc.strerror}。请检查权限或换一个位置。"
        ) from exc
    try:
        with os.fdopen(handle, "w", encoding="utf-8-sig", newline="") as out:
            writer = csv.writer(out)
            writer.writerow(HEADER)
            for line, meta in _lines(session, year, full_id):
                writer.writerow([neutralise(cell) for cell in line])
                rows += 1
                persons.add(meta["person_id"])
                enrolments.add(meta["enrolment_id"])
                if meta["paid"]:
                    payments += 1
                if meta["valid"]:
                    amount += meta["amount_fen"]
        os.replace(tmp_name, path)
    except OSError as exc:
        Path(tmp_name).unlink(missing_ok=True)
        raise ExportError(
            f"写入 {path} 失败：{exc.strerror}。文件可能正被 Excel 打开，请关闭后重试。"
        ) from exc
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    report = ExportReport(
        path=path,
        year=year,
        rows=rows,
        persons=len(persons),
        enrolments=len(enrolments),
        payments=payments,
        amount_fen=amount,
        full_id=full_id,
    )
    kind = "完整身份证号" if full_id else "身份证号已遮蔽"
    audit.record(
        session,
        actor=actor,
        at=now,
        action="export.full_id" if full_id else "export.masked",
        entity="enrolment",
        entity_id=None,
        summary=f"导出 {year} 年度参保缴费明细（{kind}）到 {path.name}：{rows} 行，{len(persons)} 人",
        after={
            "file": path.name,
            "year": year,
            "rows": rows,
            "persons": len(persons),
            "payments": payments,
            "full_id": full_id,
        },
    )
    return report
