"""Clerk accounts and the audit chain: ``clerk add|passwd|role|disable|enable|list``, ``audit verify``.

yibao --clerk 王芳 clerk add 李四 --role 经办        (王芳 is a 管理; passwords asked at the terminal)
yibao --clerk 王芳 clerk passwd 李四
yibao --clerk 王芳 clerk disable 李四
yibao clerk list
yibao audit verify
"""

from __future__ import annotations

import argparse
from typing import Any

from yibao.cli._common import CliError, guarded, open_engine, read_password, registry_url, sign_in

ROLE_CHOICES = ("经办", "审核", "管理")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "clerk",
        help="经办人员账号：新增、改密码、改角色、停用、列表（管理人员办理）",
        description="经办人员账号由管理人员管理。须先以管理人员登录（--clerk 姓名，随后输入密码）。",
    )
    verbs = p.add_subparsers(dest="verb", metavar="操作", required=True)
    q = verbs.add_parser("add", help="新增经办人员（随后输入其初始密码两次）")
    q.add_argument("name", help="姓名")
    q.add_argument("--role", required=True, choices=ROLE_CHOICES, help="角色：经办、审核 或 管理")
    q.set_defaults(func=guarded(_add))
    q = verbs.add_parser("passwd", help="设置密码：管理人员可为任何人设置；本人可改自己的")
    q.add_argument("name", help="姓名")
    q.set_defaults(func=guarded(_passwd))
    q = verbs.add_parser("role", help="调整角色")
    q.add_argument("name", help="姓名")
    q.add_argument("--role", required=True, choices=ROLE_CHOICES, help="新角色")
    q.set_defaults(func=guarded(_role))
    q = verbs.add_parser("disable", help="停用账号（不能再登录；记录保留）")
    q.add_argument("name", help="姓名")
    q.set_defaults(func=guarded(_disable))
    q = verbs.add_parser("enable", help="重新启用账号")
    q.add_argument("name", help="姓名")
    q.set_defaults(func=guarded(_enable))
    q = verbs.add_parser("list", help="列出经办人员、角色和状态")
    q.set_defaults(func=guarded(_list))

    p = sub.add_parser("audit", help="审计日志：核验校验链", description="审计日志相关操作。")
    verbs = p.add_subparsers(dest="verb", metavar="操作", required=True)
    q = verbs.add_parser(
        "verify",
        help="逐台设备核验审计日志的校验链，指出第一处断开的位置",
        description="逐台设备核验审计日志的校验链：记录被删除、改动、插入或调换顺序都会被发现。"
        "链完整时退出码 0，发现断开时退出码 1。",
    )
    q.set_defaults(func=guarded(_verify))


def _services(args: Any) -> Any:
    """Services for the signed-in clerk (no policy is needed to manage clerks)."""
    from yibao.config import ensure_device
    from yibao.services import Services

    url = registry_url(args)
    engine = open_engine(url)
    try:
        device = ensure_device(engine)
        clerk = sign_in(args, engine, url, device)
    except BaseException:
        engine.dispose()
        raise
    return Services(engine, None, clerk, device)


def _add(args: Any) -> int:
    services = _services(args)
    try:
        services.clerks.require_role(
            _admin(), action="clerk.add", what=f"新增经办人员 {args.name}"
        )  # before asking for the new password
        password = read_password(args, f"{args.name} 的初始密码（至少 6 位）：", confirm=True)
        view = services.clerks.add(args.name, role=args.role, password=password)
    finally:
        services.engine.dispose()
    print(f"已新增经办人员 {view.name}（{view.role_label}）。请本人登录后用 yibao clerk passwd {view.name} 改密码。")
    return 0


def _admin() -> Any:
    from yibao.models import Role

    return Role.ADMIN


def _passwd(args: Any) -> int:
    services = _services(args)
    try:
        me = services.clerk
        own = args.name.strip() == me.name
        if not own:
            services.clerks.require_role(_admin(), action="clerk.passwd", what=f"设置 {args.name} 的密码")
        current = None
        if own and not me.is_admin:
            current = read_password(args, "原密码：")
        password = read_password(args, f"{args.name} 的新密码（至少 6 位）：", confirm=True)
        view = services.clerks.set_password(args.name, password=password, current=current)
    finally:
        services.engine.dispose()
    print(f"已设置 {view.name} 的密码。")
    return 0


def _role(args: Any) -> int:
    services = _services(args)
    try:
        view = services.clerks.set_role(args.name, role=args.role)
    finally:
        services.engine.dispose()
    print(f"{view.name} 现为{view.role_label}。")
    return 0


def _disable(args: Any) -> int:
    services = _services(args)
    try:
        view = services.clerks.disable(args.name)
    finally:
        services.engine.dispose()
    print(f"已停用 {view.name}（{view.role_label}）：不能再登录，已办业务的记录保留。")
    return 0


def _enable(args: Any) -> int:
    services = _services(args)
    try:
        view = services.clerks.enable(args.name)
    finally:
        services.engine.dispose()
    print(f"已重新启用 {view.name}（{view.role_label}）。")
    return 0


def _list(args: Any) -> int:
    from sqlmodel import Session, col, select

    from yibao.models import Clerk, Role

    engine = open_engine(registry_url(args))
    try:
        with Session(engine) as session:
            rows = list(session.exec(select(Clerk).order_by(col(Clerk.created_at), col(Clerk.name))))
    finally:
        engine.dispose()
    if not rows:
        print("本登记库还没有经办人员。请先运行 yibao init --clerk 姓名 设立首位管理人员。")
        return 0
    for row in rows:
        state = "正常" if row.active else "已停用"
        if row.active and not row.password_hash:
            state = "未设密码（不能登录）"
        print(f"{row.name}\t{Role(row.role).label}\t{state}")
    print(f"共 {len(rows)} 人。")
    return 0


def _verify(args: Any) -> int:
    from yibao.auditchain import verify

    engine = open_engine(registry_url(args))
    try:
        with engine.connect() as connection:
            report = verify(connection)
    finally:
        engine.dispose()
    for line in report.lines():
        print(line)
    if not report.ok:
        raise CliError("审计日志校验链有断开之处（见上）。请保留此登记库文件并报告主管。")
    print("审计日志校验链完整。")
    return 0
