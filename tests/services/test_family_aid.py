from __future__ import annotations

from datetime import date

import pytest

from tests.ids import id_number
from tests.services.helpers import audit_actions, counts, rows
from yibao.models import AuditLog, Enrolment, FamilyBinding, Payment, ReceiptSequence
from yibao.services.errors import InvalidInput, Refused


@pytest.fixture
def policy_id() -> str:
    return "shanyin-2025"  # 三(一)3: family accounts, centralized period only


@pytest.fixture
def family(services):  # type: ignore[no-untyped-def]
    def person(name: str, born: date, seq: int, **kw):  # type: ignore[no-untyped-def]
        return services.persons.register(
            name=name,
            id_number=id_number(born, seq=seq, county="140621"),
            hukou_region="140621",
            **kw,
        )

    return {
        "payer": person("王父", date(1970, 5, 6), 11, employee_insured=True),
        "son": person("王子", date(2000, 5, 6), 13),
        "mother": person("王奶", date(1945, 1, 2), 12),
        "stranger": person("路人", date(1980, 1, 2), 14),
    }


def _bind(services, family, who: str, relation: str):  # type: ignore[no-untyped-def]
    return services.family_aid.bind(
        payer_person_id=family["payer"].id,
        relative_person_id=family[who].id,
        relation=relation,
        evidence="户口簿",
        relation_code="20" if relation == "child" else None,
    )


def test_bind_and_list(services, family) -> None:  # type: ignore[no-untyped-def]
    binding = _bind(services, family, "son", "child")
    assert binding.relation_label == "子女" and binding.status == "active"
    assert "*" in binding.relative_id_masked
    (row,) = rows(services.engine, FamilyBinding)
    assert (row.relation, row.relation_code, row.evidence) == ("child", "20", "户口簿")
    assert [b.id for b in services.family_aid.bindings(family["payer"].id)] == [binding.id]
    assert ("family.bind", "done") in audit_actions(services.engine, person_id=family["payer"].id)
    assert ("family.bound", "done") in audit_actions(services.engine, person_id=family["son"].id)
    with pytest.raises(InvalidInput, match="已绑定"):
        _bind(services, family, "son", "child")


def test_bind_refused_for_payer_outside_employee_insurance(services, family) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(Refused, match="未参加职工医保"):
        services.family_aid.bind(
            payer_person_id=family["son"].id,
            relative_person_id=family["mother"].id,
            relation="parent",
            evidence="户口簿",
        )
    assert counts(services.engine, FamilyBinding)["family_binding"] == 0
    (entry,) = rows(services.engine, AuditLog, outcome="refused")
    assert entry.action == "family.bind"
    with pytest.raises(Refused, match="不在可共济的亲属范围"):
        _bind(services, family, "stranger", "unrelated")
    with pytest.raises(InvalidInput, match="证明材料"):
        services.family_aid.bind(
            payer_person_id=family["payer"].id,
            relative_person_id=family["son"].id,
            relation="child",
            evidence=" ",
        )


def test_pay_two_relatives_one_receipt_each(services, family) -> None:  # type: ignore[no-untyped-def]
    b1 = _bind(services, family, "son", "child")
    b2 = _bind(services, family, "mother", "parent")
    assessments = services.family_aid.assess(family["payer"].id)
    assert [a.outcome for a in assessments] == ["allowed", "allowed"]
    receipts = services.family_aid.pay(
        family["payer"].id, relative_person_ids=[family["son"].id, family["mother"].id]
    )
    assert len({r.receipt_no for r in receipts}) == 2
    assert all("代缴人：王父" in r.text and r.payment.channel == "family_account" for r in receipts)
    payments = rows(services.engine, Payment)
    assert {p.family_binding_id for p in payments} == {b1.id, b2.id}
    assert {p.payer_person_id for p in payments} == {family["payer"].id}
    assert all(p.received_fen is None and p.change_fen is None for p in payments)
    assert [a for a, _ in audit_actions(services.engine, action="family.pay")] == ["family.pay"] * 2


def test_pay_is_all_or_nothing(services, family) -> None:  # type: ignore[no-untyped-def]
    _bind(services, family, "son", "child")
    _bind(services, family, "mother", "parent")
    services.enrolment.enrol_and_pay(family["mother"].id, channel="bank")  # already paid
    with pytest.raises(Refused, match="退费受理"):
        services.family_aid.pay(
            family["payer"].id, relative_person_ids=[family["son"].id, family["mother"].id]
        )
    assert counts(services.engine, Payment)["payment"] == 1
    assert rows(services.engine, Enrolment, person_id=family["son"].id) == []
    assert rows(services.engine, ReceiptSequence)[0].last_value == 1


def test_failure_on_second_relative_rolls_back_the_first(services, family, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    _bind(services, family, "son", "child")
    _bind(services, family, "mother", "parent")
    import yibao.services.payments as payments

    original = payments.PaymentService.take
    calls = {"n": 0}

    def flaky(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("power cut")
        return original(self, *args, **kwargs)

    monkeypatch.setattr(payments.PaymentService, "take", flaky)
    with pytest.raises(RuntimeError):
        services.family_aid.pay(
            family["payer"].id, relative_person_ids=[family["son"].id, family["mother"].id]
        )
    assert counts(services.engine, Payment, Enrolment) == {"payment": 0, "enrolment": 0}
    assert rows(services.engine, ReceiptSequence)[0].last_value == 0


def test_outside_the_centralized_period_is_refused(services, family, clock) -> None:  # type: ignore[no-untyped-def]
    _bind(services, family, "son", "child")
    clock.set_local(2025, 3, 10)
    with pytest.raises(Refused, match="集中征缴期"):
        services.family_aid.pay(family["payer"].id, relative_person_ids=[family["son"].id])
    assert counts(services.engine, Payment)["payment"] == 0


def test_unbound_relative_and_unbind(services, family) -> None:  # type: ignore[no-untyped-def]
    binding = _bind(services, family, "son", "child")
    with pytest.raises(InvalidInput, match="尚未与缴费人绑定"):
        services.family_aid.pay(family["payer"].id, relative_person_ids=[family["mother"].id])
    ended = services.family_aid.unbind(binding.id, note="亲属自行缴费")
    assert ended.status == "revoked" and ended.revoked_on == date(2024, 10, 15)
    assert services.family_aid.bindings(family["payer"].id) == []
    assert len(services.family_aid.bindings(family["payer"].id, include_revoked=True)) == 1
    _bind(services, family, "son", "child")  # may bind again after revoking


def test_extras_are_charged_and_printed(services, family) -> None:  # type: ignore[no-untyped-def]
    receipt = services.enrolment.enrol_and_pay(
        family["son"].id, channel="cash", received_fen=50000, extras=["accident"]
    )
    assert receipt.amount_fen == 43000 and receipt.change_fen == 7000
    assert receipt.payment.extras == (("accident", "意外伤害补充保险", 3000),)
    assert "意外伤害补充保险：30.00 元" in receipt.text and "肆佰叁拾元整" in receipt.text
