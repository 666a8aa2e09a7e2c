"""Sign-in, roles and maker-checker, through the services (never the screens)."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, select

from tests.signin import PIN, signed_in
from yibao import auth
from yibao.models import AuditLog, Clerk, Role
from yibao.services import Services
from yibao.services.errors import InvalidInput, NotPermitted

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def paid(services):  # type: ignore[no-untyped-def]
    from datetime import date

    from tests.ids import id_number

    person = services.persons.register(
        name="张三", id_number=id_number(date(1980, 5, 6)), hukou_region="611023"
    )
    return services.enrolment.enrol_and_pay(person.id, channel="cash", received_fen=40000)


def _audit(engine, action: str) -> list[AuditLog]:  # type: ignore[no-untyped-def]
    with Session(engine) as session:
        return list(session.exec(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))


def _as(services: Services, name: str, role: str, clock) -> Services:  # type: ignore[no-untyped-def]
    clerk = signed_in(services.engine, services.device, name, role=role, now=clock())
    return Services(services.engine, services.policy, clerk, services.device, clock)


def test_the_password_is_stored_as_an_argon2_hash_only(services, clock) -> None:  # type: ignore[no-untyped-def]
    admin = _as(services, "周管理", "admin", clock)
    admin.clerks.add("李四", role="经办", password="802613")
    with Session(services.engine) as session:
        row = session.exec(select(Clerk).where(Clerk.name == "李四")).one()
    assert row.password_hash and row.password_hash.startswith("$argon2id$")
    assert "802613" not in row.password_hash
    with Session(services.engine) as session:
        logged = " ".join(str(r.before) + str(r.after) + r.summary for r in session.exec(select(AuditLog)))
    assert "802613" not in logged and "$argon2" not in logged


def test_the_product_hashes_at_argon2s_recommended_cost_and_signs_in_with_it(  # type: ignore[no-untyped-def]
    services, clock, production_hasher, monkeypatch
) -> None:
    """The rest of the suite hashes at the minimum cost (tests/conftest.py); the product uses
    argon2-cffi's recommended parameters (RFC 9106 low-memory: argon2id, 3 passes, 64 MiB,
    4 lanes), and a hash made at either cost still verifies."""
    import argon2

    cheap = signed_in(services.engine, services.device, "周管理", role="admin", now=clock())
    monkeypatch.setattr(auth, "_HASHER", production_hasher)
    admin = Services(services.engine, services.policy, cheap, services.device, clock)
    admin.clerks.add("李四", role="经办", password="802613")
    with Session(services.engine) as session:
        stored = session.exec(select(Clerk).where(Clerk.name == "李四")).one().password_hash
    assert stored is not None
    assert argon2.extract_parameters(stored) == argon2.profiles.RFC_9106_LOW_MEMORY
    assert auth.sign_in(services.engine, name="李四", password="802613", device=services.device,
                        now=clock()).name == "李四"
    # 周管理's hash was made at the test cost: signing in with the product's hasher rehashes it.
    auth.sign_in(services.engine, name="周管理", password=PIN, device=services.device, now=clock())
    with Session(services.engine) as session:
        again = session.exec(select(Clerk).where(Clerk.name == "周管理")).one().password_hash
    assert again is not None
    assert argon2.extract_parameters(again) == argon2.profiles.RFC_9106_LOW_MEMORY


@pytest.mark.parametrize("bad", ["12345", "111111", "123456", "654321", " 80261", "李四李四李四"])
def test_weak_or_short_passwords_are_refused(bad: str) -> None:
    with pytest.raises(InvalidInput):
        auth.check_password(bad, name="李四李四李四")


def test_failures_are_counted_slowed_and_audited(services, clock) -> None:  # type: ignore[no-untyped-def]
    signed_in(services.engine, services.device, "李四", now=clock())
    args = {"name": "李四", "device": services.device}
    for n in (1, 2):
        with pytest.raises(auth.SignInRefused, match=f"已连续输错 {n} 次"):
            auth.sign_in(services.engine, password="999999", now=clock(), **args)
    # The third failure starts the wait: 5 s (FIRST_WAIT), then 10 s, 20 s …
    with pytest.raises(auth.SignInRefused, match="请 5 秒后再试"):
        auth.sign_in(services.engine, password="999999", now=clock(), **args)
    # Even the right password is not checked while waiting.
    with pytest.raises(auth.SignInRefused, match="后再试"):
        auth.sign_in(services.engine, password=PIN, now=clock() + timedelta(seconds=4), **args)
    clerk = auth.sign_in(services.engine, password=PIN, now=clock() + timedelta(seconds=5), **args)
    assert clerk.name == "李四"
    with Session(services.engine) as session:
        assert session.exec(select(Clerk).where(Clerk.name == "李四")).one().failed_signins == 0
    outcomes = [(r.outcome, r.after["reason"] if r.outcome == "refused" else None)
                for r in _audit(services.engine, "auth.signin")]
    assert outcomes[-5:] == [
        ("refused", "wrong_password"),
        ("refused", "wrong_password"),
        ("refused", "wrong_password"),
        ("refused", "waiting"),
        ("done", None),
    ]


def test_unknown_and_disabled_clerks_cannot_sign_in(services, clock) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(auth.SignInRefused, match="姓名或密码不对"):
        auth.sign_in(services.engine, name="没这人", password=PIN, device=services.device, now=clock())
    with Session(services.engine) as session:
        assert session.exec(select(Clerk).where(Clerk.name == "没这人")).first() is None  # not created
    admin = _as(services, "周管理", "admin", clock)
    signed_in(services.engine, services.device, "李四", now=clock())
    admin.clerks.disable("李四")
    with pytest.raises(auth.SignInRefused, match="已停用"):
        auth.sign_in(services.engine, name="李四", password=PIN, device=services.device, now=clock())


def test_only_an_admin_manages_clerks_and_every_change_is_audited(services, supervisor_services, clock) -> None:  # type: ignore[no-untyped-def]
    for who in (services, supervisor_services):  # a 经办 (王芳), a 审核 (李审核): refused
        with pytest.raises(NotPermitted, match="只有管理人员可以新增经办人员"):
            who.clerks.add("钱七", role="审核", password="802613")
    admin = _as(services, "周管理", "admin", clock)
    admin.clerks.add("钱七", role="经办", password="802613")
    with pytest.raises(InvalidInput, match="已有名为"):
        admin.clerks.add("钱七", role="经办", password="802613")
    admin.clerks.set_role("钱七", role="审核")
    admin.clerks.set_password("钱七", password="915273")
    admin.clerks.disable("钱七")
    admin.clerks.enable("钱七")
    with pytest.raises(InvalidInput, match="不能停用自己"):
        admin.clerks.disable("周管理")
    with pytest.raises(InvalidInput, match="唯一的管理人员"):
        admin.clerks.set_role("周管理", role="经办")
    actions = [r.action for r in _audit(services.engine, "clerk.add")] + [
        r.action for r in _audit(services.engine, "clerk.role")
    ]
    assert actions == ["clerk.add", "clerk.role"]
    role_row = _audit(services.engine, "clerk.role")[0]
    assert (role_row.before, role_row.after, role_row.clerk_name) == ({"role": "clerk"}, {"role": "supervisor"}, "周管理")
    assert {r.action for r in _audit(services.engine, "auth.refused")} == {"auth.refused"}
    assert len(_audit(services.engine, "auth.refused")) == 2
    assert auth.sign_in(services.engine, name="钱七", password="915273", device=services.device,
                        now=clock()).role is Role.SUPERVISOR


def test_a_clerk_changes_their_own_password_with_the_current_one(services, clock) -> None:  # type: ignore[no-untyped-def]
    me = _as(services, "李四", "clerk", clock)
    with pytest.raises(InvalidInput, match="原密码不对"):
        me.clerks.set_password("李四", password="915273", current="000001")
    me.clerks.set_password("李四", password="915273", current=PIN)
    with pytest.raises(NotPermitted):
        me.clerks.set_password("王芳", password="915273")  # someone else's: 管理 only


def test_a_demoted_clerk_is_refused_at_once(services, clock) -> None:  # type: ignore[no-untyped-def]
    """require_role reads the clerk's row now, not the role they signed in with."""
    boss = _as(services, "赵审核", "supervisor", clock)
    admin = _as(services, "周管理", "admin", clock)
    admin.clerks.set_role("赵审核", role="经办")
    with pytest.raises(NotPermitted, match="只有审核人员"):
        boss.clerks.require_role(Role.SUPERVISOR, action="x", what="审核")


