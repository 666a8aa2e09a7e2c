"""Building blocks every policy section uses: a rule's reference to its clause."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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
    ``unavailable`` is different from ``silent``: the document does speak to the matter (in
    ``clause``, e.g. an annex), but its text could not be read (a missing or illegible annex);
    ``text`` then says what is missing. Decisions cite it as "原文未能取得", not "文件未作规定".
    """

    clause: str | None = None  # None only when silent
    text: str
    defers_to: str | None = None
    silent: bool = False
    unavailable: bool = False  # the clause exists but its text is not available to us
    note: str = ""  # our reading of the sentence, where it needed one (shown to supervisors)
    # False in a draft made from last year's file (``yibao policy new``): the figure and the
    # sentence are last year's until someone has checked them against the new notice.
    confirmed: bool = True

    @model_validator(mode="after")
    def _clause_unless_silent(self) -> Ref:
        if self.clause is None and not self.silent:
            raise ValueError("缺少 clause（条款）：只有文件未作规定（silent = true）时才可省略")
        if self.silent and self.unavailable:
            raise ValueError(
                "silent（文件未作规定）与 unavailable（原文未能取得）不能同时为 true："
                "文件没有这部分内容写 silent，有这部分但原文缺失写 unavailable 并填 clause"
            )
        return self

    @property
    def settled(self) -> bool:
        """True when the document itself decides the matter (neither silent nor deferring)."""
        return not self.silent and not self.unavailable and self.defers_to is None


class Document(Strict):
    """The notice. Some notices carry no 文号 (a 通告 on a county site): leave ``number`` out
    and the document is cited by issuing body, title and date (``citation``)."""

    number: str | None = None  # 文号, e.g. 商南政办发〔2024〕57号; None: the notice has none; empty in a draft
    issuer: str
    date: str  # ISO date, or "YYYY" when the paper prints no day; empty in a draft
    title: str
    source: str | None = None  # where the text was read (a public address), for notices found online

    @field_validator("date", mode="before")
    @classmethod
    def _date_as_written(cls, value: object) -> object:
        # An office typing the new notice's date writes it as TOML does (2026-09-20, no quotes).
        return value.isoformat() if isinstance(value, dt.date) else value

    @property
    def citation(self) -> str:
        """How decisions name the document: its 文号, or issuer《title》(date) without one."""
        if self.number and self.number.strip():
            return self.number
        title = self.title.strip("《》")
        named = f"《{title}》" if title else "（标题未填）"  # a draft, before the new notice is typed in
        return f"{self.issuer}{named}（{self.date or '日期未填'}）"
