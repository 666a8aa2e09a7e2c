"""F4 records the payer as in 职工医保 inside its own bind: a registry built with the desk
alone has nobody in 职工医保 (F2 refuses such a person), so the bind that names a payer the
registry does not know, or knows outside 职工医保, records them, after the clerk's check."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from tests.ids import id_number, with_wrong_check_digit
from tests.services.helpers import audit_actions, counts, rows
from yibao.models import AuditLog, Clerk, FamilyBinding, Payment, Person
from yibao.services.errors import InvalidInput, NeedsConfirmation, NotPermitted, Refused
from yibao.services.family_aid import EmployeePayer

TABLES = (Person, FamilyBinding, Payment, AuditLog)


@pytest.fixture
def policy_id() -> str:
    return "shanyin-2025"  # 三(一)3: 职工医保 参保人员 pay for 近亲属 in the centralized period


def _number(born: date, seq: int) -> str:
    return id_number(born, seq=seq, county="140621")


@pytest.fixture
def relatives(services):  # type: ignore[no-untyped-def]
    def person(name: str, born: date, seq: int, **kw):  # type: ignore[no-untyped-def]
        return services.persons.register(name=name, id_number=_number(born, seq), hukou_region="140621", **kw)

    return {"son": person("王子", date(2000, 5, 6), 13), "mother": person("王奶", date(1945, 1, 2), 12)}


PAYER_NUMBER = _number(date(1970, 5, 6), 11)


def _bind(services, relatives, who: str, relation: str, *, confirmed: bool = False, name: str = "王父"):  # type: ignore[no-untyped-def]
    return services.family_aid.bind(
        relative_person_id=relatives[who].id, relation=relation, evidence="户口簿", confirmed=confirmed,
        new_payer=EmployeePayer(id_number=PAYER_NUMBER, name=name, proof="医保电子凭证"),
    )


def test_an_unknown_payer_is_asked_then_recorded_bound_and_pays_for_two(services, relatives) -> None:  # type: ignore[no-untyped-def]
    before = counts(services.engine, *TABLES)
    with pytest.raises(NeedsConfirmation) as asked:
        _bind(services, relatives, "son", "child")
    said = asked.value.decision.explain()
    # The payer's check comes first (the documents are silent on how the status is shown),
    # then the clause that says who may pay: 三(一)3 参加职工医疗保险的参保人员 … 代缴.
    assert "登记库中尚无此人" in said[0] and "文件未规定如何核实缴费人参加职工医保" in said[0]
    assert "医保电子凭证" in said[0] and "文件未作规定" in said[0]
    assert "职工医保参保人员可通过家庭共济" in said[1] and "山政办发〔2024〕25号 三(一)3" in said[1]
    assert counts(services.engine, *TABLES) == before  # asked: nothing written

    binding = _bind(services, relatives, "son", "child", confirmed=True)
    payer = services.persons.by_id_number(PAYER_NUMBER)
    assert payer is not None and payer.name == "王父" and payer.employee_insured
    assert binding.payer_person_id == payer.id
    history = audit_actions(services.engine, person_id=payer.id)
    assert history == [("person.register", "done"), ("family.bind", "done")]
    (bind_row,) = rows(services.engine, AuditLog, action="family.bind")
    assert "经查验医保电子凭证" in bind_row.summary

    # The second relative: the payer is now on file in 职工医保, bound the ordinary way.
    services.family_aid.bind(payer_person_id=payer.id, relative_person_id=relatives["mother"].id,
                             relation="parent", evidence="户口簿")
    receipts = services.family_aid.pay(payer.id, relative_person_ids=[relatives["son"].id, relatives["mother"].id])
    # 三: 个人缴费标准为每人每年 400 元; neither has a subsidy identity → 400 元 each.
    assert [r.amount_fen for r in receipts] == [40000, 40000]
    assert {p.payer_person_id for p in rows(services.engine, Payment)} == {payer.id}


def test_a_payer_on_file_outside_employee_insurance_is_updated(services, relatives) -> None:  # type: ignore[no-untyped-def]
    on_file = services.persons.register(name="王父", id_number=PAYER_NUMBER, hukou_region="140621")
    with pytest.raises(NeedsConfirmation) as asked:
        _bind(services, relatives, "son", "child")
    assert "登记库中此人登记为未参加职工医保" in asked.value.decision.explain()[0]
    assert not services.persons.get(on_file.id).employee_insured
    _bind(services, relatives, "son", "child", confirmed=True)
    assert services.persons.get(on_file.id).employee_insured
    (update,) = rows(services.engine, AuditLog, action="person.update")
    assert update.person_id == on_file.id and "employee_insured" in update.summary


def test_a_payer_already_in_employee_insurance_is_not_asked_again(services, relatives) -> None:  # type: ignore[no-untyped-def]
    services.persons.register(name="王父", id_number=PAYER_NUMBER, hukou_region="140621", employee_insured=True)
    # 山阴 lists 子女 (三(一)3) and the dates fit: nothing to confirm, nothing recorded about the payer.
    binding = _bind(services, relatives, "son", "child")
    assert binding.relation == "child"
    assert rows(services.engine, AuditLog, action="person.update") == []


def test_a_refused_binding_records_no_payer(services, relatives) -> None:  # type: ignore[no-untyped-def]
    services.persons.update(relatives["son"].id, employee_insured=True)
    before = counts(services.engine, Person, FamilyBinding)
    with pytest.raises(Refused, match="被缴费的亲属正在参加职工医保"):
        _bind(services, relatives, "son", "child", confirmed=True)
    assert counts(services.engine, Person, FamilyBinding) == before
    assert services.persons.by_id_number(PAYER_NUMBER) is None
    (refused,) = rows(services.engine, AuditLog, outcome="refused")
    assert refused.action == "family.bind"


def test_bad_payer_details_are_named_and_write_nothing(services, relatives) -> None:  # type: ignore[no-untyped-def]
    before = counts(services.engine, *TABLES)
    with pytest.raises(InvalidInput, match="职工医保参保凭证") as bad:
        services.family_aid.bind(
            relative_person_id=relatives["son"].id, relation="child", evidence="户口簿", confirmed=True,
            new_payer=EmployeePayer(id_number=PAYER_NUMBER, name="王父", proof=" "),
        )
    assert bad.value.field == "payer_proof"
    with pytest.raises(InvalidInput) as bad:
        _bind(services, relatives, "son", "child", confirmed=True, name="  ")
    assert bad.value.field == "payer_name"
    with pytest.raises(InvalidInput) as bad:
        services.family_aid.bind(
            relative_person_id=relatives["son"].id, relation="child", evidence="户口簿", confirmed=True,
            new_payer=EmployeePayer(id_number=with_wrong_check_digit(PAYER_NUMBER), name="王父", proof="医保电子凭证"),
        )
    assert bad.value.field == "payer_id_number"
    services.persons.register(name="王父亲", id_number=PAYER_NUMBER, hukou_region="140621")
    before = counts(services.engine, *TABLES)
    with pytest.raises(InvalidInput, match="登记的姓名是 王父亲") as bad:
        _bind(services, relatives, "son", "child", confirmed=True)
    assert bad.value.field == "payer_name"
    assert counts(services.engine, *TABLES) == before


def test_a_disabled_clerk_is_refused_in_the_service(services, relatives) -> None:  # type: ignore[no-untyped-def]
    with Session(services.engine) as session:  # disabled by a 管理 a minute ago
        row = session.get(Clerk, services.clerk.id)
        row.active = False
        session.add(row)
        session.commit()
    with pytest.raises(NotPermitted, match="已停用"):
        _bind(services, relatives, "son", "child", confirmed=True)
    assert services.persons.by_id_number(PAYER_NUMBER) is None
    assert counts(services.engine, FamilyBinding)["family_binding"] == 0
    assert [a for a, _ in audit_actions(services.engine, outcome="refused")] == ["auth.refused"]
