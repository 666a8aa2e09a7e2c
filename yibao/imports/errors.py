"""Errors of the import package; messages are Chinese and say what to do."""

from __future__ import annotations


class ImportFileError(ValueError):
    """The file as a whole cannot be imported (not found, unreadable, no header)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message
