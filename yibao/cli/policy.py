"""``yibao policy …``: what a policy file says, and writing next year's.

yibao policy list [--on 2026-12-01]            每个文件标明 当前 / 已过 / 未开始 / 草稿
yibao policy show shangnan-2025
yibao policy new shangnan --year 2027 --from policies/shangnan-2025.toml --to shangnan-2027.toml
yibao policy check shangnan-2027.toml           列出每条“未确认”的条目；仍有未确认时退出码为 1
yibao policy confirm shangnan-2027.toml contribution.standard periods.benefit …  (或 --all)
yibao policy diff policies/shangnan-2025.toml shangnan-2027.toml
yibao --db 窗口.sqlite3 --clerk 李主任 policy activate shangnan-2027.toml   (审核人员，记入审计日志)
"""

from __future__ import annotations

import argparse
import sys
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

from yibao.cli._common import guarded
from yibao.money import PLAIN, yuan


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("policy", help="查看政策文件（缴费标准、资助、期限、退费）")
    inner = parser.add_subparsers(dest="policy_command", metavar="操作")
    listing = inner.add_parser("list", help="列出全部政策")
    listing.set_defaults(func=run_list)
    show = inner.add_parser("show", help="显示一项政策的摘要")
    show.add_argument("policy_id", metavar="政策编号", help="如 shangnan-2025")
    show.set_defaults(func=run_show)
    listing.add_argument("--on", type=_day, help="按哪一天判断当前/已过（默认今天），如 2026-12-01")
    new = inner.add_parser("new", help="由上一年度文件生成新年度草稿（条目均标为未确认）")
    new.add_argument("jurisdiction", metavar="统筹地区", help="如 shangnan（政策编号中年度之前的部分）")
    new.add_argument("--year", type=int, required=True, help="新的待遇年度，如 2027")
    new.add_argument("--from", dest="source", required=True, help="来源：上一年度的政策编号（如 shangnan-2025）或文件")
    new.add_argument("--to", dest="target", type=Path, required=True, help="要写出的草稿文件")
    new.set_defaults(func=run_new)
    check = inner.add_parser("check", help="检查文件格式，列出未确认的条目（有未确认时退出码 1）")
    check.add_argument("file", type=Path, metavar="文件")
    check.set_defaults(func=run_check)
    confirm = inner.add_parser("confirm", help="把已对照新通知核对过的条目标为已确认")
    confirm.add_argument("file", type=Path, metavar="文件")
    confirm.add_argument("entries", nargs="*", metavar="条目", help="policy check 列出的条目，如 contribution.standard")
    confirm.add_argument("--all", action="store_true", help="确认全部未确认条目（须已逐条核对）")
    confirm.add_argument("--no-number", action="store_true", help="通知确无文号（按发文机关、标题和日期引用）")
    confirm.set_defaults(func=run_confirm)
    diff = inner.add_parser("diff", help="比较两个政策文件：金额、日期、条款、身份的增删改")
    diff.add_argument("a", type=Path, metavar="旧文件")
    diff.add_argument("b", type=Path, metavar="新文件")
    diff.set_defaults(func=run_diff)
    activate = inner.add_parser("activate", help="启用已确认的文件（审核人员，记入审计日志）")
    activate.add_argument("file", type=Path, metavar="文件")
    activate.set_defaults(func=guarded(run_activate))
    parser.set_defaults(func=lambda args: _usage(parser))


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"日期“{text}”不对，应写成 2026-12-01。") from None


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def run_list(args: argparse.Namespace) -> int:
    from yibao.policy import PolicyError, list_policies
    from yibao.rules.years import collects

    try:
        policies = list_policies()
    except PolicyError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    on = getattr(args, "on", None) or _today()
    policies = policies + _activated(args)
    given = _given_file(args)
    if given is not None and all(p.id != given.id or p.is_draft != given.is_draft for p in policies):
        policies.append(given)  # the draft being written (--policy FILE) shows as 草稿·未确认
    rows = [
        (
            p.id,
            p.jurisdiction,
            p.region_code,
            str(p.benefit_year),
            p.document.number or "（无）",
            mark(p, on, collects),
        )
        for p in policies
    ]
    print(_table(("政策编号", "统筹地区", "区划代码", "待遇年度", "文号", f"状态（{on}）"), rows))
    return 0


