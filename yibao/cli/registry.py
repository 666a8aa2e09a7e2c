"""Registry commands: ``init``, ``demo``, ``lookup``, ``export``.

yibao --db 窗口.sqlite3 --policy shangnan-2025 --clerk 王芳 init --prefix SN01 --device 城关1号窗口
yibao --db demo.sqlite3 --policy meishan-2024 demo --persons 10000 --seed 7
yibao --db 窗口.sqlite3 lookup 张三        (or zs, 1234, 611023********0012 …)
yibao --db 窗口.sqlite3 --clerk 王芳 export --year 2025 --to 参保缴费2025.csv [--full-id]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
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
    read_password,
    registry_url,
    sign_in,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "init",
        help="创建或升级登记库，选择政策、经办人员和本机收据号前缀",
        description="创建或升级登记库（--db），并记住所选政策（--policy）和人员（--clerk）。"
        "新建登记库时，--clerk 成为它的首位管理人员（角色 管理），可再用 clerk add 添加经办、审核人员。",
    )
    p.add_argument(
        "--clerk",
        default=argparse.SUPPRESS,
        help="新建登记库时：首位管理人员（角色 管理）的姓名，随后为其设置密码；"
        "已有登记库时：由管理人员登录",
    )
    p.add_argument("--prefix", help="本机收据号前缀（2–8 位大写字母或数字，默认自动生成）")
    p.add_argument("--device", help="本机窗口名称，如 城关镇1号窗口（默认为计算机名）")
    p.add_argument(
        "--app-role",
        default="yibao_app",
        help="PostgreSQL：窗口程序连接所用的数据库角色（可追加审计日志，不能修改、删除或清空它）",
    )
    p.set_defaults(func=guarded(_init))

    p = sub.add_parser(
        "demo",
        help="生成演示登记库（合成数据）",
        description="在空登记库中生成合成的演示数据：户、人员、特殊身份、参保登记和缴费。",
    )
    p.add_argument("--persons", type=int, default=10_000, help="人数（默认 10000）")
    p.add_argument("--seed", type=int, default=1, help="随机种子：同一种子生成同样的数据")
    p.set_defaults(func=guarded(_demo))

    p = sub.add_parser(
        "lookup",
        help="查询人员（身份证号、尾号、姓名、拼音首字母或户号）",
        description="查询人员：身份证号全号或后 4–6 位、姓名开头、拼音首字母（如 zs）、户号。"
        "结果中的身份证号均已遮蔽。",
    )
    p.add_argument("query", nargs="+", help="查询内容")
    p.add_argument("--limit", type=int, default=50, help="每页条数（默认 50）")
    p.add_argument("--page", type=int, default=1, help="页码（默认第 1 页）")
    p.set_defaults(func=guarded(_lookup))

    p = sub.add_parser(
        "export",
        help="导出某待遇年度的参保缴费明细（CSV）",
        description="导出参保登记和缴费明细为 CSV（UTF-8 带 BOM，Excel 可直接打开）。"
        "身份证号默认遮蔽；--full-id 导出完整号码并记入审计日志。",
    )
    p.add_argument("--year", type=int, required=True, help="待遇年度，如 2025")
    p.add_argument("--to", type=Path, required=True, help="导出文件，如 参保缴费2025.csv")
    p.add_argument("--full-id", action="store_true", help="导出完整身份证号（记入审计日志）")
    p.set_defaults(func=guarded(_export))


def _init(args: Any) -> int:
    import re
    import socket

    from yibao import auth
    from yibao.config import ensure_device, remember_clerk, set_registry_policy
    from yibao.db import current_revision
    from yibao.models import Role, utcnow

    url = registry_url(args)
    chosen = policy_id(args, url)
    assert chosen is not None
    policy = load_policy(chosen)
    clerk = clerk_name(args, url)
    prefix = args.prefix.strip().upper() if args.prefix else None
    if prefix is not None and not re.fullmatch(r"[A-Z0-9]{2,8}", prefix):
        raise CliError(f"收据号前缀“{args.prefix}”不对：应为 2–8 位大写字母或数字，如 SN01。")
    device_name = (args.device or socket.gethostname()).strip()
    first_password: str | None = None
    if _is_new(url):
        # A new registry: the first administrator's password is checked before anything is
        # created, so a refused password leaves no file (nor, on PostgreSQL, any table).
        first_password = read_password(
            args, f"为首位管理人员 {clerk} 设置密码（至少 6 位）：", confirm=True
        )
        auth.check_password(first_password, name=clerk)
    created_admin = False
    with _building(url) as build_url:
        engine = open_engine(build_url, create=True)
        try:
            device = ensure_device(engine, name=device_name, prefix=prefix)
            if prefix is not None and device.prefix != prefix:
                raise CliError(
                    f"本机已登记为设备 {device.prefix}，收据号前缀不能再改为 {prefix}"
                    "（已开出的收据号必须保持唯一）。"
                )
            if not auth.has_admin(engine):
                # The registry's first administrator: this clerk, with a password set now.
                password = first_password or read_password(
                    args, f"为首位管理人员 {clerk} 设置密码（至少 6 位）：", confirm=True
                )
                person = auth.first_admin(
                    engine, name=clerk, password=password, device=device, now=utcnow()
                )
                created_admin = True
            else:
                person = sign_in(args, engine, url, device)
                person = auth.require_role(
                    engine, person, Role.ADMIN,
                    attempt=auth.Attempt("registry.init", "设置登记库（yibao init）"),
                    device_id=device.id, now=utcnow(),
                )
            set_registry_policy(engine, chosen, person, device=device)  # the registry serves it
            revision = current_revision(engine)
            from yibao.services import Services

            coverage = Services(engine, policy, person, device).years.settle()
            app_role_lines = _app_role(args, engine)
        finally:
            engine.dispose()
    remember_clerk(url, person.name)
    print(f"登记库：{_shown_url(url)}（结构版本 {revision}）")
    print(
        f"政策：{policy.id} {policy.jurisdiction} {policy.benefit_year} 年度（{policy.document.citation}）"
    )
    print(f"本机：{device.name or device_name}，收据号前缀 {device.prefix}")
    print(f"人员：{person.name}（{person.role.label}）")
    if created_admin:
        print("已设立首位管理人员。其他经办人员请用 yibao clerk add 姓名 --role 经办|审核|管理 新增。")
    for line in app_role_lines:
        print(line)
    print("已记住以上选择；之后在此登记库上运行 yibao 无需再写 --policy 和 --clerk。")
    if coverage.missing:
        print(f"注意：{coverage.message()}")
    if coverage.collecting is not None:
        print(f"今天收缴 {coverage.collecting} 年度" + ("（草稿·未确认，只能试算）。" if coverage.draft else "。"))
    return 0


def _is_new(url: str) -> bool:
    """No registry at ``url`` yet: a SQLite file that does not exist, or a database without
    the registry's tables."""
    import sqlalchemy as sa

    from yibao.db import create_registry_engine, stored_revisions

    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return bool(parsed.database) and parsed.database != ":memory:" and not Path(parsed.database).exists()
    engine = create_registry_engine(url)
    try:
        return not stored_revisions(engine)
    except Exception:  # unreachable: open_engine says why, in Chinese
        return False
    finally:
        engine.dispose()


