"""The yibao desk: a keyboard-first Textual app over ``yibao.services`` (see docs/desk.md)."""
