"""商南 三(一) through the services: 落实资助政策 by refund review, and no refund for an identity change.

Figures from 商南政办发〔2024〕57号: 一(三) personal standard 400 元; 二(二) 低保 定额资助 240 元;
三(一) “认定时间以缴费当年12月31日前各相关部门认定结果为准 … 系统内未标识但已全额参保缴费的人员，
由县医保经办机构落实资助政策”; “集中缴费期内，因动态退出或困难身份变动影响资助标准变化的已参保缴费
人员，个人已缴纳的参保费用不退回，已享受的资助参保金额不调整”.
"""

from __future__ import annotations

from datetime import date

import pytest

from tests.ids import id_number
from tests.services.helpers import audit_actions, rows
from yibao.models import AuditLog, Payment, RefundRequest
from yibao.services.errors import NeedsConfirmation, NotPermitted, Refused


def _paid_in_full(services):  # type: ignore[no-untyped-def]
    """Paid 400 元 on 2024-10-15 (clock) with no identity marked in the system."""
    person = services.persons.register(
        name="李秀英", id_number=id_number(date(1972, 11, 2), 42), hukou_region="611023"
    )
    receipt = services.enrolment.enrol_and_pay(person.id, channel="bank")
    assert receipt.payment.amount_fen == 40000 and receipt.payment.subsidy_fen == 0
    return person, receipt


def test_subsidy_settlement_through_refund_review(services, supervisor_services, clock) -> None:  # type: ignore[no-untyped-def]
    person, receipt = _paid_in_full(services)
    assert services.refunds.offers(person.id) == []  # nothing recognised yet
    # 民政 recognised her as 低保 on 2024-11-05 (after the payment, before 2024-12-31);
    # the office marks it on 2024-11-20.
    clock.set_local(2024, 11, 20)
    services.persons.add_identity(
        person.id,
        code="minimum_living",
        department="民政",
        recognised_on=date(2024, 11, 5),
        valid_from=date(2024, 11, 5),
    )
    (offer,) = services.refunds.offers(person.id)
    # due 240 元, had 0 元: 240 − 0 = 240 元 back to the payer
    assert offer.payment.id == receipt.payment.id and offer.decision.amount_fen == 24000
    assert any(r.clause.section == "三(一)" for r in offer.decision.reasons)
    with pytest.raises(NeedsConfirmation):  # the clause sets no deadline: the clerk confirms
        services.refunds.intake(receipt.payment.id, reason="subsidy_settlement")
    request = services.refunds.intake(
        receipt.payment.id, reason="subsidy_settlement", applicant_name="李秀英", confirmed=True
    )
    assert request.amount_fen == 24000 and request.state == "received"
    assert services.refunds.offers(person.id) == []  # an open request is not offered again
    with pytest.raises(NotPermitted):
        services.refunds.approve(request.id)  # a clerk cannot approve
    supervisor_services.refunds.start_review(request.id)
    supervisor_services.refunds.approve(request.id, note="民政认定证明已核")
    done = supervisor_services.refunds.mark_refunded(request.id)
    assert done.state == "refunded"
    (payment,) = rows(services.engine, Payment)
    assert payment.status == "paid" and payment.amount_fen == 40000  # the payment stays valid
    (settled,) = rows(services.engine, AuditLog, action="payment.subsidy_settled")
    assert settled.after["settled_fen"] == 24000 and "240.00" in settled.summary
    # settled once: nothing more is owed, and a second intake is refused
    assert services.refunds.offers(person.id) == []
    with pytest.raises(Refused):
        services.refunds.intake(receipt.payment.id, reason="subsidy_settlement", confirmed=True)


def test_identity_recognised_in_the_benefit_year_is_not_settled(services, clock) -> None:  # type: ignore[no-untyped-def]
    person, receipt = _paid_in_full(services)
    clock.set_local(2025, 2, 10)
    services.persons.add_identity(
        person.id,
        code="minimum_living",
        department="民政",
        recognised_on=date(2025, 2, 1),
        valid_from=date(2025, 2, 1),
    )
    # 三(三): recognised inside 2025 → counts from 2026; nothing owed for the 2025 payment
    assert services.refunds.offers(person.id) == []
    view = services.refunds.assess(receipt.payment.id, reason="subsidy_settlement")
    assert view.decision.refused and view.decision.amount_fen == 0


def test_refund_for_an_identity_change_is_refused_and_writes_nothing(services, clock) -> None:  # type: ignore[no-untyped-def]
    person = services.persons.register(
        name="王五", id_number=id_number(date(1970, 5, 6), 33), hukou_region="611023"
    )
    services.persons.add_identity(
        person.id, code="minimum_living", department="民政", recognised_on=date(2024, 8, 1)
    )
    receipt = services.enrolment.enrol_and_pay(person.id, channel="bank")
    assert receipt.payment.subsidy_fen == 24000  # 400 − 240 = 160 元 paid
    clock.set_local(2024, 11, 20)
    with pytest.raises(Refused) as exc:
        services.refunds.intake(receipt.payment.id, reason="identity_changed")
    text = " ".join(exc.value.decision.explain())
    assert "三(一)" in text and "不退回" in text and "不调整" in text
    assert rows(services.engine, RefundRequest) == []
    assert ("refund.intake", "refused") in audit_actions(services.engine)
