"""Cash day-close (日结) and same-day voids (作废).

For one clerk, one device and one local day: every cash receipt, the total to pay in,
receipts voided with their reason, and a printable sheet. Once a day is closed the payment
services must refuse new cash for it (``assert_day_open``, called inside their transaction)
until a supervisor reopens it, which is audited with the reason. Closing again after a
reopening recounts and is audited again.

A receipt can be voided only on the day it was issued, before that day is closed, by the
clerk who issued it or a supervisor; the payment keeps its receipt number with status
``voided`` and the enrolment goes back to registered, so every number stays accounted for.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from yibao.audit import Actor, record, snapshot
from yibao.config import ClerkInfo, DeviceInfo
from yibao.db import write_engine
from yibao.idnumbers import mask
from yibao.models import (
    Channel,
    Clerk,
    Device,
    Enrolment,
    EnrolmentStatus,
    Payment,
    PaymentStatus,
    Person,
    Role,
    payment_status_label,
    to_storage,
)
from yibao.outreach.errors import DayClosed, OutreachError
from yibao.outreach.models import DayClose, DayCloseStatus, ReceiptVoid
from yibao.prepared import Prepared
from yibao.receipts import LOCAL_TZ, capitals, yuan


@dataclass(frozen=True)
class CashLine:
    receipt_no: str
    person_name: str
    id_masked: str
    benefit_year: int
    amount_fen: int
    paid_at: datetime  # aware, local time
    status: str
    void_reason: str | None = None


@dataclass(frozen=True)
class DaySheet:
    clerk_id: str
    clerk_name: str
    device_id: str
    device_prefix: str
    day: date
    lines: tuple[CashLine, ...]
    voided: tuple[CashLine, ...]
    status: str | None = None  # None: not closed yet
    closed_at: datetime | None = None
    reopened: tuple[str, ...] = field(default_factory=tuple)

    @property
    def receipt_count(self) -> int:
        return len(self.lines)

    @property
    def total_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)

    @property
    def voided_fen(self) -> int:
        return sum(line.amount_fen for line in self.voided)


def _clerk_id(clerk: ClerkInfo | Clerk | str) -> str:
    return clerk if isinstance(clerk, str) else clerk.id


_CLOSED_ANYWHERE = sa.select(DayClose.__table__.c.id).where(  # type: ignore[attr-defined]
    DayClose.__table__.c.clerk_id == sa.bindparam("clerk_id"),  # type: ignore[attr-defined]
    DayClose.__table__.c.day == sa.bindparam("day"),  # type: ignore[attr-defined]
    DayClose.__table__.c.status == DayCloseStatus.CLOSED.value,  # type: ignore[attr-defined]
)
_CLOSED_ON_DEVICE = _CLOSED_ANYWHERE.where(
    DayClose.__table__.c.device_id == sa.bindparam("device_id")  # type: ignore[attr-defined]
)

_READ_CLOSED_ANYWHERE = Prepared(_CLOSED_ANYWHERE)
_READ_CLOSED_ON_DEVICE = Prepared(_CLOSED_ON_DEVICE)


def assert_day_open(
    session: Session, clerk: ClerkInfo | Clerk | str, day: date, *, device_id: str | None = None
) -> None:
    """Raise ``DayClosed`` if ``clerk`` has closed ``day`` (on ``device_id``, or on any device).

    Payment services call this inside their transaction before taking cash.
    """
    # Prepared once: F2 asks on every quote whether cash can still be taken today.
    session.flush()
    key: dict[str, Any] = {"clerk_id": _clerk_id(clerk), "day": day}
    if device_id is not None:
        closed = _READ_CLOSED_ON_DEVICE.rows(session.connection(), device_id=device_id, **key)
    else:
        closed = _READ_CLOSED_ANYWHERE.rows(session.connection(), **key)
    if closed:
        raise DayClosed(
            f"{day:%Y年%-m月%-d日}的现金已日结，不能再收取该日的现金。"
            "如确需补收，请审核人员先重新开启该日（yibao dayclose reopen），并写明原因。",
            field="paid_on",
        )


def day_sheet(session: Session, *, clerk_id: str, device_id: str, day: date) -> DaySheet:
    clerk = session.get(Clerk, clerk_id)
    device = session.get(Device, device_id)
    if clerk is None:
        raise OutreachError("登记库中找不到该经办人员。")
    rows = session.exec(
        select(Payment, Person, ReceiptVoid)
        .join(Person, Person.id == Payment.person_id)  # type: ignore[arg-type]
        .outerjoin(ReceiptVoid, ReceiptVoid.payment_id == Payment.id)  # type: ignore[arg-type]
        .where(
            Payment.clerk_id == clerk_id,
            Payment.device_id == device_id,
            Payment.channel == Channel.CASH.value,
            Payment.paid_on == day,
        )
        .order_by(Payment.receipt_no)  # type: ignore[arg-type]
    ).all()
    lines: list[CashLine] = []
    voided: list[CashLine] = []
    for payment, person, void in rows:
        paid_at = payment.paid_at if payment.paid_at.tzinfo else payment.paid_at.replace(tzinfo=UTC)
        line = CashLine(
            receipt_no=payment.receipt_no,
            person_name=person.name,
            id_masked=mask(person.id_number) if person.id_number else "（无身份证号）",
            benefit_year=payment.benefit_year,
            amount_fen=payment.amount_fen,
            paid_at=paid_at.astimezone(LOCAL_TZ),
            status=payment.status,
            void_reason=void.reason if void else None,
        )
        (voided if payment.status == PaymentStatus.VOIDED.value else lines).append(line)
    close = session.exec(
        select(DayClose).where(
            DayClose.clerk_id == clerk_id, DayClose.device_id == device_id, DayClose.day == day
        )
    ).first()
    reopened: tuple[str, ...] = ()
    if close is not None and close.reopen_reason:
        reopened = (close.reopen_reason,)
    return DaySheet(
        clerk_id=clerk_id,
        clerk_name=clerk.name,
        device_id=device_id,
        device_prefix=device.prefix if device else "?",
        day=day,
        lines=tuple(lines),
        voided=tuple(voided),
        status=close.status if close else None,
        closed_at=close.closed_at if close else None,
        reopened=reopened,
    )


def close_day(engine: Engine, *, clerk: ClerkInfo, device: DeviceInfo, day: date, today: date, now: datetime) -> DaySheet:
    """日结: count the clerk's cash for ``day`` and close it (one transaction, audited)."""
    if day > today:
        raise OutreachError(f"{day:%Y年%-m月%-d日} 还没到，不能日结。")
    actor = Actor(device_id=device.id, clerk_id=clerk.id, clerk_name=clerk.name)
    with Session(write_engine(engine), expire_on_commit=False) as session, session.begin():
        existing = session.exec(
            select(DayClose)
            .where(DayClose.clerk_id == clerk.id, DayClose.device_id == device.id, DayClose.day == day)
            .with_for_update()
        ).first()
        if existing is not None and existing.status == DayCloseStatus.CLOSED.value:
            raise OutreachError(f"{day:%Y年%-m月%-d日} 已经日结过了。需要重打日结单请用 yibao dayclose sheet。")
        sheet = day_sheet(session, clerk_id=clerk.id, device_id=device.id, day=day)
        moment = to_storage(now)
        values: dict[str, Any] = {
            "status": DayCloseStatus.CLOSED.value,
            "receipt_count": sheet.receipt_count,
            "total_fen": sheet.total_fen,
            "voided_count": len(sheet.voided),
            "voided_fen": sheet.voided_fen,
            "closed_at": moment,
            "closed_by": clerk.id,
            "updated_at": moment,
        }
        if existing is None:
            row = DayClose(clerk_id=clerk.id, day=day, device_id=device.id, created_at=moment, **values)
            session.add(row)
            before = None
        else:
            before = snapshot(existing, fields=tuple(values))
            for key, value in values.items():
                setattr(existing, key, value)
            row = existing
        session.flush()
        record(
            session,
            actor=actor,
            at=now,
            action="dayclose.close",
            entity="day_close",
            entity_id=row.id,
            summary=(
                f"{day:%Y-%m-%d} 现金日结：{sheet.receipt_count} 张收据，合计 {yuan(sheet.total_fen)} 元，"
                f"作废 {len(sheet.voided)} 张"
            ),
            before=before,
            after=snapshot(row, fields=tuple(values)),
        )
        return day_sheet(session, clerk_id=clerk.id, device_id=device.id, day=day)


