"""A field's own keys act in the order they were typed.

The same holds for a Select: Enter opens its list, but the Down, Down, Enter typed at once
after it (a clerk who knows the list by heart) reached the Select before the list had the
focus, each ran the Select's own "open" binding once it had bubbled up, and the choice was
lost. Here the Select opens its list at the Enter, in its own queue, and the keys queued
behind it move and choose in the list that is now open.

Textual runs a widget's bindings (an Input's Enter, Ctrl+U, Backspace …) only once the key has
bubbled back up to the app; the characters typed after it have by then been queued to the
field and are inserted first. So Ctrl+U followed at once by a name (a paste, a card reader, a
busy machine) cleared the name. Here the field runs its own binding when it reaches the key in
its own queue: after the characters before it, before the characters after it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from textual import events
from textual.widget import Widget
from textual.widgets import Input, OptionList, Select, SelectionList
from textual.widgets._select import SelectOverlay
from textual.widgets._toggle_button import ToggleButton

_original: Callable[[Input, events.Key], Awaitable[None]] | None = None
_original_select: Callable[[Widget, events.Key], Awaitable[None]] | None = None


async def _on_key(self: Input, event: events.Key) -> None:
    if not event.is_printable:
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if not binding.priority and await self.app.run_action(binding.action, self):
                event.stop()  # handled here: the app must not run it a second time
                event.prevent_default()
                return
    assert _original is not None
    await _original(self, event)


async def _select_on_key(self: Widget, event: events.Key) -> None:
    if isinstance(self, Select):
        if self.expanded:
            # The list is open (or opening: its focus may not have arrived yet): the key is
            # the list's, whichever widget's queue it was typed into.
            overlay = self.query_one(SelectOverlay)
            if event.key == "escape":
                overlay.action_dismiss()
                _handled(event)
                return
            if event.key == "enter":
                # Chosen now, not by the list's message to the Select: a key typed next
                # (Ctrl+B, Ctrl+S) reads the value chosen.
                index = overlay.highlighted
                if index is not None and self._options[index][1] != self.value:
                    self.value = self._options[index][1]
                self.expanded = False
                self.focus()
                _handled(event)
                return
            for binding in overlay._bindings.key_to_bindings.get(event.key, ()):
                if await self.app.run_action(binding.action, overlay):
                    _handled(event)
                    return
            if event.is_printable:
                await overlay._on_key(event)  # type to search
                _handled(event)
                return
        else:
            for binding in self._bindings.key_to_bindings.get(event.key, ()):
                if not binding.priority and await self.app.run_action(binding.action, self):
                    _handled(event)
                    return
    assert _original_select is not None
    await _original_select(self, event)


async def _own_binding_first(self: Widget, event: events.Key) -> None:
    """A list's, a table's or a check box's own key (Space, Enter, ↑↓ …) acts on it, in the
    order typed; the characters a list passes on (see ``RelativeList``) are not its own."""
    if not event.is_printable or event.key == "space":
        for binding in self._bindings.key_to_bindings.get(event.key, ()):
            if binding.priority:
                continue
            if isinstance(self, SelectionList) and binding.action == "select":
                # Ticked now: the list's own way (a message, read later) ticks whatever
                # is highlighted by then, so Space, Down, Space typed at once ticked the
                # second line twice and the first never.
                index = self.highlighted
                if index is not None and not self.get_option_at_index(index).disabled:
                    self.toggle(self.get_option_at_index(index))
                _handled(event)
                return
            if await self.app.run_action(binding.action, self):
                _handled(event)
                return
    assert _original_select is not None
    await _original_select(self, event)


def _handled(event: events.Key) -> None:
    event.stop()  # handled here: the app must not run it a second time
    event.prevent_default()


def order_field_keys() -> None:
    """Install once, when the desk's app class is imported."""
    global _original, _original_select
    if _original is None:
        _original = Input._on_key
        Input._on_key = _on_key  # type: ignore[method-assign]
    if _original_select is None:
        _original_select = Widget._on_key
        Select._on_key = _select_on_key  # type: ignore[method-assign,assignment]
        # Not a DataTable: its Enter chooses a row and the screen then moves the focus on
        # (F5: payment → 退费原因); the keys typed after it are meant for the next field.
        for kind in (OptionList, ToggleButton):  # SelectOverlay keeps its own
            kind._on_key = _own_binding_first  # type: ignore[method-assign,assignment]
