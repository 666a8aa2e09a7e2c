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
)


class ChineseArgumentParser(argparse.ArgumentParser):
    """argparse whose errors a clerk can read."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        self.exit(2, f"命令参数有误：{message}\n请运行 yibao --help 查看用法。\n")


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(
        prog="yibao",
        description="城乡居民基本医疗保险 参保缴费窗口终端。不带子命令时打开窗口界面。",
    )
    parser.add_argument("--db", help="登记库：SQLite 文件路径或数据库 URL（默认在用户数据目录）")
    parser.add_argument("--policy", help="政策编号，如 shangnan-2025")
    parser.add_argument("--clerk", help="经办人员姓名")
    parser.add_argument("--demo", action="store_true", help="在临时演示库上打开窗口界面")
    sub = parser.add_subparsers(dest="command", metavar="子命令")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    import os

    os.umask(0o077)  # registry, backups, bundles, receipts, exports, sheets: owner only (0600/0700)
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        # No sub-command: open the desk. Imported lazily: yibao/ never imports tui/ at module level.
        from tui.app import run_desk

        return run_desk(args)
    return int(func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