@dataclass(frozen=True)
class SheetScope:
    """Whose payments a day-close sheet lists."""

    clerk_id: str | None  # None: every clerk of the device
    device_id: str


def sheet_scope(
    engine: Engine,
    *,
    clerk: ClerkInfo,
    device: DeviceInfo,
    day: date,
    now: datetime,
    of: str | None = None,
    device_prefix: str | None = None,
    all_clerks: bool = False,
) -> SheetScope:
    """The sheet ``clerk`` asks for: their own by default; of the clerk named ``of``, or of
    every clerk (``all_clerks``), only for a 审核 (refused and audited otherwise: the sheet
    lists other clerks' payers and cash). ``device_prefix``: another device's (a laptop's
    payments once synced). ``OutreachError`` names a clerk or device not on file."""
    from yibao.auth import Attempt, require_role

    with Session(engine) as session:
        clerk_id: str | None = clerk.id
        other = None
        if of and of.strip() != clerk.name:
            other = session.exec(select(Clerk).where(Clerk.name == of.strip())).first()
            if other is None:
                raise OutreachError(f"登记库中没有名为 {of} 的经办人员。请核对姓名。")
            clerk_id = other.id
        device_id = device.id
        if device_prefix:
            row = session.exec(select(Device).where(Device.prefix == device_prefix.strip().upper())).first()
            if row is None:
                raise OutreachError(f"登记库中没有收据号前缀为 {device_prefix} 的设备。")
            device_id = row.id
    if all_clerks or other is not None:
        whose = "本设备所有经办人员" if all_clerks else (other.name if other is not None else "")
        require_role(
            engine, clerk, Role.SUPERVISOR,
            attempt=Attempt("dayclose.sheet", f"查看{whose} {day:%Y-%m-%d} 的日结单", "day_close"),
            device_id=device.id, now=now,
        )
    return SheetScope(clerk_id=None if all_clerks else clerk_id, device_id=device_id)


