"""A field's own keys act in the order they were typed.

Textual runs a widget's bindings (an Input's Enter, Ctrl+U, Backspace …) only once the key has
bubbled back up to the app; the characters typed after it have by then been queued to the
field and are inserted first. So Ctrl+U followed at once by a name (a paste, a card reader, a
busy machine) cleared the name. Here the field runs its own binding when it reaches the key in
its own queue: after the characters before it, before the characters after it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual import events
from textual.widgets import Input

_original: Callable[[Input, events.Key], Awaitable[None]] | None = None


async def _on_key(self: Input, event: events.Key) -> None:
    if not event.is_printable:
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.stop()  # handled here: the app must not run it a second time
                event.prevent_default()
                return
    assert _original is not None
    await _original(self, event)


def order_field_keys() -> None:
    """Install once, when the desk's app class is imported."""
    global _original
    if _original is None:
        _original = Input._on_key
        Input._on_key = _on_key  # type: ignore[method-assign]
