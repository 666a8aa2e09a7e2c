"""Textual's own keys as the desk shows its keys: “Esc 关闭列表”, not “esc 关闭列表”."""

from __future__ import annotations


def test_the_open_list_says_esc_as_the_desks_keys_do() -> None:
    from textual.widgets._select import SelectOverlay

    import tui.app  # noqa: F401  (applies the Chinese labels)

    (binding,) = SelectOverlay._merged_bindings.key_to_bindings["escape"]
    assert (binding.key_display, binding.description) == ("Esc", "关闭列表")
