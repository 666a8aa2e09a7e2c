"""The workflow registry: which screen each desk key opens.

A workflow screen is a ``Screen`` whose constructor accepts ``person_id: str | None``
(the person the clerk came from in the case view, or ``None``). Screens are
imported lazily by dotted path; when a workflow's module does not exist yet, the
desk opens ``PlaceholderScreen`` ("建设中") instead. To plug in a new screen,
create the module named here — nothing else needs to change.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from textual.screen import Screen


@dataclass(frozen=True)
class Workflow:
    id: str
    title: str  # Chinese, shown in the header of the screen, the palette and help
    key_id: str  # id of its binding in tui.keymap.DESK_KEYS
    target: str  # "module:Class"
    for_person: bool  # can be started from the case view for the person shown


WORKFLOWS: dict[str, Workflow] = {
    w.id: w
    for w in (
        Workflow("register", "参保登记", "desk.register", "tui.screens.registration:RegistrationScreen", True),
        Workflow("newborn", "新生儿参保", "desk.newborn", "tui.screens.newborn:NewbornScreen", True),
        Workflow("family_aid", "家庭共济缴费", "desk.family_aid", "tui.screens.family_aid:FamilyAidScreen", True),
        Workflow("refund", "退费受理", "desk.refund", "tui.screens.refund:RefundScreen", True),
        Workflow("lookup", "查询", "desk.lookup", "tui.screens.lookup:LookupScreen", False),
        Workflow("progress", "征缴进度", "desk.progress", "tui.workflows.progress.screen:ProgressScreen", False),
    )
}


def screen_class(workflow: Workflow) -> type[Screen] | None:
    """The screen class of a workflow, or ``None`` while its module is not written yet."""
    module_name, _, class_name = workflow.target.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as error:
        if error.name == module_name:
            return None
        raise
    return getattr(module, class_name)


def make_screen(workflow_id: str, person_id: str | None = None) -> Screen:
    from tui.screens.placeholder import PlaceholderScreen

    workflow = WORKFLOWS[workflow_id]
    cls = screen_class(workflow)
    screen = PlaceholderScreen(workflow.title, person_id=person_id) if cls is None else cls(person_id=person_id)
    screen.workflow_id = workflow_id  # type: ignore[attr-defined]
    return screen
