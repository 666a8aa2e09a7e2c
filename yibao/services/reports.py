"""Reports for the desk (F7 进度): progress, a village's people, the laptop's to-chase list.

Read-only: nothing here writes the registry. Figures come from ``yibao.reports``.
"""

from __future__ import annotations

from datetime import date

from yibao.reports.base import Scope
from yibao.reports.chase import ChaseLine, chase_list
from yibao.reports.progress import PersonLine, ProgressReport, people, progress
from yibao.services.base import ServiceBase
from yibao.services.errors import InvalidInput


class ReportService(ServiceBase):
    def scope(self, *, as_of: date | None = None, town: str | None = None) -> Scope:
        from yibao.places import town_names

        town = (town or "").strip() or None
        laptop = self._laptop_place()
        if laptop is not None:
            # The laptop holds one town's (or village's) people: its report is of that place.
            return Scope(policy=self.policy, as_of=as_of or self.today(), town=town or laptop[0] or None,
                         holds_only=laptop[0] + (laptop[1] or ""))
        names = town_names(self.policy.region_code)
        if town and names and town not in names:
            raise InvalidInput(
                f"“{town}”不是{self.policy.jurisdiction}的乡镇（街道）。可选：{'、'.join(names)}。",
                field="town",
            )
        return Scope(policy=self.policy, as_of=as_of or self.today(), town=town)

    def _laptop_place(self) -> tuple[str, str | None] | None:
        """On an outreach laptop: the town and village of the bundle it was opened from."""
        from sqlmodel import select

        from yibao.outreach.models import OutreachOrigin

        with self.reading() as session:
            origin = session.exec(select(OutreachOrigin)).first()
        return None if origin is None else (origin.town, origin.village)

    def progress(self, *, as_of: date | None = None, town: str | None = None) -> ProgressReport:
        """Progress of the benefit year as of ``as_of`` (default today), all towns or one."""
        return progress(self._services.engine, self.scope(as_of=as_of, town=town))

    def people(
        self, *, town: str, village: str | None, county: str | None = None, as_of: date | None = None
    ) -> list[PersonLine]:
        """The people of a village (ID numbers masked), those not yet paid first; ``county``:
        of that county only (a report row's ``county``)."""
        return people(self._services.engine, self.scope(as_of=as_of), town=town, village=village,
                      county=county)

    def chase(self, *, as_of: date | None = None) -> list[ChaseLine]:
        """The outreach laptop's 待缴名单 (empty at the hall), ticked off as people pay."""
        with self._services.engine.connect() as conn:
            return chase_list(conn, year=int(self.policy.benefit_year), as_of=as_of or self.today())
