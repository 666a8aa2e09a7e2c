"""Sign-in and roles: who may act, checked in one place.

- Passwords (or PINs of at least 6 digits) are stored as argon2id hashes (``argon2-cffi``);
  the password itself is never stored or logged. ``check_password`` says what is wrong
  with a new one, in Chinese.
- ``sign_in`` checks a clerk's name and password. Every attempt is audited (``auth.signin``
  done / refused). Failures are counted on the clerk's row; from the third failure in a row
  each further attempt waits (5 s, 10 s, 20 s … up to 5 minutes) before it is even checked,
  so guessing a 6-digit PIN at the counter takes years. A good sign-in clears the count.
- ``require_role`` is the only role check: services call it before an operation that needs
  审核 (approve/reject a refund, reopen a day, void another clerk's receipt, resolve a sync
  conflict, accept a proposed change, activate a policy) or 管理 (manage clerks). It reads the
  clerk's row afresh (a clerk disabled or demoted a minute ago is refused now), audits a
  refusal in its own transaction (``auth.refused``) and raises ``NotPermitted``.
- ``first_admin`` creates the registry's first 管理 (``yibao init``, the desk's first run)
  while nobody can sign in yet; ``has_admin`` says whether someone can.

The clock is an argument everywhere: ``now`` is aware UTC.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from yibao.audit import Actor, record
from yibao.config import ClerkInfo, DeviceInfo
from yibao.db import write_engine
from yibao.models import AuditOutcome, Clerk, Role, to_storage
from yibao.services.errors import InvalidInput, NotPermitted

MIN_LENGTH = 6
FREE_FAILURES = 2  # the third failure in a row starts the wait
FIRST_WAIT = timedelta(seconds=5)
LONGEST_WAIT = timedelta(minutes=5)
_HASHER = PasswordHasher()  # argon2id, the library's recommended parameters

ROLE_WORDS: dict[str, Role] = {
    "经办": Role.CLERK,
    "经办人员": Role.CLERK,
    "审核": Role.SUPERVISOR,
    "审核人员": Role.SUPERVISOR,
    "管理": Role.ADMIN,
    "管理人员": Role.ADMIN,
    "clerk": Role.CLERK,
    "supervisor": Role.SUPERVISOR,
    "admin": Role.ADMIN,
}


class SignInRefused(NotPermitted):
    """Wrong name or password, a disabled clerk, or an attempt made while still waiting."""


def role_of(word: str | Role) -> Role:
    """``经办`` / ``审核`` / ``管理`` (or the stored English value) as a ``Role``."""
    if isinstance(word, Role):
        return word
    role = ROLE_WORDS.get((word or "").strip())
    if role is None:
        raise InvalidInput(f"角色“{word}”不对：只能是 经办、审核 或 管理。", field="role")
    return role


# --- passwords ----------------------------------------------------------------------------


def check_password(password: str, *, name: str = "") -> None:
    """Raise ``InvalidInput`` (Chinese) unless ``password`` may be used."""
    if len(password) < MIN_LENGTH:
        raise InvalidInput(
            f"密码太短：至少 {MIN_LENGTH} 位（可用 {MIN_LENGTH} 位以上的数字 PIN）。", field="password"
        )
    if password.strip() != password or "\n" in password:
        raise InvalidInput("密码首尾不能有空格或换行，请重新输入。", field="password")
    if len(set(password)) == 1:
        raise InvalidInput("密码不能全是同一个字符（如 111111），请换一个。", field="password")
    if password.isdigit():
        steps = {int(b) - int(a) for a, b in zip(password, password[1:], strict=False)}
        if steps in ({1}, {-1}):
            raise InvalidInput("密码不能是连续数字（如 123456、654321），请换一个。", field="password")
    if name and password == name.strip():
        raise InvalidInput("密码不能与姓名相同，请换一个。", field="password")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def _matches(stored: str | None, password: str) -> bool:
    if not stored:
        return False
    try:
        return _HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --- sign-in ------------------------------------------------------------------------------


def info_of(row: Clerk) -> ClerkInfo:
    return ClerkInfo(id=row.id, name=row.name, role=Role(row.role))


def _wait_after(failures: int) -> timedelta | None:
    if failures <= FREE_FAILURES:
        return None
    return min(FIRST_WAIT * 2 ** (failures - FREE_FAILURES - 1), LONGEST_WAIT)


def _seconds(delta: timedelta) -> str:
    total = max(1, int(delta.total_seconds() + 0.999))
    return f"{total // 60} 分 {total % 60} 秒" if total >= 60 else f"{total} 秒"


@dataclass(frozen=True, slots=True)
class _Checked:
    """The password checked against the clerk's hash before the write lock is taken."""

    hash: str | None  # the hash it was checked against
    ok: bool
    rehashed: str | None = None  # a new hash when the library's parameters have moved on

    def matches(self, stored: str | None, password: str) -> bool:
        if stored == self.hash:
            return self.ok
        return _matches(stored, password)  # changed meanwhile (a new password set): check again


