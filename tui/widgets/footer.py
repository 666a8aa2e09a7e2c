"""The desk's key line: Textual's compact ``Footer``, rebuilt only when the keys it shows change.

Textual rebuilds its footer (some twenty keys, each mounted, styled and laid out) whenever a
screen's bindings may have changed, which includes every focus change: each Tab in a form.
Most focus changes leave the same keys showing, so the rebuild is skipped when the keys,
their labels and whether they are enabled are as last shown.

The line never overflows: Textual lets the keys run on under the palette key docked on the
right, which cut a label in half ("F7 进", "Ctrl+P 命") and left a stray border glyph. The
keys that do not fit are dropped whole, from the end of the line: the screen's own keys come
first and stay, the desk's F-keys go from F7 down; the palette key (every command is in
it) always stays.
"""

from __future__ import annotations

from collections.abc import Hashable

from rich.cells import cell_len
from textual import events
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

# What a compact key takes besides its text: the space between key and label, the margin
# after it; the palette key also has its border on the left.
_GAP = 1
_MARGIN = 1
_PALETTE_BORDER = 1


def key_width(key: FooterKey) -> int:
    """The columns ``key`` takes in the compact line."""
    width = cell_len(key.key_display) + _MARGIN
    if key.description:
        width += _GAP + cell_len(key.description)
    if key.has_class("-command-palette"):
        width += _PALETTE_BORDER
    return width


def fitting(keys: list[FooterKey], width: int) -> list[FooterKey]:
    """The keys of ``keys`` (in line order) that fit in ``width`` columns: the palette key,
    and as many of the others, from the start of the line, as leave it room."""
    palette = [k for k in keys if k.has_class("-command-palette")]
    room = width - sum(key_width(k) for k in palette)
    shown: list[FooterKey] = []
    for key in keys:
        if key in palette:
            continue
        room -= key_width(key)
        if room < 0:
            break
        shown.append(key)
    return shown + palette


class DeskFooter(Footer):
    def __init__(self) -> None:
        super().__init__(compact=True)
        self._shown: tuple[Hashable, ...] | None = None
        self._width = 0  # the width the keys were fitted to

    def _keys(self) -> tuple[Hashable, ...]:
        """What ``compose`` would show: every shown binding (and the palette key), as it
        is labelled, grouped and enabled now."""
        palette = self.app.COMMAND_PALETTE_BINDING
        return tuple(
            (key, binding.key, binding.action, binding.description, binding.group, enabled, tooltip)
            for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items()
            if binding.show or key == palette
        )

    def _line_width(self) -> int:
        """The footer spans the screen (docked at the bottom)."""
        return self.size.width or self.app.size.width

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = self._keys()
        self._width = self._line_width()
        # The desk's keys are single (no binding groups), so every widget is a FooterKey.
        keys = [widget for widget in super().compose() if isinstance(widget, FooterKey)]
        for widget in fitting(keys, self._width):
            # Born compact: Textual sets the class from a watcher once the key is
            # mounted, restyling each key a second time.
            widget.add_class("-compact", update=False)
            yield widget

    async def on_resize(self, event: events.Resize) -> None:
        if self._bindings_ready and event.size.width != self._width:
            await self.recompose()

    def bindings_changed(self, screen: Screen) -> None:
        self._bindings_ready = True
        if not screen.app.app_focus:
            return
        if self.is_attached and screen is self.screen:
            self.call_after_refresh(self._recompose_if_changed)

    async def _recompose_if_changed(self) -> None:
        if not self.is_attached or self._shown == self._keys():
            return
        await self.recompose()
