"""``family_aid.bind`` reads who may be bound on today's date (not the first day of the
centralized period), and asks the clerk when the birth dates contradict the relation."""

from __future__ import annotations

from datetime import date

import pytest

from tests.ids import id_number
from tests.services.helpers import counts
from yibao.models import AuditLog, FamilyBinding
from yibao.services.errors import NeedsConfirmation


@pytest.fixture
def policy_id() -> str:
    return "shangnan-2025"  # silent on 家庭共济: every binding is confirmed by the clerk


@pytest.fixture
def people(services):  # type: ignore[no-untyped-def]
    def person(name: str, born: date, seq: int, **kw):  # type: ignore[no-untyped-def]
        return services.persons.register(name=name, id_number=id_number(born, seq=seq), hukou_region="611023", **kw)

    payer = person("张父", date(1970, 5, 6), 11, employee_insured=True)
    son = person("张子", date(2000, 5, 6), 13)
    services.persons.add_identity(son.id, code="minimum_living", department="民政", valid_from=date(2024, 1, 1))
    return {"payer": payer, "son": son, "elder": person("张长", date(1950, 1, 2), 15)}


def _bind(services, people, who: str, relation: str, *, confirmed: bool = False):  # type: ignore[no-untyped-def]
    return services.family_aid.bind(payer_person_id=people["payer"].id, relative_person_id=people[who].id,
                                     relation=relation, evidence="户口簿", confirmed=confirmed)


def test_the_share_shown_when_binding_is_todays(services, people, clock) -> None:  # type: ignore[no-untyped-def]
    """On 2025-01-10, after the centralized period (四: 2024年9月至12月20日), a 低保 son pays
    the full 400 元 (四(二)4(2): no 分类资助 outside the period) — not the 400 − 240 = 160 元
    of the period's first day."""
    clock.set_local(2025, 1, 10)
    with pytest.raises(NeedsConfirmation) as asked:
        _bind(services, people, "son", "child")
    said = "\n".join(asked.value.decision.explain())
    assert "个人缴费部分400.00元" in said and "个人缴费部分160.00元" not in said
    assert "不享受个人缴费分类资助" in said


def test_a_child_older_than_the_payer_is_asked_and_bound_once_confirmed(services, people) -> None:  # type: ignore[no-untyped-def]
    before = counts(services.engine, FamilyBinding)
    with pytest.raises(NeedsConfirmation) as asked:
        _bind(services, people, "elder", "child")
    said = "\n".join(asked.value.decision.explain())
    assert "与“子女”不符" in said and "1950-01-02" in said and "1970-05-06" in said
    assert counts(services.engine, FamilyBinding) == before  # asked: nothing written
    audit_before = counts(services.engine, AuditLog)
    binding = _bind(services, people, "elder", "child", confirmed=True)
    assert binding.relation_label == "子女"
    assert counts(services.engine, AuditLog)["audit_log"] > audit_before["audit_log"]


def test_a_parent_younger_than_the_payer_is_asked(services, people) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NeedsConfirmation) as asked:
        _bind(services, people, "son", "parent")
    assert "与“父母”不符" in "\n".join(asked.value.decision.explain())
