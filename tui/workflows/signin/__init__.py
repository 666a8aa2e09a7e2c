"""Sign-in: the screen the desk opens on and locks back to (``SignInScreen``), and the
idle lock (``DeskLock``: back to sign-in after ``IDLE_MINUTES`` without a key, the form
underneath kept)."""

from tui.workflows.signin.lock import DeskLock, idle_seconds
from tui.workflows.signin.screen import SignInScreen

__all__ = ["DeskLock", "SignInScreen", "idle_seconds"]
