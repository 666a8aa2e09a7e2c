"""The F2 quote reads a person's rows once (issue 13: 390 quotes/s, five ORM reads each).

F2 quotes on every change of the 参保历史 form, so the quote must not read the same rows
twice (once for the history check, once for the assessment). The facts it derives are the
registry's own, worked out by hand from the rows below for benefit year 2025 (商南 四(二)4(8)):
paid enrolments here for 2023 and 2024 → 上年度参保 yes, 连续断保 0 years, 连续参保 2 years.
"""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlmodel import Session

from tests.ids import id_number
from yibao.models import Enrolment


def _statements(engine: sa.Engine) -> list[str]:
    seen: list[str] = []

    @sa.event.listens_for(engine, "before_cursor_execute")
    def _count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        seen.append(statement)

    return seen


def test_quote_reads_the_person_once_and_derives_the_history(services) -> None:  # type: ignore[no-untyped-def]
    person = services.persons.register(
        name="张三", id_number=id_number(date(1980, 5, 6), seq=11), hukou_region="611023"
    )
    with Session(services.engine) as session:
        for year in (2023, 2024):
            session.add(Enrolment(
                person_id=person.id, benefit_year=year, category="general", insured_region="611023",
                policy_id=f"shangnan-{year}", status="paid", registered_on=date(year - 1, 10, 1),
                device_id=services.device.id,
            ))
        session.commit()
    services.counter.quote(person.id, category=None, declared={})  # warm: policy and caches
    seen = _statements(services.engine)
    view = services.counter.quote(person.id, category=None, declared={})
    facts = view.facts
    assert (facts.enrolled_previous_year, facts.lapsed_years, facts.basic_insurance_years_continuous) == (
        True, 0, 2
    )
    assert facts.first_enrolment is False
    # BEGIN, the person, identities, enrolments, payments, imported list rows, the day-close
    # check: one read of each (the quote read person, records and payments twice before).
    reads = [s for s in seen if s.lstrip().upper().startswith("SELECT")]
    assert len(reads) <= 6, "\n".join(reads)
    assert sum("FROM person " in s or "FROM person\n" in s for s in reads) == 1
