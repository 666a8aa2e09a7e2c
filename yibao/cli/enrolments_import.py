"""``yibao import enrolments FILE --year 2024``: a previous year's payer list (参保缴费名单).

The list as the platform or the tax bureau exports it (CSV in UTF-8 or GBK, or .xlsx):
身份证号码, 姓名, 年度, 参保类别, 缴费日期, 缴费金额. Every row is checked; any problem (row
and column named) and nothing is written. Otherwise the whole list goes in one transaction.
Importing the same list again changes nothing.
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


def register_kind(kinds: argparse._SubParsersAction) -> None:
    q = kinds.add_parser(
        "enrolments",
        help="以往年度参保缴费名单（CSV 或 .xlsx）",
        description="导入以往年度的参保缴费名单（平台或税务部门导出）：身份证号码、姓名、年度、"
        "参保类别、缴费日期、缴费金额。逐行核验，任何一行有问题则整份名单不导入，并列出行号和列名；"
        "全部合格时在一个事务中导入。退出状态：0 导入完成，3 有行有问题（未导入），1 文件无法导入。"
        "同一名单重复导入不会改变任何数据。",
    )
    q.add_argument("file", type=Path, help="名单文件：.csv（UTF-8 或 GBK）或 .xlsx")
    q.add_argument("--year", required=True, help="名单所属的待遇年度，如 2024")
    q.add_argument("--dry-run", action="store_true", help="只核验并报告，不写入登记库")
    q.add_argument("--max-problems", type=int, default=200, help="最多列出多少条问题（默认 200）")
    q.set_defaults(func=guarded(_enrolments))


def _year(text: str) -> int:
    clean = str(text).strip().removesuffix("年度").removesuffix("年")
    if not (clean.isdigit() and len(clean) == 4):
        raise CliError(f"--year “{text}”不对：应为四位年份，如 2024。")
    return int(clean)


def _collecting(engine: Any, policy: Any) -> int:
    """The earliest benefit year the registry collects today, by its chain of years (the
    files it activated, e.g. 2027 while it was set up with 2025's): earlier years' payer
    lists may be imported. With no year open today, the year of the registry's policy."""
    from yibao.models import utcnow
    from yibao.policy.chain import build_chain, bundled
    from yibao.rules.years import open_years
    from yibao.services.years import activated
    from yibao.timezone import to_local

    chain = build_chain(policy.key, bundled(policy.key), activated(engine), [policy])
    years = [y.benefit_year for y in open_years(chain, to_local(utcnow()).date())]
    return min(years) if years else int(policy.benefit_year)


def _enrolments(args: Any) -> int:
    from sqlmodel import Session

    from yibao.cli.identities_import import _Bar
    from yibao.imports.enrolments import import_enrolments
    from yibao.models import utcnow

    year = _year(args.year)
    url = registry_url(args)
    chosen = policy_id(args, url, required=True)
    policy = load_policy(chosen)
    clerk_name(args, url)  # before opening: a missing name is said at once
    engine = open_engine(url)
    bar = _Bar()
    try:
        collecting = _collecting(engine, policy)
        actor, _device = actor_for(args, engine, url)
        from yibao.db import write_engine

        with Session(write_engine(engine)) as session:
            report = import_enrolments(
                session,
                args.file,
                year=year,
                actor=actor,
                now=utcnow(),
                before_year=collecting,
                progress=bar,
            )
            if args.dry_run or report.problems:
                session.rollback()
                report.batch_id = None
            else:
                session.commit()  # the bar stays up ("写入登记库…") until this is done
    finally:
        bar.close()
        engine.dispose()

    shown = report.problems[: max(0, args.max_problems)]
    if shown:
        print(f"以下 {report.refused} 行有问题，整份名单未导入：", file=sys.stderr)
        for problem in shown:
            print(f"  {problem}", file=sys.stderr)
        if len(report.problems) > len(shown):
            print(f"  ……另有 {len(report.problems) - len(shown)} 条问题未列出。", file=sys.stderr)
    if report.problems:
        title = "未导入（请更正后重新导入）"
    elif args.dry_run:
        title = "核验结果（未写入登记库）"
    else:
        title = "导入完成"
    print(f"{title}：{year}年度参保缴费名单 {report.source}")
    for line in report.summary_lines():
        print(f"  {line}")
    if not args.dry_run and not report.problems and report.batch_id is None:
        print("  登记库没有变化（此名单已导入过）。")
    return 0 if not report.problems else 3
