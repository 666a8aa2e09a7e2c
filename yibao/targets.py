"""Participation targets published with the documents (参保任务), as reference data.

Kept as CSV under ``data/targets/``; loading re-checks the documents' own
arithmetic so a typo in the data is caught, not reported as progress.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from yibao.resources import data_dir

TOTAL_LABELS = {"总计", "合计"}


class TargetDataError(ValueError):
    """A targets file whose figures do not add up."""


@dataclass(frozen=True)
class Target:
    area: str  # 镇(办) or 县区 name
    target: int  # 参保任务人数
    region_code: str | None = None


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(line for line in handle if not line.startswith("#")))


def load_targets(name: str, *, directory: Path | None = None) -> list[Target]:
    """Targets of one file (e.g. ``shangnan-2024``), without the total row.

    Raises TargetDataError when a row breaks the document's formula or the
    total row does not equal the sum of the areas.
    """
    path = (directory or data_dir() / "targets") / f"{name}.csv"
    rows = _rows(path)
    areas: list[Target] = []
    total: int | None = None
    for number, row in enumerate(rows, start=2):
        area = row.get("town") or row.get("county") or ""
        target = int(row["target_2024"])
        if "paid_2023" in row:
            paid, refunded = int(row["paid_2023"]), int(row["refunded_2023"])
            after, suspended = int(row["paid_after_refund"]), int(row["suspended"])
            # 商南 附件2 说明: (1)−(2)=(3), (3)−(4)=(5)
            if paid - refunded != after or after - suspended != target:
                raise TargetDataError(f"{path.name} 第{number}行（{area}）不满足 (1)−(2)=(3)、(3)−(4)=(5)")
        if area in TOTAL_LABELS:
            total = target
        else:
            areas.append(Target(area=area, target=target, region_code=row.get("region_code") or None))
    if total is not None and total != sum(t.target for t in areas):
        raise TargetDataError(f"{path.name} 合计行 {total} 与各地之和 {sum(t.target for t in areas)} 不符")
    return areas
