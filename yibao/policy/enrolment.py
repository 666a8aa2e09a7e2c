"""Policy section: R1 (who may enrol and where, duplicate priority). Placeholder until its owner fills it in."""

from __future__ import annotations

from yibao.policy.base import Strict


class EnrolmentRules(Strict):
    pass