def reopen_day(
    engine: Engine,
    *,
    clerk_name: str,
    day: date,
    device: DeviceInfo,
    supervisor: ClerkInfo,
    reason: str,
    now: datetime,
) -> None:
    """A supervisor reopens a closed day so cash can be taken for it again (audited)."""
    from yibao.auth import Attempt, require_role

    require_role(
        engine, supervisor, Role.SUPERVISOR,
        attempt=Attempt("dayclose.reopen", f"重新开启 {clerk_name} {day:%Y-%m-%d} 已日结的日期", "day_close"),
        device_id=device.id, now=now,
    )
    reason = (reason or "").strip()
    if not reason:
        raise OutreachError("请用 --reason 写明重新开启的原因。")
    with Session(write_engine(engine)) as session, session.begin():
        clerk = session.exec(select(Clerk).where(Clerk.name == clerk_name.strip())).first()
        if clerk is None:
            raise OutreachError(f"登记库中没有名为 {clerk_name} 的经办人员。")
        row = session.exec(
            select(DayClose)
            .where(DayClose.clerk_id == clerk.id, DayClose.device_id == device.id, DayClose.day == day)
            .with_for_update()
        ).first()
        if row is None or row.status != DayCloseStatus.CLOSED.value:
            raise OutreachError(f"{clerk.name} 在本设备上 {day:%Y年%-m月%-d日} 没有已日结的记录，无需重新开启。")
        moment = to_storage(now)
        row.status = DayCloseStatus.REOPENED.value
        row.reopened_at = moment
        row.reopened_by = supervisor.id
        row.reopen_reason = reason
        row.updated_at = moment
        record(
            session,
            actor=Actor(device_id=device.id, clerk_id=supervisor.id, clerk_name=supervisor.name),
            at=now,
            action="dayclose.reopen",
            entity="day_close",
            entity_id=row.id,
            summary=f"重新开启 {clerk.name} {day:%Y-%m-%d} 的日结，原因：{reason}",
            before={"status": DayCloseStatus.CLOSED.value},
            after={"status": row.status, "reason": reason},
        )


