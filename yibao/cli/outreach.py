"""Sub-commands of offline outreach: ``outreach``, ``sync``, ``backup``, ``restore``, ``dayclose``.

Heavy imports stay inside the handlers so ``yibao --help`` stays instant. Every refusal is
printed in Chinese on stderr with a non-zero exit status, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

Handler = Callable[[argparse.Namespace], int]
_ENGINES: list[Any] = []  # opened by this command; disposed (lock released) when it ends


def _guard(func: Handler) -> Handler:
    """Run a handler; a Chinese refusal becomes a message and exit status 1."""

    def run(args: argparse.Namespace) -> int:
        from sqlalchemy.exc import SQLAlchemyError

        from yibao.cli._common import CliError
        from yibao.db import RegistryError
        from yibao.policy import PolicyError
        from yibao.services.errors import ServiceError

        try:
            return func(args)
        except KeyboardInterrupt:
            print("已中断，未完成的操作没有写入登记库。", file=sys.stderr)
            return 130
        except CliError as exc:
            print(f"错误：{exc.message}", file=sys.stderr)
            return exc.status
        except SQLAlchemyError as exc:  # the statement may hold ID numbers: name the kind only
            orig = getattr(exc, "orig", None) or exc
            print(f"错误：登记库读写失败（{type(orig).__name__}），本次操作未生效。请稍后重试；"
                  "如一再出现，请联系管理员。", file=sys.stderr)
            return 1
        except (ServiceError, RegistryError, PolicyError) as exc:
            print(f"错误：{getattr(exc, 'message', None) or exc}", file=sys.stderr)
            return 1
        except (ValueError, PermissionError, LookupError) as exc:  # config helpers speak Chinese
            print(f"错误：{exc}", file=sys.stderr)
            return 1
        except OSError as exc:
            print(f"错误：读写文件失败（{exc.strerror or exc}：{exc.filename or ''}）。请检查路径和U盘。", file=sys.stderr)
            return 1
        finally:
            while _ENGINES:
                _ENGINES.pop().dispose()

    return run


ENV_PASSPHRASE = "YIBAO_BUNDLE_PASSPHRASE"


def _passphrase(args: argparse.Namespace, *, confirm: bool) -> str:
    """The bundle passphrase: ``--passphrase-stdin`` (first line of standard input),
    ``YIBAO_BUNDLE_PASSPHRASE``, or asked at the terminal (twice when making a bundle)."""
    import getpass

    from yibao.cli._common import CliError

    if getattr(args, "passphrase_stdin", False):
        line = sys.stdin.readline()
        if not line.strip():
            raise CliError("标准输入中没有口令。请在第一行写入数据包口令。")
        return line.rstrip("\r\n")
    env = os.environ.get(ENV_PASSPHRASE)
    if env:
        return env
    if not sys.stdin.isatty():
        raise CliError(
            "需要数据包口令。请在终端上运行以便输入口令，或用 --passphrase-stdin 从标准输入读取。"
        )
    first = getpass.getpass("数据包口令（至少 8 个字符，不显示）：")
    if confirm:
        again = getpass.getpass("再输入一次口令：")
        if first != again:
            raise CliError("两次输入的口令不一致，未导出。请重新运行。")
    return first


def _enrol_code(args: argparse.Namespace) -> str:
    from yibao.cli._common import CliError

    if getattr(args, "code", None):
        return str(args.code)
    if not sys.stdin.isatty():
        raise CliError("需要设备登记码。请用 --code 登记码 给出大厅导出时屏幕上显示的登记码。")
    return input("设备登记码（大厅导出时屏幕上显示，形如 7KQ2-M9XD-4HTP）：")


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期“{text}”格式不对，请写成 2025-09-30。") from None


class _Desk:
    """Engine, device, clerk and clock for a command (no policy needed)."""

    def __init__(
        self, args: argparse.Namespace, *, need_clerk: bool = True, secret: str | None = None
    ) -> None:
        """``secret``: the team's passphrase for an encrypted laptop registry (ignored for a
        plain one); None leaves it to the environment or a prompt (``yibao.cipher``)."""
        from yibao.cli._common import sign_in
        from yibao.config import ensure_device
        from yibao.db import open_registry, resolve_url
        from yibao.models import utcnow

        self.url = resolve_url(getattr(args, "db", None))
        self.engine = open_registry(self.url, create=False, secret=secret)
        _ENGINES.append(self.engine)
        self.now = utcnow()
        if self.now.tzinfo is None:
            from datetime import UTC

            self.now = self.now.replace(tzinfo=UTC)
        self.device = ensure_device(self.engine, now=self.now)
        # As every other command that writes: the clerk signs in (--clerk, YIBAO_CLERK or the
        # clerk last signed in here, then the password); nobody is created from a typed name.
        self.clerk: Any = None
        if need_clerk:
            self.clerk = sign_in(args, self.engine, self.url, self.device)

    @property
    def actor(self) -> Any:
        from yibao.audit import Actor

        if self.clerk is None:
            return Actor(device_id=self.device.id)
        return Actor(device_id=self.device.id, clerk_id=self.clerk.id, clerk_name=self.clerk.name)

    @property
    def today(self) -> date:
        from yibao.receipts import LOCAL_TZ

        return self.now.astimezone(LOCAL_TZ).date()


# --- outreach ----------------------------------------------------------------------


@_guard
def _outreach_export(args: argparse.Namespace) -> int:
    from pathlib import Path

    from yibao.cli._common import policy_id as chosen_policy
    from yibao.outreach.export import export_outreach
    from yibao.policy import load_policy
    from yibao.resources import policies_dir
    from yibao.services.years import coverage_for

    desk = _Desk(args)
    # --policy, YIBAO_POLICY, or the policy this registry serves (yibao init / the desk's setup).
    policy_ref = chosen_policy(args, desk.url)
    assert policy_ref is not None  # required=True raises CliError with the choices
    policy = load_policy(policy_ref)
    # The rows go for the year the hall collects for today and the one before (the files
    # activated here travel with them): not the year of the file the registry was set up with.
    coverage, _current = coverage_for(desk.engine, policy, desk.today)
    year = coverage.collecting or policy.benefit_year
    result = export_outreach(
        desk.engine,
        to=args.to,
        town=args.town,
        village=args.village,
        policy_id=policy.id,
        policy_path=Path(policy_ref) if Path(policy_ref).is_file() else policies_dir() / f"{policy.id}.toml",
        benefit_year=year,
        actor=desk.actor,
        now=desk.now,
        passphrase=_passphrase(args, confirm=True),
        prefix=args.prefix,
    )
    c = result.counts
    print(f"已导出外出登记数据包：{result.path}")
    print(f"  范围：{result.town}{result.village or ''}；参保人 {c.get('person', 0)} 人，家庭户 {c.get('household', 0)} 户，"
          f"参保登记 {c.get('enrolment', 0)} 条，缴费 {c.get('payment', 0)} 笔")
    # the files activated here travel too (the laptop picks each year's): not only ``policy.id``
    print(f"  外出设备收据号前缀：{result.prefix}；政策：本库已启用的各年度文件（设立时为 {policy.id}）；"
          f"收缴 {year} 年度（含 {year - 1} 年度）")
    print(f"  设备登记码：{result.enrol_code}")
    print("  数据包已用口令加密。请把口令和设备登记码当面告诉外出组（不要写在U盘上）；")
    print("  在外出电脑上运行：yibao --db 新登记库文件 outreach open 该文件 --code 设备登记码")
    return 0


@_guard
def _outreach_open(args: argparse.Namespace) -> int:
    from pathlib import Path

    from yibao.db import open_registry, resolve_url
    from yibao.models import utcnow
    from yibao.outreach.enrol import normalise
    from yibao.outreach.errors import OutreachError
    from yibao.outreach.export import new_laptop_key, open_outreach, read_outreach_bundle

    if not Path(args.file).is_file():
        raise OutreachError(f"找不到数据包文件：{args.file}。请检查文件名和U盘是否插好。")
    code = normalise(_enrol_code(args))  # a mistyped code is refused before anything is made
    passphrase = _passphrase(args, confirm=False)
    bundle = read_outreach_bundle(args.file, passphrase=passphrase)
    url = resolve_url(args.db)
    engine = open_registry(url, secret=new_laptop_key(url, passphrase))
    _ENGINES.append(engine)
    now = utcnow()
    if now.tzinfo is None:
        from datetime import UTC

        now = now.replace(tzinfo=UTC)
    result = open_outreach(engine, bundle, now=now, enrol_code=code, clerk_name=args.clerk)
    print(f"本机已设置为外出登记设备：{result.town}{result.village or ''}，收据号前缀 {result.prefix}")
    print(f"  参保人 {result.counts.get('person', 0)} 人，参保登记 {result.counts.get('enrolment', 0)} 条")
    from yibao.config import outreach_policy_file

    path = outreach_policy_file(url, result.policy_id)
    if path is not None:
        # Found again by yibao.config.outreach_policy: no --policy needed on this laptop.
        path.write_text(result.policy_toml, encoding="utf-8")
        print(f"  政策文件已保存：{path}（在本登记库上会自动使用，无需再写 --policy）")
        print(f"  打开窗口：yibao --db {args.db or '（默认登记库）'} --clerk 姓名")
    else:
        print(f"  打开窗口：yibao --db {args.db or '（默认登记库）'} --policy {result.policy_id} --clerk 姓名")
    print("  回到大厅后：yibao --db 本登记库 sync export --to 回传文件")
    return 0


# --- sync --------------------------------------------------------------------------


@_guard
def _sync_export(args: argparse.Namespace) -> int:
    from yibao.outreach.sync import export_sync

    # One passphrase, the team's: it unlocks the encrypted laptop registry (made from it by
    # `outreach open`) and seals the bundle the hall opens with it. Read from standard input
    # once, before the registry is opened, so that it does both (the environment variable
    # does both as well; at a terminal the registry asks, then the bundle asks twice).
    given = _registry_secret(args)
    desk = _Desk(args, need_clerk=False, secret=given)
    result = export_sync(desk.engine, to=args.to, actor=desk.actor, now=desk.now,
                         passphrase=given or _passphrase(args, confirm=True))
    total = sum(result.counts.values())
    print(f"已导出回传数据包：{result.path}（{total} 条改动）")
    for table, n in sorted(result.counts.items()):
        print(f"  {table}: {n}")
    print("请把该文件带回大厅，由经办人员运行：yibao sync import 该文件")
    return 0


@_guard
def _sync_import(args: argparse.Namespace) -> int:
    from yibao.outreach.sync import import_sync

    desk = _Desk(args)
    report = import_sync(desk.engine, args.file, actor=desk.actor, now=desk.now,
                         passphrase=_passphrase(args, confirm=False))
    text = report.render()
    print(text, end="")
    if args.report:
        from yibao.outreach.files import write_private_text

        write_private_text(args.report, text)
        print(f"导入报告已保存：{args.report}")
    return 0


@_guard
def _sync_conflicts(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from yibao.outreach.models import ConflictKind
    from yibao.outreach.sync import open_conflicts

    desk = _Desk(args, need_clerk=False)
    with Session(desk.engine) as session:
        rows = open_conflicts(session)
        if not rows:
            print("没有待处理的同步事项。")
            return 0
        for row in rows:
            print(f"[{row.id[:8]}] {ConflictKind(row.kind).label}：{row.summary}")
    print(f"共 {len(rows)} 项待处理。处理后运行：yibao sync resolve 编号 --how 退费|更正|核实无误 --note 说明")
    return 0


@_guard
def _sync_resolve(args: argparse.Namespace) -> int:
    from yibao.outreach.sync import resolve_conflict

    desk = _Desk(args)
    row = resolve_conflict(desk.engine, args.id, how=args.how, note=args.note, actor=desk.actor, now=desk.now)
    print(f"已处理 [{row.id[:8]}]：{row.resolution}")
    return 0


# --- change requests ------------------------------------------------------------------


def _change_services(args: argparse.Namespace) -> Any:
    from yibao.services import Services

    desk = _Desk(args)
    return Services(desk.engine, None, desk.clerk, desk.device)


@_guard
def _changes_list(args: argparse.Namespace) -> int:
    svc = _change_services(args)
    rows = svc.change_requests.open()
    if not rows:
        print("没有待审核的提议修改。")
        return 0
    for row in rows:
        print(f"[{row.id[:8]}] {row.summary}（外出经办：{row.proposed_by or '不详'}）")
        for line in row.lines:
            print(f"    {line.label}：{line.before or '（空）'} → {line.after or '（空）'}")
    print(f"共 {len(rows)} 项待审核。审核人员运行：yibao changes accept 编号 或 yibao changes reject 编号 --note 理由")
    return 0


@_guard
def _changes_accept(args: argparse.Namespace) -> int:
    row = _change_services(args).change_requests.accept(args.id, note=args.note)
    print(f"已采纳 [{row.id[:8]}]：{row.summary}（已记入操作日志）")
    return 0


@_guard
def _changes_reject(args: argparse.Namespace) -> int:
    row = _change_services(args).change_requests.reject(args.id, note=args.note)
    print(f"已驳回 [{row.id[:8]}]：{row.summary}（已记入操作日志）")
    return 0


# --- backup / restore ----------------------------------------------------------------


@_guard
def _backup(args: argparse.Namespace) -> int:
    from yibao.db import resolve_url
    from yibao.outreach.backup import backup

    report = backup(resolve_url(args.db), args.to, secret=_registry_secret(args))
    print(f"已备份到 {report.path}：{len(report.counts)} 张表，共 {report.total_rows} 条记录，完整性检查通过。")
    if _encrypted(report.path):
        print(f"备份与外出登记库一样是加密的，其密钥文件 {report.path.name}.key 已一同写出（用同一口令打开），"
              "两个文件须放在一起保管。")
    return 0


def _registry_secret(args: argparse.Namespace) -> str | None:
    """The team's passphrase for an encrypted laptop registry from ``--passphrase-stdin``;
    None: the environment or a prompt (``yibao.cipher``), asked only if the file is encrypted."""
    return _passphrase(args, confirm=False) if getattr(args, "passphrase_stdin", False) else None


def _encrypted(path: object) -> bool:
    from pathlib import Path

    from yibao import cipher

    return cipher.is_encrypted(Path(str(path)))


@_guard
def _restore(args: argparse.Namespace) -> int:
    from yibao.db import open_registry, resolve_url
    from yibao.outreach.backup import restore

    url = resolve_url(args.db)
    report, kept = restore(args.file, url, opener=open_registry,
                           confirm_lost=args.confirm_lost, secret=_registry_secret(args))
    print(f"已从 {args.file}（备份于 {report.created_at:%Y-%m-%d %H:%M} UTC）恢复登记库，"
          f"{report.total_rows} 条记录逐表核对一致。")
    if _encrypted(args.file):
        print("恢复后的外出登记库仍是加密的，仍用原来的外出组口令打开。")
    if kept is not None:
        extra = "（同样加密，密钥文件在旁边）" if _encrypted(kept) else ""
        print(f"恢复前的登记库已另存为 {kept}{extra}")
    return 0


# --- dayclose ------------------------------------------------------------------------


def _check_day(args: argparse.Namespace, desk: _Desk, day: date) -> None:
    """A day-close date inside the registry policy's years and not in the future."""
    from yibao.outreach.errors import OutreachError

    if day > desk.today:
        raise OutreachError(f"{day:%Y-%m-%d} 还没到（今天是 {desk.today:%Y-%m-%d}），不能日结。请检查 --date。")
    earliest = date(2016, 1, 1)  # 城乡居民基本医疗保险 began with the 2016 merger of the two schemes
    try:
        from yibao.cli._common import policy_id
        from yibao.policy import load_policy

        chosen = policy_id(args, desk.url, required=False)
        if chosen:
            earliest = date(int(load_policy(chosen).benefit_year) - 1, 1, 1)  # collection starts the year before
    except Exception:  # no readable policy: the fixed floor applies
        pass
    if day < earliest:
        raise OutreachError(
            f"{day:%Y-%m-%d} 早于本登记库政策的年度（最早 {earliest:%Y-%m-%d}），不能日结。请检查 --date。"
        )


