"""Policy section: R1 (contribution: standard, subsidies, import order, extras). Placeholder until its owner fills it in."""

from __future__ import annotations

from yibao.policy.base import Strict


class ContributionRules(Strict):
    pass
