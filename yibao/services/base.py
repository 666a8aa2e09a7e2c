"""What every service shares: its container, a transaction, the actor, refusals."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlmodel import Session

from yibao import audit
from yibao.config import ClerkInfo
from yibao.models import AuditOutcome, Person, Role
from yibao.rules.decision import Decision, Outcome
from yibao.services.errors import NeedsConfirmation, NotFound, Refused

if TYPE_CHECKING:
    from yibao.policy.model import Policy
    from yibao.services import Services
    from yibao.services.facts import PersonFile


class ServiceBase:
    def __init__(self, services: Services) -> None:
        self._services = services

    # --- context -------------------------------------------------------------
    @property
    def policy(self) -> Policy:
        return self._services.policy

    def now(self) -> datetime:
        return self._services.now()

    def today(self) -> date:
        return self._services.today()

    @property
    def actor(self) -> audit.Actor:
        return self._services.actor

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """One operation = one transaction: commit on success, roll back on any error.

        On SQLite the transaction takes the write lock at its start (BEGIN IMMEDIATE),
        so what it checks cannot change before it writes."""
        with Session(self._services.write_engine, expire_on_commit=False) as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def reading(self) -> Iterator[Session]:
        with Session(self._services.engine, expire_on_commit=False) as session:
            yield session

    # --- helpers -------------------------------------------------------------
    @staticmethod
    def person_or_404(session: Session, person_id: str, *, for_update: bool = False) -> Person:
        person = session.get(Person, person_id, with_for_update=for_update or None)
        if person is None:
            raise NotFound("登记库中找不到此人，请重新查询后再办理。", field="person_id")
        return person

    @staticmethod
    def file_or_404(session: Session, person_id: str) -> PersonFile:
        """The person's rows the facts are built from (``facts.read_file``), read as Core
        rows in one go: what a quote reads."""
        from yibao.services.facts import read_file

        file = read_file(session, person_id)
        if file is None:
            raise NotFound("登记库中找不到此人，请重新查询后再办理。", field="person_id")
        return file

    def require_role(
        self,
        *roles: Role,
        action: str,
        what: str,
        entity: str = "clerk",
        entity_id: str | None = None,
        person_id: str | None = None,
    ) -> ClerkInfo:
        """The signed-in clerk, if they hold one of ``roles`` now; else ``NotPermitted``
        (audited). ``what`` names the operation in Chinese, e.g. ``批准退费申请``.

        The one role check of the services: it reads the clerk's row as it is now (a clerk
        disabled or demoted a minute ago is refused now) and writes the refusal's audit row
        in its own transaction (``yibao.auth.require_role``), so call it before opening the
        operation's transaction: the refusal must survive the operation's rollback."""
        from yibao.auth import Attempt
        from yibao.auth import require_role as check

        services = self._services
        return check(
            services.engine, services.clerk, *roles,
            attempt=Attempt(action, what, entity, entity_id, person_id),
            device_id=services.actor.device_id, now=services.now(),
        )

    def refuse(
        self,
        message: str,
        *,
        action: str,
        what: str,
        entity: str = "clerk",
        entity_id: str | None = None,
        person_id: str | None = None,
    ) -> None:
        """Audit a refused attempt and raise ``NotPermitted(message)``."""
        from yibao.auth import Attempt, refuse

        refuse(
            self._services.engine,
            self._services.clerk,
            message,
            attempt=Attempt(action, what, entity, entity_id, person_id),
            device_id=self.actor.device_id,
            now=self.now(),
        )

    def audit(self, session: Session, **kwargs: Any) -> None:
        audit.record(session, actor=self.actor, at=self.now(), **kwargs)

    @staticmethod
    def check(decision: Decision, *, confirmed: bool = False) -> None:
        """Raise ``Refused`` / ``NeedsConfirmation`` unless ``decision`` lets the operation go on."""
        if decision.outcome is Outcome.ALLOWED:
            return
        if decision.outcome is Outcome.CONFIRM:
            if confirmed:
                return
            raise NeedsConfirmation(decision)
        raise Refused(decision)

    @contextmanager
    def operation(
        self,
        *,
        action: str,
        entity: str,
        person_id: str | None = None,
        attempt: dict[str, Any] | None = None,
    ) -> Iterator[Session]:
        """A write transaction; a ``Refused`` raised inside rolls it back and is then
        recorded in the audit log (outcome ``refused``) in a transaction of its own."""
        try:
            with self.transaction() as session:
                yield session
        except NeedsConfirmation:
            raise
        except Refused as exc:
            self.log_refusal(
                exc.decision, action=action, entity=entity, person_id=person_id, attempt=attempt
            )
            raise

    def log_refusal(
        self,
        decision: Decision,
        *,
        action: str,
        entity: str,
        entity_id: str | None = None,
        person_id: str | None = None,
        attempt: dict[str, Any] | None = None,
    ) -> None:
        with self.transaction() as session:
            self.audit(
                session,
                action=action,
                entity=entity,
                entity_id=entity_id,
                person_id=person_id,
                outcome=AuditOutcome.REFUSED,
                summary="不予办理：" + "；".join(decision.explain()),
                after={"attempt": attempt or {}, "reasons": decision.explain()},
            )
