"""What F6's worker posts back."""

from __future__ import annotations

from dataclasses import dataclass

from tui.workflows.messages import Answer
from yibao.services.lookup import SearchPage


@dataclass
class PageFound(Answer):
    page: SearchPage
