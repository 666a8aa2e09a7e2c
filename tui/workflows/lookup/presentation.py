"""F6 查询: a lookup hit as the cells of the result table. Presentation only."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.formatting import show_date
from tui.labels import SEX_LABELS, STATUS_LABELS, relation_label

if TYPE_CHECKING:
    from yibao.lookup import PersonRow


def hit_row(hit: PersonRow) -> tuple[str, tuple[str, ...]]:
    """A lookup ``PersonRow`` as (person_id, cells) for the result table."""
    return hit.person_id, (
        hit.name,
        SEX_LABELS.get(hit.sex or "", "—"),
        hit.id_masked or "（无身份证号）",
        show_date(hit.birth_date),
        hit.household_number or "—",
        relation_label(hit.relation_to_head),
        STATUS_LABELS.get(hit.status, hit.status),
    )
