"""``yibao check FILE_OR_DIR...``: run scenario files (docs/scenarios.md) against the rules.

One line per failed check, then exactly ``N passed, N failed``. Exit status 0 when
every case passes, 1 when any fails, 2 when a file is malformed.
"""

from __future__ import annotations

import argparse
import sys


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser(
        "check",
        help="运行场景文件，核对规则结果",
        description="运行 YAML 场景文件（格式见 docs/scenarios.md），逐条核对规则的结果。",
    )
    parser.add_argument(
        "paths", nargs="+", metavar="文件或目录", help="场景文件或包含场景文件的目录"
    )
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from yibao.scenarios import ScenarioError, run_paths  # heavy: loads policies and rules

    missing = [p for p in args.paths if not Path(p).exists()]
    if missing:
        print(f"找不到场景文件或目录：{'、'.join(missing)}。请检查路径。", file=sys.stderr)
        return 2
    try:
        results = run_paths(args.paths)
    except ScenarioError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    failed = [r for r in results if not r.passed]
    for result in failed:
        for line in result.lines():
            print(line)
    print(f"{len(results) - len(failed)} passed, {len(failed)} failed")
    return 1 if failed else 0
