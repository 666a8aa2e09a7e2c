"""参保历史: what the registry derived of a person's insurance history, with its sources, and
the declaration (with a reason) that overrides it.

Above the fields, the registry's own record (``services.history.known``): one line per year
from last year back (已参保 / 断保 / 断保·已缴费修复) naming its source — this registry's
payment (收据号) or an imported payer list (file and row). Fields, one line each: 上年度参保
(按登记库记录 / 已参保 / 未参保), 连续断保年数, 已缴费修复年数, 连续参保年数, 职工医保停保日期
(shown only for the category 职工医保断保) and 申报理由 (required when the fields differ from
the record). ``prefill(known)`` puts in what the registry derived;
``declared()`` gives the keyword arguments of ``services.history.validate_declared`` (which
checks them; this widget only reads what was typed). A change by the clerk posts
``HistoryForm.Changed`` so the screen can quote again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.widgets import Input, Label, Select, Static

from tui.widgets.inputs import DateInput, Restricted

if TYPE_CHECKING:
    from textual.widget import Widget

    from yibao.services.history import DeclaredHistory, HistoryView

PREVIOUS_YEAR_OPTIONS: list[tuple[str, str]] = [
    ("按登记库记录", "registry"),
    ("已参保", "enrolled"),
    ("未参保", "not_enrolled"),
]
EMPLOYEE_LAPSE = "employee_lapse"

# service argument → the input's id (to put the focus where a refusal points)
FIELD_IDS: dict[str, str] = {
    "previous_year": "hist-previous",
    "lapsed_years": "hist-lapsed",
    "repaid_years": "hist-repaid",
    "continuous_years": "hist-continuous",
    "employee_exit_on": "hist-exit",
    "reason": "hist-reason",
}

_HINT_DEFAULT = "按登记库记录（本库缴费和导入的参保缴费名单）；与记录不同时按证明填写，并写明申报理由。"
_YEARS_SHOWN = 6


def _row(label: str, widget: Widget, *, row_id: str | None = None) -> Horizontal:
    return Horizontal(Label(label, classes="field-label"), widget, classes="row", id=row_id)


def _year_lines(known: HistoryView | None) -> str:
    """One line per year with its source, last year first (markup-safe text)."""
    from rich.markup import escape

    years = list(getattr(known, "years", ()))
    lines = [
        f"{y.year}年度  {y.status_label}  {escape(y.source)}" for y in years[:_YEARS_SHOWN]
    ]
    if len(years) > _YEARS_SHOWN:
        lines.append(f"……更早 {len(years) - _YEARS_SHOWN} 个年度从略")
    return "\n".join(lines)


def _years(value: str) -> int | None:
    value = value.strip()
    return int(value) if value.isdigit() else None


class HistoryForm(Vertical):
    """参保历史 fields; ``declared()`` → kwargs for ``history.validate_declared``."""

    DEFAULT_CSS = """
    HistoryForm { height: auto; }
    HistoryForm > #hist-title { color: $text-muted; text-style: bold; margin: 0 0 0 2; }
    HistoryForm > #hist-known { margin: 0 0 0 4; height: auto; }
    HistoryForm > #hist-years { margin: 0 0 1 4; height: auto; color: $text-muted; }
    HistoryForm > #hist-hint { margin: 0 0 1 4; height: auto; }
    """

    @dataclass
    class Changed(Message):
        """The clerk changed a history field (not sent while prefilling)."""

        form: HistoryForm

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.known: HistoryView | None = None  # of the person on file
        self.category: str = "general"
        self.touched = False  # changed by the clerk since the last prefill

    def compose(self) -> ComposeResult:
        yield Static("参保历史（影响待遇等待期、大病保险限额）", id="hist-title")
        yield Static(_HINT_DEFAULT, id="hist-known", classes="hint")
        yield Static("", id="hist-years")
        yield _row("上年度参保", Select(PREVIOUS_YEAR_OPTIONS, id="hist-previous", value="registry", allow_blank=False))
        yield _row("连续断保年数", Restricted(value="0", placeholder="至上年度连续未参保的年数", id="hist-lapsed", takes="数字（年数）", restrict=r"\d*", max_length=2))
        yield _row("已修复年数", Restricted(value="0", placeholder="断保年度中事后已缴费修复的年数", id="hist-repaid", takes="数字（年数）", restrict=r"\d*", max_length=2))
        yield _row("连续参保年数", Restricted(value="0", placeholder="至上年度连续参加居民医保的年数", id="hist-continuous", takes="数字（年数）", restrict=r"\d*", max_length=3))
        yield _row("职工停保日期", DateInput(allow_empty=True, id="hist-exit", placeholder="职工医保停保证明上的日期"), row_id="hist-exit-row")
        yield _row("申报理由", Input("", placeholder="与登记库记录不同时必填：所持证明或说明", id="hist-reason", max_length=200))
        yield Static("", id="hist-hint", classes="hint")

    def on_mount(self) -> None:
        self.set_category(self.category)

    # -- filled by the screen -----------------------------------------------------------------
    def prefill(self, known: HistoryView) -> None:
        """What the registry knows (a ``HistoryView``); the clerk's changes start from here."""
        self.known = known
        with self.prevent(Input.Changed, Select.Changed):
            self.query_one("#hist-previous", Select).value = "registry"
            self.query_one("#hist-lapsed", Input).value = str(known.lapsed_years)
            self.query_one("#hist-repaid", Input).value = str(getattr(known, "repaid_years", 0))
            self.query_one("#hist-continuous", Input).value = str(known.continuous_years)
            self.query_one("#hist-reason", Input).value = ""
            exit_on = known.other_scheme_exit_on
            self.query_one("#hist-exit", DateInput).value = exit_on.isoformat() if exit_on else ""
        self.query_one("#hist-known", Static).update(known.summary)
        self.query_one("#hist-years", Static).update(_year_lines(known))
        self.touched = False
        self.say("")

    def clear(self) -> None:
        """A person not on file: nothing known, nothing declared (the form's defaults)."""
        self.known = None
        with self.prevent(Input.Changed, Select.Changed):
            self.query_one("#hist-previous", Select).value = "registry"
            for widget_id in ("#hist-lapsed", "#hist-repaid", "#hist-continuous"):
                self.query_one(widget_id, Input).value = "0"
            self.query_one("#hist-exit", DateInput).value = ""
            self.query_one("#hist-reason", Input).value = ""
        self.query_one("#hist-known", Static).update(_HINT_DEFAULT)
        self.query_one("#hist-years", Static).update("")
        self.touched = False
        self.say("")

    @property
    def asks_exit_date(self) -> bool:
        """职工医保断保: the stop date is asked (and checked even when the clerk typed nothing)."""
        return self.category == EMPLOYEE_LAPSE

    def set_category(self, category: str) -> None:
        """职工医保断保: the stop date is asked and the years count all basic insurance (五(六))."""
        self.category = category
        employee = category == EMPLOYEE_LAPSE
        self.query_one("#hist-exit-row").display = employee
        self.query_one("#hist-continuous", Input).placeholder = (
            "至停保时连续参加基本医保（含职工医保）的年数" if employee else "至上年度连续参加居民医保的年数"
        )

    def say(self, text: str, *, error: bool = False) -> None:
        """The line under the fields: a refusal of the declaration, or a hint."""
        hint = self.query_one("#hist-hint", Static)
        hint.update(f"[b red]{text}[/]" if error and text else text)
        if text:  # the line is below the fields: bring it into view
            self.call_after_refresh(hint.scroll_visible, animate=False)

    def focus_field(self, field: str) -> bool:
        """Focus the input for a service argument; False when it is not one of these."""
        widget_id = FIELD_IDS.get(field)
        if widget_id is None:
            return False
        self.query_one(f"#{widget_id}").focus()
        return True

    # -- read by the screen --------------------------------------------------------------------
    def differs_from_record(self) -> bool:
        """The fields say something other than the registry's record (a declaration)."""
        known = self.known
        declared = self.declared()
        record = {
            "previous_year": "registry",
            "lapsed_years": known.lapsed_years if known else 0,
            "repaid_years": getattr(known, "repaid_years", 0) if known else 0,
            "continuous_years": known.continuous_years if known else 0,
        }
        for key, value in record.items():
            typed = declared[key]
            if typed is not None and typed != value:
                return True
        exit_on = declared["employee_exit_on"]
        on_file = known.other_scheme_exit_on if known else None
        return exit_on is not None and exit_on != on_file

    def missing_reason(self) -> tuple[str, str] | None:
        """(field, Chinese message) before 收款: a declaration that differs from the
        registry's record with no 申报理由 (the payment service refuses it too)."""
        if self.differs_from_record() and not self.query_one("#hist-reason", Input).value.strip():
            return (
                "reason",
                "参保历史与登记库记录不同：请填写申报理由（参保人所持证明或说明），再收款。",
            )
        return None

    def typing_problem(self) -> tuple[str, str] | None:
        """(field, Chinese message) when the stop date shown is typed but not a date."""
        if self.category != EMPLOYEE_LAPSE:
            return None
        exit_input = self.query_one("#hist-exit", DateInput)
        text = exit_input.value.strip()
        if text and exit_input.date is None:
            return (
                "employee_exit_on",
                f"职工医保停保日期“{text}”不是有效日期，请按 YYYY-MM-DD 或 YYYYMMDD 填写。",
            )
        return None

    def declared(self) -> DeclaredHistory:
        """Keyword arguments for ``services.history.validate_declared`` (as typed).

        A stop date that is not a date is passed as its text: the worker refuses it with
        the field named (an empty one is "not declared")."""
        previous = self.query_one("#hist-previous", Select).value
        out: DeclaredHistory = {
            "previous_year": "registry" if previous is Select.BLANK else str(previous),
            "lapsed_years": _years(self.query_one("#hist-lapsed", Input).value),
            "repaid_years": _years(self.query_one("#hist-repaid", Input).value),
            "continuous_years": _years(self.query_one("#hist-continuous", Input).value),
            "employee_exit_on": None,
            "reason": self.query_one("#hist-reason", Input).value.strip() or None,
        }
        if self.category == EMPLOYEE_LAPSE:
            exit_input = self.query_one("#hist-exit", DateInput)
            if exit_input.value.strip():
                out["employee_exit_on"] = exit_input.date or exit_input.value.strip()
        return out

    # -- the clerk's changes ---------------------------------------------------------------------
    @on(Input.Changed)
    @on(Select.Changed)
    def _changed(self, event: Input.Changed | Select.Changed) -> None:
        event.stop()
        self.touched = True
        if event.control.id == "hist-previous":
            self._previous_hint(str(event.value))
        if isinstance(event.control, DateInput) and event.value.strip() and event.control.date is None:
            return  # a date being typed: the input says what is wrong; quoted once it is a date
        self.post_message(self.Changed(self))

    def _previous_hint(self, value: str) -> None:
        if value == "not_enrolled":
            self.say("未参保：连续断保年数至少1年；补缴过的填已补缴年数。")
        elif value == "enrolled":
            self.say("已参保（含在外地参保）：断保年数填0，并填连续参保年数。")
        else:
            self.say("")

    @on(Input.Submitted)
    def _next(self, event: Input.Submitted) -> None:
        """Enter moves on, like the rest of the form."""
        event.stop()
        self.screen.focus_next()
