"""Helpers shared by the F3–F5 desk tests (D2's screens)."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console


def shown(widget: Any) -> str:
    """What a ``Static`` shows, as plain text: markup and rich renderables rendered."""
    content = widget.content
    console = Console(width=200, file=io.StringIO(), color_system=None, legacy_windows=False)
    with console.capture() as capture:
        console.print(content)
    return capture.get()
