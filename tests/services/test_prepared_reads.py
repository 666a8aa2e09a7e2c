"""The quote's prepared reads give what SQLAlchemy's own execution gives.

``facts.read_file`` runs its five statements through ``yibao.prepared.Prepared`` (the driver's
cursor, each column through its type's result processor). On each backend the rows must be
equal, value for value and type for type, to ``Connection.execute`` of the same statements:
dates (not ISO strings on SQLite), UTC timestamps, booleans, NULLs.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from tests.ids import id_number
from yibao.models import ImportBatch, PersonIdentity, PriorEnrolment
from yibao.services import facts as F


def test_prepared_rows_equal_sqlalchemys(services) -> None:  # type: ignore[no-untyped-def]
    person = services.persons.register(
        name="张三", id_number=id_number(date(1980, 5, 6), seq=21), hukou_region="611023"
    )
    services.enrolment.enrol_and_pay(person.id, channel="cash", received_fen=40000)
    with Session(services.engine) as session:
        batch = ImportBatch(kind="enrolments", source_name="2024年度缴费名单.csv", device_id=services.device.id)
        session.add(batch)
        session.flush()
        session.add(PriorEnrolment(
            person_id=person.id, benefit_year=2024, paid_on=date(2023, 11, 2), amount_fen=38000,
            import_batch_id=batch.id, source_row=2, device_id=services.device.id,
        ))
        session.add(PersonIdentity(
            person_id=person.id, code="minimum_living", department="民政",
            recognised_on=date(2024, 3, 1), valid_from=date(2024, 3, 1), device_id=services.device.id,
        ))
        session.commit()
    with Session(services.engine) as session:
        file = F.read_file(session, person.id)
        assert file is not None
        con = session.connection()
        expected = {
            "person": con.execute(F._PERSON, {"pid": person.id}).all(),
            "identities": con.execute(F._IDENTITIES, {"pid": person.id}).all(),
            "enrolments": con.execute(F._ENROLMENTS, {"pid": person.id}).all(),
            "payments": con.execute(F._PAYMENTS, {"pid": person.id}).all(),
            "imported": con.execute(F._IMPORTED, {"pid": person.id}).all(),
        }
    got = {
        "person": [file.person],
        "identities": list(file.identities),
        "enrolments": list(file.enrolments),
        "payments": list(file.payments),
        "imported": list(file.imported),
    }
    for kind, rows in expected.items():
        assert len(rows) == 1, kind  # one of each, so nothing is compared vacuously
        assert [tuple(r) for r in got[kind]] == [tuple(r) for r in rows], kind
        assert [[type(v) for v in r] for r in got[kind]] == [[type(v) for v in r] for r in rows], kind
        assert got[kind][0]._fields == tuple(rows[0]._fields), kind
    assert isinstance(file.person.birth_date, date)
    assert file.payments[0].paid_at.tzinfo is not None  # a UTC timestamp, as the model reads it
    assert file.imported[0].source_name == "2024年度缴费名单.csv"
