"""The desk's key line: Textual's compact ``Footer``, rebuilt only when the keys it shows change.

Textual rebuilds its footer (some twenty keys, each mounted, styled and laid out) whenever a
screen's bindings may have changed, which includes every focus change: each Tab in a form.
Most focus changes leave the same keys showing, so the rebuild is skipped when the keys,
their labels and whether they are enabled are as last shown.
"""

from __future__ import annotations

from collections.abc import Hashable

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class DeskFooter(Footer):
    def __init__(self) -> None:
        super().__init__(compact=True)
        self._shown: tuple[Hashable, ...] | None = None

    def _keys(self) -> tuple[Hashable, ...]:
        """What ``compose`` would show: every shown binding (and the palette key), as it
        is labelled, grouped and enabled now."""
        palette = self.app.COMMAND_PALETTE_BINDING
        return tuple(
            (key, binding.key, binding.action, binding.description, binding.group, enabled, tooltip)
            for key, (_node, binding, enabled, tooltip) in self.screen.active_bindings.items()
            if binding.show or key == palette
        )

    def compose(self) -> ComposeResult:
        if self._bindings_ready:
            self._shown = self._keys()
        for widget in super().compose():
            if isinstance(widget, FooterKey):
                # Born compact: Textual sets the class from a watcher once the key is
                # mounted, restyling each key a second time.
                widget.add_class("-compact", update=False)
            yield widget

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
