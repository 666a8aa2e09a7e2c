"""What the sign-in worker posts back: the clerk signed in, or why not."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from yibao.services import Services


@dataclass
class SignedIn(Message):
    """The password is the clerk's: the services for them."""

    services: Services


@dataclass
class SignInFailed(Message):
    """A Chinese ``text`` saying why not (wrong password, the two passwords differ …)."""

    text: str
