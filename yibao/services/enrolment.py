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

from yibao.models import Channel, Enrolment, EnrolmentStatus, Payment, Person
from yibao.rules.facts import Category, PersonFacts
from yibao.services import ruling
from yibao.services.base import ServiceBase
from yibao.services.errors import DraftQuote, InvalidInput, NeedsConfirmation, Refused
from yibao.services.facts import PersonFile, YearRecord, build_facts, facts_of
from yibao.services.payments import extras_codes, parse_channel
from yibao.services.views import (
    AssessmentView,
    EnrolmentView,
    HouseholdView,
    PaymentView,
    PersonView,
    ReceiptView,
    RegistrationView,
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
            file = self.file_or_404(session, person_id)
            return self.assess_file(
                session, file, category=cat, insured_region=insured_region, on=day,
                extras=extras, overrides=overrides,
            )

    def assess_file(
        self,
        session: Session,
        file: PersonFile,
        *,
        category: Category | None,
        on: date,
        insured_region: str | None = None,
        extras: Sequence[str] = (),
        overrides: Mapping[str, Any] | None = None,
        records: list[YearRecord] | None = None,
    ) -> AssessmentView:
        """``assess`` on the person's rows already read in ``session`` (``facts.read_file``)."""
        year = self._services.benefit_year
        facts = facts_of(
            file, benefit_year=year, category=category,
            insured_region=self._insured_region(insured_region), overrides=overrides, records=records,
        )
        result = ruling.assess_enrolment(self.policy, facts, on, extras=extras_codes(extras))
        existing = next((p for p in file.payments if p.benefit_year == year), None)
        return self._view(session, file.person, facts, result, on, existing)

    def _view(
        self, session: Session, person: Person, facts: PersonFacts, result: ruling.Ruling, day: date,
        existing: Payment | None,
    ) -> AssessmentView:
        """The assessment as the desk shows it: a payment already made for the year refuses."""
        year = self._services.benefit_year
        decision = result.decision
        due = result.due_fen
        if existing is not None:
            decision = ruling.duplicate_payment_refusal(
                self.policy, person_name=person.name, year=year, receipt_no=existing.receipt_no,
            )
            due = None
        return AssessmentView(
            person=PersonView.of(person),
            benefit_year=year,
            category=facts.category.value,
            on=day,
            decision=decision,
            facts=facts,
            due_fen=due,
            existing_payment=PaymentView.of(existing) if existing else None,
            cash_closed=self._services.payments.cash_closed(session) if due else None,
            draft=self.policy.is_draft,
        )

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
        region = self._insured_region(insured_region)
        with self.operation(
            action="enrolment.register",
            entity="enrolment",
            person_id=person_id,
            attempt={"category": cat.value, "insured_region": region},
        ) as session:
            person = self.person_or_404(session, person_id, for_update=True)
            return EnrolmentView.of(self._register_in(session, person, cat, region, note))

    def _register_in(
        self, session: Session, person: Person, cat: Category, region: str, note: str | None
    ) -> Enrolment:
        """The enrolment for the benefit year, registered (or its category updated) in
        ``session`` with its audit row; ``Refused`` when the rules refuse eligibility."""
        year = self._services.benefit_year
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
        # Registering for a year that can never be paid writes nothing: not a draft's year
        # (the draft's quote goes back with the refusal, and the transaction is rolled back),
        # not a year that does not collect today, not when the window is shut for good.
        try:
            self._services.years.refuse_if_draft()
        except Refused as draft:
            session.flush()  # a new person is in the session: quote them as the draft would
            existing = self._services.payments.paid_payment(session, person.id, self._services.benefit_year)
            view = self._view(session, person, facts, result, self.today(), existing)
            raise DraftQuote(draft.decision, view) from None
        self._services.years.refuse_if_closed()
        window = getattr(result.decision, "payment_window", None)
        if window is not None and window.refused and window.earliest_payment_on is None:
            raise Refused(result.decision)
        row = session.exec(
            select(Enrolment).where(Enrolment.person_id == person.id, Enrolment.benefit_year == year)
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
        return row

    def register_person(
        self,
        *,
        name: str,
        id_number: str,
        person_id: str | None = None,
        hukou_region: str | None = None,
        residence_permit_region: str | None = None,
        employee_insured: bool = False,
        household_number: str | None = None,
        relation_to_head: str | None = None,
        category: Category | str = Category.GENERAL,
        insured_region: str | None = None,
        note: str | None = None,
        id_confirmed: bool = False,
        town: str | None = None,
        village: str | None = None,
    ) -> RegistrationView:
        """参保登记 at the counter (F2) as one operation: the person, the household, the enrolment.

        ``town`` (乡镇/街道, from the jurisdiction's list, ``persons.towns()``) and ``village``
        (村/社区) say where the person lives; left out, what is on file stays.

        - The person: ``person_id``, or the one on file with ``id_number``, has name,
          regions and ``employee_insured`` corrected (``person.update``); otherwise a new
          person is registered (``person.register``). The ID number of a person on file
          is not changed here (``persons.link_id_number``).
        - ``household_number`` (户号, optional): the household with that number is
          joined, even one without members yet (``persons.household_by_number``), or
          created (``household.create``); ``relation_to_head`` (GB/T 4761, ``"02"`` 户主)
          is then required and a household keeps one head (``household.join``). Without
          a 户号 the person's household is left as it is.
        - The enrolment for the policy's benefit year, as ``register``.

        All in one transaction with its audit rows: any bad part raises ``InvalidInput``
        (Chinese message, ``field`` = the argument: ``name``, ``id_number``,
        ``hukou_region``, ``household_number``, ``relation_to_head``, ``category`` …) or
        ``Refused`` (the rules refuse eligibility, e.g. employee-insured; recorded as a
        refused ``enrolment.register`` attempt) and nothing is written. Safe to repeat.
        ``NeedsConfirmation`` (rule ``id_number.address_code``, nothing written, nothing
        logged) when a person not yet on file has an ID number whose address code came into use only after the birth
        year (GB 11643: the county where the number was first assigned): the desk shows
        the reason, the clerk checks the card and calls again with ``id_confirmed=True``.
        """
        from yibao import idnumbers
        from yibao.services.persons import (
            clean_household_number,
            household_row_by_number,
            member_rows,
            validated_relation,
        )

        persons = self._services.persons
        cat = parse_category(category) or Category.GENERAL
        region = self._insured_region(insured_region)
        try:
            info = idnumbers.parse(id_number or "", today=self.today())
        except idnumbers.InvalidIdNumber as exc:
            raise InvalidInput(exc.message, field="id_number") from None
        number = info.number
        household_no = clean_household_number(household_number, field="household_number")
        relation = None
        if household_no:
            if not relation_to_head:
                raise InvalidInput(
                    f"填写了户号 {household_no}，请选择与户主的关系。", field="relation_to_head"
                )
            relation = validated_relation(relation_to_head)
        elif relation_to_head:
            raise InvalidInput(
                "选择了与户主关系，但没有填写户号。请按户口簿填写户号。", field="household_number"
            )
        details = {
            "name": name,
            "hukou_region": hukou_region or None,
            "residence_permit_region": residence_permit_region or None,
            "employee_insured": bool(employee_insured),
        }
        if town:
            details["town"] = town
        if village:
            details["village"] = village
        clean = persons.validated_changes(details)
        attempt = {
            "name": clean["name"],
            "id_number": number,  # masked in the audit log
            "household_number": household_no,
            "relation_to_head": relation,
            "employee_insured": clean["employee_insured"],
            "category": cat.value,
            "insured_region": region,
        }
        on_file: dict[str, str | None] = {"person_id": None}
        try:
            with self.transaction() as session:
                if person_id is not None:
                    person = self.person_or_404(session, person_id, for_update=True)
                else:
                    person = session.exec(
                        select(Person).where(Person.id_number == number).with_for_update()
                    ).first()
                if person is not None:
                    on_file["person_id"] = person.id
                    if not person.id_number:
                        raise InvalidInput(
                            f"{person.name} 登记时还没有身份证号码。请先在其档案中补录身份证号码，"
                            "再办理参保登记。",
                            field="id_number",
                        )
                    if person.id_number != number:
                        raise InvalidInput(
                            f"{person.name} 登记的身份证号码是 {idnumbers.mask(person.id_number)}，"
                            "与填写的不一致。请核对证件；号码有误请报经办机构更正。",
                            field="id_number",
                        )
                household = household_row_by_number(session, household_no) if household_no else None
                created_household = household_no is not None and household is None
                if created_household:
                    household = persons.insert_household(
                        session, number=household_no, hukou_region=clean["hukou_region"]
                    )
                household_id = household.id if household is not None else None
                if person is None:
                    values = persons._validated_new_person(
                        name=clean["name"],
                        id_number=number,
                        birth_cert_no=None,
                        birth_date=None,
                        sex=None,
                        household_id=household_id,
                        relation_to_head=relation,
                        hukou_region=clean["hukou_region"],
                        residence_permit_region=clean["residence_permit_region"],
                        school_region=None,
                        disability_grade=None,
                        id_confirmed=id_confirmed,  # asked only for a person not yet on file
                    )
                    person = persons.insert_person(
                        session,
                        **values,
                        employee_insured=clean["employee_insured"],
                        town=clean.get("town"),
                        village=clean.get("village"),
                    )
                    created_person = True
                else:
                    changes = {k: v for k, v in clean.items() if getattr(person, k) != v}
                    persons.apply_changes(session, person, changes)
                    if household_id is not None and relation is not None:
                        persons.move_to_household(session, person, household_id, relation)
                    created_person = False
                session.flush()
                enrolment = self._register_in(session, person, cat, region, note)
                members = member_rows(session, household_id) if household_id else []
                return RegistrationView(
                    person=PersonView.of(person),
                    household=HouseholdView.of(household, members) if household else None,
                    enrolment=EnrolmentView.of(enrolment),
                    created_person=created_person,
                    created_household=created_household,
                )
        except NeedsConfirmation:
            raise
        except Refused as exc:
            self.log_refusal(
                exc.decision,
                action="enrolment.register",
                entity="enrolment",
                person_id=on_file["person_id"],
                attempt=attempt,
            )
            raise

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
        self._require_reason(overrides)
        with self.operation(
            action="payment.record",
            entity="payment",
            person_id=person_id,
            attempt={
                "channel": chan.value,
                "category": cat.value if cat else None,
                "extras": list(codes),
                "received_fen": received_fen,
                **({"declared": dict(overrides)} if overrides else {}),
            },
        ) as session:
            self._services.years.refuse_if_draft()  # a draft quotes, never takes money
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
            receipt = self._services.payments.take(
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
            if overrides:
                self._audit_declared(session, person, receipt, overrides, result)
            return receipt

    @staticmethod
    def _require_reason(overrides: Mapping[str, Any] | None) -> None:
        """A declaration overrides the registry's own history only with a reason."""
        from yibao.services.facts import DECLARATION_REASON

        if not overrides:
            return
        facts = {k for k in overrides if k != DECLARATION_REASON}
        if facts and not str(overrides.get(DECLARATION_REASON) or "").strip():
            raise InvalidInput(
                "申报的参保历史没有理由：请填写参保人提供的证明或说明后再收款。", field="reason"
            )

    def _audit_declared(
        self,
        session: Session,
        person: Person,
        receipt: ReceiptView,
        overrides: Mapping[str, Any],
        result: ruling.Ruling,
    ) -> None:
        """The facts the clerk declared for this payment (参保历史 …), next to the payment's
        own audit rows: where the waiting period and the cap change came from."""
        from yibao.services.history import describe

        coverage = getattr(result.decision, "coverage", None)
        waiting = {
            key: getattr(coverage, key, None)
            for key in ("waiting_months", "fixed_months", "variable_months", "repaired_months")
        }
        self.audit(
            session,
            action="enrolment.history_declared",
            entity="enrolment",
            entity_id=receipt.enrolment.id,
            person_id=person.id,
            summary=f"{person.name} {receipt.enrolment.benefit_year}年度缴费时经办人员录入（非登记库记录）："
            f"{describe(overrides)}；等待期{result.waiting_months or 0}个月，收据号 {receipt.receipt_no}",
            after={
                "source": "declared",  # 经办人员据参保人陈述/证明录入，不是登记库的缴费记录
                "declared": dict(overrides),
                "receipt_no": receipt.receipt_no,
                "payment_id": receipt.payment.id,
                "waiting": waiting,
                "reasons": [
                    r for r in result.decision.explain() if "等待期" in r or "断保" in r or "连续" in r
                ],
            },
        )

    def for_person(self, person_id: str) -> list[EnrolmentView]:
        with self.reading() as session:
            self.person_or_404(session, person_id)
            rows = session.exec(select(Enrolment).where(Enrolment.person_id == person_id)).all()
            return sorted((EnrolmentView.of(r) for r in rows), key=lambda e: -e.benefit_year)

