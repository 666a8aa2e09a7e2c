"""Report commands: ``report progress``, ``report ledgers``, ``report weekly``.

yibao --db 窗口.sqlite3 report progress [--town 富水镇] [--as-of 2024-12-01]
yibao --db 窗口.sqlite3 --clerk 王芳 report ledgers --to 台账.xlsx [--as-of D] [--full-id]
yibao --db 窗口.sqlite3 --clerk 王芳 report weekly --week-ending 2024-11-29 --to 周报.xlsx
yibao --db 窗口.sqlite3 --clerk 王芳 report tally [--year 2025]
"""

from __future__ import annotations

import argparse
from datetime import date
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


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期“{text}”不对，请写成 2024-12-01 这样的格式") from None


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "report",
        help="征缴进度、台账（Excel）和周报",
        description="本待遇年度征缴工作的报表：进度（按县、乡镇、村）、四本未参保台账和资助参保台账、周报。",
    )
    reports = p.add_subparsers(dest="report", metavar="报表", required=True)
    r = reports.add_parser("progress", help="征缴进度：任务数、已缴费、参保率、较上周、特殊人群")
    r.add_argument("--town", help="只看一个乡镇（街道）")
    r.add_argument("--as-of", type=_day, help="统计截至日（默认今天）")
    r.add_argument("--villages", action="store_true", help="列出各村（社区）")
    r.set_defaults(func=guarded(_progress))

    r = reports.add_parser("ledgers", help="四本未参保台账和资助参保台账，写入一个 Excel 文件")
    r.add_argument("--to", required=True, help="Excel 文件名（.xlsx）")
    r.add_argument("--town", help="只含一个乡镇（街道）")
    r.add_argument("--as-of", type=_day, help="统计截至日（默认今天）")
    r.add_argument("--full-id", action="store_true", help="完整身份证号（仅审核人员，记入审计日志）")
    r.set_defaults(func=guarded(_ledgers))

    r = reports.add_parser("weekly", help="周报：本周和累计缴费、参保率、特殊人群、退费（Excel + PDF）")
    r.add_argument("--week-ending", type=_day, required=True, help="本周最后一天，如 2024-11-29（周五）")
    r.add_argument("--to", required=True, help="Excel 文件名（.xlsx）；PDF 写在旁边")
    r.add_argument("--town", help="只含一个乡镇（街道）")
    r.set_defaults(func=guarded(_weekly))

    r = reports.add_parser(
        "tally", help="建立（重建）征缴进度统计，使大库的进度报表在几秒内完成",
        description="按待遇年度重建征缴进度统计。之后每笔缴费、退费、登记和人员变更都在同一事务中更新它。",
    )  # fmt: skip
    r.add_argument("--year", type=int, action="append", help="待遇年度（可重复；默认所有有缴费或登记的年度及下一年度）")
    r.set_defaults(func=guarded(_tally))


def _scope(args: Any, url: str, day: date | None) -> Any:
    from yibao.places import town_names
    from yibao.reports.base import Scope

    policy = load_policy(policy_id(args, url) or "")
    town = (getattr(args, "town", None) or "").strip() or None
    names = town_names(policy.region_code)
    if town and names and town not in names:
        raise CliError(f"“{town}”不是{policy.jurisdiction}的乡镇（街道）。可选：{'、'.join(names)}。")
    return Scope(policy=policy, as_of=day or _today(), town=town)


def _today() -> date:
    from datetime import datetime

    from yibao.reports.base import LOCAL_TZ

    return datetime.now(LOCAL_TZ).date()


def _progress(args: Any) -> int:
    from yibao.reports.base import percent
    from yibao.reports.progress import progress

    url = registry_url(args)
    scope = _scope(args, url, args.as_of)
    engine = open_engine(url)
    try:
        report = progress(engine, scope)
    finally:
        engine.dispose()
    print(f"{scope.jurisdiction} {scope.year}年度城乡居民医保征缴进度（截至 {scope.as_of}，较 {report.week_ago}）")
    print(f"依据：{scope.document}。{report.target_note}")
    if report.goal:
        print(f"目标：{report.goal}")
    print(f"{'地区':<16}{'任务数':>10}{'已缴费':>9}{'参保率':>9}{'较上周':>8}  任务数来源")
    rows = [report.total] if scope.town or len(report.counties) < 2 else [report.total, *report.counties]
    total_label = f"{scope.jurisdiction}{scope.town or ''}合计"  # with --town the total is that town
    for row in rows:
        _line(row, row.county_name if row.level != "total" else total_label, percent)
    for row in report.towns:
        _line(row, "  " + (row.town or ""), percent)
        if args.villages or scope.town:
            for v in report.villages_of(row.town or ""):
                if v.county == row.county:
                    _line(v, "    " + (v.village or ""), percent)
    print("特殊身份人员（截至统计日持有该身份的人）：")
    for g in report.groups:
        mark = "" if g.subsidised else "（本政策无资助）"
        print(f"  {g.label}{mark}：{g.paid}/{g.holders} 人，参保率 {percent(g.rate)}")
    print(f"  合计（按人不重复）：{report.special_paid}/{report.special_holders} 人，参保率 {percent(report.special_rate)}")
    return 0


def _line(row: Any, label: str, percent: Any) -> None:
    target = "—" if row.target is None else str(row.target)
    print(f"{label:<16}{target:>10}{row.paid:>9}{percent(row.rate):>9}{row.change:>+8}  {row.target_source}")


def _tally(args: Any) -> int:
    from yibao.models import utcnow
    from yibao.reports.service import rebuild_tally

    url = registry_url(args)
    clerk_name(args, url)
    engine = open_engine(url)
    try:
        actor, _device = actor_for(args, engine, url)
        done = rebuild_tally(engine, actor=actor, now=utcnow(), years=args.year)
    finally:
        engine.dispose()
    print(f"已重建征缴进度统计：{'、'.join(str(y) for y in done.years)}年度，{done.persons} 人。")
    return 0


def _ledgers(args: Any) -> int:
    from yibao.models import utcnow
    from yibao.reports.service import write_ledgers

    url = registry_url(args)
    scope = _scope(args, url, args.as_of)
    clerk_name(args, url)  # before opening: a missing name is said at once
    engine = open_engine(url)
    try:
        actor, _device = actor_for(args, engine, url)
        written = write_ledgers(engine, scope, to=args.to, actor=actor, now=utcnow(), full_ids=args.full_id)
    finally:
        engine.dispose()
    kind = "完整身份证号（已记入审计日志）" if args.full_id else "身份证号已遮蔽"
    print(f"已写入台账 {written.path}（{kind}，截至 {scope.as_of}）：")
    for name, n in written.counts().items():
        print(f"  {name}：{n} 行")
    return 0


def _weekly(args: Any) -> int:
    from yibao.models import utcnow
    from yibao.reports.service import write_weekly

    url = registry_url(args)
    scope = _scope(args, url, args.week_ending)
    clerk_name(args, url)  # before opening: a missing name is said at once
    engine = open_engine(url)
    try:
        actor, _device = actor_for(args, engine, url)
        written = write_weekly(engine, scope, to=args.to, actor=actor, now=utcnow())
    finally:
        engine.dispose()
    print(f"已写入周报 {written.path} 和 {written.pdf}（{scope.as_of} 止的一周）。")
    return 0
