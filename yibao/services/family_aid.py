"""家庭共济: an employee-insured payer binds relatives, then pays their resident share from the
employee personal account.

Flow: ``bind`` (relation + evidence + 承诺书) → ``bindings`` → ``assess`` → ``pay`` (one
receipt per relative, all in one transaction: either every relative is paid or none).

``bind`` checks who may be bound (payer in 职工医保, relative not, relation in the
policy's list, birth dates that fit the relation) on today's date, leaving the *when* of
the rule (the period) to ``pay``; ``pay`` checks everything on today's date.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, col, select

from yibao import idnumbers
from yibao import relations as gbt4761
from yibao.idnumbers import mask
from yibao.models import BindingStatus, Channel, FamilyBinding, Person, Role
from yibao.rules.decision import Decision, Outcome, Reason, combine
from yibao.rules.facts import PersonFacts
from yibao.rules.family_aid import payer_check
from yibao.rules.relations import Relation
from yibao.services import ruling
from yibao.services.base import ServiceBase
from yibao.services.errors import InvalidInput, NeedsConfirmation, NotFound, Refused
from yibao.services.facts import build_facts
from yibao.services.persons import ADDRESS_CODE_CLAUSE, clean_name
from yibao.services.views import (
    BindingView,
    FamilyAidAssessmentView,
    PaymentView,
    ReceiptView,
)


@dataclass(frozen=True)
class _CheckedPayer:
    payer: EmployeePayer  # normalised
    info: idnumbers.IdInfo


def parse_relation(relation: Relation | str) -> Relation:
    try:
        return Relation(relation)
    except ValueError:
        raise InvalidInput(
            "亲属关系不对。可选：" + "、".join(f"{r.value}（{r.label}）" for r in Relation),
            field="relation",
        ) from None


class EmployeePayer(BaseModel):
    """A payer F4 records as in 职工医保 while binding: the registry does not know them, or
    knows them outside 职工医保. ``proof`` names what the clerk saw (``PAYER_PROOFS``)."""

    model_config = ConfigDict(frozen=True)

    id_number: str
    name: str
    proof: str


class FamilyAidService(ServiceBase):
    def _binding_view(self, session: Session, row: FamilyBinding) -> BindingView:
        payer = session.get(Person, row.payer_person_id)
        relative = session.get(Person, row.relative_person_id)
        assert payer is not None and relative is not None
        return BindingView.of(row, payer, relative)

    def _facts(self, session: Session, person: Person) -> PersonFacts:
        return build_facts(
            session,
            person,
            benefit_year=self._services.benefit_year,
            insured_region=self.policy.region_code,
        )

    # --- bind ------------------------------------------------------------------
    def bind(
        self,
        *,
        payer_person_id: str | None = None,
        relative_person_id: str,
        relation: Relation | str,
        evidence: str,
        commitment_signed: bool = True,
        relation_code: str | None = None,
        confirmed: bool = False,
        new_payer: EmployeePayer | None = None,
    ) -> BindingView:
        """Bind a relative to a payer. ``relation`` is the relative as seen from the payer
        (``yibao.rules.relations.Relation``: spouse, parent, child …); ``relation_code``
        optionally the GB/T 4761 code; ``evidence`` the document seen (户口簿、结婚证 …);
        ``commitment_signed`` whether the payer signed the 承诺书.

        The payer is ``payer_person_id``, or ``new_payer``: the one on file with that ID number,
        recorded in the same transaction as in 职工医保 (registered if new, ``person.register``;
        else ``person.update``) once the clerk has confirmed the check of ``new_payer.proof``
        (``NeedsConfirmation`` with rule ``family_aid`` and the ``family_aid.payer`` reasons
        first until ``confirmed``). Any signed-in clerk (role check in the service).

        Refused when the rules refuse (payer not employee-insured, relative employee-
        insured, relation not permitted); ``NeedsConfirmation`` when the policy is silent.
        One active binding per payer and relative. Audit ``family.bind``. A refusal or a
        question writes nothing (the payer is not recorded either).
        """
        rel = parse_relation(relation)
        checked = self._checked_payer(new_payer) if new_payer is not None else None
        if checked is None and not payer_person_id:
            raise InvalidInput("请先输入缴费人身份证号，调出缴费人。", field="payer_person_id")
        if payer_person_id is not None and payer_person_id == relative_person_id:
            raise InvalidInput("缴费人和亲属不能是同一人。", field="relative_person_id")
        if not (evidence or "").strip():
            raise InvalidInput(
                "请填写亲属关系证明材料（如 户口簿、结婚证、出生医学证明）。", field="evidence"
            )
        code = None
        if relation_code:
            try:
                code = gbt4761.validate(relation_code)
            except gbt4761.InvalidRelation as exc:
                raise InvalidInput(str(exc), field="relation_code") from None
        if checked is not None:
            self.require_role(
                Role.CLERK, Role.SUPERVISOR, Role.ADMIN, action="family.bind",
                what="登记缴费人参加职工医保并绑定亲属", entity="person",
            )
        attempt: dict[str, object] = {"relative_person_id": relative_person_id, "relation": rel.value}
        if checked is not None:
            attempt["payer"] = {"name": checked.payer.name, "proof": checked.payer.proof}
        with self.operation(
            action="family.bind",
            entity="family_binding",
            person_id=payer_person_id,
            attempt=attempt,
        ) as session:
            asked: Decision | None = None
            if checked is None:
                assert payer_person_id is not None
                payer = self.person_or_404(session, payer_person_id)
            else:
                payer, asked = self._record_payer(session, checked)
            relative = self.person_or_404(session, relative_person_id)
            if payer.id == relative.id:
                raise InvalidInput("缴费人和亲属不能是同一人。", field="relative_person_id")
            clash = session.exec(
                select(FamilyBinding).where(
                    FamilyBinding.payer_person_id == payer.id,
                    FamilyBinding.relative_person_id == relative.id,
                    FamilyBinding.status == BindingStatus.ACTIVE.value,
                )
            ).first()
            if clash is not None:
                raise InvalidInput(
                    f"{payer.name} 与 {relative.name} 已绑定家庭共济，无需重复绑定。",
                    field="relative_person_id",
                )
            # Who may be bound, as of today; the period (a matter of *when to pay*) is left
            # to ``pay`` and does not block the binding itself.
            decision = ruling.family_aid(
                self.policy,
                self._facts(session, payer),
                self._facts(session, relative),
                rel,
                self.today(),
                binding=True,
            )
            if asked is not None and not decision.refused and not confirmed:
                # One question for all the clerk must check: the payer's status first.
                raise NeedsConfirmation(
                    decision.model_copy(
                        update={"outcome": Outcome.CONFIRM, "reasons": asked.reasons + decision.reasons}
                    )
                )
            self.check(decision, confirmed=confirmed)
            now = self.now()
            row = FamilyBinding(
                payer_person_id=payer.id,
                relative_person_id=relative.id,
                relation=rel.value,
                relation_code=code,
                evidence=evidence.strip(),
                commitment_signed=commitment_signed,
                bound_on=self.today(),
                clerk_id=self.actor.clerk_id,
                device_id=self.actor.device_id,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            self.audit(
                session,
                action="family.bind",
                entity="family_binding",
                entity_id=row.id,
                person_id=payer.id,
                summary=f"{payer.name}（{mask(payer.id_number)}）绑定家庭共济亲属 {relative.name}（{rel.label}）"
                + (f"；缴费人职工医保参保状态经查验{checked.payer.proof}" if checked is not None else ""),
                after=row,
            )
            # The relative's case shows it too.
            self.audit(
                session,
                action="family.bound",
                entity="family_binding",
                entity_id=row.id,
                person_id=relative.id,
                summary=f"被 {payer.name} 绑定为家庭共济亲属（{rel.label}）",
            )
            return self._binding_view(session, row)

    def _checked_payer(self, payer: EmployeePayer) -> _CheckedPayer:
        """``payer`` validated before any transaction (``InvalidInput`` naming the field)."""
        try:
            info = idnumbers.parse(payer.id_number, today=self.today())
        except idnumbers.InvalidIdNumber as exc:
            raise InvalidInput(exc.message, field="payer_id_number") from None
        try:
            name = clean_name(payer.name)
        except InvalidInput as exc:
            raise InvalidInput(exc.message, field="payer_name") from None
        proof = " ".join((payer.proof or "").split())
        if not proof:
            raise InvalidInput(
                "请查验缴费人的职工医保参保凭证（如 医保电子凭证），并选择所查验的凭证。",
                field="payer_proof",
            )
        if len(proof) > 40:
            raise InvalidInput("查验凭证的名称过长（超过40个字）。", field="payer_proof")
        return _CheckedPayer(EmployeePayer(id_number=info.number, name=name, proof=proof), info)

    def _record_payer(self, session: Session, checked: _CheckedPayer) -> tuple[Person, Decision | None]:
        """The payer on file with the checked ID number, recorded as in 职工医保 in
        ``session``; with the question the clerk answers first (None when the registry
        already has them in 职工医保: nothing to record)."""
        persons = self._services.persons
        payer = checked.payer
        row = session.exec(
            select(Person).where(Person.id_number == payer.id_number).with_for_update()
        ).first()
        if row is not None and row.employee_insured:
            return row, None
        if row is not None and row.name != payer.name:
            raise InvalidInput(
                f"登记库中号码 {mask(payer.id_number)} 登记的姓名是 {row.name}，与填写的 {payer.name} "
                "不一致。请核对证件；登记有误请报经办机构更正。",
                field="payer_name",
            )
        asked = payer_check(
            self.policy, name=payer.name, proof=payer.proof, on_file=row is not None
        )
        if row is None:
            if checked.info.region_note:  # asked with the rest, not in a question of its own
                asked = asked.model_copy(
                    update={
                        "reasons": asked.reasons
                        + (Reason(text=checked.info.region_note, clause=ADDRESS_CODE_CLAUSE),)
                    }
                )
            values = persons._validated_new_person(
                name=payer.name, id_number=payer.id_number, birth_cert_no=None, birth_date=None,
                sex=None, household_id=None, relation_to_head=None, hukou_region=None,
                residence_permit_region=None, school_region=None, disability_grade=None,
                id_confirmed=True,  # the address code's question is in ``asked``
            )
            row = persons.insert_person(session, **values, employee_insured=True)
        else:
            persons.apply_changes(session, row, {"employee_insured": True})
        session.flush()
        return row, asked

    def unbind(self, binding_id: str, *, note: str | None = None) -> BindingView:
        """End an active binding (kept for history). Audit ``family.unbind``."""
        with self.transaction() as session:
            row = session.get(FamilyBinding, binding_id)
            if row is None:
                raise NotFound("找不到该家庭共济绑定。", field="binding_id")
            if row.status != BindingStatus.ACTIVE.value:
                raise InvalidInput("该绑定已解除，无需再次解除。", field="binding_id")
            before = {"status": row.status, "revoked_on": None}
            row.status = BindingStatus.REVOKED.value
            row.revoked_on = self.today()
            row.updated_at = self.now()
            session.add(row)
            self.audit(
                session,
                action="family.unbind",
                entity="family_binding",
                entity_id=row.id,
                person_id=row.payer_person_id,
                summary="解除家庭共济绑定" + (f"（{note}）" if note else ""),
                before=before,
                after={"status": row.status, "revoked_on": row.revoked_on},
            )
            return self._binding_view(session, row)

    def bindings(self, payer_person_id: str, *, include_revoked: bool = False) -> list[BindingView]:
        """The payer's bindings (active only unless ``include_revoked``), oldest first."""
        with self.reading() as session:
            self.person_or_404(session, payer_person_id)
            stmt = select(FamilyBinding).where(FamilyBinding.payer_person_id == payer_person_id)
            if not include_revoked:
                stmt = stmt.where(FamilyBinding.status == BindingStatus.ACTIVE.value)
            rows = session.exec(stmt.order_by(col(FamilyBinding.created_at))).all()
            return [self._binding_view(session, r) for r in rows]

    # --- assess and pay ----------------------------------------------------------
    def _active(
        self, session: Session, payer_id: str, relative_ids: Sequence[str] | None
    ) -> list[FamilyBinding]:
        rows = list(
            session.exec(
                select(FamilyBinding)
                .where(
                    FamilyBinding.payer_person_id == payer_id,
                    FamilyBinding.status == BindingStatus.ACTIVE.value,
                )
                .order_by(col(FamilyBinding.created_at))
            ).all()
        )
        if relative_ids is None:
            return rows
        by_relative = {r.relative_person_id: r for r in rows}
        missing = [rid for rid in relative_ids if rid not in by_relative]
        if missing:
            raise InvalidInput(
                "所选亲属中有人尚未与缴费人绑定家庭共济，请先办理绑定。",
                field="relative_person_ids",
            )
        return [by_relative[rid] for rid in dict.fromkeys(relative_ids)]

    def _assess_one(
        self, session: Session, payer: Person, binding: FamilyBinding, on: date
    ) -> tuple[FamilyAidAssessmentView, ruling.Ruling, Person, PersonFacts]:
        relative = session.get(Person, binding.relative_person_id)
        assert relative is not None
        payer_facts = self._facts(session, payer)
        relative_facts = self._facts(session, relative)
        decision = ruling.family_aid(
            self.policy, payer_facts, relative_facts, Relation(binding.relation), on
        )
        enrol = ruling.assess_enrolment(self.policy, relative_facts, on)
        existing = self._services.payments.paid_payment(
            session, relative.id, self._services.benefit_year
        )
        outcome = combine([decision.outcome, enrol.decision.outcome])
        due: int | None = int(decision.amount_fen) if outcome is not Outcome.REFUSED else None
        if existing is not None:
            outcome, due = Outcome.REFUSED, None
        view = FamilyAidAssessmentView(
            binding=BindingView.of(binding, payer, relative),
            decision=decision,
            enrolment=enrol.decision,
            outcome=outcome,
            due_fen=due,
            existing_payment=PaymentView.of(existing) if existing else None,
            place_unknown=relative_facts.hukou_region is None
            and relative_facts.residence_permit_region is None,
        )
        return view, enrol, relative, relative_facts

    def assess(
        self,
        payer_person_id: str,
        *,
        relative_person_ids: Sequence[str] | None = None,
        on: date | None = None,
    ) -> list[FamilyAidAssessmentView]:
        """For each bound relative (all, or those listed): may the payer pay today, how much.
        Writes nothing."""
        day = on or self.today()
        with self.reading() as session:
            payer = self.person_or_404(session, payer_person_id)
            return [
                self._assess_one(session, payer, b, day)[0]
                for b in self._active(session, payer.id, relative_person_ids)
            ]

    def pay(
        self,
        payer_person_id: str,
        *,
        relative_person_ids: Sequence[str],
        confirmed: bool = False,
    ) -> list[ReceiptView]:
        """Pay the listed relatives' personal shares from the payer's employee account,
        today. One receipt per relative; one transaction for all (all or nothing).

        Raises ``Refused`` if any relative is refused (or already paid this year →
        refund intake), ``NeedsConfirmation`` if any needs confirming and ``confirmed``
        is False, ``InvalidInput`` if a relative is not bound.
        """
        if not relative_person_ids:
            raise InvalidInput("请选择要代缴的亲属。", field="relative_person_ids")
        day = self.today()
        with self.operation(
            action="family.pay",
            entity="payment",
            person_id=payer_person_id,
            attempt={"relative_person_ids": list(relative_person_ids)},
        ) as session:
            self._services.years.refuse_if_draft()  # a draft quotes, never takes money
            payer = self.person_or_404(session, payer_person_id, for_update=True)
            receipts: list[ReceiptView] = []
            for binding in self._active(session, payer.id, relative_person_ids):
                view, enrol, relative, relative_facts = self._assess_one(
                    session, payer, binding, day
                )
                if view.existing_payment is not None:
                    raise Refused(
                        ruling.duplicate_payment_refusal(
                            self.policy,
                            person_name=relative.name,
                            year=self._services.benefit_year,
                            receipt_no=view.existing_payment.receipt_no,
                        )
                    )
                self.check(view.decision, confirmed=confirmed)
                self.check(enrol.decision, confirmed=confirmed)
                if enrol.amounts is None:
                    raise InvalidInput(f"无法确定 {relative.name} 的缴费金额，请报经办机构核实。")
                amount = int(view.decision.amount_fen)  # type: ignore[attr-defined]
                amounts = ruling.Amounts(
                    standard_fen=enrol.amounts.standard_fen,
                    subsidy_fen=enrol.amounts.standard_fen - amount,
                    personal_fen=amount,
                    total_fen=amount,
                    subsidy_identity=enrol.amounts.subsidy_identity,
                )
                receipts.append(
                    self._services.payments.take(
                        session,
                        relative,
                        benefit_year=self._services.benefit_year,
                        category=relative_facts.category,
                        insured_region=self.policy.region_code,
                        channel=Channel.FAMILY_ACCOUNT,
                        received_fen=None,
                        amounts=amounts,
                        coverage_start=enrol.coverage_start,
                        coverage_end=enrol.coverage_end,
                        waiting_months=enrol.waiting_months,
                        payer=payer,
                        binding=binding,
                        action="family.pay",
                    )
                )
            return receipts
