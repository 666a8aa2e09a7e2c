"""Policy sections: day counting, payment windows, coverage and waiting periods (owner R2).

Placeholder until its owner fills it in.
"""

from __future__ import annotations

from yibao.policy.base import Strict


class DayCounting(Strict):
    pass


class PeriodRules(Strict):
    pass
