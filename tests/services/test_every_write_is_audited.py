"""Every transaction that writes persons, identities, enrolments, payments, refunds,
bindings or clerks also writes an audit row (a guard on the engine watches each one)."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from tests.ids import id_number
from tests.signin import signed_in

WATCHED = {"person", "person_identity", "enrolment", "payment", "refund_request", "family_binding", "clerk"}
_WRITE = re.compile(r'^\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?(\w+)"?', re.IGNORECASE)


class AuditGuard:
    """Tables written per transaction; a transaction that commits a watched table with no
    ``audit_log`` insert is a violation."""

    def __init__(self, engine: sa.Engine) -> None:
        self.open: dict[int, set[str]] = {}
        self.violations: list[set[str]] = []
        self.seen: set[str] = set()
        event.listen(engine, "before_cursor_execute", self._execute)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "rollback", self._rollback)

    def _execute(self, conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        match = _WRITE.match(statement)
        if match:
            self.open.setdefault(id(conn.connection.dbapi_connection), set()).add(match.group(1).lower())

    def _commit(self, conn: Any) -> None:
        tables = self.open.pop(id(conn.connection.dbapi_connection), set())
        self.seen |= tables & WATCHED
        if tables & WATCHED and "audit_log" not in tables:
            self.violations.append(tables)

    def _rollback(self, conn: Any) -> None:
        self.open.pop(id(conn.connection.dbapi_connection), None)


def test_the_guard_catches_a_write_without_audit(engine) -> None:  # type: ignore[no-untyped-def]
    guard = AuditGuard(engine)
    with engine.begin() as connection:
        connection.execute(sa.text("UPDATE payment SET amount_fen = 1 WHERE 1 = 0"))
    assert guard.violations == [{"payment"}]


def test_every_service_write_has_its_audit_row(services, clock) -> None:  # type: ignore[no-untyped-def]
    from yibao.services import Services

    # The fixture's clerks are made by the test helper (not a service), before the guard.
    admin_info = signed_in(services.engine, services.device, "周管理", role="admin", now=clock())
    boss_info = signed_in(services.engine, services.device, "赵审核", role="supervisor", now=clock())
    guard = AuditGuard(services.engine)
    from yibao.auth import sign_in

    sign_in(services.engine, name="赵审核", password="246810", device=services.device, now=clock())
    admin = Services(services.engine, services.policy, admin_info, services.device, clock)
    boss = Services(services.engine, services.policy, boss_info, services.device, clock)

    p = services.persons
    household = p.create_household(number="0001", hukou_region="611023")
    payer = p.register(name="张建国", id_number=id_number(date(1970, 3, 8), 11), hukou_region="611023",
                       household_id=household.id, relation_to_head="02")
    child = p.register(name="张小明", id_number=id_number(date(2015, 9, 9), 33), hukou_region="611023",
                       household_id=household.id, relation_to_head="20")
    p.update(child.id, phone="13800000000")
    paid = services.enrolment.enrol_and_pay(payer.id, channel="cash", received_fen=40000)
    # The other payment is not in this registry: the clerk has seen its receipt and confirms.
    request = services.refunds.intake(paid.payment.id, reason="duplicate", confirmed=True)
    services.refunds.start_review(request.id)
    with pytest.raises(Exception):  # noqa: B017  a 经办 may not approve: refused, audited
        services.refunds.approve(request.id)
    boss.refunds.approve(request.id, note="材料齐全")
    services.refunds.mark_refunded(request.id)
    admin.clerks.add("钱七", role="经办", password="802613")
    admin.clerks.set_role("钱七", role="审核")
    admin.clerks.disable("钱七")
    assert guard.violations == []
    # The guard saw the tables it is meant to watch (it is not vacuous).
    assert {"person", "enrolment", "payment", "refund_request", "clerk"} <= guard.seen
