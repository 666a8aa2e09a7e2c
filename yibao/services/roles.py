"""Who may do what: the one role check the services call.

``require_role(services, *roles, action=, what=)`` reads the signed-in clerk's row as it is
now (a clerk disabled or demoted a minute ago is refused now) and, when the clerk may not,
writes the refusal to the audit log (``auth.refused``, naming what was attempted) in its
own transaction before raising ``NotPermitted`` with the same Chinese message every service
gives (``yibao.auth.require_role``). Call it before opening the operation's transaction:
the refusal's audit row must survive the operation's rollback.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from yibao.config import ClerkInfo
from yibao.models import Role

if TYPE_CHECKING:
    from yibao.services import Services


def require_role(
    services: Services,
    *roles: Role,
    action: str,
    what: str,
    entity: str = "clerk",
    entity_id: str | None = None,
    person_id: str | None = None,
) -> ClerkInfo:
    """The signed-in clerk of ``services``, if they hold one of ``roles`` now; else an
    audited ``NotPermitted``. ``what`` names the operation in Chinese (``批准退费申请``)."""
    from yibao.auth import Attempt
    from yibao.auth import require_role as check

    return check(
        services.engine,
        services.clerk,
        *roles,
        attempt=Attempt(action, what, entity, entity_id, person_id),
        device_id=services.actor.device_id,
        now=services.now(),
    )
