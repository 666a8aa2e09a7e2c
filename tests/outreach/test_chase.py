"""The village's to-chase list (待缴名单): hall → bundle → laptop, ticked off as people pay,
and the payments back at the hall's progress report."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from tests.outreach.helpers import (
    PASSPHRASE,
    Clock,
    export_and_open,
    local_noon,
    pay_cash,
    register,
    services_for,
)
from yibao.outreach.export import read_outreach_bundle
from yibao.outreach.sync import export_sync, import_sync
from yibao.policy import load_policy
from yibao.reports.base import Scope
from yibao.reports.chase import CHASE_RECORD
from yibao.reports.progress import progress

DAY = date(2024, 10, 8)


def test_chase_list_round_trip(registry_url: str, tmp_path: Path) -> None:
    clock = Clock(local_noon(DAY))
    hall = services_for(registry_url, "王芳", clock)
    a = register(hall, "张东", 11)  # 商南县富水镇东岭村: town and village read from the address
    register(hall, "李西", 12)
    c = register(hall, "王南", 13)
    register(hall, "赵北", 14, address="商南县青山镇某村")  # another town: not exported
    assert (a.town, a.village) == ("富水镇", "东岭村")
    pay_cash(hall, c.id)  # paid at the hall before the trip: not on the list

    trip = export_and_open(hall, f"sqlite:///{tmp_path / 'laptop.sqlite3'}", tmp_path, clock,
                           village="东岭村")
    chase = [r["r"] for r in read_outreach_bundle(trip.bundle, passphrase=PASSPHRASE).records if r["t"] == CHASE_RECORD]
    # A and B are not paid for 2025; C has paid; 赵北 lives in 青山镇.
    assert sorted(r["name"] for r in chase) == ["张东", "李西"]
    assert all("********" in r["id_masked"] for r in chase)
    assert {r["last_year_status"] for r in chase} == {"not_paid"}

    on_laptop = trip.laptop.reports.chase(as_of=DAY)
    assert [(line.name, line.paid) for line in on_laptop] == [("张东", False), ("李西", False)]
    pay_cash(trip.laptop, a.id)  # 张东 pays to the outreach team
    ticked = {line.name: line.paid for line in trip.laptop.reports.chase(as_of=DAY)}
    assert ticked == {"张东": True, "李西": False}
    # The laptop's own progress is of the place it holds: 富水镇's 附件2 target (18,898) is
    # the whole town's, so every target there follows the formula instead.
    laptop_scope = trip.laptop.reports.scope(as_of=DAY)  # the helpers' policy is a stand-in
    lap = progress(trip.laptop.engine, replace(laptop_scope, policy=load_policy("shangnan-2025")))
    assert lap.scope.holds_only == "富水镇东岭村"
    assert [t.town for t in lap.towns] == ["富水镇"]
    assert all("附件2" not in row.target_source for row in [lap.total, *lap.towns])
    assert lap.total.paid == 2  # C (paid at the hall, carried in the bundle) and A

    sent = export_sync(trip.laptop.engine, to=tmp_path / "back.yibao", actor=trip.laptop.actor, now=clock(),
                       passphrase=PASSPHRASE)
    back = import_sync(hall.engine, sent.path, actor=hall.actor, now=clock(), passphrase=PASSPHRASE)
    # The laptop's kept progress counts stay on the laptop (they were refused as
    # "progress_dirty不接受回传包改动" in every sync report).
    assert back.refused == []
    report = progress(hall.engine, Scope(load_policy("shangnan-2025"), DAY))
    village = next(v for v in report.villages if (v.town, v.village) == ("富水镇", "东岭村"))
    assert village.paid == 2  # C at the hall, A on the laptop
    assert hall.reports.chase(as_of=DAY) == []  # the hall keeps no to-chase list


def test_last_years_imported_payers_reach_the_laptop(registry_url: str, tmp_path: Path) -> None:
    """The waiting-period history counts the years of an imported payer list
    (``prior_enrolment``): the laptop needs them for the people it carries, or its F2 says
    "登记库无本人以往年度缴费记录" for someone the hall knows paid last year."""
    import sqlalchemy as sa
    from sqlmodel import Session

    from tests.outreach.helpers import count, id_number
    from yibao.imports.enrolments import import_enrolments

    clock = Clock(local_noon(DAY))
    hall = services_for(registry_url, "王芳", clock)
    a = register(hall, "张东", 11)
    register(hall, "赵北", 14, address="商南县青山镇某村")  # not exported
    listed = tmp_path / "2024年度参保缴费名单.csv"
    listed.write_text(
        "身份证号码,姓名,缴费日期,缴费金额\n"
        f"{id_number(11)},张东,2023-10-12,400.00\n{id_number(14)},赵北,2023-11-01,400.00\n",
        encoding="utf-8",
    )
    with Session(hall.engine) as session:
        report = import_enrolments(session, listed, year=2024, actor=hall.actor, now=clock(), before_year=2025)
        assert report.imported == 2, report.problems
        session.commit()

    trip = export_and_open(hall, f"sqlite:///{tmp_path / 'laptop.sqlite3'}", tmp_path, clock, village="东岭村")
    with trip.laptop.engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT person_id, benefit_year, amount_fen FROM prior_enrolment")).all()
    assert [tuple(r) for r in rows] == [(a.id, 2024, 40_000)]  # 张东's 400.00 元 only

    # Carried, not changed: the sync back neither adds nor refuses a list row.
    sent = export_sync(trip.laptop.engine, to=tmp_path / "back.yibao", actor=trip.laptop.actor, now=clock(),
                       passphrase=PASSPHRASE)
    back = import_sync(hall.engine, sent.path, actor=hall.actor, now=clock(), passphrase=PASSPHRASE)
    assert back.refused == []
    assert count(hall.engine, "prior_enrolment") == 2

    # A list row edited on the laptop is refused at the hall, which keeps its own.
    with trip.laptop.engine.begin() as conn:
        conn.execute(sa.text("UPDATE prior_enrolment SET amount_fen = 1"))
    sent = export_sync(trip.laptop.engine, to=tmp_path / "back2.yibao", actor=trip.laptop.actor, now=clock(),
                       passphrase=PASSPHRASE)
    back = import_sync(hall.engine, sent.path, actor=hall.actor, now=clock(), passphrase=PASSPHRASE)
    assert len(back.refused) == 1 and "只在大厅导入" in back.refused[0]
    with hall.engine.connect() as conn:
        kept = conn.execute(sa.text("SELECT amount_fen FROM prior_enrolment WHERE person_id = :p"), {"p": a.id})
        assert kept.scalar_one() == 40_000
