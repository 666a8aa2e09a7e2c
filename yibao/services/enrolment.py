"""Enrolment at the counter: assess (what the rules say and what to take), then enrol and pay.

Typical desk flow::

    a = services.enrolment.assess(person_id, category="general")
    # show a.decision.explain(), a.due_fen; if a.decision is CONFIRM the clerk checks
    r = services.enrolment.enrol_and_pay(person_id, channel="cash", received_fen=50000,
                                          confirmed=a.decision.needs_confirmation)
    print(r.text)       # receipt; r.change_fen is the change

The benefit year is the policy's. The day is the clock's today.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from sqlmodel import Session, select

from yibao.models import Channel, Enrolment, EnrolmentStatus, Person
from yibao.rules.facts import Category, PersonFacts
from yibao.services import ruling
from yibao.services.base import ServiceBase
from yibao.services.errors import InvalidInput, Refused
from yibao.services.facts import build_facts
from yibao.services.payments import extras_codes, parse_channel
from yibao.services.views import (
    AssessmentView,
    EnrolmentView,
    PaymentView,
    PersonView,
    ReceiptView,
)


def parse_category(category: Category | str | None) -> Category | None:
    if category is None:
        return None
    try:
        return Category(category)
    except ValueError:
        raise InvalidInput(
            f"参保类别“{category}”不对。可选："
            + "、".join(f"{c.value}（{c.label}）" for c in Category),
            field="category",
        ) from None


class EnrolmentService(ServiceBase):
    def _insured_region(self, insured_region: str | None) -> str:
        return insured_region or self.policy.region_code

    def _rule(
        self,
        session: Session,
        person: Person,
        *,
        category: Category | None,
        insured_region: str | None,
        on: date,
        extras: Sequence[str],
        overrides: Mapping[str, Any] | None,
    ) -> tuple[PersonFacts, ruling.Ruling]:
        facts = build_facts(
            session,
            person,
            benefit_year=self._services.benefit_year,
            category=category,
            insured_region=self._insured_region(insured_region),
            overrides=overrides,
        )
        return facts, ruling.assess_enrolment(self.policy, facts, on, extras=extras)

    def assess(
        self,
        person_id: str,
        *,
        category: Category | str | None = None,
        insured_region: str | None = None,
        on: date | None = None,
        extras: Sequence[str] = (),
        overrides: Mapping[str, Any] | None = None,
    ) -> AssessmentView:
        """What the rules say about enrolling and paying today (or ``on``).

        ``category`` defaults to the year's enrolment category or ``general``;
        ``insured_region`` to the policy's region; ``extras`` are codes the clerk ticks
        (e.g. 山阴 accident insurance); ``overrides`` are facts the clerk states that the
        registry cannot know (see ``yibao.services.facts``). Writes nothing.

        If the person already paid for the benefit year, the decision is a refusal
        pointing to refund intake and ``existing_payment`` is that payment.
        """
        cat = parse_category(category)
        day = on or self.today()
        with self.reading() as session:
            person = self.person_or_404(session, person_id)
            facts, result = self._rule(
                session,
                person,
                category=cat,
                insured_region=insured_region,
                on=day,
                extras=extras_codes(extras),
                overrides=overrides,
            )
            existing = self._services.payments.paid_payment(
                session, person.id, self._services.benefit_year
            )
            decision = result.decision
            due = result.due_fen
            if existing is not None:
                decision = ruling.duplicate_payment_refusal(
                    self.policy,
                    person_name=person.name,
                    year=self._services.benefit_year,
                    receipt_no=existing.receipt_no,
                )
                due = None
            return AssessmentView(
                person=PersonView.of(person),
                benefit_year=self._services.benefit_year,
                category=facts.category.value,
                on=day,
                decision=decision,
                facts=facts,
                due_fen=due,
                existing_payment=PaymentView.of(existing) if existing else None,
            )

    def quote(
        self,
        person_id: str,
        *,
        category: Category | str | None = None,
        extras: Sequence[str] = (),
        on: date | None = None,
    ) -> AssessmentView:
        """Same as ``assess`` (the quote is inside it); kept for the desk's quote key."""
        return self.assess(person_id, category=category, extras=extras, on=on)

    def register(
        self,
        person_id: str,
        *,
        category: Category | str = Category.GENERAL,
        insured_region: str | None = None,
        note: str | None = None,
    ) -> EnrolmentView:
        """参保登记 without payment (the registration date counts for the working-day rule).

        Refused when the rules refuse eligibility; an existing enrolment for the year is
        returned unchanged if it has the same category, else its category is updated
        (unless it is already paid).
        """
        cat = parse_category(category) or Category.GENERAL
        year = self._services.benefit_year
        region = self._insured_region(insured_region)
        with self.operation(
            action="enrolment.register",
            entity="enrolment",
            person_id=person_id,
            attempt={"category": cat.value, "insured_region": region},
        ) as session:
            person = self.person_or_404(session, person_id, for_update=True)
            facts, result = self._rule(
                session,
                person,
                category=cat,
                insured_region=region,
                on=self.today(),
                extras=(),
                overrides=None,
            )
            eligibility = ruling.eligibility_of(result)
            if eligibility is not None and eligibility.refused:
                raise Refused(eligibility)
            row = session.exec(
                select(Enrolment).where(
                    Enrolment.person_id == person.id, Enrolment.benefit_year == year
                )
            ).first()
            now = self.now()
            if row is not None:
                if row.status == EnrolmentStatus.PAID.value:
                    raise InvalidInput(
                        f"{person.name} {year}年度已缴费参保，无需再登记。", field="person_id"
                    )
                before = row.model_dump()
                row.category = cat.value
                row.insured_region = region
                row.status = EnrolmentStatus.REGISTERED.value
                row.note = note
                row.updated_at = now
            else:
                before = None
                row = Enrolment(
                    person_id=person.id,
                    benefit_year=year,
                    category=cat.value,
                    insured_region=region,
                    policy_id=self.policy.id,
                    registered_on=self.today(),
                    note=note,
                    device_id=self.actor.device_id,
                    created_at=now,
                    updated_at=now,
                )
            session.add(row)
            session.flush()
            self.audit(
                session,
                action="enrolment.register",
                entity="enrolment",
                entity_id=row.id,
                person_id=person.id,
                summary=f"{person.name} {year}年度参保登记（{cat.label}）",
                before=before,
                after=row,
            )
            return EnrolmentView.of(row)

    def enrol_and_pay(
        self,
        person_id: str,
        *,
        channel: Channel | str,
        received_fen: int | None = None,
        category: Category | str | None = None,
        insured_region: str | None = None,
        extras: Sequence[str] = (),
        overrides: Mapping[str, Any] | None = None,
        confirmed: bool = False,
    ) -> ReceiptView:
        """Enrol the person for the policy's benefit year and take the payment, today.

        ``channel``: ``cash`` (then ``received_fen`` is what was handed over and the
        receipt shows the change), ``bank`` or ``online``; family-account payments go
        through ``family_aid.pay``. The amount is the rules' quote (never typed in).

        Raises ``Refused`` (rules refuse, or already paid this year → refund intake),
        ``NeedsConfirmation`` (outcome CONFIRM and ``confirmed`` is False),
        ``InvalidInput``. Returns a ``ReceiptView`` (payment, enrolment, receipt text).
        One transaction: enrolment + payment + receipt number + audit rows.
        """
        cat = parse_category(category)
        chan = parse_channel(channel)
        codes = extras_codes(extras)
        with self.operation(
            action="payment.record",
            entity="payment",
            person_id=person_id,
            attempt={
                "channel": chan.value,
                "category": cat.value if cat else None,
                "extras": list(codes),
                "received_fen": received_fen,
            },
        ) as session:
            person = self.person_or_404(session, person_id, for_update=True)
            existing = self._services.payments.paid_payment(
                session, person.id, self._services.benefit_year
            )
            if existing is not None:
                raise Refused(
                    ruling.duplicate_payment_refusal(
                        self.policy,
                        person_name=person.name,
                        year=self._services.benefit_year,
                        receipt_no=existing.receipt_no,
                    )
                )
            facts, result = self._rule(
                session,
                person,
                category=cat,
                insured_region=insured_region,
                on=self.today(),
                extras=codes,
                overrides=overrides,
            )
            self.check(result.decision, confirmed=confirmed)
            if result.amounts is None:
                raise InvalidInput("政策未给出缴费金额，无法收费。请报经办机构核实。")
            return self._services.payments.take(
                session,
                person,
                benefit_year=self._services.benefit_year,
                category=facts.category,
                insured_region=self._insured_region(insured_region),
                channel=chan,
                received_fen=received_fen,
                amounts=result.amounts,
                coverage_start=result.coverage_start,
                coverage_end=result.coverage_end,
                waiting_months=result.waiting_months,
            )

    def for_person(self, person_id: str) -> list[EnrolmentView]:
        with self.reading() as session:
            self.person_or_404(session, person_id)
            rows = session.exec(select(Enrolment).where(Enrolment.person_id == person_id)).all()
            return sorted((EnrolmentView.of(r) for r in rows), key=lambda e: -e.benefit_year)