def _today() -> date:
    from datetime import datetime

    from yibao.services import LOCAL_TZ

    return datetime.now(LOCAL_TZ).date()


def _activated(args: argparse.Namespace) -> list[Any]:
    """With ``--db``: the files a supervisor activated in that registry (``policy activate``)."""
    if not getattr(args, "db", None):
        return []
    from yibao.cli._common import open_engine, registry_url
    from yibao.services.years import activated

    engine = open_engine(registry_url(args))
    try:
        return [p for p in activated(engine) if p.id not in _bundled_ids()]
    finally:
        engine.dispose()


def _given_file(args: argparse.Namespace) -> Any:
    """The policy file named by ``--policy FILE`` (a path, not an id), if it loads."""
    from pathlib import Path

    from yibao.policy import PolicyError, load_policy

    named = getattr(args, "policy", None)
    if not named or not str(named).endswith(".toml") or not Path(named).is_file():
        return None
    try:
        return load_policy(named)
    except PolicyError:
        return None  # ``yibao policy check`` says what is wrong with it


def _bundled_ids() -> set[str]:
    from yibao.resources import policies_dir

    return {p.stem for p in policies_dir().glob("*.toml")}


def mark(policy: Any, on: date, collects: Any) -> str:
    """当前 (money may be taken for its year today) / 已过 / 未开始 / 草稿."""
    if policy.is_draft:
        return "草稿·未确认"
    if collects(policy, on):
        return "当前"
    if policy.periods.benefit.end < on:
        return "已过"
    return "未开始"


def run_new(args: argparse.Namespace) -> int:
    from yibao.policy import PolicyError, load_policy
    from yibao.policy.authoring import make_draft, pending
    from yibao.policy.loader import load_policy_text

    try:
        source = load_policy(args.source)
        if source.key != args.jurisdiction.strip():
            print(
                f"{args.source} 是 {source.jurisdiction}（{source.key}）的文件，"
                f"不是“{args.jurisdiction}”的。请选该统筹地区最近一年的文件。",
                file=sys.stderr,
            )
            return 1
        if args.target.exists():
            print(f"{args.target} 已存在，为免覆盖请换一个文件名或先移走它。", file=sys.stderr)
            return 1
        text = make_draft(args.source, year=args.year)
    except PolicyError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    args.target.write_text(text, encoding="utf-8")
    draft = load_policy_text(text, args.target.name)
    left = pending(draft)
    print(
        f"已写出 {draft.jurisdiction} {draft.benefit_year} 年度草稿 {args.target}"
        f"（来自 {args.source}，日期顺延 {draft.benefit_year - source.benefit_year} 年）。"
    )
    print(f"金额与原文仍是 {source.benefit_year} 年度的：{len(left)} 项未确认，确认前不能收费。")
    print(f"下一步：对照新通知修改后运行 yibao policy check {args.target}。")
    return 0


def run_check(args: argparse.Namespace) -> int:
    from yibao.policy import PolicyError
    from yibao.policy.authoring import pending
    from yibao.policy.loader import load_policy_text

    try:
        text = Path(args.file).read_text(encoding="utf-8")
        policy = load_policy_text(text, Path(args.file).name)
    except OSError:
        print(f"读不到文件 {args.file}，请检查路径。", file=sys.stderr)
        return 1
    except PolicyError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    left = pending(policy)
    print(
        f"{args.file}：格式正确。{policy.jurisdiction} {policy.benefit_year} 年度，"
        f"状态：{'草稿·未确认' if policy.is_draft else '已确认'}。"
    )
    for item in left:
        print(item.line())
    if left:
        print(
            f"共 {len(left)} 项未确认。对照新通知改好后运行 yibao policy confirm {args.file} 条目…"
        )
        return 1
    if policy.is_draft:
        # Every entry was confirmed before the notice's 文号/日期/标题 were filled in: one
        # more confirm turns the file from draft into confirmed.
        print(f"条目都已核对，文件仍是草稿：运行 yibao policy confirm {args.file} 把状态改为已确认。")
    return 0


