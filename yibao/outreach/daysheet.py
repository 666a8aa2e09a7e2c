"""The day-close sheet a cashier signs (日结单): every receipt of one device and day, all
payment methods, totals by clerk and method, voids apart, ID numbers masked.

``yibao.outreach.dayclose`` closes a clerk's *cash*; this sheet also lists what came in by
bank, online and family account that day, so the cashier reconciles the whole counter.
Rendered as PDF and .xlsx by ``yibao.printing.daysheet``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlmodel import Session, select

from yibao.idnumbers import mask, mask_birth_cert
from yibao.models import (
    Channel,
    Clerk,
    Device,
    Payment,
    PaymentStatus,
    Person,
    channel_label_of,
    payment_status_label,
)
from yibao.outreach.errors import OutreachError
from yibao.outreach.models import DayClose, DayCloseStatus, ReceiptVoid
from yibao.timezone import LOCAL_TZ


@dataclass(frozen=True)
class SheetLine:
    receipt_no: str
    paid_at: datetime  # aware, local time
    clerk_name: str
    person_name: str
    id_masked: str
    benefit_year: int
    channel: str
    channel_label: str
    amount_fen: int
    status_label: str
    void_reason: str | None = None
    refunded: bool = False  # refunded since: the cash was still taken that day


@dataclass(frozen=True)
class Total:
    clerk_name: str
    channel_label: str
    count: int
    amount_fen: int


@dataclass(frozen=True)
class CashierSheet:
    day: date
    device_prefix: str
    jurisdiction: str
    lines: tuple[SheetLine, ...]  # counted: every receipt not voided
    voided: tuple[SheetLine, ...]
    closes: tuple[str, ...]  # per clerk: 王芳 已日结 17:05 / 未日结（草表）
    printed_at: datetime | None = None
    closed: bool = False  # every clerk on the sheet has closed the day's cash

    @property
    def total_fen(self) -> int:
        return sum(line.amount_fen for line in self.lines)

    @property
    def cash_fen(self) -> int:
        """What the clerks pay in to the bank: the cash receipts."""
        return sum(line.amount_fen for line in self.lines if line.channel == Channel.CASH.value)

    @property
    def refunded(self) -> tuple[SheetLine, ...]:
        return tuple(line for line in self.lines if line.refunded)

    @property
    def voided_fen(self) -> int:
        return sum(line.amount_fen for line in self.voided)

    def totals(self) -> list[Total]:
        """By clerk, then by payment method in the order of ``Channel``; receipts that took no
        money (免缴) apart, last, whatever channel they are stored with."""
        order = {c.value: i for i, c in enumerate(Channel)}
        groups: dict[tuple[str, int, str], list[SheetLine]] = defaultdict(list)
        for line in self.lines:
            rank = order.get(line.channel, 98) if line.amount_fen else 99
            groups[(line.clerk_name, rank, line.channel_label)].append(line)
        return [
            Total(clerk, label, len(lines), sum(line.amount_fen for line in lines))
            for (clerk, _rank, label), lines in sorted(groups.items(), key=lambda kv: kv[0])
        ]


def _close_text(close: DayClose | None, name: str) -> str:
    if close is None:
        return f"{name} 现金未日结（本表为草表）"
    if close.status == DayCloseStatus.CLOSED.value and close.closed_at is not None:
        at = close.closed_at if close.closed_at.tzinfo else close.closed_at.replace(tzinfo=UTC)
        return f"{name} 现金已日结（{at.astimezone(LOCAL_TZ):%H:%M}）"
    return f"{name} 现金日结已重新开启，须重新日结（原因：{close.reopen_reason or '未写明'}）"


def cashier_sheet(
    session: Session,
    *,
    device_id: str,
    day: date,
    clerk_id: str | None = None,
    jurisdiction: str = "",
    printed_at: datetime | None = None,
) -> CashierSheet:
    """The sheet of ``device_id`` for ``day``: one clerk's receipts, or every clerk's (None)."""
    device = session.get(Device, device_id)
    if device is None:
        raise OutreachError("登记库中找不到该设备。")
    stmt = (
        select(Payment, Person, Clerk, ReceiptVoid)
        .join(Person, Person.id == Payment.person_id)  # type: ignore[arg-type]
        .outerjoin(Clerk, Clerk.id == Payment.clerk_id)  # type: ignore[arg-type]
        .outerjoin(ReceiptVoid, ReceiptVoid.payment_id == Payment.id)  # type: ignore[arg-type]
        .where(Payment.device_id == device_id, Payment.paid_on == day)
        .order_by(Payment.receipt_no)  # type: ignore[arg-type]
    )
    if clerk_id is not None:
        stmt = stmt.where(Payment.clerk_id == clerk_id)
    lines: list[SheetLine] = []
    voided: list[SheetLine] = []
    clerks: dict[str, str] = {}
    for payment, person, clerk, void in session.exec(stmt).all():
        name = clerk.name if clerk is not None else "（未记经办人）"
        if clerk is not None:
            clerks[clerk.id] = clerk.name
        paid_at = payment.paid_at if payment.paid_at.tzinfo else payment.paid_at.replace(tzinfo=UTC)
        line = SheetLine(
            receipt_no=payment.receipt_no,
            paid_at=paid_at.astimezone(LOCAL_TZ),
            clerk_name=name,
            person_name=person.name,
            id_masked=mask(person.id_number) or mask_birth_cert(person.birth_cert_no) or "（无证件号）",
            benefit_year=payment.benefit_year,
            channel=payment.channel,
            channel_label=channel_label_of(payment.channel, payment.amount_fen, payment.subsidy_fen),
            amount_fen=payment.amount_fen,
            status_label=payment_status_label(payment.status),
            refunded=payment.status == PaymentStatus.REFUNDED.value,
            void_reason=void.reason if void is not None else None,
        )
        (voided if payment.status == PaymentStatus.VOIDED.value else lines).append(line)
    if clerk_id is not None and clerk_id not in clerks:
        row = session.get(Clerk, clerk_id)
        if row is None:
            raise OutreachError("登记库中找不到该经办人员。")
        clerks[clerk_id] = row.name
    closes = {
        c.clerk_id: c
        for c in session.exec(
            select(DayClose).where(DayClose.device_id == device_id, DayClose.day == day)
        ).all()
    }
    closed = bool(clerks) and all(
        (c := closes.get(cid)) is not None and c.status == DayCloseStatus.CLOSED.value for cid in clerks
    )
    return CashierSheet(
        closed=closed,
        day=day,
        device_prefix=device.prefix,
        jurisdiction=jurisdiction,
        lines=tuple(lines),
        voided=tuple(voided),
        closes=tuple(_close_text(closes.get(cid), name) for cid, name in sorted(clerks.items(), key=lambda kv: kv[1])),
        printed_at=printed_at,
    )