@contextlib.contextmanager
def _building(url: str) -> Iterator[str]:
    """Where init builds the registry: for a SQLite file that does not exist yet, a hidden
    file beside it, given the registry's name only when init succeeds, so that a refused
    init leaves nothing behind; otherwise ``url`` itself."""
    import secrets

    import sqlalchemy as sa

    from yibao.outreach.lock import lock_path

    parsed = sa.make_url(url)
    target = Path(parsed.database or "") if parsed.get_backend_name() == "sqlite" else None
    if target is None or not parsed.database or parsed.database == ":memory:" or target.exists():
        yield url
        return
    tmp = target.with_name(f".{target.name}.init-{secrets.token_hex(4)}")
    try:
        yield parsed.set(database=str(tmp)).render_as_string(hide_password=False)
        try:
            os.link(tmp, target)  # never over a file that appeared meanwhile
        except FileExistsError:
            raise CliError(f"{target} 已存在（初始化期间被创建），本次初始化未作任何更改。") from None
        except OSError:  # a file system without hard links (a FAT USB drive)
            if target.exists():
                raise CliError(f"{target} 已存在（初始化期间被创建），本次初始化未作任何更改。") from None
            os.replace(tmp, target)
    finally:
        for leftover in (tmp, lock_path(tmp), *(tmp.with_name(tmp.name + s) for s in ("-wal", "-shm", "-journal"))):
            with contextlib.suppress(OSError):
                leftover.unlink()