@cache
def _unknown_name_hash() -> str:
    """A hash no password matches (of random bytes), checked for a name nobody has, so an
    unknown name is answered as slowly as a wrong password (security.md: the same answer)."""
    return hash_password(secrets.token_hex(32))


def _check_outside_the_lock(engine: Engine, name: str, password: str, moment: datetime) -> _Checked:
    """argon2 costs about 0.1 s of CPU and 64 MiB a check (more on a busy machine): done
    on a plain read, never while holding the registry's write lock, so desks starting up
    together do not queue behind each other's hashing ("database is locked"). A clerk who
    must wait, is disabled or has no password is not checked at all."""
    with Session(engine) as session:
        row = session.exec(select(Clerk).where(Clerk.name == name)).first()
        if row is None:  # the same argon2 work as a wrong password: the time tells nothing
            _matches(_unknown_name_hash(), password)
            return _Checked(None, False)
        if not row.active or not row.password_hash:
            return _Checked(None, False)
        if row.signin_blocked_until is not None and to_storage(row.signin_blocked_until) > moment:
            return _Checked(None, False)
        stored = row.password_hash
    ok = _matches(stored, password)
    rehashed = hash_password(password) if ok and _HASHER.check_needs_rehash(stored) else None
    return _Checked(stored, ok, rehashed)


def sign_in(engine: Engine, *, name: str, password: str, device: DeviceInfo, now: datetime) -> ClerkInfo:
    """The clerk ``name`` if ``password`` is theirs; else ``SignInRefused`` (audited)."""
    clean = (name or "").strip()
    moment = to_storage(now)
    if not clean:
        raise SignInRefused("请填写经办人员姓名。")
    if not password:
        raise SignInRefused("请输入密码。")
    refusal: str | None = None
    checked = _check_outside_the_lock(engine, clean, password, moment)
    with Session(write_engine(engine), expire_on_commit=False) as session:
        row = session.exec(select(Clerk).where(Clerk.name == clean)).first()
        actor = Actor(device_id=device.id, clerk_id=row.id if row else None, clerk_name=clean[:50])
        if row is None:
            refusal = "姓名或密码不对，请重新输入。"
            reason = "unknown_name"
        elif not row.active:
            refusal = f"{row.name} 的账号已停用，不能登录。请联系管理人员。"
            reason = "disabled"
        elif row.signin_blocked_until is not None and to_storage(row.signin_blocked_until) > moment:
            left = to_storage(row.signin_blocked_until) - moment
            refusal = f"密码已连续输错 {row.failed_signins} 次，请 {_seconds(left)}后再试。"
            reason = "waiting"
        elif not row.password_hash:
            refusal = f"{row.name} 还没有设置密码，请管理人员用 yibao clerk passwd {row.name} 设置后再登录。"
            reason = "no_password"
        elif not checked.matches(row.password_hash, password):
            row.failed_signins += 1
            wait = _wait_after(row.failed_signins)
            row.signin_blocked_until = moment + wait if wait else None
            row.updated_at = moment
            session.add(row)
            refusal = f"姓名或密码不对，请重新输入（已连续输错 {row.failed_signins} 次"
            refusal += f"，请 {_seconds(wait)}后再试）。" if wait else "）。"
            reason = "wrong_password"
        else:
            reason = "ok"
        if refusal is not None:
            record(
                session,
                actor=actor,
                at=moment,
                action="auth.signin",
                entity="clerk",
                entity_id=row.id if row else None,
                summary=f"登录被拒绝：{clean[:50]}（{_REASONS[reason]}）",
                after={"reason": reason, "failed_signins": row.failed_signins if row else None},
                outcome=AuditOutcome.REFUSED,
            )
            session.commit()
            raise SignInRefused(refusal)
        assert row is not None
        if checked.rehashed is not None and row.password_hash == checked.hash:
            row.password_hash = checked.rehashed
        before = row.failed_signins
        row.failed_signins = 0
        row.signin_blocked_until = None
        row.updated_at = moment
        session.add(row)
        record(
            session,
            actor=actor,
            at=moment,
            action="auth.signin",
            entity="clerk",
            entity_id=row.id,
            summary=f"{row.name}（{Role(row.role).label}）登录"
            + (f"，此前连续输错 {before} 次" if before else ""),
            after={"role": row.role, "failed_before": before},
        )
        session.commit()
        return info_of(row)


_REASONS = {
    "unknown_name": "没有这个姓名",
    "disabled": "账号已停用",
    "waiting": "输错次数过多，等待中",
    "no_password": "未设置密码",
    "wrong_password": "密码不对",
}


# --- roles --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Attempt:
    """What a refused clerk tried, for the audit row."""

    action: str
    what: str  # Chinese, e.g. 批准退费申请
    entity: str = "clerk"
    entity_id: str | None = None
    person_id: str | None = None
    refusal: str | None = None  # the message when the role is wrong, if not the usual one


