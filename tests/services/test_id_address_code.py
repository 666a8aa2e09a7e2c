"""An ID number whose county code came into use after the birth year (issue 10, finding 3).

GB 11643: the address code is the county where the number was first assigned, which can
be years after birth (a late household registration). stdnum's GB/T 2260 table has
611023 (商南县) from 2001 on; someone born in 1990 can hold a real card with it. The
services warn and let the clerk confirm; they never refuse such a card.
"""

from __future__ import annotations

from datetime import date

import pytest
from stdnum.cn import ric

from tests.services.helpers import audit_actions, counts, rows
from yibao.models import AuditLog, Enrolment, Person
from yibao.rules.decision import Outcome
from yibao.services.errors import NeedsConfirmation

TABLES = (Person, Enrolment, AuditLog)


def _late_code_number(seq: str = "003") -> str:
    first17 = f"611023{date(1990, 5, 6):%Y%m%d}{seq}"  # code in use since 2001, born 1990
    return first17 + ric.calc_check_digit(first17 + "0")


def test_f2_registration_asks_to_confirm_and_writes_nothing(services) -> None:  # type: ignore[no-untyped-def]
    before = counts(services.engine, *TABLES)
    with pytest.raises(NeedsConfirmation) as exc:
        services.enrolment.register_person(
            name="王建华", id_number=_late_code_number(), hukou_region="611023"
        )
    decision = exc.value.decision
    assert decision.outcome is Outcome.CONFIRM and decision.rule == "id_number.address_code"
    (reason,) = decision.reasons
    assert "2001" in reason.text and "1990" in reason.text and "核对证件" in reason.text
    assert reason.clause.document.startswith("GB 11643")
    assert counts(services.engine, *TABLES) == before  # a question, not a refusal: nothing logged


def test_f2_registration_goes_through_once_the_clerk_confirms(services) -> None:  # type: ignore[no-untyped-def]
    done = services.enrolment.register_person(
        name="王建华", id_number=_late_code_number(), hukou_region="611023", id_confirmed=True
    )
    assert done.created_person and done.enrolment.status == "registered"
    (person,) = rows(services.engine, Person)
    assert person.birth_date == date(1990, 5, 6) and person.birth_region == "611023"
    assert ("person.register", "done") in audit_actions(services.engine)
    # the person is on file now: opening them again asks nothing
    again = services.enrolment.register_person(
        name="王建华", id_number=_late_code_number(), hukou_region="611023"
    )
    assert not again.created_person


def test_persons_register_and_link_id_number_ask_the_same(services) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NeedsConfirmation):
        services.persons.register(name="李红", id_number=_late_code_number("004"))
    view = services.persons.register(name="李红", id_number=_late_code_number("004"), id_confirmed=True)
    assert view.birth_date == date(1990, 5, 6)
