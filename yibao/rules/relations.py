"""Kinship between a 家庭共济 payer and the relative they pay for.

The vocabulary lives in ``yibao.policy.vocabulary`` (the policy files name relations too);
it is re-exported here for the rules that read it.
"""

from __future__ import annotations

from yibao.policy.vocabulary import (
    CIVIL_CODE_CLOSE_RELATIVES,
    GBT4761,
    LABELS,
    Relation,
)

__all__ = ["CIVIL_CODE_CLOSE_RELATIVES", "GBT4761", "LABELS", "Relation"]