@_guard
def _dayclose_close(args: argparse.Namespace) -> int:
    from yibao.outreach.dayclose import close_day, render_sheet

    desk = _Desk(args)
    day = args.date or desk.today
    _check_day(args, desk, day)
    sheet = close_day(desk.engine, clerk=desk.clerk, device=desk.device, day=day, today=desk.today, now=desk.now)
    text = render_sheet(sheet, printed_at=desk.now)
    _emit(text, args.out)
    return 0


@_guard
def _dayclose_sheet(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from yibao.outreach.dayclose import day_sheet, render_sheet, sheet_scope
    from yibao.outreach.errors import OutreachError

    desk = _Desk(args)
    if args.to and Path(args.to).suffix.lower() not in (".pdf", ".xlsx"):
        raise OutreachError(f"--to 只能是 .pdf 或 .xlsx 文件（收到 {Path(args.to).name}），如 --to 日结单.pdf。")
    if args.all and not args.to:
        raise OutreachError("--all 须与 --to 同用（如 --to 日结单.pdf）：文本日结单只列一位经办人员。")
    day = args.date or desk.today
    # 审核 only for another clerk's sheet or all clerks' (checked and audited there)
    scope = sheet_scope(desk.engine, clerk=desk.clerk, device=desk.device, day=day, now=desk.now,
                        of=args.of, device_prefix=args.device, all_clerks=args.all)
    with Session(desk.engine) as session:
        if args.to:
            return _write_sheet(args, desk, session, device_id=scope.device_id, day=day,
                                clerk_id=scope.clerk_id)
        assert scope.clerk_id is not None
        sheet = day_sheet(session, clerk_id=scope.clerk_id, device_id=scope.device_id, day=day)
    _emit(render_sheet(sheet, printed_at=desk.now), args.out)
    return 0


def _write_sheet(args: argparse.Namespace, desk: _Desk, session: Any, *, device_id: str, day: date,
                 clerk_id: str | None) -> int:
    """``--to FILE.pdf|FILE.xlsx``: the cashier's sheet, every payment method; sent to
    ``--printer NAME`` when given (a PDF only; the receipt printer's setting is not used)."""
    from yibao.money import yuan
    from yibao.outreach.daysheet import cashier_sheet
    from yibao.printing.daysheet import write_sheet

    sheet = cashier_sheet(session, device_id=device_id, day=day, clerk_id=clerk_id,
                          jurisdiction=_jurisdiction(args, desk), printed_at=desk.now)
    path = write_sheet(sheet, args.to)
    print(f"日结单已保存：{path}（有效收据 {len(sheet.lines)} 张，合计 {yuan(sheet.total_fen)} 元，"
          f"其中现金 {yuan(sheet.cash_fen)} 元；作废 {len(sheet.voided)} 张）")
    printer = (getattr(args, "printer", None) or "").strip()
    if printer and path.suffix.lower() == ".pdf":
        from yibao.printing.printer import send

        printed = send(path, printer)
        print(printed.message, file=sys.stdout if printed.ok else sys.stderr)
        return 0 if printed.ok else 1
    return 0


def _jurisdiction(args: argparse.Namespace, desk: _Desk) -> str:
    """The county the sheet is headed with, from the registry's policy ("" when none)."""
    try:
        from yibao.cli._common import policy_id
        from yibao.policy import load_policy

        chosen = policy_id(args, desk.url, required=False)
        return str(load_policy(chosen).jurisdiction) if chosen else ""
    except Exception:  # an unreadable policy: the sheet is headed without the county
        return ""


@_guard
def _dayclose_reopen(args: argparse.Namespace) -> int:
    from yibao.outreach.dayclose import reopen_day

    desk = _Desk(args)
    reopen_day(desk.engine, clerk_name=args.of, day=args.date, device=desk.device, supervisor=desk.clerk,
               reason=args.reason, now=desk.now)
    print(f"已重新开启 {args.of} {args.date:%Y-%m-%d} 的日结（已记入操作日志）。补收后请重新日结。")
    return 0


@_guard
def _dayclose_void(args: argparse.Namespace) -> int:
    from yibao.outreach.dayclose import void_receipt
    from yibao.receipts import yuan

    desk = _Desk(args)
    line = void_receipt(desk.engine, receipt_no=args.receipt, reason=args.reason, clerk=desk.clerk,
                        device=desk.device, today=desk.today, now=desk.now)
    print(f"已作废收据 {line.receipt_no}（{line.person_name}，{yuan(line.amount_fen)} 元），原因：{line.void_reason}")
    return 0


@_guard
def _dayclose_pending(args: argparse.Namespace) -> int:
    from sqlmodel import Session

    from yibao.outreach.dayclose import unclosed_days

    desk = _Desk(args)
    with Session(desk.engine) as session:
        days = unclosed_days(session, clerk_id=desk.clerk.id, device_id=desk.device.id, before=desk.today)
    if not days:
        print("没有未日结的日期。")
        return 0
    print("以下日期收了现金但尚未日结，请尽快日结并解缴：" + "、".join(f"{d:%Y-%m-%d}" for d in days))
    return 1


def _emit(text: str, out: str | None) -> None:
    if out:
        from yibao.outreach.files import write_private_text

        write_private_text(out, text)
        print(f"日结单已保存：{out}")
    else:
        print(text, end="")


# --- registration --------------------------------------------------------------------


def _passphrase_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--passphrase-stdin", action="store_true",
        help=f"从标准输入第一行读取数据包口令（也可用环境变量 {ENV_PASSPHRASE}；默认在终端询问）",
    )