def _unconfirmed(path: str) -> bool:
    """Whether ``path`` still has an entry to confirm (an unreadable file: let confirm say why)."""
    from yibao.policy import PolicyError, load_policy
    from yibao.policy.authoring import pending

    try:
        return any(not p.path.startswith("document.") for p in pending(load_policy(Path(path))))
    except (OSError, PolicyError):
        return True


def run_confirm(args: argparse.Namespace) -> int:
    from yibao.policy import PolicyError
    from yibao.policy.authoring import confirm

    if not args.entries and not args.all and _unconfirmed(args.file):
        print("请写出要确认的条目（policy check 列出的写法），或加 --all。", file=sys.stderr)
        return 2
    try:
        result = confirm(args.file, args.entries, everything=args.all, no_number=args.no_number)
    except PolicyError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    Path(args.file).write_text(result.text, encoding="utf-8")
    for entry in result.confirmed:
        print(f"已确认  {entry}")
    for item in result.remaining:
        print(item.line())
    if result.status == "confirmed":
        print(f"{args.file} 全部条目已确认，状态改为已确认。审核人员可运行 yibao policy activate {args.file}。")
        return 0
    print(f"还有 {len(result.remaining)} 项未确认。")
    return 1


def run_diff(args: argparse.Namespace) -> int:
    from yibao.policy import PolicyError
    from yibao.policy.authoring import diff

    try:
        lines = diff(args.a, args.b)
    except PolicyError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    if not lines:
        print(f"{args.a.name} 与 {args.b.name} 的金额、日期、条款、身份均相同。")
        return 0
    print(f"{args.a.name} → {args.b.name}：{len(lines)} 处不同")
    for line in lines:
        print(line)
    return 0


def run_activate(args: argparse.Namespace) -> int:
    """Signs the clerk in as every writing command does; the service checks the role."""
    from yibao.cli._common import (
        clerk_name,
        load_policy,
        open_engine,
        policy_id,
        registry_url,
        sign_in,
    )
    from yibao.config import ensure_device
    from yibao.services import Services

    url = registry_url(args)
    chosen = policy_id(args, url)
    assert chosen is not None
    clerk_name(args, url)  # before opening: a missing name is said at once
    policy = load_policy(chosen)
    engine = open_engine(url)
    try:
        device = ensure_device(engine)
        services = Services(engine, policy, sign_in(args, engine, url, device), device)
        view = services.years.activate(args.file)
    finally:
        engine.dispose()
    if not view.changed:
        print(f"{view.policy_id} 的这份文件已经启用，未作改动。")
        return 0
    print(
        f"已启用 {view.jurisdiction} {view.benefit_year} 年度政策 {view.policy_id}"
        f"（{view.document_number or '无文号'}，校验码 {view.sha256[:12]}），已记入审计日志。"
    )
    print("本登记库从此按年度自动选用；外出设备在下次导出外出包时一并带上。")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from yibao.policy import PolicyError, load_policy
    from yibao.resources import policies_dir

    policy_id = args.policy_id
    if not (policies_dir() / f"{policy_id}.toml").is_file() and not policy_id.endswith(".toml"):
        available = "、".join(p.stem for p in sorted(policies_dir().glob("*.toml"))) or "（无）"
        print(f"没有政策“{policy_id}”。可用的政策编号：{available}。", file=sys.stderr)
        return 1
    try:
        policy = load_policy(policy_id)
    except PolicyError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(render(policy))
    return 0


# --------------------------------------------------------------------------- rendering