def void_receipt(
    engine: Engine,
    *,
    receipt_no: str,
    reason: str,
    clerk: ClerkInfo,
    device: DeviceInfo,
    today: date,
    now: datetime,
) -> CashLine:
    """作废 a receipt issued today and not yet day-closed; the number stays, marked voided."""
    reason = (reason or "").strip()
    if not reason:
        raise OutreachError("请写明作废原因（如：金额收错、收错人）。")
    number = receipt_no.strip().upper()
    # Another clerk's receipt needs a 审核; checked (and a refusal audited) before the write
    # transaction takes the registry's write lock.
    with Session(engine) as peek:
        issued = peek.exec(
            select(Payment.id, Payment.person_id, Payment.clerk_id).where(Payment.receipt_no == number)
        ).first()
    if issued is not None and issued.clerk_id != clerk.id:
        from yibao.auth import Attempt, require_role

        require_role(
            engine, clerk, Role.SUPERVISOR,
            attempt=Attempt("payment.void", f"作废他人开的收据 {number}", "payment",
                            issued.id, issued.person_id,
                            refusal="只能作废自己开的收据；他人开的收据请由审核人员作废。"),
            device_id=device.id, now=now,
        )
    with Session(write_engine(engine), expire_on_commit=False) as session, session.begin():
        payment = session.exec(
            select(Payment).where(Payment.receipt_no == number).with_for_update()
        ).first()
        if payment is None:
            raise OutreachError(f"找不到收据号 {receipt_no}，请核对后重新输入。")
        if payment.status != PaymentStatus.PAID.value:
            raise OutreachError(f"收据 {payment.receipt_no} 的状态不是有效（{payment.status}），不能作废。")
        if payment.paid_on != today:
            raise OutreachError(
                f"收据 {payment.receipt_no} 不是今天开的，只能当日作废。以前的收据请办理退费。"
            )
        if payment.device_id != device.id:
            raise OutreachError(f"收据 {payment.receipt_no} 不是本设备开的，请在开票的设备上作废。")
        if payment.clerk_id != clerk.id and (issued is None or issued.clerk_id == clerk.id):
            raise OutreachError(f"收据 {payment.receipt_no} 刚被改动，请重新办理作废。")
        if payment.clerk_id:
            assert_day_open(session, payment.clerk_id, payment.paid_on, device_id=device.id)
        moment = to_storage(now)
        before = snapshot(payment, fields=("status",))
        payment.status = PaymentStatus.VOIDED.value
        payment.updated_at = moment
        session.add(
            ReceiptVoid(
                payment_id=payment.id,
                receipt_no=payment.receipt_no,
                reason=reason,
                voided_at=moment,
                clerk_id=clerk.id,
                device_id=device.id,
                created_at=moment,
            )
        )
        enrolment = session.get(Enrolment, payment.enrolment_id)
        still_paid = session.exec(
            select(sa.func.count())
            .select_from(Payment)
            .where(
                Payment.enrolment_id == payment.enrolment_id,
                Payment.status == PaymentStatus.PAID.value,
                Payment.id != payment.id,
            )
        ).one()
        if enrolment is not None and enrolment.status == EnrolmentStatus.PAID.value and not still_paid:
            enrol_before = snapshot(enrolment, fields=("status", "coverage_start", "coverage_end", "waiting_months"))
            enrolment.status = EnrolmentStatus.REGISTERED.value
            enrolment.coverage_start = None
            enrolment.coverage_end = None
            enrolment.waiting_months = None
            enrolment.updated_at = moment
            record(
                session,
                actor=Actor(device_id=device.id, clerk_id=clerk.id, clerk_name=clerk.name),
                at=now,
                action="enrolment.unpaid",
                entity="enrolment",
                entity_id=enrolment.id,
                person_id=payment.person_id,
                summary=f"收据 {payment.receipt_no} 作废，{enrolment.benefit_year}年度参保改回“已登记，未缴费”",
                before=enrol_before,
                after={"status": enrolment.status},
            )
        person = session.get(Person, payment.person_id)
        record(
            session,
            actor=Actor(device_id=device.id, clerk_id=clerk.id, clerk_name=clerk.name),
            at=now,
            action="payment.void",
            entity="payment",
            entity_id=payment.id,
            person_id=payment.person_id,
            summary=f"作废收据 {payment.receipt_no}（{yuan(payment.amount_fen)} 元），原因：{reason}",
            before=before,
            after={"status": payment.status, "reason": reason},
        )
        session.flush()
        return CashLine(
            receipt_no=payment.receipt_no,
            person_name=person.name if person else "",
            id_masked=mask(person.id_number) if person and person.id_number else "",
            benefit_year=payment.benefit_year,
            amount_fen=payment.amount_fen,
            paid_at=(payment.paid_at if payment.paid_at.tzinfo else payment.paid_at.replace(tzinfo=UTC)).astimezone(LOCAL_TZ),
            status=payment.status,
            void_reason=reason,
        )


