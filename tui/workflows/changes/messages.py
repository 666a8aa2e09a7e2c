"""What the 修改审核 screen's workers post back: one typed answer per service call."""

from __future__ import annotations

from dataclasses import dataclass

from tui.workflows.messages import Answer
from yibao.services.change_requests import ChangeRequestView


@dataclass
class ChangesRead(Answer):
    requests: list[ChangeRequestView]


@dataclass
class ChangeDecided(Answer):
    request: ChangeRequestView
