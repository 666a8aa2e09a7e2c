"""The weekly report (周报, 晋城 五(五) "一周一上报", 眉山 六(二) "每周一调度"): for the week
ending on a day (seven days, that day included), by county and town — target, paid this week,
paid to date, rate, each special group's rate, refunds taken in and refunds paid out.

Paid this week: persons paid as of the week's last day whose payment was made within the
week. Refunds taken in: requests received (受理) within the week. Refunds paid: requests that
reached 已退费 within the week (local days), with their amount.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from yibao.reports.base import (
    Scope,
    end_of_day_utc,
    paid_as_of,
    percent,
    persons_with_place,
    place_columns,
    table,
    town_filter,
    yuan,
)
from yibao.reports.ledgers import header_lines
from yibao.reports.progress import ProgressReport, ProgressRow, progress
from yibao.reports.sheet import Sheet


@dataclass
class WeekFigures:
    paid_week: int = 0
    refunds_in: int = 0
    refunds_in_fen: int = 0
    refunds_paid: int = 0
    refunds_paid_fen: int = 0

    def add(self, other: WeekFigures) -> None:
        self.paid_week += other.paid_week
        self.refunds_in += other.refunds_in
        self.refunds_in_fen += other.refunds_in_fen
        self.refunds_paid += other.refunds_paid
        self.refunds_paid_fen += other.refunds_paid_fen


@dataclass
class WeeklyReport:
    scope: Scope
    week_start: date
    progress: ProgressReport
    by_town: dict[tuple[str, str], WeekFigures] = field(default_factory=dict)

    def week_of(self, row: ProgressRow) -> WeekFigures:
        out = WeekFigures()
        for (county, town), figures in self.by_town.items():
            if row.level == "total" or (county == row.county and (row.level == "county" or town == row.town)):
                out.add(figures)
        return out


def weekly(engine: Engine, scope: Scope) -> WeeklyReport:
    """The week ending ``scope.as_of``."""
    start = scope.as_of - timedelta(days=6)
    person, request, transition = table("person"), table("refund_request"), table("refund_transition")
    payment = table("payment")
    county, town, _village = place_columns(scope.policy.region_code)
    figures: dict[tuple[str, str], WeekFigures] = defaultdict(WeekFigures)
    with engine.connect() as conn:
        this_week = paid_as_of(scope.year, scope.as_of, since=start)
        for c, t, n in conn.execute(
            sa.select(county, town, sa.func.count())
            .select_from(persons_with_place())
            .where(person.c.id.in_(this_week), *town_filter(scope))
            .group_by(county, town)
        ):
            figures[(c, t)].paid_week = int(n)
        # a primary-key probe per refund of the week, not ``IN`` over the year's payments
        year_refunds = sa.exists(
            sa.select(1).where(payment.c.id == request.c.payment_id, payment.c.benefit_year == scope.year)
        )
        for c, t, n, fen in conn.execute(
            sa.select(county, town, sa.func.count(), sa.func.coalesce(sa.func.sum(request.c.amount_fen), 0))
            .select_from(persons_with_place().join(request, request.c.person_id == person.c.id))
            .where(
                request.c.received_on >= start,
                request.c.received_on <= scope.as_of,
                year_refunds,
                *town_filter(scope),
            )
            .group_by(county, town)
        ):
            figures[(c, t)].refunds_in, figures[(c, t)].refunds_in_fen = int(n), int(fen)
        for c, t, n, fen in conn.execute(
            sa.select(county, town, sa.func.count(), sa.func.coalesce(sa.func.sum(request.c.amount_fen), 0))
            .select_from(
                persons_with_place()
                .join(request, request.c.person_id == person.c.id)
                .join(transition, transition.c.refund_id == request.c.id)
            )
            .where(
                transition.c.to_state == "refunded",
                transition.c.at >= end_of_day_utc(start - timedelta(days=1)),
                transition.c.at < end_of_day_utc(scope.as_of),
                year_refunds,
                *town_filter(scope),
            )
            .group_by(county, town)
        ):
            figures[(c, t)].refunds_paid, figures[(c, t)].refunds_paid_fen = int(n), int(fen)
    return WeeklyReport(
        scope=scope, week_start=start, progress=progress(engine, scope), by_town=dict(figures)
    )


def weekly_sheets(report: WeeklyReport) -> list[Sheet]:
    scope, p = report.scope, report.progress
    week = f"本周：{report.week_start.isoformat()} 至 {scope.as_of.isoformat()}"
    main = Sheet(
        name="征缴进度周报",
        title=f"{scope.jurisdiction}{scope.year}年度城乡居民医保参保缴费进度周报",
        header=header_lines(scope, week + "。" + p.target_note),
        columns=["地区", "任务数", "本周缴费", "累计缴费", "参保率", "较上周", "退费受理（笔）",
                 "受理金额（元）", "已退费（笔）", "退费金额（元）", "任务数来源"],
        widths=[18, 10, 10, 10, 10, 8, 12, 14, 10, 14, 36],
    )
    rows = [p.total, *p.counties] if len(p.counties) > 1 else [p.total]
    for row in rows:
        main.rows.append(_line(report, row, row.county_name if row.level != "total" else f"{scope.jurisdiction}合计"))
    for row in p.towns:
        main.rows.append(_line(report, row, f"　{row.town}"))
    if p.goal:
        main.footer.append(f"目标：{p.goal}")
    groups = Sheet(
        name="特殊人群参保",
        title="特殊身份人员参保情况",
        header=header_lines(scope, week),
        columns=["身份", "持有人数", "已缴费", "参保率", "本政策资助"],
        widths=[22, 10, 10, 10, 12],
    )
    for g in p.groups:
        groups.rows.append([g.label, g.holders, g.paid, percent(g.rate), "是" if g.subsidised else "否"])
    groups.rows.append(["合计（按人，不重复）", p.special_holders, p.special_paid, percent(p.special_rate), ""])
    groups.footer.append("一人持多种身份的，在各身份下各计一次；合计行按人只计一次。")
    return [main, groups]


def _line(report: WeeklyReport, row: ProgressRow, label: str) -> list[object]:
    w = report.week_of(row)
    return [
        label,
        row.target if row.target is not None else "—",
        w.paid_week,
        row.paid,
        percent(row.rate),
        f"{row.change:+d}",
        w.refunds_in,
        yuan(w.refunds_in_fen),
        w.refunds_paid,
        yuan(w.refunds_paid_fen),
        row.target_source,
    ]
