"""The desk's workflows: which screen each desk key opens.

One package per workflow (``registration``, ``newborn``, ``family_aid``, ``refund``,
``lookup``, ``progress``, ``changes``, ``case``), each holding its screen, the worker calls and messages of that
screen, and its presentation (service view → cells and figures). A workflow screen's
constructor takes ``person_id: str | None`` (the person of the case view it was opened
from, or ``None``).

To add a workflow: create ``tui/workflows/<name>/`` with its screen, add one
``Workflow`` to ``WORKFLOWS`` below (its ``open`` imports the screen lazily, so the desk
starts without loading every screen) and one ``Key`` to ``tui.keymap.DESK_KEYS``. The
palette, the home menu, the help screen and the case view's "为此人办理" read these tables.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from textual.screen import Screen


@dataclass(frozen=True)
class Workflow:
    id: str
    title: str  # Chinese, shown in the header of the screen, the palette and help
    key_id: str  # id of its binding in tui.keymap.DESK_KEYS
    open: Callable[[str | None], Screen]  # person_id → a fresh screen
    for_person: bool  # can be started from the case view for the person shown


def _registration(person_id: str | None) -> Screen:
    from tui.workflows.registration.screen import RegistrationScreen

    return RegistrationScreen(person_id=person_id)


def _newborn(person_id: str | None) -> Screen:
    from tui.workflows.newborn.screen import NewbornScreen

    return NewbornScreen(person_id=person_id)


def _family_aid(person_id: str | None) -> Screen:
    from tui.workflows.family_aid.screen import FamilyAidScreen

    return FamilyAidScreen(person_id=person_id)


def _refund(person_id: str | None) -> Screen:
    from tui.workflows.refund.screen import RefundScreen

    return RefundScreen(person_id=person_id)


def _refund_queue(person_id: str | None) -> Screen:
    from tui.workflows.refund.queue import RefundQueueScreen

    return RefundQueueScreen()


def _changes(person_id: str | None) -> Screen:
    from tui.workflows.changes.screen import ChangesScreen

    return ChangesScreen()


def _lookup(person_id: str | None) -> Screen:
    from tui.workflows.lookup.screen import LookupScreen

    return LookupScreen()


def _progress(person_id: str | None) -> Screen:
    from tui.workflows.progress.screen import ProgressScreen

    return ProgressScreen(person_id=person_id)


def _dayclose(person_id: str | None) -> Screen:
    from tui.workflows.dayclose.screen import DayCloseScreen

    return DayCloseScreen()


WORKFLOWS: dict[str, Workflow] = {
    w.id: w
    for w in (
        Workflow("register", "参保登记", "desk.register", _registration, True),
        Workflow("newborn", "新生儿参保", "desk.newborn", _newborn, True),
        Workflow("family_aid", "家庭共济缴费", "desk.family_aid", _family_aid, True),
        Workflow("refund", "退费受理", "desk.refund", _refund, True),
        Workflow("refund_review", "退费审核", "desk.refund_review", _refund_queue, False),
        Workflow("lookup", "查询", "desk.lookup", _lookup, False),
        Workflow("progress", "征缴进度", "desk.progress", _progress, False),
        Workflow("dayclose", "现金日结", "desk.dayclose", _dayclose, False),
        Workflow("changes", "修改审核", "desk.changes", _changes, False),
    )
}


def make_screen(workflow_id: str, person_id: str | None = None) -> Screen:
    workflow = WORKFLOWS[workflow_id]
    screen = workflow.open(person_id)
    screen.workflow_id = workflow_id  # type: ignore[attr-defined]
    return screen
