"""Newborns (新生儿): register by 出生医学证明, assess the 90-day (or local) window, enrol and
pay, and link the ID number once the baby has one.

The newborn rule (``yibao.rules.newborn``) decides the window, the fee, the coverage
and the benefit year (a baby born near year end may be paid for this year or the
next: ``year_choice``, from ``decision.choices``).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlmodel import Session, select

from yibao import idnumbers, relations
from yibao.models import Channel, Person
from yibao.rules.decision import Decision, Outcome, Reason, combine
from yibao.rules.facts import Category
from yibao.services import ruling
from yibao.services.base import ServiceBase
from yibao.services.errors import AlreadyRegistered, InvalidInput, Refused
from yibao.services.facts import build_facts
from yibao.services.payments import parse_channel
from yibao.services.views import (
    NewbornAssessmentView,
    PaymentView,
    PersonView,
    ReceiptView,
    View,
)


class NewbornCase(View):
    """What F3 shows after 登记并核定: the baby as the registry now has it, its guardian
    (None when the form named none) and what the rules say about paying today."""

    baby: PersonView
    guardian: PersonView | None
    assessment: NewbornAssessmentView


class NewbornService(ServiceBase):
    def register(
        self,
        *,
        name: str,
        birth_date: date,
        sex: str,
        birth_cert_no: str | None = None,
        id_number: str | None = None,
        guardian_person_id: str | None = None,
        household_id: str | None = None,
        relation_to_head: str | None = None,
        hukou_region: str | None = None,
        residence_permit_region: str | None = None,
        address: str | None = None,
        phone: str | None = None,
    ) -> PersonView:
        """Register a baby: by ``birth_cert_no`` (then ``link`` the ID number later) or by
        ``id_number`` if it already has one. ``guardian_person_id`` is a parent on file.
        Same errors as ``persons.register``."""
        return self._services.persons.register(
            name=name,
            id_number=id_number,
            birth_cert_no=birth_cert_no,
            birth_date=birth_date,
            sex=sex,
            guardian_person_id=guardian_person_id,
            household_id=household_id,
            relation_to_head=relation_to_head,
            hukou_region=hukou_region,
            residence_permit_region=residence_permit_region,
            address=address,
            phone=phone,
        )

    def register_and_assess(
        self,
        *,
        baby_id: str | None = None,
        guardian_id_number: str | None = None,
        name: str,
        birth_date: date | None,
        sex: str | None = None,
        birth_cert_no: str | None = None,
        id_number: str | None = None,
        hukou_region: str | None = None,
        year_choice: int | None = None,
        id_confirmed: bool = False,
    ) -> NewbornCase:
        """F3's 登记并核定 as one operation: the form as typed, then the rules' answer.

        - The guardian (监护人) is the person on file with ``guardian_id_number``
          (``InvalidInput`` field ``guardian`` when not on file).
        - The baby: ``baby_id``, or the one already on file with this 出生医学证明 / ID number
          / guardian, name and birth date; otherwise a new person (``person.register``).
          A baby on file has its name, 户籍地 and guardian corrected (``person.update``) and
          its ID number linked when it has none yet (``person.link_id``); a birth date that
          differs from the one on file is ``InvalidInput`` (field ``birth_date``).

        All writes in one transaction with their audit rows: any bad part raises and
        nothing is written. Then ``assess`` (writes nothing) for ``year_choice``.
        """
        persons = self._services.persons
        info = None
        if id_number:
            try:
                info = idnumbers.parse(id_number, today=self.today())
            except idnumbers.InvalidIdNumber as exc:
                raise InvalidInput(exc.message, field="id_number") from None
        with self.operation(
            action="newborn.register", entity="person",
            attempt={"name": name, "birth_date": str(birth_date or ""), "year_choice": year_choice},
        ) as session:
            guardian = None
            if guardian_id_number:
                number = self._guardian_number(guardian_id_number)
                guardian = session.exec(select(Person).where(Person.id_number == number)).first()
                if guardian is None:
                    raise InvalidInput(
                        "登记库中没有这位监护人。请先按 F2 登记监护人，或不填监护人后办理。",
                        field="guardian",
                    )
            baby = (self.person_or_404(session, baby_id, for_update=True) if baby_id is not None
                    else self._on_file(session, birth_cert_no, info))
            if baby is None:
                # A baby joins its guardian's household (as it does on the 户口簿), with
                # the relation to the head that follows from the guardian's.
                household_id = guardian.household_id if guardian else None
                relation = (relations.child_of(guardian.relation_to_head, sex or (info.sex if info else None))
                            if guardian is not None and household_id else None)
                values = persons._validated_new_person(
                    id_confirmed=id_confirmed,
                    guardian_person_id=guardian.id if guardian else None,
                    name=name, id_number=id_number, birth_cert_no=birth_cert_no,
                    birth_date=birth_date, sex=sex, household_id=household_id, relation_to_head=relation,
                    hukou_region=hukou_region, residence_permit_region=None, school_region=None,
                    disability_grade=None,
                )
                place = persons.place_of(None, None, None, hukou_region)
                try:
                    baby = persons.insert_person(
                        session, **values, town=place.town, village=place.village,
                        guardian_person_id=guardian.id if guardian else None,
                    )
                except AlreadyRegistered as known:  # the guardian's child of that name and day
                    baby = self.person_or_404(session, known.person_id, for_update=True)
                else:
                    info = None  # registered with its number: nothing to link
            self._correct(session, baby, guardian, name=name, birth_date=birth_date,
                          hukou_region=hukou_region, info=info, id_confirmed=id_confirmed)
            if guardian is not None and guardian.household_id and baby.household_id is None:
                # A baby on file without a household (registered before its guardian had
                # one): it joins the guardian's now.
                persons.move_to_household(
                    session, baby, guardian.household_id,
                    relations.child_of(guardian.relation_to_head, baby.sex),
                )
            # before anything is kept: a year this registry holds no file for registers nothing
            self.refuse_year_without_file(baby.birth_date, self.today(), year_choice)
            session.flush()
            baby_view = PersonView.of(baby)
            guardian_view = PersonView.of(guardian) if guardian is not None else None
        assessment = self.assess(baby_view.id, year_choice=year_choice)
        return NewbornCase(baby=assessment.person, guardian=guardian_view, assessment=assessment)

    @staticmethod
    def _on_file(session: Session, birth_cert_no: str | None, info: idnumbers.IdInfo | None) -> Person | None:
        """The baby the form's 出生医学证明编号 or ID number is registered to, if any; the two
        naming different people is ``InvalidInput`` (one of them is mistyped)."""
        cert = None
        if birth_cert_no:
            try:
                cert = idnumbers.validate_birth_cert(birth_cert_no)
            except idnumbers.InvalidIdNumber as exc:
                raise InvalidInput(exc.message, field="birth_cert_no") from None
        by_cert = session.exec(select(Person).where(Person.birth_cert_no == cert)).first() if cert else None
        by_id = session.exec(select(Person).where(Person.id_number == info.number)).first() if info else None
        # the certificate is someone else's, or the number's holder has another certificate
        mixed = by_id is not None and cert is not None and (
            by_cert.id != by_id.id if by_cert is not None else bool(by_id.birth_cert_no)
        )
        if mixed and by_id is not None and info is not None:
            raise InvalidInput(
                f"身份证号码 {info.masked} 已登记给 {by_id.name}，"
                "与填写的出生医学证明编号不是同一人。请核对两个号码。",
                field="id_number",
            )
        return by_cert or by_id

    @staticmethod
    def _guardian_number(raw: str) -> str:
        try:
            return idnumbers.validate(raw)
        except idnumbers.InvalidIdNumber as exc:
            raise InvalidInput(f"监护人身份证号码：{exc.message}", field="guardian") from None

    def _correct(
        self, session: Session, baby: Person, guardian: Person | None, *, name: str,
        birth_date: date | None, hukou_region: str | None, info: idnumbers.IdInfo | None,
        id_confirmed: bool,
    ) -> None:
        """A baby on file brought again: what the form corrects, in the caller's transaction."""
        from yibao.services.persons import confirm_address_code

        persons = self._services.persons
        if birth_date is not None and baby.birth_date != birth_date:
            raise InvalidInput(
                f"登记库中{baby.name}的出生日期为 {baby.birth_date.isoformat()}，与填写的不一致。"
                "请核对出生医学证明。",
                field="birth_date",
            )
        changes: dict[str, Any] = {}
        if name and name.strip() != baby.name:
            changes["name"] = name
        if hukou_region and hukou_region != baby.hukou_region:
            changes["hukou_region"] = hukou_region
        if guardian is not None and guardian.id != baby.guardian_person_id:
            changes["guardian_person_id"] = guardian.id
        persons.apply_changes(session, baby, persons.validated_changes(changes))
        if info is not None and not baby.id_number:
            confirm_address_code(info, id_confirmed)
            persons.link_in(session, baby, info)

    def link(self, person_id: str, *, id_number: str) -> PersonView:
        """The baby now has an ID number: store it on the same person (history kept)."""
        return self._services.persons.link_id_number(person_id, id_number=id_number)

    def _rule(
        self, session: Session, person: Person, *, paid_on: date, year_choice: int | None
    ) -> tuple[Any, Any, Any, int, ruling.Amounts | None, Any]:
        """(facts, newborn decision, eligibility, benefit year, amounts, coverage ruling)."""
        year = year_choice or self._services.benefit_year
        facts = build_facts(
            session,
            person,
            benefit_year=year,
            category=Category.NEWBORN,
            insured_region=self.policy.region_code,
        )
        facts = self._with_parent(session, person, facts, year)
        if paid_on < person.birth_date:
            raise InvalidInput("办理日期早于出生日期，请核对出生日期。", field="birth_date")
        self.refuse_year_without_file(person.birth_date, paid_on, year_choice)
        try:
            decision = ruling.newborn(self.policy, facts, paid_on, year_choice=year_choice)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="year_choice") from None
        year = decision.benefit_year or year
        enrol = ruling.assess_enrolment(self.policy, facts, paid_on)
        if decision.fee_fen is not None:
            amounts: ruling.Amounts | None = ruling.Amounts.fee(int(decision.fee_fen))
        else:
            amounts = enrol.amounts
        if amounts is None and decision.outcome is Outcome.CONFIRM:
            # The newborn clauses do not settle this baby (before they take effect, or a year
            # the document does not cover): the counter can still enrol the baby as any
            # resident for the document's own benefit year, at its standard contribution —
            # a figure the document states. The clerk confirms (audited) before paying.
            general = build_facts(
                session, person, benefit_year=self._services.benefit_year,
                category=Category.GENERAL, insured_region=self.policy.region_code,
            )
            regular = ruling.assess_enrolment(self.policy, general, paid_on)
            if regular.amounts is not None and regular.decision.outcome is not Outcome.REFUSED:
                year, amounts, enrol = self._services.benefit_year, regular.amounts, regular
                decision = decision.model_copy(
                    update={
                        "benefit_year": year,
                        "coverage_start": None,
                        "coverage_end": None,
                        "reasons": (*decision.reasons, *regular.decision.reasons),
                    }
                )
        return facts, decision, enrol.eligibility, year, amounts, enrol

    def refuse_year_without_file(self, birth: date, paid_on: date, year_choice: int | None) -> None:
        """``Refused`` when the baby's newborn year has no policy file in the registry.

        Within the newborn window the baby is enrolled for the benefit year of its birth (or
        the one the guardian chose): when that is not this file's year and the registry
        holds no file for it, this file cannot say what the baby pays (山阴's file, for a
        baby born in 2024, knows only its own 2025 newborns: free from 2025-01-01), so
        nothing is priced from it. After the window the general rules of the year paid
        in apply, and a pending choice is asked first."""
        from yibao.rules.newborn import birth_year_end, near_year_end, window_end
        from yibao.services.years import draft_commands

        policy = self.policy
        found = birth_year_end(policy, birth) if policy.newborn.window is not None else None
        if found is None or (year_choice is None and near_year_end(policy, birth)):
            return
        year = year_choice or found[0]
        last = window_end(policy, birth)
        chain = self._services.years.chain()
        if year == policy.benefit_year or (last is not None and paid_on > last) or chain.year(year):
            return
        what = f"所选{year}年度待遇" if year_choice else f"{birth.year}年{birth.month}月{birth.day}日出生，属{year}年度"
        raise Refused(
            Decision(
                rule="policy.year_missing",
                outcome=Outcome.REFUSED,
                reasons=(
                    Reason(
                        text=(
                            f"{what}；新生儿按该年度的政策文件办理，登记库中没有{policy.jurisdiction}{year}"
                            f"年度的政策文件，不能按{policy.benefit_year}年度的文件核定，未作任何登记。"
                            + draft_commands(policy.key, year, chain.latest.id)
                        ),
                        clause=policy.clause(policy.periods.benefit),
                    ),
                ),
            )
        )

    def _with_parent(self, session: Session, person: Person, facts: Any, year: int) -> Any:
        """Where the fee depends on a parent being insured here ([newborn.fee] kind
        ``none_if_parent_insured``), the guardian on file who holds a paid enrolment in this
        registry for ``year`` is that parent. Nothing else is inferred: a guardian without one
        here may still be insured (e.g. 职工医保), so the rule is left to ask."""
        fee = getattr(self.policy.newborn, "fee", None)
        if getattr(fee, "kind", None) != "none_if_parent_insured" or not person.guardian_person_id:
            return facts
        from yibao.rules.facts import ParentFact
        from yibao.services.facts import paid_years

        if year not in paid_years(session, person.guardian_person_id):
            return facts
        parent = ParentFact(
            relation="监护人", insured_region=self.policy.region_code, insured_year=year
        )
        return facts.model_copy(update={"parents": (*facts.parents, parent)})

    def assess(
        self, person_id: str, *, year_choice: int | None = None, on: date | None = None
    ) -> NewbornAssessmentView:
        """What the rules say about the baby paying today (or ``on``). Writes nothing.

        ``decision`` is the rules' ``NewbornDecision``: ``within_window``, ``window_end``,
        ``fee_fen``, ``coverage_start``/``coverage_end``, ``benefit_year``, ``choices``.
        """
        day = on or self.today()
        with self.reading() as session:
            person = self.person_or_404(session, person_id)
            facts, decision, eligibility, year, amounts, _enrol = self._rule(
                session, person, paid_on=day, year_choice=year_choice
            )
            outcomes = [decision.outcome] + ([eligibility.outcome] if eligibility else [])
            existing = self._services.payments.paid_payment(session, person.id, year)
            outcome = combine(outcomes)
            due = amounts.total_fen if amounts and outcome is not Outcome.REFUSED else None
            if existing is not None:
                outcome, due = Outcome.REFUSED, None
            return NewbornAssessmentView(
                person=PersonView.of(person),
                paid_on=day,
                decision=decision,
                eligibility=eligibility,
                outcome=outcome,
                benefit_year=year,
                facts=facts,
                due_fen=due,
                existing_payment=PaymentView.of(existing) if existing else None,
                cash_closed=self._services.payments.cash_closed(session) if due else None,
            )

    def enrol(
        self,
        person_id: str,
        *,
        channel: Channel | str,
        received_fen: int | None = None,
        year_choice: int | None = None,
        paid_on: date | None = None,
        confirmed: bool = False,
    ) -> ReceiptView:
        """Enrol the baby and take the newborn fee today.

        ``paid_on`` may be given only as today's date (the desk passes what it showed).
        Raises ``Refused`` / ``NeedsConfirmation`` / ``InvalidInput`` like
        ``enrolment.enrol_and_pay``. Returns the receipt.
        """
        chan = parse_channel(channel)
        today = self.today()
        if paid_on is not None and paid_on != today:
            raise InvalidInput(
                f"缴费日期只能是今天（{today.isoformat()}），不能补登其他日期的缴费。",
                field="paid_on",
            )
        with self.operation(
            action="newborn.enrol",
            entity="payment",
            person_id=person_id,
            attempt={
                "channel": chan.value,
                "year_choice": year_choice,
                "received_fen": received_fen,
            },
        ) as session:
            self._services.years.refuse_if_draft()  # a draft quotes, never takes money
            person = self.person_or_404(session, person_id, for_update=True)
            facts, decision, eligibility, year, amounts, enrol = self._rule(
                session, person, paid_on=today, year_choice=year_choice
            )
            existing = self._services.payments.paid_payment(session, person.id, year)
            if existing is not None:
                raise Refused(
                    ruling.duplicate_payment_refusal(
                        self.policy,
                        person_name=person.name,
                        year=year,
                        receipt_no=existing.receipt_no,
                    )
                )
            if eligibility is not None and eligibility.refused:
                raise Refused(eligibility)
            self.check(decision, confirmed=confirmed)
            if eligibility is not None:
                self.check(eligibility, confirmed=confirmed)
            if amounts is None:
                raise InvalidInput(
                    "政策文件未规定新生儿的缴费金额，无法收费。请向医保经办机构核实。",
                    field="person_id",
                )
            start = decision.coverage_start or enrol.coverage_start
            end = decision.coverage_end or enrol.coverage_end
            return self._services.payments.take(
                session,
                person,
                benefit_year=year,
                category=Category.NEWBORN,
                insured_region=self.policy.region_code,
                channel=chan,
                received_fen=received_fen,
                amounts=amounts,
                coverage_start=start,
                coverage_end=end,
                waiting_months=0 if decision.coverage_start else enrol.waiting_months,
                action="newborn.enrol",
            )
