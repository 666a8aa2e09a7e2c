"""This desk's receipt printer: ``printer show|set|clear`` (a 管理人员 sets it).

yibao printer show
yibao --clerk 王芳 printer set HALL-1      (the CUPS name ``lpstat -p`` lists)
yibao --clerk 王芳 printer clear

``yibao --printer NAME`` overrides it for one run of the desk (or of ``dayclose sheet``).
"""

from __future__ import annotations

import argparse
from typing import Any

from yibao.cli._common import guarded, open_engine, registry_url, sign_in


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "printer",
        help="本机的收据打印机：查看、设置、取消（管理人员设置）",
        description="设置后，窗口收费开出的收据（80 毫米 PDF）用 lp 送到该打印机。"
        "打印机名称用 lpstat -p 列出的名称。",
    )
    verbs = p.add_subparsers(dest="verb", metavar="操作", required=True)
    q = verbs.add_parser("show", help="查看本机设定的打印机")
    q.set_defaults(func=guarded(_show))
    q = verbs.add_parser("set", help="设定本机的打印机（须管理人员登录）")
    q.add_argument("name", help="打印机名称（lpstat -p 列出的名称）")
    q.set_defaults(func=guarded(_set))
    q = verbs.add_parser("clear", help="取消本机的打印机：收据只保存为文件（须管理人员登录）")
    q.set_defaults(func=guarded(_clear))


def _show(args: Any) -> int:
    from yibao.config import ensure_device, registry_printer

    engine = open_engine(registry_url(args))
    try:
        device = ensure_device(engine)
        name = registry_printer(engine, device)
    finally:
        engine.dispose()
    print(f"本机（{device.prefix}）的收据打印机：{name}" if name
          else f"本机（{device.prefix}）没有设定打印机：收据只保存为文件。")
    return 0


def _write(args: Any, name: str | None) -> int:
    from yibao.config import ensure_device, set_registry_printer
    from yibao.models import utcnow

    url = registry_url(args)
    engine = open_engine(url)
    try:
        device = ensure_device(engine)
        clerk = sign_in(args, engine, url, device)
        chosen = set_registry_printer(engine, name, clerk, device=device, now=utcnow())
    finally:
        engine.dispose()
    print(f"本机（{device.prefix}）的收据打印机已设为 {chosen}（已记入操作日志）。" if chosen
          else f"已取消本机（{device.prefix}）的收据打印机（已记入操作日志）。")
    return 0


def _set(args: Any) -> int:
    return _write(args, args.name)


def _clear(args: Any) -> int:
    return _write(args, None)