def _registry_passphrase_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--passphrase-stdin", action="store_true",
        help=f"加密的外出登记库：从标准输入第一行读取外出组口令（也可用环境变量 {ENV_PASSPHRASE}；默认在终端询问）",
    )


def register(sub: argparse._SubParsersAction) -> None:
    outreach = sub.add_parser("outreach", help="外出登记：导出数据包 / 在外出电脑上打开")
    o_sub = outreach.add_subparsers(dest="outreach_command", metavar="操作", required=True)
    p = o_sub.add_parser("export", help="在大厅导出某乡镇（村）的外出登记数据包")
    p.add_argument("--town", help="乡镇（街道）名称：按登记的乡镇或地址匹配（本地没有乡镇名单的，只写 --village）")
    p.add_argument("--village", help="村（社区）名称，可选")
    p.add_argument("--to", required=True, help="数据包文件（如 U盘上的 富水镇.yibao）")
    p.add_argument("--prefix", help="外出设备的收据号前缀（默认自动生成）")
    _passphrase_option(p)
    p.set_defaults(func=_outreach_export)
    p = o_sub.add_parser("open", help="在外出电脑上用数据包建立外出登记库")
    p.add_argument("file", help="大厅导出的外出登记数据包")
    p.add_argument("--code", help="设备登记码（大厅导出时显示，当面告知）")
    _passphrase_option(p)
    p.set_defaults(func=_outreach_open)

    sync = sub.add_parser("sync", help="外出设备回传：导出 / 在大厅导入 / 待处理事项")
    s_sub = sync.add_subparsers(dest="sync_command", metavar="操作", required=True)
    p = s_sub.add_parser("export", help="在外出电脑上导出自数据包以来的全部改动")
    p.add_argument("--to", required=True, help="回传数据包文件")
    p.add_argument(
        "--passphrase-stdin", action="store_true",
        help="从标准输入第一行读取外出组口令：用它打开加密的外出登记库，并加密回传数据包"
        f"（也可用环境变量 {ENV_PASSPHRASE}；默认在终端询问）",
    )
    p.set_defaults(func=_sync_export)
    p = s_sub.add_parser("import", help="在大厅导入外出设备的回传数据包（重复导入不会重复记账）")
    p.add_argument("file", help="回传数据包文件")
    p.add_argument("--report", help="把导入报告另存为文本文件")
    _passphrase_option(p)
    p.set_defaults(func=_sync_import)
    p = s_sub.add_parser("conflicts", help="列出同步后待处理的事项（重复缴费等）")
    p.set_defaults(func=_sync_conflicts)
    p = s_sub.add_parser("resolve", help="登记某一待处理事项的处理结果")
    p.add_argument("id", help="事项编号（yibao sync conflicts 列出的前 8 位即可）")
    p.add_argument("--how", required=True, help="退费 / 更正 / 核实无误")
    p.add_argument("--note", required=True, help="处理说明")
    p.set_defaults(func=_sync_resolve)

    changes = sub.add_parser("changes", help="外出设备提议的修改：列出 / 采纳 / 驳回（审核人员）")
    c_sub = changes.add_subparsers(dest="changes_command", metavar="操作", required=True)
    p = c_sub.add_parser("list", help="列出待审核的提议修改")
    p.set_defaults(func=_changes_list)
    p = c_sub.add_parser("accept", help="采纳一项提议修改（审核人员）")
    p.add_argument("id", help="编号（yibao changes list 列出的前 8 位即可）")
    p.add_argument("--note", help="说明（可选）")
    p.set_defaults(func=_changes_accept)
    p = c_sub.add_parser("reject", help="驳回一项提议修改（审核人员，须写理由）")
    p.add_argument("id", help="编号")
    p.add_argument("--note", required=True, help="驳回理由")
    p.set_defaults(func=_changes_reject)

    p = sub.add_parser("backup", help="在线备份登记库（SQLite，窗口开着也可以）")
    p.add_argument("--to", required=True, help="备份文件")
    _registry_passphrase_option(p)
    p.set_defaults(func=_backup)
    p = sub.add_parser("restore", help="从备份文件恢复登记库（恢复前的库会另存一份）")
    p.add_argument("file", help="yibao backup 生成的备份文件")
    p.add_argument("--confirm-lost", type=int, metavar="N",
                   help="当前登记库有 N 笔备份里没有的记录时，确认仍要恢复（须写出恢复前列出的笔数）")
    _registry_passphrase_option(p)
    p.set_defaults(func=_restore)

    day = sub.add_parser("dayclose", help="现金日结：日结、日结单、重新开启、作废收据")
    d_sub = day.add_subparsers(dest="dayclose_command", metavar="操作", required=True)
    p = d_sub.add_parser("close", help="为当前经办人员日结（默认今天）")
    p.add_argument("--date", type=_date, help="日期，如 2025-09-30（默认今天）")
    p.add_argument("--out", help="把日结单另存为文本文件（用于打印）")
    p.set_defaults(func=_dayclose_close)
    p = d_sub.add_parser("sheet", help="打印日结单（未日结时为草表）")
    p.add_argument("--date", type=_date, help="日期（默认今天）")
    p.add_argument("--of", help="经办人员姓名（默认本人）")
    p.add_argument("--device", help="设备的收据号前缀（默认本机；外出设备回传后可在大厅查看）")
    p.add_argument("--out", help="另存为文本文件")
    p.add_argument("--to", metavar="FILE.pdf|FILE.xlsx",
                   help="另存为 PDF 或 Excel 日结单（含各缴费方式、作废收据和签字栏）")
    p.add_argument("--all", action="store_true", help="与 --to 同用：本设备当日所有经办人员（默认本人）")
    p.set_defaults(func=_dayclose_sheet)
    p = d_sub.add_parser("reopen", help="审核人员重新开启某经办人员已日结的日期")
    p.add_argument("--of", required=True, help="被重新开启日结的经办人员姓名")
    p.add_argument("--date", required=True, type=_date, help="日期，如 2025-09-30")
    p.add_argument("--reason", required=True, help="原因（记入操作日志）")
    p.set_defaults(func=_dayclose_reopen)
    p = d_sub.add_parser("void", help="作废当日开出的收据（须写原因）")
    p.add_argument("receipt", help="收据号")
    p.add_argument("--reason", required=True, help="作废原因")
    p.set_defaults(func=_dayclose_void)
    p = d_sub.add_parser("pending", help="列出收了现金但尚未日结的日期")
    p.set_defaults(func=_dayclose_pending)
