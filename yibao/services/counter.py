"""F2 参保登记 at the counter: each clerk action is one call (``services.counter``).

- ``open(person_id= | id_number=)`` → ``CounterView`` (person, 户号, identities, assessment,
  the history the registry knows) or None for a person not on file;
- ``register(person_id=, category=, name=, id_number=, …)`` → ``CounterView`` after the one
  transaction of ``enrolment.register_person``;
- ``quote(person_id, category=, declared=)`` → ``AssessmentView`` with the declared 参保历史;
- ``pay(person_id, category=, declared=, channel=, received_fen=, confirmed=)`` → ``ReceiptView``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict

from yibao.rules.facts import Category
from yibao.services.base import ServiceBase
from yibao.services.enrolment import parse_category
from yibao.services.errors import InvalidInput
from yibao.services.facts import records_of
from yibao.services.history import DeclaredHistory, HistoryView, known_of
from yibao.services.views import AssessmentView, IdentityView, PersonView, ReceiptView


class CounterView(BaseModel):
    """What F2 shows for one person, read in one call: the person, the 户号, the special
    identities on file, the assessment for the year and the insurance history the registry
    knows (the 参保历史 block's prefill)."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    person: PersonView
    household_number: str | None
    identities: tuple[IdentityView, ...]
    assessment: AssessmentView
    history: HistoryView


class CounterService(ServiceBase):
    """F2's clerk actions, one call each (``services.counter``)."""

    def open(
        self, *, person_id: str | None = None, id_number: str | None = None,
        category: Category | str | None = None,
    ) -> CounterView | None:
        """The person on file (by ``person_id`` or ``id_number``), or None when not on file."""
        persons = self._services.persons
        person = persons.get(person_id) if person_id else persons.by_id_number(id_number or "")
        if person is None:
            return None
        number = persons.household(person.household_id).number if person.household_id else None
        return CounterView(
            person=person,
            household_number=number,
            identities=tuple(persons.identities(person.id)),
            assessment=self._services.enrolment.assess(person.id, category=category),
            history=self._services.history.known(person.id),
        )

    def register(
        self,
        *,
        person_id: str | None,
        category: str,
        name: str,
        id_number: str,
        hukou_region: str | None = None,
        residence_permit_region: str | None = None,
        employee_insured: bool = False,
        household_number: str | None = None,
        relation_to_head: str | None = None,
        id_confirmed: bool = False,
        town: str | None = None,
        village: str | None = None,
    ) -> CounterView:
        """参保登记 (one transaction: ``enrolment.register_person``), then the person as F2
        shows it. A refusal or a bad field writes nothing."""
        done = self._services.enrolment.register_person(
            person_id=person_id, category=category, name=name, id_number=id_number,
            hukou_region=hukou_region, residence_permit_region=residence_permit_region,
            employee_insured=employee_insured, household_number=household_number,
            relation_to_head=relation_to_head, id_confirmed=id_confirmed, town=town, village=village,
        )
        opened = self.open(person_id=done.person.id, category=category)
        assert opened is not None
        if done.household is not None and opened.household_number is None:
            opened = opened.model_copy(update={"household_number": done.household.number})
        return opened

    def _overrides(
        self,
        person_id: str,
        category: str | None,
        declared: DeclaredHistory,
        *,
        require_reason: bool = True,
        known: HistoryView | None = None,
    ) -> dict[str, Any]:
        exit_on = declared.get("employee_exit_on")
        if exit_on is not None and not isinstance(exit_on, date):
            raise InvalidInput(
                f"职工医保停保日期“{exit_on}”不是有效日期，请按 YYYY-MM-DD 或 YYYYMMDD 填写。",
                field="employee_exit_on",
            )
        return self._services.history.validate_declared(
            person_id, category=category, require_reason=require_reason, known=known, **declared
        )

    def quote(self, person_id: str, *, category: str | None, declared: DeclaredHistory) -> AssessmentView:
        """The assessment with the declared 参保历史 (``InvalidInput`` names the history field).
        The 申报理由 is only required to take the payment, not to quote while the clerk types.

        F2 quotes on every change of the form: the person's rows are read once, in one
        session, for both the history check and the assessment."""
        services = self._services
        with self.reading() as session:
            file = self.file_or_404(session, person_id)
            records = records_of(file)
            known = known_of(file.person, records, services.benefit_year)
            overrides = self._overrides(person_id, category, declared, require_reason=False, known=known)
            return services.enrolment.assess_file(
                session, file, category=parse_category(category), on=self.today(),
                overrides=overrides or None, records=records,
            )

    def pay(
        self, person_id: str, *, category: str, declared: DeclaredHistory, channel: str,
        received_fen: int | None, confirmed: bool,
    ) -> ReceiptView:
        """收款 with the declared history as overrides (audited with the payment)."""
        overrides = self._overrides(person_id, category, declared)
        return self._services.enrolment.enrol_and_pay(
            person_id, channel=channel, received_fen=received_fen, category=category,
            overrides=overrides or None, confirmed=confirmed,
        )