def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int, right: bool = False) -> str:
    gap = " " * (width - _width(text))
    return gap + text if right else text + gap


def _table(
    header: tuple[str, ...], rows: list[tuple[str, ...]], right: set[int] = frozenset()
) -> str:
    widths = [max(_width(r[i]) for r in (header, *rows)) for i in range(len(header))]
    lines = ["  ".join(_pad(h, widths[i], i in right) for i, h in enumerate(header))]
    lines.append("  ".join("─" * w for w in widths))
    for row in rows:
        lines.append("  ".join(_pad(c, widths[i], i in right) for i, c in enumerate(row)))
    return "\n".join(line.rstrip() for line in lines)


def _cite(ref: Any) -> str:
    if getattr(ref, "silent", False):
        return "文件未作规定"
    clause = getattr(ref, "clause", None) or ""
    if getattr(ref, "unavailable", False):
        return f"{clause}（原文未能取得）"
    if getattr(ref, "defers_to", None):
        return f"{clause} → {ref.defers_to}"
    return clause


def render(policy: Any) -> str:
    from yibao.policy.contribution import SubsidyKind
    from yibao.rules.relations import Relation

    doc = policy.document
    c = policy.contribution
    out: list[str] = [
        f"{policy.jurisdiction} {policy.benefit_year} 年度城乡居民医保（{policy.id}）",
        f"文件：{doc.number or '（无文号）'}《{doc.title.strip('《》')}》",
        f"发文：{doc.issuer}  {doc.date}",
        f"区划代码：{policy.region_code}    待遇年度：{policy.benefit_year}",
        "",
        f"个人缴费标准：{yuan(c.standard_fen, **PLAIN)} 元/人·年（{_cite(c.standard)}）",
        f"集中缴费期：{c.centralized.start} 至 {c.centralized.end}（{_cite(c.centralized)}）",
        "",
        "一、资助参保（金额：元）",
    ]
    rows: list[tuple[str, ...]] = [
        (
            "（无特殊身份）",
            "一般居民",
            yuan(c.standard_fen, **PLAIN),
            "0.00",
            yuan(c.standard_fen, **PLAIN),
            _cite(c.standard),
        )
    ]
    for s in c.subsidies:
        who = s.label  # the document's own name for the group
        if s.kind is SubsidyKind.DEFERRED:
            sub, personal = "待核实", "待核实"
        elif s.kind is SubsidyKind.FULL:
            sub, personal = yuan(c.standard_fen, **PLAIN), "0.00"
        elif s.kind is SubsidyKind.NONE:
            sub, personal = "0.00", yuan(c.standard_fen, **PLAIN)
        else:
            amount = c.subsidy_of(s)
            sub, personal = yuan(amount, **PLAIN), yuan(c.standard_fen - amount, **PLAIN)
        kind = {
            "full": "全额资助",
            "fixed": "定额资助",
            "percent": f"按{s.percent}%资助",
            "none": "不资助",
            "deferred": "原文缺失" if s.unavailable and not s.defers_to else "按他文件",
        }[s.kind.value]
        rows.append((who, kind, yuan(c.standard_fen, **PLAIN), sub, personal, _cite(s)))
    out.append(_table(("身份", "方式", "标准", "资助", "个人缴纳", "条款"), rows, right={2, 3, 4}))
    if c.stacking.silent:
        stacking = "文件未作规定（暂按就高、不重复，需核实）"
    elif c.import_order is not None:
        stacking = "按导盘顺序，后导入的身份为准（资助由低到高排列，即就高），不重复享受"
    else:
        stacking = c.stacking.text
    out.append(f"多重身份：{stacking}（{_cite(c.stacking)}）")
    outside = {
        "none": "不享受资助",
        "silent": "文件未作规定，需核实",
        "full_cost": f"按 {yuan(c.outside_centralized.full_cost_fen or 0, **PLAIN)} 元全额缴费，不享受资助",
    }[c.outside_centralized.subsidy]
    out.append(f"集中缴费期外缴费的资助：{outside}（{_cite(c.outside_centralized)}）")
    if c.personal_share_deadline is not None:
        dl = c.personal_share_deadline
        out.append(f"定额资助对象个人缴费期限：{dl.last_day} 前；逾期需核实（{_cite(dl)}）")
    if c.rounding is not None:
        r = c.rounding
        how = f"按{ {'fen': '分', 'jiao': '角', 'yuan': '元'}[r.unit]}" + {
            "half_up": "四舍五入",
            "down": "舍去",
            "up": "进位",
        }[r.mode]
        note = "" if r.settled else "（文件未规定，需核实）"
        out.append(f"按比例资助取整：{how}{note}（{_cite(r)}）")
    if c.new_identities is not None:
        n = c.new_identities
        after = {
            "benefit_year": "待遇年度内新认定",
            "centralized_end": "集中缴费期结束后新认定（期内同缴同补）",
            "fixed_date": f"{n.cutoff_date} 后新认定",
        }[n.cutoff]
        out.append(f"{after}的资助身份：纳入下一年度资助范围（{_cite(n)}）")
    if c.lump_sum is not None:
        out.append(f"缴费方式：按年度一次性足额缴纳（{_cite(c.lump_sum)}）")
    for cover in c.included:
        out.append(f"随基本医保自动参加：{cover.label}，个人无需缴费（{_cite(cover)}）")
    if c.import_order is not None:
        steps: dict[int, list[str]] = {}
        for step in c.import_order.steps:
            steps.setdefault(step.step, []).append(f"{step.label} {step.code}")
        chain = " → ".join(
            f"{next(s.department for s in c.import_order.steps if s.step == n)}（{'、'.join(v)}）"
            for n, v in steps.items()
        )
        out.append(f"导盘顺序（{_cite(c.import_order)}）：{chain}")
    for extra in c.extras:
        out.append(f"附加险种（自愿）：{extra.label} {yuan(extra.fee_fen, **PLAIN)} 元（{_cite(extra)}）")

    out += ["", "二、缴费期与待遇期"]
    try:
        out.extend(_render_periods(policy.periods))
    except AttributeError:  # [periods] changed shape: show it field by field
        out.append(_render_generic(policy.periods))

    e = policy.enrolment
    out += ["", "三、参保条件"]
    out.append(f"参保范围：{e.scope.text}（{_cite(e.scope)}）")
    for place in e.places:
        out.append(
            f"参保地：{place.basis.label}（{_cite(place)}）{'需核实' if place.confirm else ''}"
        )
    out.append(f"大学生：{e.students.text}（{_cite(e.students)}）")
    priority = "、".join(s.label for s in e.duplicate_priority.order) or "文件未作规定"
    out.append(f"重复参保优先：{priority}（{_cite(e.duplicate_priority)}）")

    f = policy.family_aid
    out += ["", "四、家庭共济"]
    if f.permitted.silent:
        out.append("文件未作规定（办理需核实）")
    else:
        relations = "、".join(Relation(r).label for r in f.relations)
        out.append(f"可代缴亲属：{relations}（{_cite(f.relations_ref)}）")
        if f.relations_to_confirm:
            out.append("需核实共同生活：" + "、".join(r.label for r in f.relations_to_confirm))
        period = "仅集中征缴期" if f.period == "centralized_only" else "文件未规定"
        out.append(f"办理时段：{period}（{_cite(f.period_ref)}）")

    r = policy.refunds
    out += ["", "五、退费"]
    if r.accepted.silent:
        out.append("文件未规定退费情形、时限和审批（受理需核实）")
    window = {
        "before_benefit_start": "待遇享受期开始前",
        "centralized": "集中缴费期内",
        "silent": "文件未规定",
    }[r.window]
    reason_rows = [
        (x.code, x.label, "仅提及" if x.mention_only else "可退", _cite(x)) for x in r.reasons
    ]
    if reason_rows:
        out.append(_table(("代码", "情形", "", "条款"), reason_rows))
    if not r.accepted.silent:
        out.append(f"未列情形：{'不予退费' if r.closed_list else '需核实'}")
    out.append(f"受理时限：{window}（{_cite(r.window_ref)}）")
    if r.apply_to or r.approver:
        out.append(f"申请：{r.apply_to or '—'}；终审：{r.approver or '—'}")
    elif r.approver_ref is not None:
        out.append(f"终审：{_cite(r.approver_ref)}")
    return "\n".join(out)


