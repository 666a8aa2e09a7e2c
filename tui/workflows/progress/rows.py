"""How F7 shows a row of the progress report (text only; no rule, no query)."""

from __future__ import annotations

from yibao.identities import label as identity_label
from yibao.reports.chase import ChaseLine
from yibao.reports.progress import FORMULA_SOURCE, PersonLine, ProgressRow


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.2f}%"


def _unknowable(row: ProgressRow) -> bool:
    # Nobody paid here last year (or the year is not in the registry): a target of 0
    # "推算" from it would read as a real figure.
    return row.target_source == FORMULA_SOURCE and not row.target


def target_text(row: ProgressRow) -> str:
    return "—" if row.target is None or _unknowable(row) else f"{row.target:,}"


def area_cells(row: ProgressRow) -> tuple[str, ...]:
    source = "按上年缴费推算" if row.target_source == FORMULA_SOURCE else row.target_source
    if _unknowable(row):
        source = "上年无缴费记录，无法推算（可导入上年缴费名单）"
    return (row.name, target_text(row), f"{row.paid:,}", pct(row.rate), f"{row.change:+,}", source)


def person_cells(line: PersonLine) -> tuple[str, ...]:
    return (
        "✓ 已缴" if line.paid else "职工医保" if line.employee_insured else "未缴",
        line.name,
        line.id_masked,
        line.paid_on.isoformat() if line.paid_on else "",
        "上年已缴" if line.paid_last_year else "上年未缴",
        "、".join(line.identities),
    )


def chase_cells(line: ChaseLine) -> tuple[str, ...]:
    return (
        "✓" if line.paid else "□",
        line.name,
        line.id_masked,
        line.village or "",
        line.last_year,
        "、".join(identity_label(c) for c in line.identities),
        line.paid_on.isoformat() if line.paid_on else "",
    )
