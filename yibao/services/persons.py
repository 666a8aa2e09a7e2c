"""Persons, households and special identities: register, correct, read a whole case."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, or_, select

from yibao import idnumbers, places, regions, relations
from yibao.identities import Identity
from yibao.identities import label as identity_label
from yibao.models import (
    Enrolment,
    EnrolmentStatus,
    FamilyBinding,
    Household,
    Payment,
    PaymentStatus,
    Person,
    PersonIdentity,
    PersonStatus,
    RefundRequest,
    RefundTransition,
    Sex,
)
from yibao.pinyin import initials
from yibao.rules.decision import Clause, Decision, Outcome, Reason
from yibao.rules.facts import Category, PersonFacts
from yibao.services.base import ServiceBase
from yibao.services.errors import AlreadyRegistered, InvalidInput, NeedsConfirmation, NotFound
from yibao.services.facts import build_facts
from yibao.services.views import (
    AuditEntryView,
    BindingView,
    CaseView,
    EnrolmentView,
    HouseholdView,
    IdentityView,
    PaymentView,
    PersonView,
    RefundView,
)

# Fields ``update`` may change; identity fields (ID number, birth date, sex) are not
# among them: they follow the ID number (see ``link_id_number``).
UPDATABLE = frozenset(
    {
        "name",
        "phone",
        "address",
        "town",
        "village",
        "ethnicity",
        "hukou_region",
        "residence_permit_region",
        "school_region",
        "employee_insured",
        "other_scheme_exit_on",
        "disability_grade",
        "status",
        "died_on",
        "note",
        "guardian_person_id",
    }
)
_REGION_FIELDS = {
    "hukou_region": "户籍地行政区划代码",
    "residence_permit_region": "居住证发证地行政区划代码",
    "school_region": "学籍地行政区划代码",
}


# GB 11643-1999 公民身份号码, the address code: the county of the household registration
# where the number was assigned, which may be later than birth.
ADDRESS_CODE_RULE = "id_number.address_code"
ADDRESS_CODE_CLAUSE = Clause(
    document="GB 11643-1999《公民身份号码》",
    section="地址码",
    quote="表示编码对象常住户口所在县（市、旗、区）的行政区划代码，按 GB/T 2260 的规定执行。",
)


def confirm_address_code(info: idnumbers.IdInfo, confirmed: bool) -> None:
    """``NeedsConfirmation`` when the number's address code only came into use after the
    birth year (``IdInfo.region_note``) and the clerk has not yet confirmed the card."""
    if info.region_note and not confirmed:
        raise NeedsConfirmation(
            Decision(
                rule=ADDRESS_CODE_RULE,
                outcome=Outcome.CONFIRM,
                reasons=(Reason(text=info.region_note, clause=ADDRESS_CODE_CLAUSE),),
            )
        )


def clean_name(name: str) -> str:
    clean = " ".join((name or "").split())
    if not clean:
        raise InvalidInput("未填写姓名。请按身份证或户口簿填写姓名。", field="name")
    if len(clean) > 50:
        raise InvalidInput("姓名过长（超过50个字）。请核对后重新填写。", field="name")
    return clean


def _region(value: str | None, field: str) -> str | None:
    if value is None or value == "":
        return None
    try:
        return regions.validate(value, what=_REGION_FIELDS.get(field, "行政区划代码"))
    except regions.InvalidRegion as exc:
        raise InvalidInput(str(exc), field=field) from None


def _sex(value: str | None) -> str | None:
    if value is None:
        return None
    mapping = {"1": "1", "2": "2", "男": "1", "女": "2", "m": "1", "f": "2"}
    code = mapping.get(str(value).strip().lower())
    if code is None:
        raise InvalidInput("性别填写不对：请填“男”或“女”（或代码 1、2）。", field="sex")
    return Sex(code).value


def _grade(value: int | None) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or not 1 <= value <= 4:
        raise InvalidInput("残疾等级应为1至4级。请按残疾人证填写。", field="disability_grade")
    return value


def validated_relation(value: str | None) -> str:
    """A GB/T 4761 relation code, or ``InvalidInput`` (field ``relation_to_head``)."""
    try:
        return relations.validate(value or "")
    except relations.InvalidRelation as exc:
        raise InvalidInput(str(exc), field="relation_to_head") from None


def clean_household_number(number: str | None, *, field: str = "number") -> str | None:
    """A 户号 as stored: surrounding and inner spaces removed (None when empty)."""
    clean = "".join((number or "").split())
    if len(clean) > 40:
        raise InvalidInput("户号过长（超过40位）。请按户口簿核对。", field=field)
    return clean or None


def household_row_by_number(session: Session, number: str) -> Household | None:
    """The (oldest) household with this exact 户号, or None."""
    return session.exec(
        select(Household)
        .where(Household.number == number)
        .order_by(col(Household.created_at), col(Household.id))
    ).first()


def member_rows(session: Session, household_id: str) -> list[Person]:
    """The household's members, head first."""
    return list(
        session.exec(
            select(Person)
            .where(Person.household_id == household_id)
            .order_by(col(Person.relation_to_head), col(Person.birth_date))
        ).all()
    )


