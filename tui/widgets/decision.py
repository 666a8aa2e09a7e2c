"""Shows a rules Decision: the outcome, the figures with their clauses, and the reasons.

The panel knows nothing about which rule produced the decision: screens turn a
service view into ``Figure`` rows (label, value, clause) and pass its reasons.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

_OUTCOME_STYLE = {"allowed": "bold green", "refused": "bold red", "confirm": "bold yellow"}


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    clause: str = ""  # e.g. "商南政办发〔2024〕57号 四(二)2(1)"


def outcome_of(decision: Any) -> tuple[str, str]:
    """(value, Chinese label) of a decision's outcome."""
    outcome = getattr(decision, "outcome", None)
    value = getattr(outcome, "value", str(outcome))
    label = getattr(outcome, "label", value)
    return value, label


def reasons_of(decision: Any) -> list[str]:
    explain = getattr(decision, "explain", None)
    return list(explain()) if callable(explain) else []


class DecisionPanel(Static):
    """Outcome, then a table of figures (项目 / 金额或日期 / 依据), then the reasons."""

    DEFAULT_CSS = """
    DecisionPanel { height: auto; padding: 0 1; border: round $primary; }
    DecisionPanel.-refused { border: round $error; }
    DecisionPanel.-confirm { border: round $warning; }
    DecisionPanel.-empty { display: none; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.border_title = "政策核定"
        self.add_class("-empty")

    def clear(self) -> None:
        self.update("")
        self.add_class("-empty")

    def show(
        self,
        outcome: str,
        outcome_label: str,
        figures: Sequence[Figure] = (),
        reasons: Iterable[str] = (),
        *,
        title: str = "政策核定",
    ) -> None:
        self.border_title = title
        parts: list[Any] = [Text(f"结论：{outcome_label}", style=_OUTCOME_STYLE.get(outcome, "bold"))]
        if figures:
            table = Table(box=None, show_header=True, header_style="bold", expand=True, pad_edge=False)
            table.add_column("项目", no_wrap=True)
            table.add_column("核定", no_wrap=True)
            table.add_column("依据", ratio=1)
            for figure in figures:
                table.add_row(figure.label, figure.value, Text(figure.clause, style="dim"))
            parts.append(table)
        reasons = list(reasons)
        if reasons:
            parts.append(Text("理由：", style="bold"))
            parts.extend(Text(f"· {reason}") for reason in reasons)
        self.update(Group(*parts))
        self.remove_class("-empty")
        self.set_class(outcome == "refused", "-refused")
        self.set_class(outcome == "confirm", "-confirm")

    def show_decision(self, decision: Any, figures: Sequence[Figure] = (), *, title: str = "政策核定") -> None:
        value, label = outcome_of(decision)
        self.show(value, label, figures, reasons_of(decision), title=title)
