"""What F7's workers post back: one typed answer per service call."""

from __future__ import annotations

from dataclasses import dataclass

from tui.workflows.messages import Answer
from yibao.reports.chase import ChaseLine
from yibao.reports.progress import PersonLine, ProgressReport


@dataclass
class ProgressCounted(Answer):
    report: ProgressReport


@dataclass
class VillagePeople(Answer):
    lines: list[PersonLine]


@dataclass
class ChaseListed(Answer):
    lines: list[ChaseLine]
