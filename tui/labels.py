"""Labels several workflows show: sex, person status, 与户主关系, a region with its name.

Presentation only; no rule decides anything here.
"""

from __future__ import annotations

SEX_LABELS = {"1": "男", "2": "女"}
STATUS_LABELS = {"active": "正常", "dead": "死亡", "moved_out": "迁出"}


# Codes offered for 与户主关系 (GB/T 4761; 02 = 户主). Labels come from yibao.relations.
HEAD_RELATION_CODES: tuple[str, ...] = (
    "02", "10", "20", "30", "41", "42", "43", "44", "51", "52", "61", "62", "63", "64",
    "70", "28", "38", "97", "99",
)


def relation_label(code: str | None) -> str:
    if not code:
        return "—"
    from yibao.relations import LABELS

    return LABELS.get(code, code)


def relation_options() -> list[tuple[str, str]]:
    return [(f"{code} {relation_label(code)}", code) for code in HEAD_RELATION_CODES]


def region_text(code: str | None) -> str:
    """``611023`` → ``商南县（611023）``; empty → ``—``."""
    if not code:
        return "—"
    from yibao.regions import name

    label = name(code)
    return f"{label}（{code}）" if label else code
