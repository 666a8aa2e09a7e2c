"""Policy section: R1 (家庭共济). Placeholder until its owner fills it in."""

from __future__ import annotations

from yibao.policy.base import Strict


class FamilyAidRules(Strict):
    pass
