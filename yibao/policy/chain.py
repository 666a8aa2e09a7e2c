"""A jurisdiction's chain of benefit years: one policy per year, from the bundled files,
the files a supervisor activated in the registry, and a file given on the command line.

Pure: no clock, no database. ``yibao.services.years`` gathers the registry's files and
``yibao.rules.years`` decides which years are open on a date.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from yibao.policy.loader import PolicyError, load_policy
from yibao.policy.model import Policy
from yibao.resources import policies_dir


@dataclass(frozen=True)
class Chain:
    """The years of one jurisdiction (``key``: the policy ids' prefix, e.g. ``shangnan``)."""

    key: str
    jurisdiction: str
    policies: tuple[Policy, ...]  # one per benefit year, oldest first

    def year(self, benefit_year: int) -> Policy | None:
        return next((p for p in self.policies if p.benefit_year == benefit_year), None)

    @property
    def latest(self) -> Policy:
        return self.policies[-1]

    @property
    def years(self) -> list[int]:
        return [p.benefit_year for p in self.policies]


def bundled(key: str) -> list[Policy]:
    """The bundled files of jurisdiction ``key`` that load (a broken file is skipped here;
    ``yibao policy check`` names what is wrong with it)."""
    out = []
    for path in sorted(Path(policies_dir()).glob(f"{key}-*.toml")):
        try:
            out.append(load_policy(path))
        except PolicyError:
            continue
    return out


def build_chain(key: str, *sources: Iterable[Policy]) -> Chain:
    """One policy per year from ``sources`` (each a list; later lists win for the same year),
    except that a confirmed file is never replaced by a draft of the same year."""
    chosen: dict[int, Policy] = {}
    for source in sources:
        for policy in source:
            if policy.key != key:
                continue
            held = chosen.get(policy.benefit_year)
            if held is not None and policy.is_draft and not held.is_draft:
                continue
            chosen[policy.benefit_year] = policy
    if not chosen:
        raise PolicyError(key, f"没有统筹地区“{key}”的政策文件。")
    policies = tuple(chosen[y] for y in sorted(chosen))
    return Chain(key=key, jurisdiction=policies[-1].jurisdiction, policies=policies)
