"""What services return: frozen pydantic views, never ORM rows.

ID numbers appear only masked (``id_masked``) except on ``PersonView.id_number``,
which the desk needs to show the person being served; lists (``PersonRow`` in
``yibao.lookup``, case history, receipts) carry the masked form only.
Money is fen (``*_fen``); dates are ``date``; timestamps are aware UTC ``datetime``.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict

from yibao.identities import label as identity_label
from yibao.idnumbers import mask, mask_birth_cert
from yibao.models import (
    AuditLog,
    Enrolment,
    FamilyBinding,
    Household,
    Payment,
    Person,
    PersonIdentity,
    RefundRequest,
    RefundTransition,
    channel_label_of,
    payment_status_label,
)
from yibao.policy.refunds import RefundReason
from yibao.receipts import ReceiptText
from yibao.rules.decision import Decision, Outcome
from yibao.rules.facts import CATEGORY_LABELS, Category, PersonFacts
from yibao.services.refund_states import PAYS_OUT, REFUND_STATE_LABELS, RefundState, moves_from


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


def _category_label(code: str) -> str:
    try:
        return CATEGORY_LABELS[Category(code)]
    except ValueError:
        return code


class PersonView(View):
    id: str
    name: str
    id_number: str | None  # in clear: for the person being served only, never for lists
    id_masked: str
    birth_cert_masked: str
    has_id_number: bool
    sex: str | None
    sex_label: str
    birth_date: date
    birth_region: str | None
    household_id: str | None
    relation_to_head: str | None
    guardian_person_id: str | None
    hukou_region: str | None
    residence_permit_region: str | None
    school_region: str | None
    address: str | None
    phone: str | None
    ethnicity: str | None
    employee_insured: bool
    town: str | None = None  # 乡镇/街道 (None: unknown)
    village: str | None = None  # 村/社区
    other_scheme_exit_on: date | None
    disability_grade: int | None
    status: str
    died_on: date | None
    name_initials: str

    @classmethod
    def of(cls, row: Person | sa.Row[Any]) -> PersonView:
        return cls(
            id=row.id,
            name=row.name,
            id_number=row.id_number,
            id_masked=mask(row.id_number),
            birth_cert_masked=mask_birth_cert(row.birth_cert_no),
            has_id_number=bool(row.id_number),
            sex=row.sex,
            sex_label={"1": "男", "2": "女"}.get(row.sex or "", "未知"),
            birth_date=row.birth_date,
            birth_region=row.birth_region,
            household_id=row.household_id,
            relation_to_head=row.relation_to_head,
            guardian_person_id=row.guardian_person_id,
            hukou_region=row.hukou_region,
            residence_permit_region=row.residence_permit_region,
            school_region=row.school_region,
            address=row.address,
            phone=row.phone,
            ethnicity=row.ethnicity,
            employee_insured=row.employee_insured,
            town=row.town,
            village=row.village,
            other_scheme_exit_on=row.other_scheme_exit_on,
            disability_grade=row.disability_grade,
            status=row.status,
            died_on=row.died_on,
            name_initials=row.name_initials,
        )


class MemberView(View):
    """A household member as listed (masked ID)."""

    person_id: str
    name: str
    id_masked: str
    relation_to_head: str | None
    birth_date: date
    sex: str | None

    @classmethod
    def of(cls, row: Person) -> MemberView:
        return cls(
            person_id=row.id,
            name=row.name,
            id_masked=mask(row.id_number) or mask_birth_cert(row.birth_cert_no),
            relation_to_head=row.relation_to_head,
            birth_date=row.birth_date,
            sex=row.sex,
        )


class HouseholdView(View):
    id: str
    number: str | None
    hukou_region: str | None
    address: str | None
    members: tuple[MemberView, ...] = ()

    @classmethod
    def of(cls, row: Household, members: list[Person] | None = None) -> HouseholdView:
        return cls(
            id=row.id,
            number=row.number,
            hukou_region=row.hukou_region,
            address=row.address,
            members=tuple(MemberView.of(m) for m in members or ()),
        )


class IdentityView(View):
    id: str
    person_id: str
    code: str
    label: str
    department: str | None
    department_code: str | None
    recognised_on: date | None
    valid_from: date | None
    valid_to: date | None
    disability_grade: int | None
    import_batch_id: str | None
    revoked: bool

    @classmethod
    def of(cls, row: PersonIdentity) -> IdentityView:
        return cls(
            id=row.id,
            person_id=row.person_id,
            code=row.code,
            label=identity_label(row.code),
            department=row.department,
            department_code=row.department_code,
            recognised_on=row.recognised_on,
            valid_from=row.valid_from,
            valid_to=row.valid_to,
            disability_grade=row.disability_grade,
            import_batch_id=row.import_batch_id,
            revoked=row.revoked_at is not None,
        )


class EnrolmentView(View):
    id: str
    person_id: str
    benefit_year: int
    category: str
    category_label: str
    insured_region: str
    policy_id: str
    status: str
    registered_on: date
    coverage_start: date | None
    coverage_end: date | None
    waiting_months: int | None
    subsidy_identity: str | None

    @classmethod
    def of(cls, row: Enrolment) -> EnrolmentView:
        return cls(
            id=row.id,
            person_id=row.person_id,
            benefit_year=row.benefit_year,
            category=row.category,
            category_label=_category_label(row.category),
            insured_region=row.insured_region,
            policy_id=row.policy_id,
            status=row.status,
            registered_on=row.registered_on,
            coverage_start=row.coverage_start,
            coverage_end=row.coverage_end,
            waiting_months=row.waiting_months,
            subsidy_identity=row.subsidy_identity,
        )


class RegistrationView(View):
    """What ``enrolment.register_person`` wrote in its one transaction."""

    person: PersonView
    household: HouseholdView | None  # None when no 户号 was given
    enrolment: EnrolmentView
    created_person: bool  # a new person (False: the one on file, corrected if needed)
    created_household: bool  # the 户号 was new and its household was created


class PaymentView(View):
    id: str
    person_id: str
    enrolment_id: str
    benefit_year: int
    receipt_no: str
    channel: str
    channel_label: str
    standard_fen: int
    subsidy_fen: int
    personal_fen: int
    extras_fen: int
    extras: tuple[tuple[str, str, int], ...]
    amount_fen: int
    received_fen: int | None
    change_fen: int | None
    payer_person_id: str | None
    family_binding_id: str | None
    subsidy_identity: str | None
    paid_at: datetime
    paid_on: date
    status: str
    clerk_id: str | None
    device_id: str
    status_label: str = ""  # 有效 / 已退费 / 作废 / 重复缴费待处理

    @classmethod
    def of(cls, row: Payment | sa.Row[Any]) -> PaymentView:
        channel_label = channel_label_of(row.channel, row.amount_fen, row.subsidy_fen)
        return cls(
            id=row.id,
            person_id=row.person_id,
            enrolment_id=row.enrolment_id,
            benefit_year=row.benefit_year,
            receipt_no=row.receipt_no,
            channel=row.channel,
            channel_label=channel_label,
            standard_fen=row.standard_fen,
            subsidy_fen=row.subsidy_fen,
            personal_fen=row.personal_fen,
            extras_fen=row.extras_fen,
            extras=tuple((str(c), str(label), int(f)) for c, label, f in row.extras or ()),
            amount_fen=row.amount_fen,
            received_fen=row.received_fen,
            change_fen=row.change_fen,
            payer_person_id=row.payer_person_id,
            family_binding_id=row.family_binding_id,
            subsidy_identity=row.subsidy_identity,
            paid_at=row.paid_at,
            paid_on=row.paid_on,
            status=row.status,
            status_label=payment_status_label(row.status),
            clerk_id=row.clerk_id,
            device_id=row.device_id,
        )


class ReceiptView(View):
    """A payment as taken at the counter: the stored payment and its printable text."""

    payment: PaymentView
    enrolment: EnrolmentView
    person_name: str
    id_masked: str
    text: str  # plain-text receipt (yibao.receipts.render)
    content: ReceiptText  # what ``text`` says, for the PDF receipts (yibao.printing.receipt)

    @property
    def receipt_no(self) -> str:
        return self.payment.receipt_no

    @property
    def amount_fen(self) -> int:
        return self.payment.amount_fen

    @property
    def change_fen(self) -> int | None:
        return self.payment.change_fen


class BindingView(View):
    id: str
    payer_person_id: str
    payer_name: str
    payer_id_masked: str
    relative_person_id: str
    relative_name: str
    relative_id_masked: str
    relation: str
    relation_label: str
    relation_code: str | None
    evidence: str
    commitment_signed: bool
    bound_on: date
    status: str
    revoked_on: date | None

    @classmethod
    def of(cls, row: FamilyBinding, payer: Person, relative: Person) -> BindingView:
        from yibao.rules.relations import Relation

        try:
            relation_label = Relation(row.relation).label
        except ValueError:
            relation_label = row.relation
        return cls(
            id=row.id,
            payer_person_id=row.payer_person_id,
            payer_name=payer.name,
            payer_id_masked=mask(payer.id_number),
            relative_person_id=row.relative_person_id,
            relative_name=relative.name,
            relative_id_masked=mask(relative.id_number) or mask_birth_cert(relative.birth_cert_no),
            relation=row.relation,
            relation_label=relation_label,
            relation_code=row.relation_code,
            evidence=row.evidence,
            commitment_signed=row.commitment_signed,
            bound_on=row.bound_on,
            status=row.status,
            revoked_on=row.revoked_on,
        )


class RefundTransitionView(View):
    from_state: str | None
    to_state: str
    to_label: str
    clerk_id: str | None
    at: datetime
    note: str | None

    @classmethod
    def of(cls, row: RefundTransition) -> RefundTransitionView:
        return cls(
            from_state=row.from_state,
            to_state=row.to_state,
            to_label=REFUND_STATE_LABELS[RefundState(row.to_state)],
            clerk_id=row.clerk_id,
            at=row.at,
            note=row.note,
        )


class RefundMoveView(View):
    """A move open from a request's state: the state it leads to and its label."""

    state: str
    label: str
    pays_out: bool = False  # this move sends money back (``refund_states.PAYS_OUT``)


