"""``yibao import identities FILE --dept 民政 --batch 2024-09``: a department's list.

Checks every row, lists the refused ones with their row numbers and reasons,
imports the good rows in one transaction, ends the identities that dropped out of
the list, and prints a summary. ``--dry-run`` checks without writing.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from yibao.cli._common import (
    CliError,
    actor_for,
    clerk_name,
    guarded,
    load_policy,
    open_engine,
    policy_id,
    registry_url,
)

_BAR_FROM_ROWS = 500  # show a progress bar for lists longer than this


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "import",
        help="导入名单（特殊身份、以往年度参保缴费）",
        description="导入民政、农业农村、残联、卫健等部门提供的名单。",
    )
    kinds = p.add_subparsers(dest="import_kind", metavar="名单类型")
    p.set_defaults(func=guarded(_missing_kind))
    q = kinds.add_parser(
        "identities",
        help="特殊身份名单（CSV 或 .xlsx）",
        description="导入特殊身份名单：逐行核验身份证号、姓名、身份类别和日期，"
        "合格的行在一个事务中导入；同一部门、同一身份此前名单中有而本次名单中没有的人员，"
        "其身份被终止（不删除）。退出状态：0 全部导入，3 有行被拒收，1 整个文件无法导入。"
        "同一文件重复导入不会改变任何数据。",
    )
    q.add_argument("file", type=Path, help="名单文件：.csv（UTF-8 或 GBK）或 .xlsx")
    q.add_argument("--dept", required=True, help="提供名单的部门：民政、农业农村、残联、卫健 …")
    q.add_argument("--batch", required=True, help="名单所属月份，如 2024-09")
    q.add_argument(
        "--identity",
        help="整份名单的身份类别（名单中没有“身份类别”列时使用），如 低保对象",
    )
    q.add_argument("--dry-run", action="store_true", help="只核验并报告，不写入登记库")
    q.add_argument("--max-problems", type=int, default=200, help="最多列出多少条问题（默认 200）")
    q.set_defaults(func=guarded(_identities))
    from yibao.cli.enrolments_import import register_kind

    register_kind(kinds)


def _missing_kind(args: Any) -> int:  # noqa: ARG001
    raise CliError(
        "请写明名单类型，如：yibao import identities 名单.xlsx --dept 民政 --batch 2024-09"
    )


class _Bar:
    """A progress bar on stderr (rich), only for long lists and a terminal.

    Counts the good rows as they are applied; once every row is done it says
    "写入登记库…" (audit rows, flush and commit still take a while on a long
    list) and keeps spinning until the CLI closes it after the commit.
    """

    def __init__(self) -> None:
        self._progress: Any = None
        self._task: Any = None

    def __call__(self, done: int, total: int) -> None:
        if total < _BAR_FROM_ROWS or not sys.stderr.isatty():
            return
        if self._progress is None:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                SpinnerColumn,
                TextColumn,
            )

            self._progress = Progress(
                SpinnerColumn(),
                TextColumn("{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                console=Console(file=sys.stderr),
                transient=True,
            )
            self._progress.start()
            self._task = self._progress.add_task("导入中", total=total)
        description = "写入登记库…" if done >= total else "导入中"
        self._progress.update(self._task, completed=done, description=description)

    def close(self) -> None:
        if self._progress is not None:
            self._progress.stop()
            self._progress = None


def _identities(args: Any) -> int:
    from sqlmodel import Session

    from yibao.imports.identities import import_identities
    from yibao.imports.vocabulary import policy_department_codes
    from yibao.models import utcnow

    url = registry_url(args)
    chosen = policy_id(args, url, required=False)
    codes = policy_department_codes(load_policy(chosen)) if chosen else {}
    clerk_name(args, url)  # before opening: a missing name is said at once
    engine = open_engine(url)
    bar = _Bar()
    try:
        actor, _device = actor_for(args, engine, url)
        from yibao.db import write_engine

        with Session(write_engine(engine)) as session:
            report = import_identities(
                session,
                args.file,
                department=args.dept,
                batch=args.batch,
                actor=actor,
                now=utcnow(),
                department_codes=codes,
                default_identity=args.identity,
                dry_run=args.dry_run,
                progress=bar,
            )
            if args.dry_run:
                session.rollback()
            else:
                session.commit()  # the bar stays up ("写入登记库…") until this is done
    finally:
        bar.close()
        engine.dispose()

    shown = report.problems[: max(0, args.max_problems)]
    if shown:
        print(f"以下 {report.refused} 行未导入：", file=sys.stderr)
        for problem in shown:
            print(f"  {problem}", file=sys.stderr)
        if len(report.problems) > len(shown):
            print(f"  ……另有 {len(report.problems) - len(shown)} 条问题未列出。", file=sys.stderr)
    title = "核验结果（未写入登记库）" if args.dry_run else "导入完成"
    print(f"{title}：{report.department} {report.batch} 名单 {report.source}")
    for line in report.summary_lines():
        print(f"  {line}")
    if not args.dry_run and not report.changed:
        print("  登记库没有变化（此名单已导入过，或没有合格的行）。")
    return 0 if not report.problems else 3
