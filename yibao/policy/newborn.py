"""Policy section: R2 (新生儿). Placeholder until its owner fills it in."""

from __future__ import annotations

from yibao.policy.base import Strict


class NewbornRules(Strict):
    pass