class RefundReasonOption(View):
    """A refund case the desk offers: the policy's wording and the rules' code."""

    code: str
    label: str


class RefundView(View):
    id: str
    person_id: str
    person_name: str = ""
    payment_id: str
    receipt_no: str
    reason: str
    reason_label: str  # 重复缴费 …, for the desk and lists
    reason_note: str | None
    amount_fen: int
    state: str
    state_label: str
    received_on: date
    deadline: date | None
    evidence: tuple[str, ...]
    approver: str | None
    decision_note: str | None
    transitions: tuple[RefundTransitionView, ...] = ()
    moves: tuple[RefundMoveView, ...] = ()  # the moves open from ``state`` (none: 已办结)

    @property
    def closed(self) -> bool:
        return not self.moves

    @classmethod
    def of(
        cls,
        row: RefundRequest,
        payment: Payment,
        transitions: list[RefundTransition] | None = None,
        *,
        person_name: str = "",
    ) -> RefundView:
        return cls(
            id=row.id,
            person_id=row.person_id,
            person_name=person_name,
            payment_id=row.payment_id,
            receipt_no=payment.receipt_no,
            reason=row.reason,
            reason_label=_refund_reason_label(row.reason),
            reason_note=row.reason_note,
            amount_fen=row.amount_fen,
            state=row.state,
            state_label=REFUND_STATE_LABELS[RefundState(row.state)],
            received_on=row.received_on,
            deadline=row.deadline,
            evidence=tuple(str(e) for e in row.evidence or ()),
            approver=row.approver,
            decision_note=row.decision_note,
            transitions=tuple(RefundTransitionView.of(t) for t in transitions or ()),
            moves=tuple(RefundMoveView(state=m.value, label=m.label, pays_out=m in PAYS_OUT)
                        for m in moves_from(row.state)),
        )


