"""Refund requests (退费): assess → intake (受理) → review (审核中 → 已批准/已驳回) → 已退费.

Every move is a ``refund_transition`` row (who, when, note) and an audit row, in the
same transaction as the state change. The allowed moves are ``REFUND_TRANSITIONS``
in ``yibao.services.refund_states``; approving or rejecting needs a supervisor (``Role.SUPERVISOR``)
who did not take the intake (maker-checker; ``_checker``).
Marking a request 已退费 sets the payment to ``refunded`` and the enrolment to
``refunded`` (so the person may pay again for the year if they come back) — unless
another payment of the same person and year still holds money: then the enrolment
stays paid and covered.

落实资助政策 (reason ``subsidy_settlement``, 商南 三(一)): a person who paid in full while the
system had not marked an identity the department had recognised is paid back the subsidy
difference (``yibao.rules.settlement``). ``offers(person_id)`` lists the payments with a
difference to settle; intake takes the request in for that amount (not the payment's), the
same review follows, and 已退费 leaves the payment valid (audited ``payment.subsidy_settled``).
A second settlement of the same payment counts what was already settled. A refund for an
identity that changed after payment (``identity_changed``) is refused citing 三(一).

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
    Enrolment,
    EnrolmentStatus,
    Payment,
    PaymentStatus,
    Person,
    RefundRequest,
    RefundTransition,
    Role,
    payment_status_label,
)
from yibao.policy.authoring import shift_date
from yibao.policy.model import Policy
from yibao.receipts import yuan
from yibao.rules.decision import Outcome, Reason, combine
from yibao.services import ruling
from yibao.services.base import ServiceBase
from yibao.services.errors import InvalidInput, NotFound
from yibao.services.facts import build_facts
from yibao.services.refund_states import REFUND_STATE_LABELS, REFUND_TRANSITIONS, RefundState
from yibao.services.views import (
    PaymentView,
    PersonView,
    RefundAssessmentView,
    RefundPaymentsView,
    RefundReasonOption,
    RefundView,
)

_OPEN = (RefundState.RECEIVED.value, RefundState.REVIEWING.value, RefundState.APPROVED.value)
# Payments that hold money and may be refunded: valid ones, and duplicates found by sync.
_REFUNDABLE = (PaymentStatus.PAID.value, PaymentStatus.CONFLICT.value)
DUPLICATE_REASON = "duplicate"
SETTLEMENT_REASON = "subsidy_settlement"


def parse_reason(reason: str, policy: Policy | None = None) -> str:
    """A common ``RefundReason`` code, or one the policy defines in ``[[refunds.reasons]]``."""
    from yibao.policy.refunds import RefundReason, reason_label

    own = {r.code for r in policy.refunds.reasons} if policy is not None else set()
    if reason in own:
        return reason
    try:
        return RefundReason(reason).value
    except ValueError:
        rules = policy.refunds if policy is not None else None
        codes = dict.fromkeys([*(r.value for r in RefundReason), *sorted(own)])
        raise InvalidInput(
            "退费原因不对。可选：" + "、".join(f"{c}（{reason_label(c, rules)}）" for c in codes),
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


def next_states(state: str) -> list[tuple[str, str]]:
    """(label, code) of the moves the registry allows from ``state``, in workflow order."""
    order = list(RefundState)
    moves = sorted(REFUND_TRANSITIONS[_state(state)], key=order.index)
    return [(s.label, s.value) for s in moves]


class RefundService(ServiceBase):
    def _payment(self, session: Session, payment_id: str) -> Payment:
        payment = session.get(Payment, payment_id)
        if payment is None:
            raise NotFound("找不到该笔缴费，请从参保人的缴费记录中选择。", field="payment_id")
        return payment

    def _benefit_start(self, session: Session, payment: Payment) -> date:
        """Start of the benefit period: the payment's year's file says when (its
        ``periods.benefit``, not 1 January), or the enrolment's coverage start if that is
        earlier (a newborn covered from birth, new students from September)."""
        policy = self._services.years.policy_for(payment.benefit_year)
        # A year the chain holds no file for: the nearest file's period, moved by whole years.
        start = shift_date(policy.periods.benefit.start, payment.benefit_year - policy.benefit_year)
        enrolment = session.get(Enrolment, payment.enrolment_id)
        if enrolment is not None and enrolment.coverage_start and enrolment.coverage_start < start:
            return enrolment.coverage_start
        return start

    def _settled_fen(self, session: Session, payment: Payment) -> int:
        """Subsidy differences already paid back on ``payment`` (settlements 已退费)."""
        settled = session.exec(
            select(RefundRequest.amount_fen).where(
                RefundRequest.payment_id == payment.id,
                RefundRequest.reason == SETTLEMENT_REASON,
                RefundRequest.state == RefundState.REFUNDED.value,
            )
        ).all()
        return sum(settled)

    def _decide(
        self, session: Session, payment: Payment, reason: str, on: date, died_on: date | None
    ):  # type: ignore[no-untyped-def]
        person = session.get(Person, payment.person_id)
        if died_on is not None and died_on > on:
            raise InvalidInput(
                f"死亡日期 {died_on.isoformat()} 晚于今天（{on.isoformat()}），请按死亡证明核对后重填。",
                field="died_on",
            )
        died = died_on or (person.died_on if person is not None else None)
        try:
            if reason == SETTLEMENT_REASON:
                assert person is not None
                enrolment = session.get(Enrolment, payment.enrolment_id)
                facts = build_facts(
                    session,
                    person,
                    benefit_year=payment.benefit_year,
                    category=enrolment.category if enrolment is not None else None,
                )
                return ruling.subsidy_settlement(
                    self.policy,
                    facts,
                    paid_on=payment.paid_on,
                    paid_subsidy_fen=payment.subsidy_fen + self._settled_fen(session, payment),
                    on=on,
                    benefit_start=self._benefit_start(session, payment),
                )
            decision = ruling.refund_intake(
                self._services.years.policy_for(payment.benefit_year),  # the payment's year
                reason,
                paid_on=payment.paid_on,
                on=on,
                benefit_start=self._benefit_start(session, payment),
                died_on=died,
            )
        except ValueError as exc:
            raise InvalidInput(str(exc), field="payment_id") from None
        if reason == DUPLICATE_REASON and not decision.refused:
            decision = self._check_duplicate(session, payment, decision)
        return decision

    def _check_duplicate(self, session: Session, payment: Payment, decision):  # type: ignore[no-untyped-def]
        """重复缴费 needs a second payment: when this registry holds only this one for the
        person and year, the other one (online, tax office, another county) must be seen
        on paper before the request is taken in — the clerk confirms it."""
        held = session.exec(
            select(Payment).where(
                Payment.person_id == payment.person_id,
                Payment.benefit_year == payment.benefit_year,
                col(Payment.status).in_(_REFUNDABLE),
            )
        ).all()
        if len(held) >= 2:
            return decision
        note = Reason(
            text=(
                f"登记库中此人{payment.benefit_year}年度只有这一笔缴费（收据号 {payment.receipt_no}），"
                "另一笔缴费不在本库：请核对另一笔缴费的凭证或税务缴费记录，确认确属重复后再受理。"
            ),
            clause=decision.reason_clause or self.policy.clause(self.policy.refunds.accepted),
        )
        return decision.model_copy(
            update={
                "outcome": combine([decision.outcome, Outcome.CONFIRM]),
                "reasons": (*decision.reasons, note),
            }
        )

    # --- what the desk offers --------------------------------------------------------
    def reason_options(self) -> list[RefundReasonOption]:
        """The refund cases the policy lists (its own wording), then 其他原因.

        When the document lists none (it is silent on refunds), every case the desk knows is
        offered and the rules answer “需人工核实”."""
        from yibao.policy.refunds import RefundReason

        listed = [r for r in self.policy.refunds.reasons if not r.mention_only]
        options = [RefundReasonOption(code=r.code, label=r.label) for r in listed]
        codes = {r.code for r in listed}
        if not listed:
            options = [
                RefundReasonOption(code=r.value, label=r.label)
                for r in RefundReason
                if r is not RefundReason.OTHER
            ]
            codes = set(RefundReason)
        if RefundReason.OTHER not in codes:
            options.append(RefundReasonOption(code=RefundReason.OTHER.value, label=RefundReason.OTHER.label))
        return options

    def payments(self, *, query: str | None = None, person_id: str | None = None) -> RefundPaymentsView:
        """F5's first step, one call: the person and their payments, found by an ID number
        or a receipt number (``query``), or by ``person_id`` (from the case view)."""
        from yibao.idnumbers import InvalidIdNumber, parse

        with self.reading() as session:
            if person_id is None:
                text = (query or "").strip().upper()
                if not text:
                    raise InvalidInput("请输入收据号或身份证号码。", field="query")
                person = None
                if len(text) in (15, 18) and text[:15].isdigit():
                    try:
                        number = parse(text).number
                    except InvalidIdNumber as error:
                        raise InvalidInput(error.message, field="query") from None
                    person = session.exec(select(Person).where(Person.id_number == number)).first()
                    if person is None:
                        raise InvalidInput(
                            "登记库中没有此人。请核对身份证号码，或改用收据号查找。", field="query"
                        )
                else:
                    found = session.exec(select(Payment).where(Payment.receipt_no == text)).first()
                    if found is None:
                        raise InvalidInput(
                            f"找不到收据号 {text}。请核对收据号，或改用身份证号码查找。", field="query"
                        )
                    person = session.get(Person, found.person_id)
                assert person is not None
            else:
                person = self.person_or_404(session, person_id)
            rows = session.exec(
                select(Payment)
                .where(Payment.person_id == person.id)
                .order_by(col(Payment.paid_at).desc())
            ).all()
            return RefundPaymentsView(
                person=PersonView.of(person), payments=tuple(PaymentView.of(r) for r in rows)
            )

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
        person = session.get(Person, row.person_id)
        return RefundView.of(row, payment, transitions, person_name=person.name if person else "")

    # --- assess and intake ------------------------------------------------------
    def assess(
        self, payment_id: str, *, reason: str, on: date | None = None, died_on: date | None = None
    ) -> RefundAssessmentView:
        """May a refund for this payment be taken in today (or ``on``)? ``reason`` is a
        ``RefundReason`` code (duplicate, joined_employee, insured_elsewhere, died,
        multi_channel, hukou_duplicate, other). The decision gives ``deadline``,
        ``evidence`` to ask for and ``approver``. Writes nothing."""
        code = parse_reason(reason, self.policy)
        day = on or self.today()
        with self.reading() as session:
            payment = self._payment(session, payment_id)
            decision = self._decide(session, payment, code, day, died_on)
            return RefundAssessmentView(
                payment=PaymentView.of(payment), reason=code, on=day, decision=decision
            )

    def offers(self, person_id: str, *, on: date | None = None) -> list[RefundAssessmentView]:
        """落实资助政策 the desk offers: the person's valid payments with a subsidy difference
        still owed (商南 三(一)), each with its decision (``decision.amount_fen``). Empty when
        the policy has no settlement or nothing is owed. Writes nothing."""
        day = on or self.today()
        with self.reading() as session:
            self.person_or_404(session, person_id)
            payments = session.exec(
                select(Payment)
                .where(Payment.person_id == person_id, Payment.status == PaymentStatus.PAID.value)
                .order_by(col(Payment.paid_at))
            ).all()
            out: list[RefundAssessmentView] = []
            open_ids = set(
                session.exec(
                    select(RefundRequest.payment_id).where(
                        RefundRequest.person_id == person_id, col(RefundRequest.state).in_(_OPEN)
                    )
                ).all()
            )
            for payment in payments:
                if payment.id in open_ids:
                    continue  # a request for it is being handled already
                decision = self._decide(session, payment, SETTLEMENT_REASON, day, None)
                if getattr(decision, "amount_fen", 0) > 0 and not decision.refused:
                    out.append(
                        RefundAssessmentView(
                            payment=PaymentView.of(payment),
                            reason=SETTLEMENT_REASON,
                            on=day,
                            decision=decision,
                        )
                    )
            return out

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
        code = parse_reason(reason, self.policy)
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
            settlement = code == SETTLEMENT_REASON
            amount = (
                decision.amount_fen
                if settlement
                else payment.amount_fen - self._settled_fen(session, payment)
            )
            row = RefundRequest(
                person_id=payment.person_id,
                payment_id=payment.id,
                reason=code,
                reason_note=reason_note,
                amount_fen=amount,
                state=RefundState.RECEIVED.value,
                received_on=today,
                deadline=decision.deadline,
                evidence=list(decision.evidence),
                approver=decision.approver,
                applicant_name=applicant_name,
                applicant_phone=applicant_phone,
                policy_id=self._services.years.policy_for(payment.benefit_year).id,
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
                summary=f"受理 {person.name}（{mask(person.id_number)}）"
                + ("落实资助政策申请（资助差额）" if settlement else "退费申请")
                + f"，收据号 {payment.receipt_no}，金额 {yuan(amount)} 元",
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
            if target is RefundState.REFUNDED and row.reason == SETTLEMENT_REASON:
                self._settle_subsidy(session, payment, row)
            elif target is RefundState.REFUNDED:
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

    def _settle_subsidy(self, session: Session, payment: Payment, row: RefundRequest) -> None:
        """已退费 for a settlement: the difference went back; the payment stays valid."""
        if payment.status not in _REFUNDABLE:
            raise InvalidInput(
                f"收据号 {payment.receipt_no} 的缴费状态已是“{payment_status_label(payment.status)}”，"
                "不能再落实资助。请核对该笔缴费。",
                field="refund_id",
            )
        self.audit(
            session,
            action="payment.subsidy_settled",
            entity="payment",
            entity_id=payment.id,
            person_id=row.person_id,
            summary=f"收据号 {payment.receipt_no} 落实资助政策，退还资助差额 {yuan(row.amount_fen)} 元"
            "（缴费保持有效）",
            after={"settled_fen": row.amount_fen, "refund_id": row.id},
        )

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

    def open_requests(self, *, limit: int = 200) -> list[RefundView]:
        """Requests not yet closed (受理 / 审核中 / 已批准), oldest first — the review queue."""
        with self.reading() as session:
            rows = session.exec(
                select(RefundRequest)
                .where(col(RefundRequest.state).in_(_OPEN))
                .order_by(col(RefundRequest.created_at))
                .limit(limit)
            ).all()
            return [self._view(session, r) for r in rows]

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