def test_first_admin_only_once(engine, clock) -> None:  # type: ignore[no-untyped-def]
    from yibao.config import ensure_device

    device = ensure_device(engine, now=clock())
    assert not auth.has_admin(engine)
    with pytest.raises(InvalidInput, match="太短"):
        auth.first_admin(engine, name="周管理", password="123", device=device, now=clock())
    first = auth.first_admin(engine, name="周管理", password="802613", device=device, now=clock())
    assert first.role is Role.ADMIN and auth.has_admin(engine)
    with pytest.raises(NotPermitted, match="已有管理人员"):
        auth.first_admin(engine, name="钱七", password="802613", device=device, now=clock())


def test_maker_checker_on_refunds(services, supervisor_services, clock, paid) -> None:  # type: ignore[no-untyped-def]
    """Whoever took the intake cannot approve it, even a 审核; another 审核 can."""
    # The other payment is not in this registry: the clerk has seen its receipt and confirms.
    request = supervisor_services.refunds.intake(paid.payment.id, reason="duplicate", confirmed=True)
    supervisor_services.refunds.start_review(request.id)
    with pytest.raises(NotPermitted, match="本人受理"):
        supervisor_services.refunds.approve(request.id)
    with pytest.raises(NotPermitted, match="本人受理"):
        supervisor_services.refunds.reject(request.id, note="材料不全")
    with pytest.raises(NotPermitted, match="只有审核人员"):
        services.refunds.approve(request.id)  # a 经办
    other = _as(services, "孙审核", "supervisor", clock)
    assert other.refunds.approve(request.id, note="材料齐全").state == "approved"
    refused = [r for r in _audit(services.engine, "auth.refused") if r.entity_id == request.id]
    assert len(refused) == 3 and all(r.outcome == "refused" for r in refused)


