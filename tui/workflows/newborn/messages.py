"""What F3's workers post back: one typed answer per service call."""

from __future__ import annotations

from dataclasses import dataclass

from tui.workflows.messages import Answer
from tui.workflows.newborn.presentation import Assessed, Enrolled
from yibao.services.views import NewbornAssessmentView, PersonView


@dataclass
class GuardianFound(Answer):
    """The guardian's ID number typed is on file (the person) or not (None)."""

    guardian: PersonView | None


@dataclass
class NewbornOpened(Answer):
    """From the case view: the baby (assessed) when registered as one, else the guardian."""

    opened: Assessed | PersonView


@dataclass
class NewbornAssessed(Answer):
    assessed: Assessed


@dataclass
class NewbornReassessed(Answer):
    """The answer asked again for the benefit year chosen."""

    view: NewbornAssessmentView


@dataclass
class NewbornEnrolled(Answer):
    done: Enrolled
