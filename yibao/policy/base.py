"""Building blocks every policy section uses: a rule's reference to its clause."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

# Money in a policy file: whole fen, never a float (400.0 yuan typed as 400.0 would hide a slip).
Fen = Annotated[int, Field(ge=0, strict=True)]


class Strict(BaseModel):
    """Base of every policy model: unknown keys are errors, values are frozen."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Ref(Strict):
    """Where a rule comes from: its section in the document and the original sentence.

    ``defers_to`` names another document when this one only refers to it (e.g.
    商南's 独生子女 subsidy → 陕卫人口发〔2023〕36号); ``silent`` records that the
    document says nothing on the matter. Either makes the rule ask the clerk to confirm.
    """

    clause: str | None = None  # None only when silent
    text: str
    defers_to: str | None = None
    silent: bool = False
    note: str = ""  # our reading of the sentence, where it needed one (shown to supervisors)
    # False in a draft made from last year's file (``yibao policy new``): the figure and the
    # sentence are last year's until someone has checked them against the new notice.
    confirmed: bool = True

    @model_validator(mode="after")
    def _clause_unless_silent(self) -> Ref:
        if self.clause is None and not self.silent:
            raise ValueError("缺少 clause（条款）：只有文件未作规定（silent = true）时才可省略")
        return self

    @property
    def settled(self) -> bool:
        """True when the document itself decides the matter (neither silent nor deferring)."""
        return not self.silent and self.defers_to is None


class Document(Strict):
    number: str  # 文号, e.g. 商南政办发〔2024〕57号; empty in a draft until the notice is in hand
    issuer: str
    date: str  # ISO date, or "YYYY" when the paper prints no day; empty in a draft
    title: str
