"""What the registry sub-commands share: options resolved, errors in Chinese, no traceback.

``--db`` / ``--policy`` / ``--clerk`` live on the main parser. What is not given comes
from the environment (``YIBAO_DATABASE_URL``, ``YIBAO_POLICY``, ``YIBAO_CLERK``) or
from what the registry remembers: the policy it serves is recorded in the registry
itself by ``yibao init`` or the desk's first-run setup (``yibao.config.registry_policy``);
the last clerk per registry is kept in ``desk.json`` in the user's data directory
(``yibao.config.last_clerk``).

Nothing heavy is imported at module level: ``yibao --help`` must stay instant.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from typing import Any

ENV_POLICY = "YIBAO_POLICY"
ENV_CLERK = "YIBAO_CLERK"
ENV_DEBUG = "YIBAO_DEBUG"


class CliError(Exception):
    """A bad input or state; ``message`` (Chinese) is printed and the exit status is 1."""

    def __init__(self, message: str, status: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


def fail(message: str, status: int = 1) -> int:
    print(message, file=sys.stderr)
    return status


def guarded(handler: Callable[[Any], int]) -> Callable[[Any], int]:
    """Run ``handler``; every error becomes a Chinese line on stderr and a non-zero status.

    Set ``YIBAO_DEBUG=1`` to see the traceback of an unexpected error.
    """

    def run(args: Any) -> int:
        try:
            return int(handler(args) or 0)
        except CliError as exc:
            return fail(exc.message, exc.status)
        except KeyboardInterrupt:
            return fail("已中断，未完成的操作没有写入登记库。", 130)
        except BrokenPipeError:
            raise  # the reader of the output went away (| head): main() stops quietly
        except Exception as exc:  # every module raises its own Chinese-message error
            message = getattr(exc, "message", None)
            if message is None and _is_ours(exc):
                message = str(exc)
            if message:
                return fail(str(message))
            if os.environ.get(ENV_DEBUG):
                traceback.print_exc()
            return fail(
                f"发生内部错误（{type(exc).__name__}），操作没有完成，登记库未改动。"
                f"请把这条信息告诉维护人员；设置环境变量 {ENV_DEBUG}=1 可看到详细信息。"
            )

    return run


def _is_ours(exc: Exception) -> bool:
    from yibao.db import RegistryError

    names = {type(exc).__name__, *(c.__name__ for c in type(exc).__mro__)}
    return (
        isinstance(exc, RegistryError | PermissionError | LookupError)
        or bool(names & {"PolicyError", "InvalidInput", "Refused", "InvalidIdNumber"})
        or (isinstance(exc, ValueError) and _has_han(str(exc)))
    )


def _has_han(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


# --- options --------------------------------------------------------------------------


def registry_url(args: Any) -> str:
    from yibao.db import resolve_url

    return resolve_url(getattr(args, "db", None))


def policy_id(args: Any, url: str, *, required: bool = True) -> str | None:
    """``--policy``, ``YIBAO_POLICY``, an outreach laptop's own policy file, or the
    policy the registry records (``yibao.config.resolve_policy`` / ``remembered_policy``)."""
    from yibao.config import remembered_policy, resolve_policy

    chosen = resolve_policy(
        url,
        explicit=getattr(args, "policy", None),
        remembered=remembered_policy(url),
    )
    if not chosen and required:
        raise CliError(
            f"未选择政策。请用 --policy 指定，如 --policy shangnan-2025。{_policy_hint()}"
        )
    return chosen


def _policy_hint() -> str:
    try:
        from yibao.policy import list_policies

        ids = [p.id for p in list_policies()]
    except Exception:  # a broken policy file must not hide the real message
        return ""
    return f"可选：{'、'.join(ids)}。" if ids else ""


def load_policy(policy: str) -> Any:
    from yibao.policy import load_policy as load

    return load(policy)


def clerk_name(args: Any, url: str, *, default: str | None = None) -> str:
    from yibao.config import last_clerk

    name = getattr(args, "clerk", None) or os.environ.get(ENV_CLERK) or last_clerk(url)
    name = (name or default or "").strip()
    if not name:
        raise CliError("未填写经办人员姓名。请用 --clerk 姓名 指定（随后输入密码），或先运行 yibao init。")
    return name


def open_engine(url: str, *, create: bool = False) -> Any:
    """The registry at ``url``; a SQLite file that does not exist is refused unless
    ``create`` (only ``yibao init`` creates a registry)."""
    from yibao.db import open_registry

    return open_registry(url, create=create)


def read_password(args: Any, prompt: str = "密码：", *, confirm: bool = False) -> str:
    """The password: one line of standard input with ``--password-stdin``, else asked at
    the terminal (``getpass``, not echoed; twice when ``confirm``)."""
    import getpass

    if getattr(args, "password_stdin", False):
        line = sys.stdin.readline()
        if not line:
            raise CliError("--password-stdin：标准输入中没有读到密码（应为一行）。")
        return line.rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CliError(
            "需要输入密码：请在终端中运行（将提示输入密码），"
            "或加 --password-stdin 从标准输入读入一行密码。"
        )
    try:
        first = getpass.getpass(prompt)
        if confirm and getpass.getpass("再输入一次：") != first:
            raise CliError("两次输入的密码不一致，未作任何更改。")
    except EOFError:
        raise CliError("没有读到密码，操作未进行。") from None
    return first


def sign_in(args: Any, engine: Any, url: str, device: Any) -> Any:
    """Sign in the clerk named by ``--clerk`` / ``YIBAO_CLERK`` / the last clerk on this
    registry, with the password read by ``read_password``; returns their ``ClerkInfo``.
    Every command that writes does this first (``yibao.auth.sign_in``: audited, slowed
    after repeated failures). A clerk is never created here."""
    from yibao.auth import SignInRefused
    from yibao.auth import sign_in as check
    from yibao.models import utcnow

    name = clerk_name(args, url)
    password = read_password(args, f"{name} 的密码：")
    try:
        clerk = check(engine, name=name, password=password, device=device, now=utcnow())
    except SignInRefused as exc:
        raise CliError(f"登录失败：{exc.message}") from None
    return clerk


def actor_for(args: Any, engine: Any, url: str, *, device_name: str | None = None) -> Any:
    """Sign the clerk in (``sign_in``) on this installation's device; returns
    ``(audit.Actor, DeviceInfo)``."""
    import socket

    from yibao.audit import Actor
    from yibao.config import ensure_device

    name = device_name or socket.gethostname()  # only names a device created now
    device = ensure_device(engine, name=name)
    person = sign_in(args, engine, url, device)
    return Actor(device_id=device.id, clerk_id=person.id, clerk_name=person.name), device