def unclosed_days(session: Session, *, clerk_id: str, device_id: str, before: date) -> list[date]:
    """Days before ``before`` with cash taken by the clerk on this device and no closed day-close."""
    cash_days = set(
        session.exec(
            select(Payment.paid_on)
            .where(
                Payment.clerk_id == clerk_id,
                Payment.device_id == device_id,
                Payment.channel == Channel.CASH.value,
                Payment.paid_on < before,
            )
            .distinct()
        )
    )
    closed = set(
        session.exec(
            select(DayClose.day).where(
                DayClose.clerk_id == clerk_id,
                DayClose.device_id == device_id,
                DayClose.status == DayCloseStatus.CLOSED.value,
            )
        )
    )
    return sorted(cash_days - closed)


def render_sheet(sheet: DaySheet, *, jurisdiction: str = "", printed_at: datetime | None = None) -> str:
    """The day-close sheet as plain text, ready to print and sign (ID numbers masked)."""
    width = 72
    rule = "-" * width
    state = {
        None: "未日结（草表）",
        DayCloseStatus.CLOSED.value: "已日结",
        DayCloseStatus.REOPENED.value: "已重新开启（须重新日结）",
    }[sheet.status]
    out = [
        f"{jurisdiction}城乡居民基本医疗保险 现金缴费日结单".strip(),
        f"日期：{sheet.day:%Y年%-m月%-d日}　经办人：{sheet.clerk_name}　设备：{sheet.device_prefix}　状态：{state}",
        rule,
        _row("序号", "收据号", "参保人", "身份证号", "年度", "金额(元)"),
    ]
    for i, line in enumerate(sheet.lines, 1):
        note = "" if line.status == PaymentStatus.PAID.value else f"（{_status_label(line.status)}）"
        out.append(
            _row(str(i), line.receipt_no, line.person_name, line.id_masked, str(line.benefit_year),
                 yuan(line.amount_fen)) + note
        )
    if not sheet.lines:
        out.append("（当日无现金收据）")
    out.append(rule)
    out.append(f"有效现金收据 {sheet.receipt_count} 张，合计 {yuan(sheet.total_fen)} 元（{capitals(sheet.total_fen)}）")
    out.append(f"应于当日全额解缴：{yuan(sheet.total_fen)} 元")
    if sheet.voided:
        out.append(rule)
        out.append(f"作废收据 {len(sheet.voided)} 张（不计入合计，共 {yuan(sheet.voided_fen)} 元）：")
        for line in sheet.voided:
            out.append(f"  {line.receipt_no}  {line.person_name}  {yuan(line.amount_fen)} 元  原因：{line.void_reason or '未写明'}")
    if sheet.reopened:
        out.append(f"曾由审核人员重新开启，原因：{'；'.join(sheet.reopened)}")
    out.append(rule)
    if sheet.closed_at is not None:
        closed = sheet.closed_at if sheet.closed_at.tzinfo else sheet.closed_at.replace(tzinfo=UTC)
        out.append(f"日结时间：{closed.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}")
    if printed_at is not None:
        out.append(f"打印时间：{printed_at.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}")
    out.append("")
    out.append("经办人签字：______________　复核人签字：______________")
    out.append("解缴银行：__________________　回单号：______________　解缴金额：__________ 元")
    return "\n".join(out) + "\n"


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _row(*cells: str) -> str:
    """One line of the sheet in fixed columns (a Chinese character is two columns wide)."""
    widths = (6, 16, 10, 20, 6)
    head = "".join(cell + " " * max(1, w - _width(cell)) for cell, w in zip(cells, widths, strict=False))
    last = cells[-1]
    return head + " " * max(1, 10 - _width(last)) + last


def _status_label(status: str) -> str:
    return payment_status_label(status)
