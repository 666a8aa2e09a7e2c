"""What the sign-in worker posts back: the clerk signed in, or why not."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from textual.message import Message

if TYPE_CHECKING:  # the sign-in screen paints before the storage layer is imported
    from yibao.services import Services


@dataclass
class SignedIn(Message):
    """The password is the clerk's: the services for them."""

    services: Services


@dataclass
class SignInFailed(Message):
    """A Chinese ``text`` saying why not (wrong password, the two passwords differ …)."""

    text: str
