"""``[coverage]``: what the document says about the drive itself — participation goals,
the published targets, and who pays for each subsidy (资助资金来源).

Optional: a policy without it has no goal or target printed and its subsidies' sources
are reported as not split by the document (never guessed).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from yibao.identities import Identity
from yibao.policy.base import Fen, Ref, Strict


class Goal(Ref):
    """参保率目标 as printed (e.g. 商南 六(一): 98 % overall, special groups 100 %)."""

    rate_percent: int | None = Field(default=None, ge=0, le=100)
    special_rate_percent: int | None = Field(default=None, ge=0, le=100)


class Targets(Ref):
    """The document's table of 参保任务 kept in ``data/targets/<file>.csv``."""

    file: str  # e.g. shangnan-2024
    level: str = Field(pattern=r"^(town|county)$")  # rows are towns (镇办) or counties (县区)


class FundingShare(Strict):
    """One source's part of a subsidy: a fixed amount, or the whole (``rest``) of it."""

    source: str  # 省财政 / 市财政 / 县区财政 / 医疗救助基金 / 财政专项资金 …
    fen: Fen | None = None
    rest: bool = False  # the whole subsidy (or what the fixed shares leave)

    @model_validator(mode="after")
    def _one_way(self) -> FundingShare:
        if (self.fen is None) == (not self.rest):
            raise ValueError("资金来源须写 fen（定额）或 rest = true（全部/其余）之一")
        return self


class Funding(Ref):
    """Who pays the subsidy of these identities, as the clause prints it."""

    identities: tuple[Identity, ...] = Field(min_length=1)
    shares: tuple[FundingShare, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _at_most_one_rest(self) -> Funding:
        if sum(1 for s in self.shares if s.rest) > 1:
            raise ValueError("同一资助只能有一个 rest（其余部分）的资金来源")
        return self

    def split(self, subsidy_fen: int) -> list[tuple[str, int]] | None:
        """The subsidy split by source; None when the fixed shares do not add up to it."""
        fixed = sum(s.fen or 0 for s in self.shares)
        rest = [s for s in self.shares if s.rest]
        if fixed > subsidy_fen or (not rest and fixed != subsidy_fen):
            return None
        return [(s.source, s.fen if s.fen is not None else subsidy_fen - fixed) for s in self.shares]


class CoverageRules(Strict):
    goal: Goal | None = None
    targets: Targets | None = None
    funding: tuple[Funding, ...] = ()

    def funding_for(self, identity: str | None) -> Funding | None:
        if identity is None:
            return None
        return next((f for f in self.funding if identity in {i.value for i in f.identities}), None)
