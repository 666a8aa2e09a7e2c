"""The desk's day close (日结) for the signed-in clerk on this device, today.

``sheet()`` reads today's cashier sheet (every payment method; a draft until closed);
``close()`` closes today's cash (``yibao.outreach.dayclose.close_day``: one transaction,
audited, the day then refuses cash) and returns the closed sheet. Files are written by the
caller (``yibao.printing.daysheet``), as receipts are.
"""

from __future__ import annotations

from yibao.outreach.dayclose import close_day
from yibao.outreach.daysheet import CashierSheet, cashier_sheet
from yibao.services.base import ServiceBase


class DayCloseService(ServiceBase):
    def sheet(self) -> CashierSheet:
        """Today's sheet of this clerk on this device."""
        with self.reading() as session:
            return cashier_sheet(
                session, device_id=self._services.device.id, day=self.today(),
                clerk_id=self._services.clerk.id, jurisdiction=self._jurisdiction(),
                printed_at=self.now(),
            )

    def close(self) -> CashierSheet:
        """日结 today's cash; refused in Chinese (``OutreachError``) when already closed."""
        today = self.today()
        close_day(self._services.engine, clerk=self._services.clerk, device=self._services.device,
                  day=today, today=today, now=self.now())
        return self.sheet()

    def _jurisdiction(self) -> str:
        policy = self._services.opened_policy or self._services.policy
        return str(getattr(policy, "jurisdiction", "") or "")
