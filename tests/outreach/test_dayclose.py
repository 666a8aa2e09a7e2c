"""Cash day-close (日结): the sheet, the lock on a closed day, the audited reopening, voids."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.outreach.helpers import (
    FEE_FEN,
    Clock,
    id_number,
    local_noon,
    pay_cash,
    register,
    services_for,
)
from yibao.models import AuditLog, Enrolment, Role
from yibao.outreach.dayclose import (
    assert_day_open,
    close_day,
    day_sheet,
    render_sheet,
    reopen_day,
    unclosed_days,
    void_receipt,
)
from yibao.outreach.errors import DayClosed, OutreachError
from yibao.services.errors import NotPermitted

DAY = date(2024, 10, 8)


@pytest.fixture
def desk(registry_url: str):  # type: ignore[no-untyped-def]
    clock = Clock(local_noon(DAY))
    svc = services_for(registry_url, "王大厅", clock)
    boss = services_for(registry_url, "赵审核", clock, role=Role.SUPERVISOR, engine=svc.engine)
    return svc, boss, clock


def _close(svc, clock):  # type: ignore[no-untyped-def]
    return close_day(svc.engine, clerk=svc.clerk, device=svc.device, day=DAY, today=DAY, now=clock())


def test_day_close_counts_every_cash_receipt_and_locks_the_day(desk) -> None:  # type: ignore[no-untyped-def]
    svc, boss, clock = desk
    a, b, c = (register(svc, n, s) for n, s in (("甲", 11), ("乙", 12), ("丙", 13)))
    pay_cash(svc, a.id)
    wrong = pay_cash(svc, b.id, 38_050)
    void_receipt(svc.engine, receipt_no=wrong.payment.receipt_no, reason="金额收错", clerk=svc.clerk,
                 device=svc.device, today=DAY, now=clock())
    pay_cash(svc, b.id)
    pay_cash(boss, c.id)  # another clerk's cash is not on this sheet

    sheet = _close(svc, clock)
    assert sheet.status == "closed"
    assert sheet.receipt_count == 2 and sheet.total_fen == 2 * FEE_FEN
    assert [(v.receipt_no, v.void_reason, v.amount_fen) for v in sheet.voided] == [
        (wrong.payment.receipt_no, "金额收错", 38_050)
    ]
    text = render_sheet(sheet, jurisdiction="商南县")
    assert "800.00" in text and "捌佰元整" in text and "金额收错" in text and "380.50" in text
    assert id_number(11) not in text and id_number(11)[:6] + "********" in text

    with Session(svc.engine) as session:
        with pytest.raises(DayClosed, match="已日结"):
            assert_day_open(session, svc.clerk, DAY)
        assert_day_open(session, boss.clerk, DAY)  # the other clerk's day is still open
        assert_day_open(session, svc.clerk, date(2024, 10, 9))
    d = register(svc, "丁", 14)
    with pytest.raises(DayClosed):
        pay_cash(svc, d.id)
    with pytest.raises(OutreachError, match="已经日结过了"):
        _close(svc, clock)


def test_only_a_supervisor_reopens_with_a_reason_and_it_is_audited(desk) -> None:  # type: ignore[no-untyped-def]
    svc, boss, clock = desk
    a, b = register(svc, "甲", 11), register(svc, "乙", 12)
    pay_cash(svc, a.id)
    _close(svc, clock)
    with pytest.raises(NotPermitted, match="只有审核人员"):
        reopen_day(svc.engine, clerk_name="王大厅", day=DAY, device=svc.device, supervisor=svc.clerk,
                   reason="补收", now=clock())
    with pytest.raises(OutreachError, match="原因"):
        reopen_day(svc.engine, clerk_name="王大厅", day=DAY, device=svc.device, supervisor=boss.clerk,
                   reason=" ", now=clock())
    reopen_day(svc.engine, clerk_name="王大厅", day=DAY, device=svc.device, supervisor=boss.clerk,
               reason="群众下午补交", now=clock())
    pay_cash(svc, b.id)
    sheet = _close(svc, clock)
    assert sheet.receipt_count == 2 and sheet.total_fen == 2 * FEE_FEN
    assert "群众下午补交" in render_sheet(sheet)
    with Session(svc.engine) as session:
        rows = session.exec(select(AuditLog).where(AuditLog.entity == "day_close").order_by(AuditLog.at, AuditLog.action)).all()
    actions = sorted((r.action, r.clerk_name) for r in rows)
    assert actions == [("auth.refused", "王大厅"),  # the clerk's own attempt, refused and audited
                       ("dayclose.close", "王大厅"), ("dayclose.close", "王大厅"), ("dayclose.reopen", "赵审核")]


def test_void_rules(desk) -> None:  # type: ignore[no-untyped-def]
    svc, boss, clock = desk
    a = register(svc, "甲", 11)
    receipt = pay_cash(svc, a.id)
    no = receipt.payment.receipt_no
    kw = {"device": svc.device, "today": DAY, "now": clock()}
    with pytest.raises(OutreachError, match="作废原因"):
        void_receipt(svc.engine, receipt_no=no, reason="", clerk=svc.clerk, **kw)
    with pytest.raises(OutreachError, match="找不到收据号"):
        void_receipt(svc.engine, receipt_no="NOPE-1", reason="错", clerk=svc.clerk, **kw)
    with pytest.raises(OutreachError, match="只能当日作废"):
        void_receipt(svc.engine, receipt_no=no, reason="错", clerk=svc.clerk, device=svc.device,
                     today=date(2024, 10, 9), now=clock())
    other = services_for("", "钱经办", clock, engine=svc.engine)
    with pytest.raises(NotPermitted, match="只能作废自己开的收据"):
        void_receipt(svc.engine, receipt_no=no, reason="错", clerk=other.clerk, **kw)

    line = void_receipt(svc.engine, receipt_no=no, reason="收错人", clerk=boss.clerk, **kw)
    assert line.status == "voided"
    with Session(svc.engine) as session:
        enrolment = session.exec(select(Enrolment).where(Enrolment.person_id == a.id)).one()
    assert enrolment.status == "registered" and enrolment.coverage_start is None
    with pytest.raises(OutreachError, match="不能作废"):
        void_receipt(svc.engine, receipt_no=no, reason="again", clerk=svc.clerk, **kw)

    # A closed day cannot be changed by a void either.
    b = register(svc, "乙", 12)
    second = pay_cash(svc, b.id)
    _close(svc, clock)
    with pytest.raises(DayClosed):
        void_receipt(svc.engine, receipt_no=second.payment.receipt_no, reason="错", clerk=svc.clerk, **kw)


def test_unclosed_days_are_listed(desk) -> None:  # type: ignore[no-untyped-def]
    svc, _boss, clock = desk
    pay_cash(svc, register(svc, "甲", 11).id)
    with Session(svc.engine) as session:
        assert unclosed_days(session, clerk_id=svc.clerk.id, device_id=svc.device.id, before=date(2024, 10, 9)) == [DAY]
        assert unclosed_days(session, clerk_id=svc.clerk.id, device_id=svc.device.id, before=DAY) == []
    _close(svc, clock)
    with Session(svc.engine) as session:
        assert unclosed_days(session, clerk_id=svc.clerk.id, device_id=svc.device.id, before=date(2024, 10, 9)) == []
        sheet = day_sheet(session, clerk_id=svc.clerk.id, device_id=svc.device.id, day=DAY)
    assert sheet.status == "closed"


def test_a_future_day_cannot_be_closed(desk, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    svc, _boss, clock = desk
    with pytest.raises(OutreachError, match="还没到"):
        close_day(svc.engine, clerk=svc.clerk, device=svc.device, day=date(2024, 10, 9), today=DAY, now=clock())