class PersonService(ServiceBase):
    # --- register -----------------------------------------------------------
    def register(
        self,
        *,
        name: str,
        id_number: str | None = None,
        birth_cert_no: str | None = None,
        birth_date: date | None = None,
        sex: str | None = None,
        household_id: str | None = None,
        relation_to_head: str | None = None,
        guardian_person_id: str | None = None,
        hukou_region: str | None = None,
        residence_permit_region: str | None = None,
        school_region: str | None = None,
        address: str | None = None,
        phone: str | None = None,
        ethnicity: str | None = None,
        employee_insured: bool = False,
        other_scheme_exit_on: date | None = None,
        disability_grade: int | None = None,
        note: str | None = None,
        town: str | None = None,
        village: str | None = None,
        id_confirmed: bool = False,
    ) -> PersonView:
        """Register a person; returns the stored person.

        Either ``id_number`` (18 digits, full-width and lower-case x accepted, 15-digit
        upgraded; birth date and sex are derived from it) or ``birth_cert_no``
        (出生医学证明编号, newborns before they have an ID number; then ``birth_date``
        and ``sex`` are required), or neither for a newborn registered by its guardian
        (``guardian_person_id``, ``birth_date`` and ``sex`` required; the same guardian's
        unnumbered child of the same name and birth date is ``AlreadyRegistered``). Region codes are GB/T 2260; ``relation_to_head`` is
        GB/T 4761 (``"02"`` = 户主) and needs ``household_id``.

        Raises ``InvalidInput`` (Chinese message, ``field``) for bad input and
        ``AlreadyRegistered`` (with ``person_id``) when the number is already on file.
        ``NeedsConfirmation`` (rule ``id_number.address_code``) when the number's address
        code came into use after the birth year: check the card, call again with
        ``id_confirmed=True``.
        Writes the person and a ``person.register`` audit row in one transaction.
        """
        values = self._validated_new_person(
            id_confirmed=id_confirmed,
            guardian_person_id=guardian_person_id,
            name=name,
            id_number=id_number,
            birth_cert_no=birth_cert_no,
            birth_date=birth_date,
            sex=sex,
            household_id=household_id,
            relation_to_head=relation_to_head,
            hukou_region=hukou_region,
            residence_permit_region=residence_permit_region,
            school_region=school_region,
            disability_grade=disability_grade,
        )
        place = self.place_of(town, village, address, hukou_region)
        with self.transaction() as session:
            person = self.insert_person(
                session,
                **values,
                town=place.town,
                village=place.village,
                guardian_person_id=guardian_person_id,
                address=address,
                phone=phone,
                ethnicity=ethnicity,
                employee_insured=employee_insured,
                other_scheme_exit_on=other_scheme_exit_on,
                note=note,
            )
            return PersonView.of(person)

    def towns(self) -> list[str]:
        """The towns (乡镇/街道) of the jurisdiction to choose from at F2 (``data/regions/towns.csv``;
        empty where the data holds none: the clerk then types the village only)."""
        return places.town_names(getattr(self.policy, "region_code", "") or "")

    def place_of(
        self, town: str | None, village: str | None, address: str | None, region: str | None
    ) -> places.Place:
        """Town and village as chosen at the desk (checked against the jurisdiction's list),
        or read from the address where it names exactly one town; ``InvalidInput`` if bad."""
        jurisdiction = region or getattr(self.policy, "region_code", None)
        try:
            chosen = places.clean_town(town, getattr(self.policy, "region_code", None))
            village_name = places.clean_village(village)
        except ValueError as exc:
            raise InvalidInput(str(exc), field="town" if town else "village") from None
        if chosen is None:
            parsed = places.parse_place(address, jurisdiction)
            return places.Place(parsed.town, village_name or parsed.village)
        return places.Place(chosen, village_name)

    def _validated_new_person(
        self,
        *,
        name: str,
        id_number: str | None,
        birth_cert_no: str | None,
        birth_date: date | None,
        sex: str | None,
        household_id: str | None,
        relation_to_head: str | None,
        hukou_region: str | None,
        residence_permit_region: str | None,
        school_region: str | None,
        disability_grade: int | None,
        id_confirmed: bool = False,
        guardian_person_id: str | None = None,
    ) -> dict[str, Any]:
        values: dict[str, Any] = {"name": clean_name(name)}
        sex_code = _sex(sex)
        if id_number:
            try:
                info = idnumbers.parse(id_number, today=self.today())
            except idnumbers.InvalidIdNumber as exc:
                raise InvalidInput(exc.message, field="id_number") from None
            confirm_address_code(info, id_confirmed)
            if birth_date is not None and birth_date != info.birth_date:
                raise InvalidInput(
                    f"填写的出生日期 {birth_date.isoformat()} 与身份证号码中的出生日期 "
                    f"{info.birth_date.isoformat()} 不一致。请核对证件。",
                    field="birth_date",
                )
            if sex_code is not None and sex_code != info.sex:
                raise InvalidInput(
                    f"填写的性别与身份证号码不一致（号码显示为{info.sex_label}）。请核对证件。",
                    field="sex",
                )
            values.update(
                id_number=info.number,
                id_tail=idnumbers.tail(info.number),
                birth_date=info.birth_date,
                sex=info.sex,
                birth_region=info.region_code,
            )
        elif birth_cert_no or guardian_person_id:
            # A baby before its 户口 is registered: by its 出生医学证明, or — the documents name
            # only the guardian who enrols it (商南 四(二)2(1)) — by guardian and birth date.
            if birth_date is None or sex_code is None:
                raise InvalidInput(
                    "尚无身份证号码的新生儿登记时，须填写出生日期和性别。请按出生医学证明上的内容填写。",
                    field="birth_date" if birth_date is None else "sex",
                )
            if birth_date > self.today():
                raise InvalidInput("出生日期不能晚于今天。请核对出生医学证明。", field="birth_date")
            values.update(birth_date=birth_date, sex=sex_code)
        else:
            raise InvalidInput(
                "请填写居民身份证号码；新生儿尚未办理身份证的，请填写出生医学证明编号，"
                "或填写监护人身份证号码（按监护人和出生日期登记）。",
                field="id_number",
            )
        if birth_cert_no:
            try:
                values["birth_cert_no"] = idnumbers.validate_birth_cert(birth_cert_no)
            except idnumbers.InvalidIdNumber as exc:
                raise InvalidInput(exc.message, field="birth_cert_no") from None
        if relation_to_head is not None:
            if household_id is None:
                raise InvalidInput(
                    "填写了与户主关系，但没有选择家庭户。请先选择或新建家庭户。",
                    field="household_id",
                )
            try:
                values["relation_to_head"] = relations.validate(relation_to_head)
            except relations.InvalidRelation as exc:
                raise InvalidInput(str(exc), field="relation_to_head") from None
        values["household_id"] = household_id
        values["hukou_region"] = _region(hukou_region, "hukou_region")
        values["residence_permit_region"] = _region(
            residence_permit_region, "residence_permit_region"
        )
        values["school_region"] = _region(school_region, "school_region")
        values["disability_grade"] = _grade(disability_grade)
        return values

    @staticmethod
    def _refuse_same_baby(session: Session, values: Mapping[str, Any]) -> None:
        """A baby registered by its guardian (no ID number yet) is the guardian's child of
        the same name and birth date: registering it again opens that person instead (and
        an ID number brought later is linked to it, not given to a second person)."""
        guardian = values.get("guardian_person_id")
        if guardian is None or values.get("birth_cert_no"):
            return
        existing = session.exec(
            select(Person).where(
                Person.guardian_person_id == guardian,
                Person.birth_date == values["birth_date"],
                Person.name == values["name"],
                col(Person.id_number).is_(None),
            )
        ).first()
        if existing is not None:
            raise AlreadyRegistered(
                f"此监护人名下已登记 {existing.birth_date.isoformat()} 出生的{existing.name}。"
                "请查询此人后办理，不要重复登记。",
                person_id=existing.id,
                field="name",
            )

    def insert_person(self, session: Session, **values: Any) -> Person:
        """Insert a validated person with its audit row in ``session`` (used by newborns)."""
        if values.get("id_number"):
            existing = session.exec(
                select(Person).where(Person.id_number == values["id_number"])
            ).first()
            if existing is not None:
                raise AlreadyRegistered(
                    f"身份证号码 {idnumbers.mask(values['id_number'])} 已经登记（{existing.name}），"
                    "一个号码只能登记一人。请查询此人后办理，不要重复登记。",
                    person_id=existing.id,
                    field="id_number",
                )
        if values.get("birth_cert_no"):
            existing = session.exec(
                select(Person).where(Person.birth_cert_no == values["birth_cert_no"])
            ).first()
            if existing is not None:
                raise AlreadyRegistered(
                    f"出生医学证明编号已经登记（{existing.name}）。请查询此人后办理，不要重复登记。",
                    person_id=existing.id,
                    field="birth_cert_no",
                )
        self._refuse_same_baby(session, values)
        household_id = values.get("household_id")
        if household_id is not None and session.get(Household, household_id) is None:
            raise NotFound("找不到所选家庭户，请重新选择。", field="household_id")
        guardian = values.get("guardian_person_id")
        if guardian is not None and session.get(Person, guardian) is None:
            raise NotFound("找不到所选监护人（父母），请重新查询。", field="guardian_person_id")
        if values.get("relation_to_head") == relations.HEAD:
            self._ensure_no_other_head(session, household_id, None)
        now = self.now()
        person = Person(
            **values,
            name_initials=initials(values["name"]),
            device_id=self.actor.device_id,
            created_at=now,
            updated_at=now,
        )
        session.add(person)
        try:
            session.flush()
        except IntegrityError:
            # Another desk registered the same number a moment ago.
            raise InvalidInput(
                "此号码刚刚已被登记。请重新查询此人后办理。", field="id_number"
            ) from None
        shown = idnumbers.mask(person.id_number) or "出生医学证明"
        self.audit(
            session,
            action="person.register",
            entity="person",
            entity_id=person.id,
            person_id=person.id,
            summary=f"登记参保人 {person.name}（{shown}）",
            after=person,
        )
        return person

    @staticmethod
    def _ensure_no_other_head(
        session: Session, household_id: str | None, person_id: str | None
    ) -> None:
        if household_id is None:
            return
        head = session.exec(
            select(Person).where(
                Person.household_id == household_id, Person.relation_to_head == relations.HEAD
            )
        ).first()
        if head is not None and head.id != person_id:
            raise InvalidInput(
                f"该户已有户主（{head.name}），一户只能有一位户主。请选择其他家庭关系。",
                field="relation_to_head",
            )

    # --- read ---------------------------------------------------------------
    def get(self, person_id: str) -> PersonView:
        """The person, or ``NotFound``."""
        with self.reading() as session:
            return PersonView.of(self.person_or_404(session, person_id))

    def by_id_number(self, id_number: str) -> PersonView | None:
        """The person with this ID number (normalised and validated first), or None."""
        try:
            number = idnumbers.validate(id_number)
        except idnumbers.InvalidIdNumber as exc:
            raise InvalidInput(exc.message, field="id_number") from None
        with self.reading() as session:
            row = session.exec(select(Person).where(Person.id_number == number)).first()
            return PersonView.of(row) if row else None

    def reveal_id_number(self, person_id: str) -> str:
        """The full ID number, for the clerk who asked to see it in the case view; the
        viewing is audited (who, whose, when) in the same transaction. Everywhere else the
        desk shows ``id_masked``."""
        with self.transaction() as session:
            person = self.person_or_404(session, person_id)
            if not person.id_number:
                raise InvalidInput("此人没有登记身份证号码。", field="id_number")
            self.audit(
                session,
                action="person.id_viewed",
                entity="person",
                entity_id=person.id,
                person_id=person.id,
                summary=f"查看完整身份证号码：{person.name}（{idnumbers.mask(person.id_number)}）",
            )
            return person.id_number

    def facts(
        self,
        person_id: str,
        *,
        benefit_year: int | None = None,
        category: Category | str | None = None,
        insured_region: str | None = None,
        overrides: Mapping[str, Any] | None = None,
    ) -> PersonFacts:
        """The rules' facts for this person (default: the policy's benefit year)."""
        with self.reading() as session:
            person = self.person_or_404(session, person_id)
            return build_facts(
                session,
                person,
                benefit_year=benefit_year or self._services.benefit_year,
                category=category,
                insured_region=insured_region,
                overrides=overrides,
            )

    def case(self, person_id: str, *, history_limit: int = 200) -> CaseView:
        """Everything about one person: household, identities, enrolments, payments,
        refunds, family bindings and the audit history (oldest first)."""
        from yibao import audit

        with self.reading() as session:
            person = self.person_or_404(session, person_id)
            household = None
            if person.household_id:
                row = session.get(Household, person.household_id)
                if row is not None:
                    members = list(
                        session.exec(
                            select(Person)
                            .where(Person.household_id == row.id)
                            .order_by(col(Person.relation_to_head), col(Person.birth_date))
                        ).all()
                    )
                    household = HouseholdView.of(row, members)
            identities = session.exec(
                select(PersonIdentity)
                .where(PersonIdentity.person_id == person.id)
                .order_by(col(PersonIdentity.created_at))
            ).all()
            enrolments = session.exec(
                select(Enrolment)
                .where(Enrolment.person_id == person.id)
                .order_by(col(Enrolment.benefit_year).desc())
            ).all()
            payments = session.exec(
                select(Payment)
                .where(Payment.person_id == person.id)
                .order_by(col(Payment.paid_at).desc())
            ).all()
            by_payment = {p.id: p for p in payments}
            refunds: list[RefundView] = []
            for refund in session.exec(
                select(RefundRequest)
                .where(RefundRequest.person_id == person.id)
                .order_by(col(RefundRequest.created_at))
            ).all():
                transitions = list(
                    session.exec(
                        select(RefundTransition)
                        .where(RefundTransition.refund_id == refund.id)
                        .order_by(col(RefundTransition.at), col(RefundTransition.created_at))
                    ).all()
                )
                payment = by_payment.get(refund.payment_id) or session.get(
                    Payment, refund.payment_id
                )
                assert payment is not None
                refunds.append(RefundView.of(refund, payment, transitions))
            bindings = session.exec(
                select(FamilyBinding).where(
                    or_(
                        FamilyBinding.payer_person_id == person.id,
                        FamilyBinding.relative_person_id == person.id,
                    )
                )
            ).all()
            binding_views = []
            for b in bindings:
                payer = session.get(Person, b.payer_person_id)
                relative = session.get(Person, b.relative_person_id)
                assert payer is not None and relative is not None
                binding_views.append(BindingView.of(b, payer, relative))
            history = audit.history(session, person_id=person.id, limit=history_limit)
            year = self._services.benefit_year
            return CaseView(
                person=PersonView.of(person),
                household=household,
                identities=tuple(IdentityView.of(i) for i in identities),
                enrolments=tuple(EnrolmentView.of(e) for e in enrolments),
                payments=tuple(PaymentView.of(p) for p in payments),
                refunds=tuple(refunds),
                bindings_as_payer=tuple(b for b in binding_views if b.payer_person_id == person.id),
                bindings_as_relative=tuple(
                    b for b in binding_views if b.relative_person_id == person.id
                ),
                history=tuple(AuditEntryView.of(h) for h in history),
                benefit_year=year,
                paid_this_year=any(
                    p.benefit_year == year and p.status == PaymentStatus.PAID.value
                    for p in payments
                )
                or any(
                    e.benefit_year == year and e.status == EnrolmentStatus.PAID.value
                    for e in enrolments
                ),
            )

    # --- correct ------------------------------------------------------------
    def update(self, person_id: str, **changes: Any) -> PersonView:
        """Change the person's details (``UPDATABLE`` fields only: name, phone, address,
        regions, employee_insured, other_scheme_exit_on, disability_grade, status,
        died_on, note, guardian_person_id). The ID number changes only through
        ``link_id_number``. One ``person.update`` audit row with what changed."""
        clean = self.validated_changes(changes)
        with self.transaction() as session:
            person = self.person_or_404(session, person_id, for_update=True)
            self.apply_changes(session, person, clean)
            return PersonView.of(person)

    def validated_changes(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """``changes`` checked and normalised for ``apply_changes`` (``InvalidInput`` if bad)."""
        unknown = set(changes) - UPDATABLE
        if unknown:
            raise InvalidInput(
                "这些信息不能在此修改："
                + "、".join(sorted(unknown))
                + "。身份证号码请用“补录身份证号”办理。",
                field=sorted(unknown)[0],
            )
        clean: dict[str, Any] = {}
        for key, value in changes.items():
            if key == "name":
                value = clean_name(value)
            elif key in _REGION_FIELDS:
                value = _region(value, key)
            elif key == "town":
                try:
                    value = places.clean_town(value, getattr(self.policy, "region_code", None))
                except ValueError as exc:
                    raise InvalidInput(str(exc), field="town") from None
            elif key == "village":
                try:
                    value = places.clean_village(value)
                except ValueError as exc:
                    raise InvalidInput(str(exc), field="village") from None
            elif key == "disability_grade":
                value = _grade(value)
            elif key == "status":
                try:
                    value = PersonStatus(value).value
                except ValueError:
                    raise InvalidInput(
                        "人员状态只能是 active（正常）、dead（死亡）、moved_out（迁出）。",
                        field="status",
                    ) from None
            elif key == "died_on" and value is not None and value > self.today():
                raise InvalidInput("死亡日期不能晚于今天。", field="died_on")
            clean[key] = value
        return clean

    def apply_changes(self, session: Session, person: Person, clean: Mapping[str, Any]) -> None:
        """Write validated changes to ``person`` with its ``person.update`` audit row, in
        ``session`` (the caller's transaction); nothing when nothing changes."""
        if not clean:
            return
        if (
            clean.get("guardian_person_id")
            and session.get(Person, clean["guardian_person_id"]) is None
        ):
            raise NotFound("找不到所选监护人，请重新查询。", field="guardian_person_id")
        before = {k: getattr(person, k) for k in clean}
        for key, value in clean.items():
            setattr(person, key, value)
        if "name" in clean:
            person.name_initials = initials(person.name)
        if clean.get("died_on") is not None:
            person.status = PersonStatus.DEAD.value
        person.updated_at = self.now()
        session.add(person)
        after = {k: getattr(person, k) for k in clean}
        self.audit(
            session,
            action="person.update",
            entity="person",
            entity_id=person.id,
            person_id=person.id,
            summary=f"修改 {person.name} 的信息：" + "、".join(sorted(clean)),
            before=before,
            after=after,
        )

    def link_id_number(
        self, person_id: str, *, id_number: str, id_confirmed: bool = False
    ) -> PersonView:
        """Give a person registered by birth certificate their ID number (newborn linked later).

        The ID number must match the stored birth date and sex; it must not be on file
        for anyone else. Audit ``person.link_id``. ``NeedsConfirmation`` as in ``register``
        (address code later than the birth year) until ``id_confirmed``.
        """
        try:
            info = idnumbers.parse(id_number, today=self.today())
        except idnumbers.InvalidIdNumber as exc:
            raise InvalidInput(exc.message, field="id_number") from None
        confirm_address_code(info, id_confirmed)
        with self.transaction() as session:
            person = self.person_or_404(session, person_id, for_update=True)
            self.link_in(session, person, info)
            return PersonView.of(person)

    def link_in(self, session: Session, person: Person, info: idnumbers.IdInfo) -> None:
        """``link_id_number`` inside the caller's transaction (``info`` already parsed and its
        address code confirmed): the checks, the change and its ``person.link_id`` audit row."""
        if person.id_number:
            if person.id_number == info.number:
                return
            raise InvalidInput(
                f"{person.name} 已有身份证号码 {idnumbers.mask(person.id_number)}，不能再补录其他号码。",
                field="id_number",
            )
        other = session.exec(select(Person).where(Person.id_number == info.number)).first()
        if other is not None:
            raise AlreadyRegistered(
                f"身份证号码 {info.masked} 已登记给 {other.name}。请核对；如为同一人重复登记，请报经办机构合并。",
                person_id=other.id,
                field="id_number",
            )
        if info.birth_date != person.birth_date or (person.sex and info.sex != person.sex):
            raise InvalidInput(
                f"身份证号码中的出生日期或性别（{info.birth_date.isoformat()}，{info.sex_label}）"
                f"与登记的不一致（{person.birth_date.isoformat()}）。请核对出生医学证明和户口簿。",
                field="id_number",
            )
        before = {"id_number": None}
        person.id_number = info.number
        person.id_tail = idnumbers.tail(info.number)
        person.sex = info.sex
        person.birth_region = info.region_code
        person.updated_at = self.now()
        session.add(person)
        self.audit(
            session,
            action="person.link_id",
            entity="person",
            entity_id=person.id,
            person_id=person.id,
            summary=f"为 {person.name} 补录身份证号码 {info.masked}",
            before=before,
            after={"id_number": info.number},
        )

    # --- households ---------------------------------------------------------
    def create_household(
        self,
        *,
        number: str | None = None,
        hukou_region: str | None = None,
        address: str | None = None,
    ) -> HouseholdView:
        """A new household (户). Members join with ``join_household``.

        Refuses (``InvalidInput``, field ``number``) a 户号 already on file: find it with
        ``household_by_number`` and join it instead."""
        region = _region(hukou_region, "hukou_region")
        with self.transaction() as session:
            row = self.insert_household(
                session, number=clean_household_number(number), hukou_region=region, address=address
            )
            return HouseholdView.of(row, [])

    def insert_household(
        self,
        session: Session,
        *,
        number: str | None,
        hukou_region: str | None = None,
        address: str | None = None,
    ) -> Household:
        """Insert a household with its ``household.create`` audit row in ``session``
        (``number`` cleaned, region validated by the caller)."""
        if number and household_row_by_number(session, number) is not None:
            raise InvalidInput(f"户号 {number} 已存在。请查询该户后添加成员。", field="number")
        now = self.now()
        place = places.parse_place(address, hukou_region or getattr(self.policy, "region_code", None))
        row = Household(
            number=number or None,
            hukou_region=hukou_region,
            address=address,
            town=place.town,
            village=place.village,
            device_id=self.actor.device_id,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        self.audit(
            session,
            action="household.create",
            entity="household",
            entity_id=row.id,
            summary=f"新建家庭户 {number or ''}".strip(),
            after=row,
        )
        return row

    def household(self, household_id: str) -> HouseholdView:
        with self.reading() as session:
            row = session.get(Household, household_id)
            if row is None:
                raise NotFound("找不到该家庭户，请重新查询。", field="household_id")
            return HouseholdView.of(row, member_rows(session, row.id))

    def household_by_number(self, number: str) -> HouseholdView | None:
        """The household with this 户号 (spaces ignored), with its members head first;
        None when no household has it, even one without members yet. Should two
        households share a number (merged from elsewhere), the oldest is returned."""
        clean = clean_household_number(number)
        if not clean:
            return None
        with self.reading() as session:
            row = household_row_by_number(session, clean)
            return HouseholdView.of(row, member_rows(session, row.id)) if row is not None else None

    def join_household(
        self, person_id: str, *, household_id: str, relation_to_head: str
    ) -> PersonView:
        """Put the person in a household with a GB/T 4761 relation (``"02"`` makes them head;
        a household has one head)."""
        relation = validated_relation(relation_to_head)
        with self.transaction() as session:
            person = self.person_or_404(session, person_id, for_update=True)
            if session.get(Household, household_id) is None:
                raise NotFound("找不到该家庭户，请重新查询。", field="household_id")
            self.move_to_household(session, person, household_id, relation)
            return PersonView.of(person)

    def move_to_household(
        self, session: Session, person: Person, household_id: str, relation: str
    ) -> None:
        """Put ``person`` in the household with ``relation`` (validated), with its
        ``household.join`` audit row, in ``session``; nothing when already so."""
        if person.household_id == household_id and person.relation_to_head == relation:
            return
        if relation == relations.HEAD:
            self._ensure_no_other_head(session, household_id, person.id)
        before = {
            "household_id": person.household_id,
            "relation_to_head": person.relation_to_head,
        }
        person.household_id = household_id
        person.relation_to_head = relation
        person.updated_at = self.now()
        session.add(person)
        self.audit(
            session,
            action="household.join",
            entity="person",
            entity_id=person.id,
            person_id=person.id,
            summary=f"{person.name} 加入家庭户（{relations.label(relation)}）",
            before=before,
            after={"household_id": household_id, "relation_to_head": relation},
        )

    # --- identities ---------------------------------------------------------
    def add_identity(
        self,
        person_id: str,
        *,
        code: Identity | str,
        department: str | None = None,
        department_code: str | None = None,
        recognised_on: date | None = None,
        valid_from: date | None = None,
        valid_to: date | None = None,
        disability_grade: int | None = None,
        import_batch_id: str | None = None,
        note: str | None = None,
        session: Session | None = None,
    ) -> IdentityView:
        """Record a special identity recognised by a department (with its validity).

        ``session``: pass the importer's session to add many in one transaction
        (the caller commits); otherwise this is its own transaction.
        """
        try:
            identity = Identity(code)
        except ValueError:
            raise InvalidInput(
                f"特殊身份代码“{code}”不对。可选："
                + "、".join(f"{i.value}（{identity_label(i.value)}）" for i in Identity),
                field="code",
            ) from None
        if valid_from and valid_to and valid_to < valid_from:
            raise InvalidInput("有效期结束日期早于开始日期。请核对认定文件。", field="valid_to")
        grade = _grade(disability_grade)
        if session is not None:
            return self._add_identity(
                session,
                person_id,
                identity,
                department,
                department_code,
                recognised_on,
                valid_from,
                valid_to,
                grade,
                import_batch_id,
                note,
            )
        with self.transaction() as own:
            return self._add_identity(
                own,
                person_id,
                identity,
                department,
                department_code,
                recognised_on,
                valid_from,
                valid_to,
                grade,
                import_batch_id,
                note,
            )

    def _add_identity(
        self,
        session: Session,
        person_id: str,
        identity: Identity,
        department: str | None,
        department_code: str | None,
        recognised_on: date | None,
        valid_from: date | None,
        valid_to: date | None,
        grade: int | None,
        import_batch_id: str | None,
        note: str | None,
    ) -> IdentityView:
        person = self.person_or_404(session, person_id)
        now = self.now()
        row = PersonIdentity(
            person_id=person.id,
            code=identity.value,
            department=department,
            department_code=department_code,
            recognised_on=recognised_on,
            valid_from=valid_from,
            valid_to=valid_to,
            disability_grade=grade,
            import_batch_id=import_batch_id,
            note=note,
            device_id=self.actor.device_id,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        session.flush()
        self.audit(
            session,
            action="identity.add",
            entity="person_identity",
            entity_id=row.id,
            person_id=person.id,
            summary=f"{person.name} 登记特殊身份：{identity_label(identity.value)}"
            + (f"（{department}认定）" if department else ""),
            after=row,
        )
        return IdentityView.of(row)

    def revoke_identity(self, identity_id: str, *, note: str) -> IdentityView:
        """Withdraw a special identity (kept for history, no longer counted). ``note`` says why."""
        if not (note or "").strip():
            raise InvalidInput("请填写撤销原因。", field="note")
        with self.transaction() as session:
            row = session.get(PersonIdentity, identity_id)
            if row is None:
                raise NotFound("找不到该特殊身份记录。", field="identity_id")
            if row.revoked_at is not None:
                raise InvalidInput("该特殊身份已撤销，无需再次撤销。", field="identity_id")
            before = {"revoked_at": None, "note": row.note}
            row.revoked_at = self.now()
            row.note = note.strip()
            row.updated_at = row.revoked_at
            session.add(row)
            self.audit(
                session,
                action="identity.revoke",
                entity="person_identity",
                entity_id=row.id,
                person_id=row.person_id,
                summary=f"撤销特殊身份：{identity_label(row.code)}（{row.note}）",
                before=before,
                after={"revoked_at": row.revoked_at, "note": row.note},
            )
            return IdentityView.of(row)

    def identities(self, person_id: str) -> list[IdentityView]:
        with self.reading() as session:
            self.person_or_404(session, person_id)
            rows = session.exec(
                select(PersonIdentity)
                .where(PersonIdentity.person_id == person_id)
                .order_by(col(PersonIdentity.created_at))
            ).all()
            return [IdentityView.of(r) for r in rows]
