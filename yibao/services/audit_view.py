"""Reading the audit log (it is written only by the other services)."""

from __future__ import annotations

from yibao import audit
from yibao.services.base import ServiceBase
from yibao.services.views import AuditEntryView


class AuditService(ServiceBase):
    def history(
        self,
        *,
        person_id: str | None = None,
        entity: str | None = None,
        entity_id: str | None = None,
        limit: int = 200,
    ) -> list[AuditEntryView]:
        """Audit entries, oldest first, for a person and/or an entity."""
        with self.reading() as session:
            rows = audit.history(
                session, person_id=person_id, entity=entity, entity_id=entity_id, limit=limit
            )
            return [AuditEntryView.of(r) for r in rows]
