"""Policy section ``[family_aid]``: 家庭共济 — an employee-insured payer pays a relative's fee."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from yibao.policy.base import Ref, Strict
from yibao.policy.vocabulary import Relation


class FamilyAidRules(Strict):
    permitted: Ref  # the sentence allowing it; silent where the document does not mention it
    relations: tuple[Relation, ...] = Field(min_length=1)  # relatives the payer may pay for
    relations_ref: Ref  # where that list comes from
    # Relatives who qualify only on a fact we do not hold (民法典 1045: 其他共同生活的近亲属).
    relations_to_confirm: tuple[Relation, ...] = ()
    # ``centralized_only``: only inside the centralized period (山阴 三(一)3);
    # ``silent``: the document names no period — inside the centralized period is taken as
    # ordinary payment, outside it the clerk confirms.
    period: Literal["centralized_only", "silent"]
    period_ref: Ref

    @model_validator(mode="after")
    def _disjoint(self) -> FamilyAidRules:
        if set(self.relations) & set(self.relations_to_confirm):
            raise ValueError("relations 与 relations_to_confirm 不能有相同的亲属关系")
        return self