def test_no_command_or_screen_creates_a_clerk_from_a_typed_name() -> None:
    """``ensure_clerk`` (create on first use) is for fixtures and the demo only."""
    callers = []
    for path in [*ROOT.joinpath("yibao").rglob("*.py"), *ROOT.joinpath("tui").rglob("*.py")]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                func = node.func
                name = getattr(func, "id", None) or getattr(func, "attr", None)
                if name == "ensure_clerk":
                    callers.append(str(path.relative_to(ROOT)))
    assert callers == []


def test_an_unknown_name_costs_the_same_argon2_check_as_a_wrong_password(services, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Counted, not timed (a timing test would be flaky on a shared machine): the unknown
    name's password is verified against a hash as a known name's is, so the answer takes as
    long and does not tell which names exist."""
    signed_in(services.engine, services.device, "李四", now=clock())
    from argon2 import PasswordHasher

    verified: list[str] = []

    class Counting(PasswordHasher):
        def verify(self, hash: str | bytes, password: str | bytes) -> bool:  # noqa: A002
            verified.append(str(password))
            return super().verify(hash, password)

    monkeypatch.setattr(auth, "_HASHER", Counting())
    for name in ("李四", "没这人"):
        with pytest.raises(auth.SignInRefused, match="姓名或密码不对"):
            auth.sign_in(services.engine, name=name, password="000001", device=services.device, now=clock())
    assert verified == ["000001", "000001"]