START_RULES = {
    "payment_day": "缴费当日起",
    "next_day": "缴费次日起",
    "next_month": "缴费次月起",
}


def _special_start(sp: Any) -> str:
    if sp.start == "nth_month":
        return f"缴费当月起第 {sp.nth_month} 个月"
    if sp.start == "after_days":
        return f"缴费之日起 {sp.days} 天后"
    if sp.start == "group_start":
        return f"自 {sp.benefit_start} 起"
    return START_RULES.get(sp.start, sp.start)


def _render_periods(periods: Any) -> list[str]:
    """[periods] in words; raises AttributeError if its shape changed."""
    lines: list[str] = []
    b = periods.benefit
    lines.append(f"待遇享受期：{b.start} 至 {b.end}（{_cite(b)}）")
    c = periods.centralized
    monthly = ""
    if c.monthly_days is not None:
        m = c.monthly_days
        extend = "，节假日顺延" if m.holidays_extend else ""
        monthly = f"，每月 {m.first}—{m.last} 日可缴费{extend}"
    lines.append(f"集中缴费期：{c.start} 至 {c.end}{monthly}（{_cite(c)}）")
    if periods.make_up is not None:
        mk = periods.make_up
        lines.append(
            f"{mk.name}：{mk.start} 至 {mk.end}，待遇等待期 {mk.waiting_words}（{_cite(mk)}）"
        )
    effect = {"refused": "不能参保", "confirm": "需核实"}.get(periods.outside.effect, "")
    lines.append(f"其他时间（一般人员）：{effect}（{_cite(periods.outside)}）")
    for sp in periods.special:
        start = _special_start(sp)
        lines.append(f"特殊人员：{sp.label}，待遇{start}（{_cite(sp)}）")
    w = periods.waiting
    if w is not None:
        first = "断保第 1 年起" if not w.free_lapsed_years else f"第 {w.free_lapsed_years} 年之后"
        lines.append(
            f"待遇等待期：固定 {w.fixed_months} 个月，{first}每多断保 1 年加 "
            f"{w.variable_months_per_year} 个月（{_cite(w)}）"
        )
    return lines


