"""Policy section: R1 (退费受理). Placeholder until its owner fills it in."""

from __future__ import annotations

from yibao.policy.base import Strict


class RefundRules(Strict):
    pass