def _labels(roles: Iterable[Role]) -> str:
    return "或".join(r.label for r in roles)


def require_role(
    engine: Engine,
    clerk: ClerkInfo | None,
    *roles: Role,
    attempt: Attempt,
    device_id: str,
    now: datetime,
) -> ClerkInfo:
    """``clerk`` as stored now, if active and holding one of ``roles``; else ``NotPermitted``.

    The refusal is written to the audit log (``auth.refused``) in its own transaction, so
    the caller's transaction (rolled back by the exception) loses nothing of it."""
    allowed = tuple(roles)
    with Session(engine) as session:
        row = session.get(Clerk, clerk.id) if clerk is not None else None
        if row is not None and row.active and Role(row.role) in allowed:
            return info_of(row)
        if row is None:
            message = f"{attempt.what}须先登录。请由{_labels(allowed)}登录后操作。"
        elif not row.active:
            message = f"{row.name} 的账号已停用，不能{attempt.what}。"
        else:
            message = attempt.refusal or (
                f"只有{_labels(allowed)}可以{attempt.what}（{row.name}是{Role(row.role).label}）。"
                f"请由{_labels(allowed)}登录后操作。"
            )
    refuse(engine, clerk, message, attempt=attempt, device_id=device_id, now=now)
    raise AssertionError("unreachable")


def refuse(
    engine: Engine,
    clerk: ClerkInfo | None,
    message: str,
    *,
    attempt: Attempt,
    device_id: str,
    now: datetime,
) -> None:
    """Audit a refused attempt (``auth.refused``) and raise ``NotPermitted(message)``."""
    with Session(write_engine(engine)) as session:
        record(
            session,
            actor=Actor(
                device_id=device_id,
                clerk_id=clerk.id if clerk else None,
                clerk_name=clerk.name if clerk else None,
            ),
            at=now,
            action="auth.refused",
            entity=attempt.entity,
            entity_id=attempt.entity_id,
            person_id=attempt.person_id,
            summary=f"不予办理（{attempt.what}）：{message}",
            after={"attempted": attempt.action},
            outcome=AuditOutcome.REFUSED,
        )
        session.commit()
    raise NotPermitted(message)


# --- the first administrator --------------------------------------------------------------


def _can_sign_in():  # type: ignore[no-untyped-def]
    return select(Clerk.id).where(
        Clerk.active == True,  # noqa: E712
        Clerk.password_hash.is_not(None),  # type: ignore[union-attr]
    )


def has_admin(engine: Engine) -> bool:
    """Whether anyone can sign in on this registry (an active clerk with a password).

    When nobody can (a new registry, or one from before sign-in), ``first_admin`` sets up
    the first 管理. An outreach laptop holds the hall's clerks, so it never needs one."""
    with Session(engine) as session:
        return session.exec(_can_sign_in()).first() is not None


def first_admin(
    engine: Engine, *, name: str, password: str, device: DeviceInfo, now: datetime
) -> ClerkInfo:
    """Create (or, on a registry from before sign-in, promote) the first 管理, with a password.

    Refused once anyone can sign in: more clerks are added by a 管理 (``yibao clerk add``)."""
    clean = (name or "").strip()
    if not clean:
        raise InvalidInput("请填写首位管理人员的姓名（--clerk 姓名）。", field="name")
    if len(clean) > 50:
        raise InvalidInput("姓名太长（最多 50 个字）。", field="name")
    check_password(password, name=clean)
    moment = to_storage(now)
    with Session(write_engine(engine), expire_on_commit=False) as session:
        if session.exec(_can_sign_in()).first() is not None:
            raise NotPermitted("本登记库已有管理人员；新增经办人员请由管理人员用 yibao clerk add 办理。")
        row = session.exec(select(Clerk).where(Clerk.name == clean)).first()
        before = None
        if row is None:
            row = Clerk(name=clean, device_id=device.id, created_at=moment)
        else:
            before = {"role": row.role, "active": row.active, "password_set": bool(row.password_hash)}
        row.role = Role.ADMIN.value
        row.active = True
        row.password_hash = hash_password(password)
        row.password_set_at = moment
        row.failed_signins = 0
        row.signin_blocked_until = None
        row.updated_at = moment
        session.add(row)
        session.flush()
        record(
            session,
            actor=Actor(device_id=device.id, clerk_id=row.id, clerk_name=row.name),
            at=moment,
            action="clerk.first_admin",
            entity="clerk",
            entity_id=row.id,
            summary=f"设立本登记库首位管理人员 {row.name}",
            before=before,
            after={"name": row.name, "role": row.role, "password_set": True},
        )
        session.commit()
        return info_of(row)


__all__ = [
    "Attempt",
    "ROLE_WORDS",
    "SignInRefused",
    "check_password",
    "first_admin",
    "has_admin",
    "hash_password",
    "info_of",
    "refuse",
    "require_role",
    "role_of",
    "sign_in",
]