def _refund_reason_label(code: str) -> str:
    try:
        return RefundReason(code).label
    except ValueError:  # a code from a newer policy schema: show it rather than fail
        return code


class AuditEntryView(View):
    id: str
    at: datetime
    clerk_name: str | None
    device_id: str
    action: str
    outcome: str
    entity: str
    entity_id: str | None
    person_id: str | None
    summary: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None

    @classmethod
    def of(cls, row: AuditLog) -> AuditEntryView:
        return cls(
            id=row.id,
            at=row.at,
            clerk_name=row.clerk_name,
            device_id=row.device_id,
            action=row.action,
            outcome=row.outcome,
            entity=row.entity,
            entity_id=row.entity_id,
            person_id=row.person_id,
            summary=row.summary,
            before=row.before,
            after=row.after,
        )


class CaseView(View):
    """Everything the desk shows about one person."""

    person: PersonView
    household: HouseholdView | None
    identities: tuple[IdentityView, ...]
    enrolments: tuple[EnrolmentView, ...]  # newest benefit year first
    payments: tuple[PaymentView, ...]  # newest first
    refunds: tuple[RefundView, ...]
    bindings_as_payer: tuple[BindingView, ...]
    bindings_as_relative: tuple[BindingView, ...]
    history: tuple[AuditEntryView, ...]  # oldest first
    benefit_year: int  # the policy's benefit year the case was read for
    paid_this_year: bool


