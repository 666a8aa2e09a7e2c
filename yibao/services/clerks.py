"""Clerk accounts (``yibao clerk …``, the desk's admin screen): only a 管理 manages them.

- ``add(name, role=, password=)``: a new clerk with a role (经办 / 审核 / 管理) and a password.
  A name already in the registry is refused (nothing is created on the fly anywhere).
- ``set_password(name, password=, current=)``: a 管理 sets anyone's; a clerk changes their
  own by giving the current one.
- ``set_role(name, role=)``, ``disable(name)``, ``enable(name)``: 管理 only; the last active
  管理 cannot be disabled or demoted, nor can a 管理 disable themselves.
- ``list()``: every clerk, role and state (no password hash leaves this module).

Every change is one transaction with its audit row; every refusal is audited.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, col, select

from yibao.auth import check_password, hash_password, info_of, role_of
from yibao.config import ClerkInfo
from yibao.models import Clerk, Role
from yibao.services.base import ServiceBase
from yibao.services.errors import InvalidInput, NotFound


class ClerkView(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    name: str
    role: Role
    active: bool
    password_set: bool
    failed_signins: int
    created_at: datetime

    @property
    def role_label(self) -> str:
        return self.role.label


def role_short(role: str | None) -> str:
    """经办 / 审核 / 管理 for a clerk's stored role (经办 for none or an unknown one)."""
    try:
        return Role(role).short
    except ValueError:
        return Role.CLERK.short


def _view(row: Clerk) -> ClerkView:
    return ClerkView(
        id=row.id,
        name=row.name,
        role=Role(row.role),
        active=row.active,
        password_set=bool(row.password_hash),
        failed_signins=row.failed_signins,
        created_at=row.created_at,
    )


class ClerkService(ServiceBase):
    def _admin(self, action: str, what: str, entity_id: str | None = None) -> ClerkInfo:
        return self.require_role(Role.ADMIN, action=action, what=what, entity_id=entity_id)

    @staticmethod
    def _named(session: Session, name: str, *, for_update: bool = True) -> Clerk:
        clean = (name or "").strip()
        stmt = select(Clerk).where(Clerk.name == clean)
        row = session.exec(stmt.with_for_update() if for_update else stmt).first()
        if row is None:
            raise NotFound(f"登记库中没有名为“{clean}”的经办人员。请用 yibao clerk list 查看。", field="name")
        return row

    def list(self) -> list[ClerkView]:
        with self.reading() as session:
            rows = session.exec(select(Clerk).order_by(col(Clerk.created_at), col(Clerk.name)))
            return [_view(r) for r in rows]

    def add(self, name: str, *, role: Role | str, password: str) -> ClerkView:
        clean = (name or "").strip()
        chosen = role_of(role)
        self._admin("clerk.add", f"新增经办人员 {clean}")
        if not clean:
            raise InvalidInput("请填写经办人员姓名。", field="name")
        if len(clean) > 50:
            raise InvalidInput("姓名太长（最多 50 个字）。", field="name")
        check_password(password, name=clean)
        now = self.now()
        with self.transaction() as session:
            if session.exec(select(Clerk.id).where(Clerk.name == clean)).first() is not None:
                raise InvalidInput(
                    f"已有名为“{clean}”的经办人员。同名的请加区分，如“{clean}（城关）”。", field="name"
                )
            row = Clerk(
                name=clean,
                role=chosen.value,
                device_id=self.actor.device_id,
                password_hash=hash_password(password),
                password_set_at=now,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            session.flush()
            self.audit(
                session,
                action="clerk.add",
                entity="clerk",
                entity_id=row.id,
                summary=f"新增经办人员 {clean}（{chosen.label}）",
                after={"name": clean, "role": chosen.value, "active": True},
            )
            return _view(row)

    def set_password(self, name: str, *, password: str, current: str | None = None) -> ClerkView:
        """A 管理 sets anyone's password; a clerk changes their own with ``current``."""
        from yibao.auth import _matches

        me = self._services.clerk
        own = (name or "").strip() == me.name
        if not own:
            self._admin("clerk.passwd", f"设置 {name} 的密码")
        now = self.now()
        with self.transaction() as session:
            row = self._named(session, name)
            check_password(password, name=row.name)
            if own and Role(row.role) is not Role.ADMIN and not _matches(row.password_hash, current or ""):
                raise InvalidInput("原密码不对，密码未修改。", field="current")
            row.password_hash = hash_password(password)
            row.password_set_at = now
            row.failed_signins = 0
            row.signin_blocked_until = None
            row.updated_at = now
            session.add(row)
            self.audit(
                session,
                action="clerk.passwd",
                entity="clerk",
                entity_id=row.id,
                summary=f"{'修改本人' if own else '重设 ' + row.name + ' 的'}密码",
                after={"password_set": True},
            )
            return _view(row)

    def set_role(self, name: str, *, role: Role | str) -> ClerkView:
        chosen = role_of(role)
        self._admin("clerk.role", f"调整 {name} 的角色")
        now = self.now()
        with self.transaction() as session:
            row = self._named(session, name)
            old = Role(row.role)
            if old is chosen:
                return _view(row)
            if old is Role.ADMIN:
                self._keep_an_admin(session, row, "改为其他角色")
            row.role = chosen.value
            row.updated_at = now
            session.add(row)
            self.audit(
                session,
                action="clerk.role",
                entity="clerk",
                entity_id=row.id,
                summary=f"{row.name} 的角色由 {old.label} 改为 {chosen.label}",
                before={"role": old.value},
                after={"role": chosen.value},
            )
            return _view(row)

    def disable(self, name: str) -> ClerkView:
        return self._set_active(name, active=False)

    def enable(self, name: str) -> ClerkView:
        return self._set_active(name, active=True)

    def _set_active(self, name: str, *, active: bool) -> ClerkView:
        verb = "启用" if active else "停用"
        self._admin(f"clerk.{'enable' if active else 'disable'}", f"{verb} {name}")
        now = self.now()
        with self.transaction() as session:
            row = self._named(session, name)
            if row.active == active:
                return _view(row)
            if not active:
                if row.id == self._services.clerk.id:
                    raise InvalidInput("不能停用自己的账号。请由另一位管理人员办理。", field="name")
                if Role(row.role) is Role.ADMIN:
                    self._keep_an_admin(session, row, "停用")
            row.active = active
            row.updated_at = now
            session.add(row)
            self.audit(
                session,
                action=f"clerk.{'enable' if active else 'disable'}",
                entity="clerk",
                entity_id=row.id,
                summary=f"{verb}经办人员 {row.name}（{Role(row.role).label}）",
                before={"active": not active},
                after={"active": active},
            )
            return _view(row)

    @staticmethod
    def _keep_an_admin(session: Session, row: Clerk, verb: str) -> None:
        others = session.exec(
            select(Clerk.id).where(
                Clerk.role == Role.ADMIN.value,
                Clerk.active == True,  # noqa: E712
                Clerk.id != row.id,
            )
        ).first()
        if others is None:
            raise InvalidInput(
                f"{row.name} 是唯一的管理人员，不能{verb}。请先新增另一位管理人员。", field="name"
            )

    def me(self) -> ClerkInfo:
        """The signed-in clerk as stored now."""
        with self.reading() as session:
            row = session.get(Clerk, self._services.clerk.id)
            if row is None:
                raise NotFound("登记库中找不到当前经办人员，请重新登录。")
            return info_of(row)
