"""Who may do what: one check the services call, so sign-in can replace how it decides."""

from __future__ import annotations

from yibao.config import ClerkInfo
from yibao.models import Role
from yibao.services.errors import NotPermitted


def require_role(clerk: ClerkInfo, role: Role, *, doing: str) -> None:
    """Raise ``NotPermitted`` (Chinese, naming the role and the act) unless ``clerk`` has ``role``."""
    if role is Role.SUPERVISOR and clerk.role is not Role.SUPERVISOR:
        raise NotPermitted(
            f"{doing}须由{Role.SUPERVISOR.label}办理；{clerk.name} 是{clerk.role.label}。"
            f"请由{Role.SUPERVISOR.label}登录后再办理。"
        )