class AssessmentView(View):
    """What the desk shows before taking money: the combined decision and the facts used."""

    person: PersonView
    benefit_year: int
    category: str
    on: date
    decision: Decision  # EnrolmentAssessment (or a refusal built by the service)
    facts: PersonFacts
    due_fen: int | None  # what to take now (None when refused)
    existing_payment: PaymentView | None = None  # already paid this year → refund intake
    cash_closed: str | None = None  # why cash cannot be taken today (日结), said before typing it
    draft: bool = False  # quoted from a draft file (草稿·未确认): shown, never paid

    @property
    def outcome(self) -> str:
        return self.decision.outcome.value

    def explain(self) -> list[str]:
        return self.decision.explain()


class NewbornAssessmentView(View):
    person: PersonView
    paid_on: date
    decision: Decision  # NewbornDecision (window, fee, coverage, benefit_year, choices)
    eligibility: Decision | None = None  # EnrolmentDecision (place of enrolment)
    outcome: Outcome  # both taken together (worst wins)
    benefit_year: int  # the year the payment would be for
    facts: PersonFacts
    due_fen: int | None
    existing_payment: PaymentView | None = None
    cash_closed: str | None = None  # why cash cannot be taken today (日结), said before typing it

    def explain(self) -> list[str]:
        lines = list(self.eligibility.explain()) if self.eligibility is not None else []
        return lines + self.decision.explain()


class FamilyAidAssessmentView(View):
    binding: BindingView
    decision: Decision  # FamilyAidDecision (relation, period, amount)
    enrolment: Decision  # the relative's EnrolmentAssessment (eligibility, window, coverage)
    outcome: Outcome  # both taken together (worst wins), or refused when already paid
    due_fen: int | None
    existing_payment: PaymentView | None = None
    # No 户籍地 or 居住证 on file (known only from a department list): F2 fills it in.
    place_unknown: bool = False

    def explain(self) -> list[str]:
        return self.decision.explain() + [
            line for line in self.enrolment.explain() if line not in self.decision.explain()
        ]


class RefundPaymentsView(View):
    """The person whose payments F5 lists, and those payments (newest first)."""

    person: PersonView
    payments: tuple[PaymentView, ...]


class RefundAssessmentView(View):
    payment: PaymentView
    reason: str
    on: date
    decision: Decision  # RefundDecision

    def explain(self) -> list[str]:
        return self.decision.explain()
