"""Refund requests (退费): assess → intake (受理) → review (审核中 → 已批准/已驳回) → 已退费.

Every move is a ``refund_transition`` row (who, when, note) and an audit row, in the
same transaction as the state change. The allowed moves are ``REFUND_TRANSITIONS``
in ``yibao.models``; approving or rejecting needs a supervisor (``Role.SUPERVISOR``)
who did not take the intake (maker-checker; ``_checker``).
Marking a request 已退费 sets the payment to ``refunded`` and the enrolment to
``refunded`` (so the person may pay again for the year if they come back) — unless
another payment of the same person and year still holds money: then the enrolment
stays paid and covered.

Duplicates found by sync import (payment status ``conflict``, 重复缴费待处理) are
refunded the same way, with reason ``duplicate``. When the clerk refunds the hall's
``paid`` payment instead, the remaining ``conflict`` payment becomes the valid one
(``paid``, audited), so a person-year never has money held and no valid payment.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session, col, select

from yibao.idnumbers import mask
from yibao.models import (
    REFUND_STATE_LABELS,
    REFUND_TRANSITIONS,
    Enrolment,
    EnrolmentStatus,
    Payment,
    PaymentStatus,
    Person,
    RefundRequest,
    RefundState,
    RefundTransition,
    Role,
    payment_status_label,
)
from yibao.receipts import yuan
from yibao.services import ruling
from yibao.services.base import ServiceBase
from yibao.services.errors import InvalidInput, NotFound
from yibao.services.views import PaymentView, RefundAssessmentView, RefundView

_OPEN = (RefundState.RECEIVED.value, RefundState.REVIEWING.value, RefundState.APPROVED.value)
# Payments that hold money and may be refunded: valid ones, and duplicates found by sync.
_REFUNDABLE = (PaymentStatus.PAID.value, PaymentStatus.CONFLICT.value)
DUPLICATE_REASON = "duplicate"


def parse_reason(reason: str) -> str:
    from yibao.policy.refunds import RefundReason

    try:
        return RefundReason(reason).value
    except ValueError:
        raise InvalidInput(
            "退费原因不对。可选：" + "、".join(f"{r.value}（{r.label}）" for r in RefundReason),
            field="reason",
        ) from None


def _state(value: RefundState | str) -> RefundState:
    try:
        return RefundState(value)
    except ValueError:
        raise InvalidInput(
            "退费状态不对。可选：" + "、".join(f"{s.value}（{s.label}）" for s in RefundState),
            field="to_state",
        ) from None


class RefundService(ServiceBase):
    def _payment(self, session: Session, payment_id: str) -> Payment:
        payment = session.get(Payment, payment_id)
        if payment is None:
            raise NotFound("找不到该笔缴费，请从参保人的缴费记录中选择。", field="payment_id")
        return payment

    def _benefit_start(self, session: Session, payment: Payment) -> date:
        """Start of the benefit period: 1 January of the benefit year, or the enrolment's
        coverage start if that is earlier (a newborn covered from birth)."""
        start = date(payment.benefit_year, 1, 1)
        enrolment = session.get(Enrolment, payment.enrolment_id)
        if enrolment is not None and enrolment.coverage_start and enrolment.coverage_start < start:
            return enrolment.coverage_start
        return start

    def _decide(
        self, session: Session, payment: Payment, reason: str, on: date, died_on: date | None
    ):  # type: ignore[no-untyped-def]
        person = session.get(Person, payment.person_id)
        died = died_on or (person.died_on if person is not None else None)
        try:
            return ruling.refund_intake(
                self.policy,
                reason,
                paid_on=payment.paid_on,
                on=on,
                benefit_start=self._benefit_start(session, payment),
                died_on=died,
            )
        except ValueError as exc:
            raise InvalidInput(str(exc), field="payment_id") from None

    def _view(self, session: Session, row: RefundRequest) -> RefundView:
        payment = session.get(Payment, row.payment_id)
        assert payment is not None
        transitions = list(
            session.exec(
                select(RefundTransition)
                .where(RefundTransition.refund_id == row.id)
                .order_by(col(RefundTransition.at), col(RefundTransition.created_at))
            ).all()
        )
        return RefundView.of(row, payment, transitions)

    # --- assess and intake ------------------------------------------------------
    def assess(
        self, payment_id: str, *, reason: str, on: date | None = None, died_on: date | None = None
    ) -> RefundAssessmentView:
        """May a refund for this payment be taken in today (or ``on``)? ``reason`` is a
        ``RefundReason`` code (duplicate, joined_employee, insured_elsewhere, died,
        multi_channel, hukou_duplicate, other). The decision gives ``deadline``,
        ``evidence`` to ask for and ``approver``. Writes nothing."""
        code = parse_reason(reason)
        day = on or self.today()
        with self.reading() as session:
            payment = self._payment(session, payment_id)
            decision = self._decide(session, payment, code, day, died_on)
            return RefundAssessmentView(
                payment=PaymentView.of(payment), reason=code, on=day, decision=decision
            )

    def intake(
        self,
        payment_id: str,
        *,
        reason: str,
        reason_note: str | None = None,
        applicant_name: str | None = None,
        applicant_phone: str | None = None,
        died_on: date | None = None,
        confirmed: bool = False,
    ) -> RefundView:
        """受理 a refund request for a paid payment, today.

        The payment must be ``paid``, or ``conflict`` (重复缴费待处理, a duplicate found by
        sync import; the reason must then be ``duplicate``). Refused when the rules refuse
        (reason not accepted, past the deadline); ``NeedsConfirmation`` when the document
        is silent; ``InvalidInput`` when the payment's status does not allow a refund or a
        request for this payment is already open. Writes the request, its first
        transition (→ 受理) and an audit row in one transaction.
        """
        code = parse_reason(reason)
        today = self.today()
        with self.operation(
            action="refund.intake",
            entity="refund_request",
            attempt={"payment_id": payment_id, "reason": code},
        ) as session:
            payment = self._payment(session, payment_id)
            if payment.status not in _REFUNDABLE:
                raise InvalidInput(
                    f"收据号 {payment.receipt_no} 的缴费状态为“{payment_status_label(payment.status)}”，"
                    "不能申请退费。",
                    field="payment_id",
                )
            if payment.status == PaymentStatus.CONFLICT.value and code != DUPLICATE_REASON:
                raise InvalidInput(
                    f"收据号 {payment.receipt_no} 是同步导入时发现的重复缴费（重复缴费待处理），"
                    "退费原因请选择“duplicate（重复缴费）”。",
                    field="reason",
                )
            open_request = session.exec(
                select(RefundRequest).where(
                    RefundRequest.payment_id == payment.id, col(RefundRequest.state).in_(_OPEN)
                )
            ).first()
            if open_request is not None:
                raise InvalidInput(
                    f"收据号 {payment.receipt_no} 已有退费申请在办理中"
                    f"（{REFUND_STATE_LABELS[RefundState(open_request.state)]}），请勿重复受理。",
                    field="payment_id",
                )
            decision = self._decide(session, payment, code, today, died_on)
            self.check(decision, confirmed=confirmed)
            person = session.get(Person, payment.person_id)
            assert person is not None
            now = self.now()
            row = RefundRequest(
                person_id=payment.person_id,
                payment_id=payment.id,
                reason=code,
                reason_note=reason_note,
                amount_fen=payment.amount_fen,
                state=RefundState.RECEIVED.value,
                received_on=today,
                deadline=decision.deadline,
                evidence=list(decision.evidence),
                approver=decision.approver,
                applicant_name=applicant_name,
                applicant_phone=applicant_phone,
                policy_id=self.policy.id,
                device_id=self.actor.device_id,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            session.add(
                RefundTransition(
                    refund_id=row.id,
                    from_state=None,
                    to_state=RefundState.RECEIVED.value,
                    clerk_id=self.actor.clerk_id,
                    at=now,
                    note=reason_note,
                    device_id=self.actor.device_id,
                    created_at=now,
                )
            )
            self.audit(
                session,
                action="refund.intake",
                entity="refund_request",
                entity_id=row.id,
                person_id=person.id,
                summary=f"受理 {person.name}（{mask(person.id_number)}）退费申请，"
                f"收据号 {payment.receipt_no}，金额 {yuan(payment.amount_fen)} 元",
                after=row,
            )
            return self._view(session, row)

    # --- review -------------------------------------------------------------------
    def review(
        self, refund_id: str, *, to_state: RefundState | str, note: str | None = None
    ) -> RefundView:
        """Move a request along: received → reviewing → approved / rejected; approved →
        refunded. Approve and reject need a supervisor; reject needs a ``note``.
        Each move records a transition (who, when, note) and an audit row."""
        target = _state(to_state)
        if target in (RefundState.APPROVED, RefundState.REJECTED):
            self._checker(refund_id, target)
        if target is RefundState.REJECTED and not (note or "").strip():
            raise InvalidInput("驳回退费申请须填写驳回理由。", field="note")
        with self.transaction() as session:
            row = session.get(RefundRequest, refund_id, with_for_update=True)
            if row is None:
                raise NotFound("找不到该退费申请。", field="refund_id")
            current = RefundState(row.state)
            if target not in REFUND_TRANSITIONS[current]:
                allowed = "、".join(s.label for s in REFUND_TRANSITIONS[current]) or "无（已办结）"
                raise InvalidInput(
                    f"退费申请当前为“{current.label}”，不能改为“{target.label}”。可办理：{allowed}。",
                    field="to_state",
                )
            now = self.now()
            before = {"state": row.state}
            row.state = target.value
            if note and target in (RefundState.APPROVED, RefundState.REJECTED):
                row.decision_note = note
            row.updated_at = now
            session.add(row)
            session.add(
                RefundTransition(
                    refund_id=row.id,
                    from_state=current.value,
                    to_state=target.value,
                    clerk_id=self.actor.clerk_id,
                    at=now,
                    note=note,
                    device_id=self.actor.device_id,
                    created_at=now,
                )
            )
            payment = session.get(Payment, row.payment_id)
            assert payment is not None
            if target is RefundState.REFUNDED:
                self._refund_payment(session, payment, row, now)
            self.audit(
                session,
                action=f"refund.{target.value}",
                entity="refund_request",
                entity_id=row.id,
                person_id=row.person_id,
                summary=f"退费申请（收据号 {payment.receipt_no}）：{current.label} → {target.label}"
                + (f"（{note}）" if note else ""),
                before=before,
                after={"state": row.state, "note": note},
            )
            return self._view(session, row)

    def _checker(self, refund_id: str, target: RefundState) -> None:
        """Approve / reject: a 审核 who did not take the intake (maker-checker)."""
        verb = "批准" if target is RefundState.APPROVED else "驳回"
        with self.reading() as session:
            row = session.get(RefundRequest, refund_id)
            if row is None:
                raise NotFound("找不到该退费申请。", field="refund_id")
            person_id = row.person_id
            maker = session.exec(
                select(RefundTransition.clerk_id).where(
                    RefundTransition.refund_id == refund_id,
                    RefundTransition.to_state == RefundState.RECEIVED.value,
                )
            ).first()
        me = self.require_role(
            Role.SUPERVISOR, action=f"refund.{target.value}", what=f"{verb}退费申请",
            entity="refund_request", entity_id=refund_id, person_id=person_id,
        )
        if maker is not None and maker == me.id:
            self.refuse(
                f"这份退费申请是{me.name}本人受理的，受理人不能{verb}自己受理的申请（审批须另一位审核人员办理）。",
                action=f"refund.{target.value}", what=f"{verb}退费申请",
                entity="refund_request", entity_id=refund_id, person_id=person_id,
            )

    def _refund_payment(
        self, session: Session, payment: Payment, row: RefundRequest, now: datetime
    ) -> None:
        """已退费: the payment is refunded; the enrolment follows only when no other
        payment of the person and year still holds money (see the module docstring)."""
        was = payment.status
        if was not in _REFUNDABLE:
            raise InvalidInput(
                f"收据号 {payment.receipt_no} 的缴费状态已是“{payment_status_label(was)}”，"
                "不能再办理退费。请核对该笔缴费。",
                field="refund_id",
            )
        payment.status = PaymentStatus.REFUNDED.value
        payment.updated_at = now
        session.add(payment)
        session.flush()  # out of the one-paid-payment index before another takes its place
        self.audit(
            session,
            action="payment.refunded",
            entity="payment",
            entity_id=payment.id,
            person_id=row.person_id,
            summary=f"收据号 {payment.receipt_no} 已退费 {yuan(payment.amount_fen)} 元",
            before={"status": was},
            after={"status": payment.status},
        )
        others = list(
            session.exec(
                select(Payment)
                .where(
                    Payment.person_id == payment.person_id,
                    Payment.benefit_year == payment.benefit_year,
                    col(Payment.status).in_(_REFUNDABLE),
                    Payment.id != payment.id,
                )
                .order_by(col(Payment.paid_at), col(Payment.receipt_no))
                .with_for_update()
            ).all()
        )
        still_paid = [p for p in others if p.status == PaymentStatus.PAID.value]
        waiting = [p for p in others if p.status == PaymentStatus.CONFLICT.value]
        if not still_paid and waiting:
            # The valid payment was refunded; the duplicate kept from sync becomes the valid one.
            keep = waiting[0]
            keep.status = PaymentStatus.PAID.value
            keep.updated_at = now
            session.add(keep)
            session.flush()
            self.audit(
                session,
                action="payment.conflict_kept",
                entity="payment",
                entity_id=keep.id,
                person_id=row.person_id,
                summary=f"收据号 {payment.receipt_no} 已退费，重复缴费待处理的收据号 {keep.receipt_no}"
                f"（{yuan(keep.amount_fen)} 元）改为有效缴费",
                before={"status": PaymentStatus.CONFLICT.value},
                after={"status": keep.status},
            )
            still_paid = [keep]
        if still_paid:
            return  # the enrolment stays paid and covered by the remaining payment
        enrolment = session.get(Enrolment, payment.enrolment_id)
        if enrolment is not None:
            enrolment.status = EnrolmentStatus.REFUNDED.value
            enrolment.updated_at = now
            session.add(enrolment)

    def start_review(self, refund_id: str, *, note: str | None = None) -> RefundView:
        return self.review(refund_id, to_state=RefundState.REVIEWING, note=note)

    def approve(self, refund_id: str, *, note: str | None = None) -> RefundView:
        return self.review(refund_id, to_state=RefundState.APPROVED, note=note)

    def reject(self, refund_id: str, *, note: str) -> RefundView:
        return self.review(refund_id, to_state=RefundState.REJECTED, note=note)

    def mark_refunded(self, refund_id: str, *, note: str | None = None) -> RefundView:
        return self.review(refund_id, to_state=RefundState.REFUNDED, note=note)

    # --- read -----------------------------------------------------------------------
    def get(self, refund_id: str) -> RefundView:
        with self.reading() as session:
            row = session.get(RefundRequest, refund_id)
            if row is None:
                raise NotFound("找不到该退费申请。", field="refund_id")
            return self._view(session, row)

    def requests(
        self, *, state: RefundState | str | None = None, limit: int = 200
    ) -> list[RefundView]:
        """Refund requests (optionally in one state), oldest first — the review queue."""
        with self.reading() as session:
            stmt = select(RefundRequest)
            if state is not None:
                stmt = stmt.where(RefundRequest.state == _state(state).value)
            rows = session.exec(stmt.order_by(col(RefundRequest.created_at)).limit(limit)).all()
            return [self._view(session, r) for r in rows]
