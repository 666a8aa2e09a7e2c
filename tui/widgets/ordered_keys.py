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
from textual.dom import NoScreen
from textual.widget import Widget
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


_original_handle_key: Callable[[Widget, events.Key], Awaitable[bool]] | None = None


async def _handle_key(self: Widget, event: events.Key) -> bool:
    """The same for any other widget's own keys (a Select's Enter, its list's Down and Enter):
    run where the key reaches the widget, so Enter, Down, Down, Enter typed at once open the
    list, move in it and choose, in that order."""
    if not event.is_printable:
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.stop()
                event.prevent_default()
                return True
    assert _original_handle_key is not None
    return await _original_handle_key(self, event)


def order_field_keys() -> None:
    """Install once, when the desk's app class is imported."""
    global _original, _original_handle_key
    if _original is None:
        _original = Input._on_key
        Input._on_key = _on_key  # type: ignore[method-assign]
    if _original_handle_key is None:
        _original_handle_key = Widget.handle_key
        Widget.handle_key = _handle_key  # type: ignore[method-assign]


_original_focus: Callable[..., Widget] | None = None


def _focus(self: Widget, scroll_visible: bool = True) -> Widget:
    """Textual's ``focus`` only asks the app to move the focus later, behind the keys already
    queued to it: Enter, Down, Down, Enter typed at once on a Select went to the Select, not to
    the list it opened, and the choice was lost. A widget already on the current screen takes
    the focus now (the deferred call then finds it there); one being mounted waits as before."""
    assert _original_focus is not None
    app = self.app
    try:
        screen = self.screen
    except NoScreen:
        return _original_focus(self, scroll_visible)
    if self.is_attached and screen is app.screen and self.focusable:
        screen.set_focus(self, scroll_visible=scroll_visible)
    return _original_focus(self, scroll_visible)


def focus_at_once() -> None:
    """Install once, when the desk's app class is imported."""
    global _original_focus
    if _original_focus is None:
        _original_focus = Widget.focus
        Widget.focus = _focus  # type: ignore[method-assign]
