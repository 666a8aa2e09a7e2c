"""Small builders shared by the rules tests (not a test module)."""

from __future__ import annotations

from datetime import date

from yibao.rules.facts import IdentityFact, PersonFacts


def person(*codes: str, born: date = date(1970, 6, 1), **facts: object) -> PersonFacts:
    """A person holding ``codes`` (valid without end) with any other PersonFacts fields."""
    return PersonFacts(
        birth_date=born,
        identities=tuple(IdentityFact(code=c) for c in codes),
        **facts,
    )


def sections(decision: object) -> list[str | None]:
    return [r.clause.section for r in decision.reasons]  # type: ignore[attr-defined]


def text(decision: object) -> str:
    return "\n".join(str(r) for r in decision.reasons)  # type: ignore[attr-defined]