def _render_generic(section: Any, indent: str = "") -> str:
    """The period models, shown field by field (dates, numbers, clauses) without knowing them."""
    from datetime import date

    from pydantic import BaseModel

    lines: list[str] = []
    if not isinstance(section, BaseModel):
        return f"{indent}{section}"
    for name, value in section:
        if value is None or value == () or name in ("text", "note"):
            continue
        if isinstance(value, BaseModel):
            head = getattr(value, "label", None) or name
            start, end = getattr(value, "start", None), getattr(value, "end", None)
            span = f" {start} 至 {end}" if isinstance(start, date) and isinstance(end, date) else ""
            cite = f"（{_cite(value)}）" if hasattr(value, "clause") else ""
            lines.append(f"{indent}{head}{span}{cite}")
            inner = _render_generic(value, indent + "  ")
            if inner:
                lines.append(inner)
        elif isinstance(value, tuple) and value and isinstance(value[0], BaseModel):
            for item in value:
                head = getattr(item, "label", None) or name
                cite = f"（{_cite(item)}）" if hasattr(item, "clause") else ""
                lines.append(f"{indent}{head}{cite}")
        elif name not in ("clause", "silent", "defers_to", "start", "end", "label"):
            lines.append(f"{indent}  {name}: {value}")
    return "\n".join(lines)
