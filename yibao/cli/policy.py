"""``yibao policy list`` and ``yibao policy show ID``: what a policy file says, in Chinese."""

from __future__ import annotations

import argparse
import sys
import unicodedata
from typing import Any

from yibao.money import PLAIN, yuan


def register(sub: argparse._SubParsersAction) -> None:
    parser = sub.add_parser("policy", help="查看政策文件（缴费标准、资助、期限、退费）")
    inner = parser.add_subparsers(dest="policy_command", metavar="操作")
    listing = inner.add_parser("list", help="列出全部政策")
    listing.set_defaults(func=run_list)
    show = inner.add_parser("show", help="显示一项政策的摘要")
    show.add_argument("policy_id", metavar="政策编号", help="如 shangnan-2025")
    show.set_defaults(func=run_show)
    parser.set_defaults(func=lambda args: _usage(parser))


def _usage(parser: argparse.ArgumentParser) -> int:
    parser.print_help(sys.stderr)
    return 2


def run_list(args: argparse.Namespace) -> int:  # noqa: ARG001
    from yibao.policy import PolicyError, list_policies

    try:
        policies = list_policies()
    except PolicyError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    rows = [
        (p.id, p.jurisdiction, p.region_code, str(p.benefit_year), p.document.number)
        for p in policies
    ]
    print(_table(("政策编号", "统筹地区", "区划代码", "待遇年度", "文号"), rows))
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
        f"文件：{doc.number}《{doc.title}》",
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
            amount = s.subsidy_fen or 0
            sub, personal = yuan(amount, **PLAIN), yuan(c.standard_fen - amount, **PLAIN)
        kind = {"full": "全额资助", "fixed": "定额资助", "none": "不资助", "deferred": "按他文件"}[
            s.kind.value
        ]
        rows.append((who, kind, yuan(c.standard_fen, **PLAIN), sub, personal, _cite(s)))
    out.append(_table(("身份", "方式", "标准", "资助", "个人缴纳", "条款"), rows, right={2, 3, 4}))
    if c.stacking.silent:
        stacking = "文件未作规定（暂按就高、不重复，需核实）"
    elif c.import_order is not None:
        stacking = "按导盘顺序，后导入的身份为准（资助由低到高排列，即就高），不重复享受"
    else:
        stacking = c.stacking.text
    out.append(f"多重身份：{stacking}（{_cite(c.stacking)}）")
    outside = "不享受资助" if c.outside_centralized.subsidy == "none" else "文件未作规定，需核实"
    out.append(f"集中缴费期外缴费的资助：{outside}（{_cite(c.outside_centralized)}）")
    if c.personal_share_deadline is not None:
        dl = c.personal_share_deadline
        out.append(f"定额资助对象个人缴费期限：{dl.last_day} 前；逾期需核实（{_cite(dl)}）")
    if c.new_identities is not None:
        out.append(f"年度内新认定的资助身份：纳入下一年度资助范围（{_cite(c.new_identities)}）")
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
        (x.code.value, x.label, "仅提及" if x.mention_only else "可退", _cite(x)) for x in r.reasons
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
            f"补缴期：{mk.start} 至 {mk.end}，待遇等待期 {mk.waiting_months} 个月（{_cite(mk)}）"
        )
    effect = {"refused": "不能参保", "confirm": "需核实"}.get(periods.outside.effect, "")
    lines.append(f"其他时间（一般人员）：{effect}（{_cite(periods.outside)}）")
    for sp in periods.special:
        if sp.start == "nth_month":
            start = f"缴费当月起第 {sp.nth_month} 个月"
        else:
            start = START_RULES.get(sp.start, sp.start)
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
