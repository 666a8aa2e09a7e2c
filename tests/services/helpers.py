"""Small helpers for service tests: reading rows back, counting audit entries."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlmodel import Session, SQLModel, select

from yibao.models import AuditLog


def rows(engine: sa.Engine, model: type[SQLModel], **where: Any) -> list[Any]:
    with Session(engine) as session:
        stmt = select(model)
        for key, value in where.items():
            stmt = stmt.where(getattr(model, key) == value)
        return list(session.exec(stmt).all())


def audit_actions(engine: sa.Engine, **where: Any) -> list[tuple[str, str]]:
    """(action, outcome) of audit rows in written order (ids sort by creation)."""
    with Session(engine) as session:
        stmt = select(AuditLog)
        for key, value in where.items():
            stmt = stmt.where(getattr(AuditLog, key) == value)
        return [(r.action, r.outcome) for r in session.exec(stmt.order_by(AuditLog.id)).all()]


def counts(engine: sa.Engine, *models: type[SQLModel]) -> dict[str, int]:
    with Session(engine) as session:
        return {
            m.__tablename__: session.exec(sa.select(sa.func.count()).select_from(m)).one()[0]  # type: ignore[attr-defined]
            for m in models
        }
