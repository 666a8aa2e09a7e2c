"""Which benefit years are open on a date, for payment, refunds and newborns.

Two can be open at once: 眉山's any-time categories pay for year N while the centralized
period for N+1 runs from September; a baby born in November may be enrolled for the birth
year or the next. The default is the year whose centralized period is running.

The dates come from each year's file (``periods.centralized``, ``periods.benefit``): a
year is open for payment from the first day of its centralized period to the last day of
its benefit period; the rules of that year's file then say what paying on the day means.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict

from yibao.policy.authoring import shift_date
from yibao.policy.chain import Chain
from yibao.policy.model import Policy


class Purpose(StrEnum):
    PAYMENT = "payment"  # 参保缴费（含家庭共济）
    REFUND = "refund"  # 退费受理
    NEWBORN = "newborn"  # 新生儿参保

    @property
    def label(self) -> str:
        return {"payment": "参保缴费", "refund": "退费受理", "newborn": "新生儿参保"}[self.value]


class OpenYear(BaseModel):
    model_config = ConfigDict(frozen=True)

    benefit_year: int
    policy_id: str
    draft: bool
    centralized: bool  # its centralized period is running on the day
    default: bool = False

    @property
    def label(self) -> str:
        tags = [t for t, on in (("集中缴费期", self.centralized), ("草稿·未确认", self.draft)) if on]
        return f"{self.benefit_year}年度" + (f"（{'，'.join(tags)}）" if tags else "")


def _span(policy: Policy, shift: int = 0) -> tuple[date, date]:
    p = policy.periods
    return shift_date(p.centralized.start, shift), shift_date(p.benefit.end, shift)


def collects(policy: Policy, on: date) -> bool:
    """Whether money may be taken for ``policy``'s year on ``on`` at all (centralized start
    to benefit end); the year's own rules then decide the window, the fee and the coverage."""
    start, end = _span(policy)
    return start <= on <= end


def centralized_running(policy: Policy, on: date) -> bool:
    c = policy.periods.centralized
    return c.start <= on <= c.end


def open_years(
    chain: Chain, on: date, purpose: Purpose = Purpose.PAYMENT, *, birth: date | None = None
) -> list[OpenYear]:
    """The years open on ``on`` for ``purpose``, newest first, one marked ``default``.

    Newborns (``birth`` given): the benefit year holding the birth (by each file's own
    benefit period, not the calendar) and the next, where the chain holds them and
    they collect on ``on`` (the newborn rules of the chosen year decide the 90-day window)."""
    found = []
    for policy in chain.policies:
        if not collects(policy, on):
            continue
        if purpose is Purpose.NEWBORN and birth is not None:
            born_in = policy.benefit_year_on(birth)  # the benefit year holding the birth
            if born_in is None or policy.benefit_year not in (born_in, born_in + 1):
                continue
        found.append(policy)
    found.sort(key=lambda p: -p.benefit_year)
    default = _default(found, on)
    return [
        OpenYear(
            benefit_year=p.benefit_year,
            policy_id=p.id,
            draft=p.is_draft,
            centralized=centralized_running(p, on),
            default=p is default,
        )
        for p in found
    ]


def _default(found: list[Policy], on: date) -> Policy | None:
    if not found:
        return None
    confirmed = [p for p in found if not p.is_draft] or found
    running = [p for p in confirmed if centralized_running(p, on)]
    if running:
        return running[0]
    current = [p for p in confirmed if p.periods.benefit.start <= on <= p.periods.benefit.end]
    return (current or confirmed)[0]


def missing_years(chain: Chain, on: date, *, ahead: int = 3) -> list[int]:
    """Years that collect on ``on`` (judged from the chain's own files, or from the latest
    file's dates moved by whole years, either way) but have no confirmed file."""
    latest = chain.latest
    years = {p.benefit_year for p in chain.policies if collects(p, on)}
    for k in range(-ahead, ahead + 1):
        start, end = _span(latest, k)
        if start <= on <= end:
            years.add(latest.benefit_year + k)
    held = {p.benefit_year for p in chain.policies if not p.is_draft}
    return sorted(y for y in years if y not in held)
