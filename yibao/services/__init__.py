"""The only way screens and commands change the registry.

``Services(engine, policy, clerk, device, clock)`` holds one object per job:

- ``persons``     register, update, households, identities, ``case``
- ``lookup``      search by ID number / tail / name / pinyin initials (``yibao.lookup``)
- ``enrolment``   ``register_person`` (F2: person + household + enrolment, one transaction),
                  ``assess`` → ``enrol_and_pay`` (quote, receipt, change)
- ``payments``    receipts, reprint, a person's or a day's payments
- ``newborns``    register by 出生医学证明, ``assess``, ``enrol``, ``link`` the ID number later
- ``family_aid``  ``bind`` / ``bindings`` / ``assess`` / ``pay`` (one receipt per relative)
- ``refunds``     ``assess`` / ``intake`` / ``review`` (受理 → 审核中 → 已批准/已驳回 → 已退费)
- ``audit``       the append-only log, by person or entity
- ``history``     参保历史: what the registry knows, and checking what the clerk declares
- ``years``       benefit years: the chain, the years open today, ``choose``, ``activate``
- ``imports``     department identity lists (``yibao.imports.service``)
- ``reports``     F7 进度: progress by town and village, a village's people, 待缴名单
- ``dayclose``    F8 现金日结: today's cashier sheet, closing today's cash
- ``clerks``      clerk accounts: add, password, role, disable (管理 only; ``yibao.services.clerks``)

``clerk`` is the signed-in clerk (``yibao.auth.sign_in`` returns it); role checks go
through ``ServiceBase.require_role`` (``yibao.auth.require_role``), never through screens.
- ``change_requests`` changes proposed by outreach laptops: ``open`` / ``accept`` / ``reject``

Each write is one transaction with its audit row(s); errors are
``yibao.services.errors.Refused`` (carries the Decision), ``NeedsConfirmation``
(retry with ``confirmed=True``) and ``InvalidInput`` (Chinese ``message``, ``field``).
Methods take keyword-only arguments after the subject id and return pydantic views.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy.engine import Engine

from yibao.audit import Actor
from yibao.config import ClerkInfo, DeviceInfo
from yibao.db import WriteWait
from yibao.models import to_storage, utcnow
from yibao.timezone import LOCAL_TZ

if TYPE_CHECKING:
    from yibao.policy.model import Policy
    from yibao.services.years import Coverage

Clock = Callable[[], datetime]


class Services:
    def __init__(
        self,
        engine: Engine,
        policy: Policy,
        clerk: ClerkInfo,
        device: DeviceInfo,
        clock: Clock = utcnow,
    ) -> None:
        from yibao.db import write_engine
        from yibao.services.audit_view import AuditService
        from yibao.services.clerks import ClerkService
        from yibao.services.enrolment import EnrolmentService
        from yibao.services.family_aid import FamilyAidService
        from yibao.services.history import HistoryService
        from yibao.services.lookup import LookupService
        from yibao.services.newborns import NewbornService
        from yibao.services.payments import PaymentService
        from yibao.services.persons import PersonService
        from yibao.services.refunds import RefundService
        from yibao.services.years import YearService

        self.engine = engine
        self.write_engine = write_engine(engine)
        self.write_wait: WriteWait | None = None
        self.policy = policy  # yibao.policy.Policy: the benefit year the desk works in
        self.opened_policy = policy  # the file it was opened with (names the jurisdiction)
        self.coverage: Coverage | None = None  # once ``years.settle()`` ran
        self.clerk = clerk
        self.device = device
        self.clock = clock
        self.persons = PersonService(self)
        self.lookup = LookupService(self)
        self.enrolment = EnrolmentService(self)
        self.payments = PaymentService(self)
        self.newborns = NewbornService(self)
        self.family_aid = FamilyAidService(self)
        self.refunds = RefundService(self)
        self.audit = AuditService(self)
        self.years = YearService(self)  # benefit years of the jurisdiction
        from yibao.services.change_requests import ChangeRequestService

        self.change_requests = ChangeRequestService(self)  # proposals from outreach laptops
        self.history = HistoryService(self)  # 参保历史: known / validate_declared
        from yibao.services.counter import CounterService

        self.counter = CounterService(self)  # F2's clerk actions, one call each
        self.clerks = ClerkService(self)
        from yibao.imports.service import ImportService  # department lists

        self.imports = ImportService(self)
        from yibao.services.reports import ReportService  # F7 进度, 待缴名单

        self.reports = ReportService(self)
        from yibao.services.dayclose import DayCloseService  # F8 现金日结

        self.dayclose = DayCloseService(self)

    # --- time ----------------------------------------------------------------
    def on_write_wait(self, callback: WriteWait | None) -> None:
        """``callback(True)`` when a write finds another window holding the registry's write
        lock (SQLite) and waits for it, ``callback(False)`` when the wait is over; called in
        the thread that writes. None: silent again."""
        from yibao.db import WRITE_WAIT_OPTION, write_engine

        self.write_wait = callback
        engine = write_engine(self.engine)
        self.write_engine = engine.execution_options(**{WRITE_WAIT_OPTION: callback}) if callback else engine

    def now(self) -> datetime:
        """The clock's now, as aware UTC."""
        return to_storage(self.clock())

    def today(self) -> date:
        """Today's date at the counter (Asia/Shanghai)."""
        return self.now().astimezone(LOCAL_TZ).date()

    @property
    def actor(self) -> Actor:
        return Actor(device_id=self.device.id, clerk_id=self.clerk.id, clerk_name=self.clerk.name)

    @property
    def benefit_year(self) -> int:
        return int(self.policy.benefit_year)

    @classmethod
    def open(
        cls,
        *,
        url: str | None = None,
        policy_id: str,
        clerk_name: str,
        password: str,
        clock: Clock = utcnow,
        device_id: str | None = None,
        device_name: str = "",
    ) -> Services:
        """Open the registry (migrating it), load the policy, ensure the device, and sign
        ``clerk_name`` in with ``password`` (``yibao.auth.sign_in``: a clerk is never
        created here; ``SignInRefused`` when the name or password is wrong)."""
        from yibao.auth import sign_in
        from yibao.config import ensure_device
        from yibao.db import open_registry
        from yibao.policy import load_policy

        engine = open_registry(url)
        try:
            policy = load_policy(policy_id)
            device = ensure_device(engine, device_id=device_id, name=device_name, now=clock())
            clerk = sign_in(engine, name=clerk_name, password=password, device=device, now=clock())
            services = cls(engine, policy, clerk, device, clock)
            services.coverage = services.years.settle()  # today's year of the jurisdiction
        except BaseException:
            engine.dispose()
            raise
        return services


__all__ = ["Services", "LOCAL_TZ"]
