"""Entry point of the ``yibao`` command.

Sub-command modules each expose ``register(subparsers)`` and set
``parser.set_defaults(func=...)``; ``func(args) -> int`` is the exit status.
Modules keep heavy imports (sqlmodel, openpyxl) inside ``func`` so that
``yibao --help`` stays instant.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

# Order is the order shown in ``yibao --help``.
COMMAND_MODULES = (
    "yibao.cli.policy",
    "yibao.cli.check",
    "yibao.cli.registry",
    "yibao.cli.identities_import",
    "yibao.cli.outreach",
    "yibao.cli.report",
    "yibao.cli.clerks",
    "yibao.cli.printer",
)


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse whose errors a clerk can read."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"命令参数有误：{message}\n请运行 yibao --help 查看用法。\n")


def build_parser() -> argparse.ArgumentParser:
    from yibao.cli import zh_argparse

    zh_argparse.install()
    parser = ChineseArgumentParser(
        prog="yibao",
        description="城乡居民基本医疗保险 参保缴费窗口终端。不带子命令时打开窗口界面。",
    )
    _add_global_options(parser, default=None)
    parser.add_argument("--demo", action="store_true", help="在临时演示库上打开窗口界面")
    sub = parser.add_subparsers(dest="command", metavar="子命令")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    _accept_global_options_after(parser)
    return parser


def _add_global_options(
    parser: argparse.ArgumentParser, *, default: object, skip: frozenset[str] = frozenset()
) -> None:
    """The options every command takes; ``skip`` those the command defines itself (``init``
    has its own ``--clerk``, with its own help)."""
    if "--db" not in skip:
        parser.add_argument(
            "--db", default=default, help="登记库：SQLite 文件路径或数据库 URL（默认在用户数据目录）"
        )
    if "--policy" not in skip:
        parser.add_argument("--policy", default=default, help="政策编号，如 shangnan-2025")
    if "--clerk" not in skip:
        parser.add_argument(
            "--clerk", default=default,
            help="经办人员姓名（写入登记库的命令须登录：随后提示输入密码）",
        )
    if "--printer" not in skip:
        parser.add_argument(
            "--printer", default=default,
            help="收据打印机名称（lpstat -p 列出的），本次运行用它，不用本机设定的打印机",
        )
    if "--password-stdin" not in skip:
        parser.add_argument(
            "--password-stdin",
            action="store_true",
            default=False if default is None else default,
            help="从标准输入读入一行密码（供脚本使用），不在终端提示",
        )


def _accept_global_options_after(parser: argparse.ArgumentParser) -> None:
    """``yibao init --policy X --clerk Y`` works as well as ``yibao --policy X --clerk Y init``.

    Every sub-command (at any depth) also accepts ``--db``, ``--policy``, ``--clerk`` and
    ``--printer``;
    their default is "not given" (``SUPPRESS``), so a value given before the
    sub-command is kept unless the same option is repeated after it.
    """
    for action in parser._actions:
        if not isinstance(action, argparse._SubParsersAction):
            continue
        for child in dict.fromkeys(action.choices.values()):
            taken = frozenset(o for a in child._actions for o in a.option_strings)
            _add_global_options(child, default=argparse.SUPPRESS, skip=taken)
            _accept_global_options_after(child)


def main(argv: Sequence[str] | None = None) -> int:
    import os

    os.umask(0o077)  # registry, backups, bundles, receipts, exports, sheets: owner only (0600/0700)
    parser = build_parser()
    args = parser.parse_args(argv)
    from yibao import cipher

    cipher.set_secret_source(_ask_laptop_passphrase)  # an encrypted laptop registry asks once
    func = getattr(args, "func", None)
    if func is None:
        # No sub-command: open the desk. Imported lazily: yibao/ never imports tui/ at module level.
        from tui.app import run_desk

        return run_desk(args)
    try:
        return int(func(args) or 0)
    except BrokenPipeError:
        return _closed_pipe()


def _ask_laptop_passphrase(db: object, problem: str | None) -> str | None:
    """The team's passphrase for an encrypted laptop registry, asked at the terminal only."""
    import getpass

    if not sys.stdin.isatty():
        return None
    if problem:
        print(problem, file=sys.stderr)
    return getpass.getpass(f"外出登记库 {getattr(db, 'name', db)} 已加密，请输入外出组的数据包口令：")


def _closed_pipe() -> int:
    """The reader went away (``yibao lookup 张 | head``): stop quietly, as Unix tools do."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())  # so the interpreter's final flush cannot fail
    except (OSError, ValueError):
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
