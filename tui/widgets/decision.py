"""Shows a rules Decision: the outcome, the figures with their clauses, and the reasons.

The panel knows nothing about which rule produced the decision: screens turn a
service view into ``Figure`` rows (label, value, clause) and pass its reasons.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widgets import Static

from tui.widgets.wrapping import CjkText

if TYPE_CHECKING:
    from yibao.rules.decision import Clause

_OUTCOME_STYLE = {"allowed": "bold green", "refused": "bold red", "confirm": "bold yellow"}


@dataclass(frozen=True)
class Figure:
    label: str
    value: str
    clause: str = ""  # the section, e.g. "四(二)2(1)"; the document is cited in the reasons


def section(clause: Clause | None) -> str:
    """A clause as the figures table shows it: the section only (the document is in the
    panel title); ``未作规定`` when the document is silent; empty when there is none."""
    if clause is None:
        return ""
    return clause.section or "未作规定"


class Explained(Protocol):
    """What the panel shows: a rules ``Decision``, or a service view carrying one (its
    ``outcome`` an ``Outcome`` or its value, and ``explain()`` the reasons)."""

    @property
    def outcome(self) -> object: ...

    def explain(self) -> list[str]: ...


def outcome_of(decision: Explained) -> tuple[str, str]:
    """(value, Chinese label) of a decision's outcome."""
    outcome = getattr(decision, "outcome", None)
    value = getattr(outcome, "value", str(outcome))
    label = getattr(outcome, "label", value)
    return value, label


def reasons_of(decision: Explained) -> list[str]:
    explain = getattr(decision, "explain", None)
    return list(explain()) if callable(explain) else []


class DecisionPanel(Static):
    """Outcome, then a table of figures (项目 / 金额或日期 / 依据), then the reasons."""

    DEFAULT_CSS = """
    DecisionPanel { height: auto; padding: 0 1; border: round $primary; }
    DecisionPanel.-refused { border: round $error; }
    DecisionPanel.-stale { border: round $warning; color: $text-muted; }
    DecisionPanel.-confirm { border: round $warning; }
    DecisionPanel.-empty { display: none; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__("", **kwargs)
        self.border_title = "政策核定"
        self.add_class("-empty")

    plain: str = ""
    """The panel as plain text (for tests and the log)."""

    def clear(self) -> None:
        self.plain = ""
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
        parts: list[RenderableType] = [Text(f"结论：{outcome_label}", style=_OUTCOME_STYLE.get(outcome, "bold"))]
        if figures:
            table = Table(box=None, show_header=True, header_style="bold", expand=True, pad_edge=False)
            table.add_column("项目", no_wrap=True)
            table.add_column("核定", ratio=3, overflow="fold")
            # A clause (四(二)2(1)) must not fold on a 100-column terminal: its column is as
            # wide as the longest clause (up to 12 cells); the figures take what is left.
            clause_width = min(max((cell_len(f.clause) for f in figures), default=0), 12)
            table.add_column("条款", style="dim", overflow="fold", width=max(clause_width, 4))
            for figure in figures:
                table.add_row(figure.label, CjkText(figure.value), figure.clause)
            parts.append(table)
        unique = list(dict.fromkeys(reasons))  # the same sentence from two checks is read once
        if unique:
            parts.append(Text("理由：", style="bold"))
            grid = Table.grid(padding=(0, 1))
            grid.add_column(no_wrap=True)
            grid.add_column(ratio=1, overflow="fold")
            for reason in unique:
                grid.add_row("·", CjkText(reason))
            parts.append(grid)
        self.plain = "\n".join(
            [f"结论：{outcome_label}"]
            + [f"{f.label} {f.value} {f.clause}" for f in figures]
            + [f"· {reason}" for reason in unique]
        )
        self.update(Group(*parts))
        self.remove_class("-empty")
        self.set_class(outcome == "refused", "-refused")
        self.set_class(outcome == "confirm", "-confirm")

    def show_decision(self, decision: Explained, figures: Sequence[Figure] = (), *, title: str = "政策核定") -> None:
        value, label = outcome_of(decision)
        self.show(value, label, figures, reasons_of(decision), title=title)
