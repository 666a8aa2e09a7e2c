"""Payments and receipts.

Taking money is done by ``enrolment.enrol_and_pay``, ``newborns.enrol`` and
``family_aid.pay``; they all end in ``PaymentService.take`` inside their own
transaction, which:

1. refuses a second ``paid`` payment for the same person and benefit year (the
   refusal points to refund intake; a partial unique index backs it up);
2. creates or updates the person's enrolment for the year (status ``paid``, coverage);
3. takes the next receipt number of this device (never reused);
4. writes the payment and the audit rows.

Read side: ``receipt(receipt_no)``, ``for_person(person_id)``, ``on_day(day)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from yibao import receipts
from yibao.idnumbers import mask, mask_birth_cert
from yibao.models import (
    CHANNEL_LABELS,
    Channel,
    Enrolment,
    EnrolmentStatus,
    FamilyBinding,
    Payment,
    PaymentStatus,
    Person,
    channel_label_of,
)
from yibao.rules.facts import CATEGORY_LABELS, Category
from yibao.services.base import ServiceBase
from yibao.services.errors import InvalidInput, NotFound, Refused
from yibao.services.ruling import Amounts, duplicate_payment_refusal
from yibao.services.views import EnrolmentView, PaymentView, ReceiptView
from yibao.timezone import LOCAL_TZ


def parse_channel(channel: Channel | str, *, allow_family: bool = False) -> Channel:
    try:
        value = Channel(channel)
    except ValueError:
        raise InvalidInput(
            "缴费方式不对。可选：cash（现金）、bank（银行代收）、online（线上缴费）。",
            field="channel",
        ) from None
    if value is Channel.FAMILY_ACCOUNT and not allow_family:
        raise InvalidInput(
            "职工医保个人账户家庭共济缴费请在“家庭共济”中办理（须先绑定亲属关系）。",
            field="channel",
        )
    return value


def change_for(channel: Channel, amount_fen: int, received_fen: int | None) -> int | None:
    """Change to hand back; checks what was handed over. Non-cash: None."""
    if channel is not Channel.CASH:
        if received_fen is not None and received_fen != amount_fen:
            raise InvalidInput(
                f"非现金缴费的金额应等于应缴金额 {receipts.yuan(amount_fen)} 元。",
                field="received_fen",
            )
        return None
    if received_fen is None:
        raise InvalidInput(
            f"现金缴费请填写实收金额（应缴 {receipts.yuan(amount_fen)} 元）。", field="received_fen"
        )
    if not isinstance(received_fen, int) or received_fen < 0:
        raise InvalidInput("实收金额应为不小于0的整数（单位：分）。", field="received_fen")
    if received_fen < amount_fen:
        raise InvalidInput(
            f"实收 {receipts.yuan(received_fen)} 元，少于应缴 {receipts.yuan(amount_fen)} 元。"
            "请收足金额后再办理。",
            field="received_fen",
        )
    return received_fen - amount_fen


class PaymentService(ServiceBase):
    # --- the one way money is written -----------------------------------------
    @staticmethod
    def _taken_elsewhere(person: Person, year: int) -> InvalidInput:
        return InvalidInput(
            f"{person.name} {year}年度的参保缴费刚刚已由其他窗口办理，请刷新后查看，不要重复收费。",
            field="person_id",
        )

    def paid_payment(self, session: Session, person_id: str, year: int) -> Payment | None:
        return session.exec(
            select(Payment).where(
                Payment.person_id == person_id,
                Payment.benefit_year == year,
                Payment.status == PaymentStatus.PAID.value,
            )
        ).first()

    def cash_closed(self, session: Session) -> str | None:
        """Why cash cannot be taken today (the day is closed, 日结), or None."""
        from yibao.outreach.errors import DayClosed

        try:
            self._assert_cash_day_open(session)
        except DayClosed as closed:
            return closed.message
        return None

    def _assert_cash_day_open(self, session: Session) -> None:
        """Refuse cash for a day the clerk has closed (日结) on this device.

        Per device, like the day-close itself and its reopening: a day closed on an
        outreach laptop (synced to the hall) does not lock the same clerk at the hall.
        """
        # Imported here: yibao.outreach imports yibao.services.errors (no import cycle).
        from yibao.outreach.dayclose import assert_day_open

        today = self.now().astimezone(LOCAL_TZ).date()
        assert_day_open(session, self.actor.clerk_id or "", today, device_id=self.actor.device_id)

    def take(
        self,
        session: Session,
        person: Person,
        *,
        benefit_year: int,
        category: Category,
        insured_region: str,
        channel: Channel,
        received_fen: int | None,
        amounts: Amounts,
        coverage_start: date | None,
        coverage_end: date | None,
        waiting_months: int | None,
        payer: Person | None = None,
        binding: FamilyBinding | None = None,
        action: str = "payment.record",
    ) -> ReceiptView:
        """Write enrolment + payment + audit rows in ``session`` (the caller commits).

        ``amounts`` come from the rules (``ruling.Amounts``); never typed in by the clerk.
        Raises ``Refused`` if the person already paid for ``benefit_year``, and
        ``yibao.outreach.errors.DayClosed`` (an ``InvalidInput``) for cash when the clerk
        has closed today's cash on this device (日结) and no supervisor has reopened it.
        """
        policy = self.policy
        free = amounts.total_fen == 0  # 全额资助: no money changes hands, whatever the channel
        if channel is Channel.CASH and not free:
            self._assert_cash_day_open(session)
        existing = self.paid_payment(session, person.id, benefit_year)
        if existing is not None:
            raise Refused(
                duplicate_payment_refusal(
                    policy,
                    person_name=person.name,
                    year=benefit_year,
                    receipt_no=existing.receipt_no,
                )
            )
        amount_fen = amounts.total_fen
        change_fen = None if free else change_for(channel, amount_fen, received_fen)
        now = self.now()
        today = now.astimezone(LOCAL_TZ).date()
        enrolment = session.exec(
            select(Enrolment).where(
                Enrolment.person_id == person.id, Enrolment.benefit_year == benefit_year
            )
        ).first()
        enrolment_before = enrolment.model_dump() if enrolment is not None else None
        if enrolment is None:
            enrolment = Enrolment(
                person_id=person.id,
                benefit_year=benefit_year,
                category=category.value,
                insured_region=insured_region,
                policy_id=policy.id,
                registered_on=today,
                device_id=self.actor.device_id,
                created_at=now,
            )
        enrolment.category = category.value
        enrolment.insured_region = insured_region
        enrolment.policy_id = policy.id
        enrolment.status = EnrolmentStatus.PAID.value
        enrolment.coverage_start = coverage_start
        enrolment.coverage_end = coverage_end
        enrolment.waiting_months = waiting_months
        enrolment.subsidy_identity = amounts.subsidy_identity
        enrolment.updated_at = now
        session.add(enrolment)
        try:
            session.flush()
        except IntegrityError:
            raise self._taken_elsewhere(person, benefit_year) from None
        receipt_no = receipts.next_receipt_no(
            session, device_id=self.actor.device_id, prefix=self._services.device.prefix
        )
        extras = [list(e) for e in amounts.extras]
        payment = Payment(
            person_id=person.id,
            enrolment_id=enrolment.id,
            benefit_year=benefit_year,
            receipt_no=receipt_no,
            channel=channel.value,
            standard_fen=amounts.standard_fen,
            subsidy_fen=amounts.subsidy_fen,
            personal_fen=amounts.personal_fen,
            extras_fen=sum(int(e[2]) for e in extras),
            extras=extras or None,
            amount_fen=amount_fen,
            received_fen=received_fen if channel is Channel.CASH and not free else None,
            change_fen=change_fen,
            payer_person_id=payer.id if payer is not None else None,
            family_binding_id=binding.id if binding is not None else None,
            subsidy_identity=enrolment.subsidy_identity,
            policy_id=policy.id,
            paid_at=now,
            paid_on=today,
            clerk_id=self.actor.clerk_id,
            device_id=self.actor.device_id,
            created_at=now,
            updated_at=now,
        )
        session.add(payment)
        try:
            session.flush()
        except IntegrityError:
            # Another desk took this person's payment a moment ago (unique index).
            raise self._taken_elsewhere(person, benefit_year) from None
        self.audit(
            session,
            action="enrolment.paid",
            entity="enrolment",
            entity_id=enrolment.id,
            person_id=person.id,
            summary=f"{person.name} {benefit_year}年度参保（{category.label}）",
            before=enrolment_before,
            after=enrolment,
        )
        payer_text = f"，由 {payer.name} 家庭共济代缴" if payer is not None else ""
        self.audit(
            session,
            action=action,
            entity="payment",
            entity_id=payment.id,
            person_id=person.id,
            summary=f"收取 {person.name} {benefit_year}年度个人缴费 {receipts.yuan(amount_fen)} 元"
            f"（{CHANNEL_LABELS[channel]}{payer_text}），收据号 {receipt_no}",
            after=payment,
        )
        return self._receipt_view(payment, enrolment, person, payer)

    # --- read ----------------------------------------------------------------
    def _identified_as(self, person: Person) -> tuple[str, str]:
        """(label, masked number) the receipt names the person by: the ID number, else the
        出生医学证明, else — a newborn registered by its guardian — the guardian."""
        if person.id_number:
            return "身份证号", mask(person.id_number)
        if person.birth_cert_no:
            return "出生医学证明编号", mask_birth_cert(person.birth_cert_no)
        if person.guardian_person_id:
            from sqlalchemy.orm import object_session

            session = object_session(person)
            if session is not None:
                guardian = session.get(Person, person.guardian_person_id)
            else:
                with self.reading() as reading:
                    guardian = reading.get(Person, person.guardian_person_id)
            if guardian is not None:
                return "监护人", f"{guardian.name}（{mask(guardian.id_number)}）"
        return "证件", "尚未办理"

    def _receipt_view(
        self, payment: Payment, enrolment: Enrolment, person: Person, payer: Person | None
    ) -> ReceiptView:
        lines = [receipts.ReceiptLine(label="个人缴费标准", fen=payment.standard_fen)]
        if payment.subsidy_fen:
            lines.append(receipts.ReceiptLine(label="资助", fen=-payment.subsidy_fen))
        for _code, label, fen in payment.extras or ():
            lines.append(receipts.ReceiptLine(label=str(label), fen=int(fen)))
        clerk_name = (
            self._services.clerk.name if payment.clerk_id == self._services.clerk.id else ""
        )
        if not clerk_name and payment.clerk_id:
            from yibao.models import Clerk

            with self.reading() as session:
                clerk = session.get(Clerk, payment.clerk_id)
                clerk_name = clerk.name if clerk else ""
        prefix = payment.receipt_no.split("-", 1)[0]
        try:
            category_label = CATEGORY_LABELS[Category(enrolment.category)]
        except ValueError:
            category_label = enrolment.category
        id_label, id_masked = self._identified_as(person)
        content = receipts.ReceiptText(
            receipt_no=payment.receipt_no,
            jurisdiction=self.policy.jurisdiction,
            person_name=person.name,
            id_masked=id_masked,
            id_label=id_label,
            benefit_year=payment.benefit_year,
            category_label=category_label,
            lines=tuple(lines),
            amount_fen=payment.amount_fen,
            channel_label=channel_label_of(payment.channel, payment.amount_fen, payment.subsidy_fen),
            received_fen=payment.received_fen,
            change_fen=payment.change_fen,
            payer=f"{payer.name}（{mask(payer.id_number)}）" if payer is not None else None,
            coverage_start=enrolment.coverage_start,
            coverage_end=enrolment.coverage_end,
            clerk_name=clerk_name,
            device_prefix=prefix,
            paid_at=payment.paid_at,
            policy_document=self.policy.document.citation
            if payment.policy_id == self.policy.id
            else payment.policy_id,
        )
        return ReceiptView(
            payment=PaymentView.of(payment),
            enrolment=EnrolmentView.of(enrolment),
            person_name=person.name,
            id_masked=id_masked,
            text=receipts.render(content),
            content=content,
        )

    def receipt(self, receipt_no: str) -> ReceiptView:
        """A stored payment as its receipt (reprint)."""
        with self.reading() as session:
            payment = session.exec(
                select(Payment).where(Payment.receipt_no == receipt_no.strip().upper())
            ).first()
            if payment is None:
                raise NotFound(f"找不到收据号 {receipt_no}。请核对收据号。", field="receipt_no")
            enrolment = session.get(Enrolment, payment.enrolment_id)
            person = session.get(Person, payment.person_id)
            payer = (
                session.get(Person, payment.payer_person_id) if payment.payer_person_id else None
            )
            assert enrolment is not None and person is not None
            return self._receipt_view(payment, enrolment, person, payer)

    def for_person(self, person_id: str) -> list[PaymentView]:
        """A person's payments, newest first."""
        with self.reading() as session:
            self.person_or_404(session, person_id)
            rows = session.exec(
                select(Payment)
                .where(Payment.person_id == person_id)
                .order_by(col(Payment.paid_at).desc())
            ).all()
            return [PaymentView.of(r) for r in rows]

    def on_day(self, day: date, *, device_id: str | None = None) -> list[PaymentView]:
        """Payments taken on ``day`` (local date), oldest first; optionally one device's."""
        with self.reading() as session:
            stmt = select(Payment).where(Payment.paid_on == day)
            if device_id:
                stmt = stmt.where(Payment.device_id == device_id)
            rows = session.exec(stmt.order_by(col(Payment.paid_at))).all()
            return [PaymentView.of(r) for r in rows]

    def paid_for(self, person_id: str, *, benefit_year: int | None = None) -> PaymentView | None:
        """The valid payment of the person for the year (default: the policy's), or None."""
        with self.reading() as session:
            row = self.paid_payment(session, person_id, benefit_year or self._services.benefit_year)
            return PaymentView.of(row) if row else None


def extras_codes(extras: Sequence[str] | None) -> tuple[str, ...]:
    return tuple(str(e).strip() for e in extras or () if str(e).strip())