def _app_role(args: Any, engine: Any) -> list[str]:
    """On PostgreSQL: the role the desks connect as (``yibao.pgrole``)."""
    if engine.dialect.name != "postgresql":
        return []
    from yibao import pgrole

    return pgrole.set_up(engine, role=args.app_role)


def _shown_url(url: str) -> str:
    import sqlalchemy as sa

    parsed = sa.make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or "内存"
    return parsed.render_as_string(hide_password=True)


def _demo(args: Any) -> int:
    from yibao import demo

    url = registry_url(args)
    chosen = policy_id(args, url)
    assert chosen is not None
    if not 1 <= args.persons <= demo.MAX_PERSONS:
        raise CliError(f"--persons 应在 1 到 {demo.MAX_PERSONS:,} 之间。")
    from yibao.auth import has_admin
    from yibao.config import ensure_device

    engine = open_engine(url)
    try:
        # A registry with clerks (after yibao init): the demo rows are written by a signed-in
        # clerk. A new one gets the demo clerks (经办 / 审核 / 管理) with the PINs shown below.
        clerk = sign_in(args, engine, url, ensure_device(engine)) if has_admin(engine) else None
    finally:
        engine.dispose()
    report = demo.build(
        url=url, policy_id=chosen, persons=args.persons, seed=args.seed, clerk=clerk
    )
    print(f"已生成演示登记库 {_shown_url(url)}（政策 {chosen}，种子 {args.seed}）：")
    for line in report.summary_lines():
        print(f"  {line}")
    if clerk is None:
        print("演示经办人员（登录用）：" + "；".join(
            f"{name}（{label}）PIN {pin}" for name, label, pin in demo.demo_clerk_lines()))
    print("以上均为合成数据，不对应任何真实人员。")
    return 0


def _lookup(args: Any) -> int:
    from sqlmodel import Session

    from yibao import lookup
    from yibao.relations import LABELS as RELATIONS

    if args.page < 1:
        raise CliError("--page 应从 1 开始。")
    query = " ".join(args.query)
    url = registry_url(args)
    engine = open_engine(url)
    try:
        from yibao.db import write_engine

        with Session(write_engine(engine)) as session:
            try:
                rows = lookup.search(
                    session, query, limit=args.limit, offset=(args.page - 1) * args.limit
                )
            except lookup.InvalidQuery as exc:
                raise CliError(exc.message) from None
    finally:
        engine.dispose()
    if not rows:
        print(f"没有找到与“{query}”相符的人员。")
        return 1
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"查询“{query}”：第 {args.page} 页，{len(rows)} 人")
    for column in ("姓名", "身份证号", "性别", "出生日期", "户号", "与户主关系", "状态"):
        table.add_column(column, no_wrap=True)
    statuses = {"active": "正常", "dead": "死亡", "moved_out": "迁出"}
    for r in rows:
        table.add_row(
            r.name,
            r.id_masked,
            {"1": "男", "2": "女"}.get(r.sex or "", ""),
            r.birth_date.isoformat(),
            r.household_number or "",
            RELATIONS.get(r.relation_to_head or "", ""),
            statuses.get(r.status, r.status),
        )
    console = Console(file=sys.stdout)
    console.width = max(console.width, 110)
    console.print(table)
    if len(rows) == args.limit:
        print(f"可能还有更多结果：加 --page {args.page + 1} 查看下一页。")
    return 0


def _export(args: Any) -> int:
    from sqlmodel import Session

    from yibao.export import export_year
    from yibao.models import utcnow
    from yibao.receipts import yuan

    url = registry_url(args)
    clerk_name(args, url)  # before opening: a missing name is said at once
    engine = open_engine(url)
    try:
        actor, _device = actor_for(args, engine, url)
        from yibao.db import write_engine

        with Session(write_engine(engine)) as session:
            report = export_year(
                session,
                year=args.year,
                to=args.to,
                full_id=args.full_id,
                actor=actor,
                now=utcnow(),
            )
            session.commit()
    finally:
        engine.dispose()
    kind = "完整身份证号（已记入审计日志）" if report.full_id else "身份证号已遮蔽"
    print(f"已导出 {report.year} 年度参保缴费明细到 {report.path}（{kind}）：")
    print(
        f"  {report.rows} 行，{report.persons} 人，{report.enrolments} 条参保登记，"
        f"{report.payments} 笔缴费，有效缴费合计 {yuan(report.amount_fen)} 元"
    )
    return 0
