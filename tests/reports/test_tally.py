"""The kept progress counts (yibao.reports.tally) give the figures the registry gives.

On the hand-worked registry (tests/reports/registry.py), after random payments, refunds,
voids, moves of persons and households, deaths and 职工医保 changes — each its own
transaction, settled by the before-commit hook — every village's figures read from the
tally equal those computed from the registry directly, for several as-of days. Among them:
last year's payer list imported (``import enrolments``, a few residents at a time).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from tests.reports.registry import DEVICE, SH
from yibao.audit import Actor
from yibao.imports.enrolments import import_enrolments
from yibao.models import (
    AuditLog,
    Enrolment,
    Household,
    Payment,
    Person,
    PersonIdentity,
    RefundRequest,
    RefundTransition,
)
from yibao.policy import load_policy
from yibao.reports import progress as P
from yibao.reports import tally
from yibao.reports.base import Scope
from yibao.reports.service import ReportRefused, rebuild_tally

NOW = datetime(2024, 12, 21, tzinfo=UTC)
ACTOR = Actor(device_id=DEVICE, clerk_id=None, clerk_name="测试员")
PLACES = [("富水镇", "河口村"), ("富水镇", "石门村"), ("城关街道办", "东坡村"), ("城关街道办", None),
          (None, None)]  # fmt: skip


def _figures(rows: list[P.ProgressRow]) -> list[tuple[object, ...]]:
    return sorted(
        (v.county, v.town, v.village, v.registered, v.paid, v.paid_week_ago, v.formula.paid_last,
         v.formula.after_refund, v.formula.gone)
        for v in rows
    )  # fmt: skip


def _compare(engine: sa.Engine, day: date, town: str | None = None) -> None:
    scope = Scope(load_policy("shangnan-2025"), day, town=town)
    week_ago = day - timedelta(days=7)
    with engine.connect() as conn:
        counted = tally.village_counts(
            conn, region_code="611023", year=2025, as_of=day, week_ago=week_ago, town=town
        )
        assert counted is not None, "the tally is built and settled: the report reads it"
        assert _figures(P._village_rows(conn, scope, week_ago)) == _figures(
            P._village_rows_direct(conn, scope, week_ago)
        ), day
        assert tally.group_counts(conn, year=2025, as_of=day, town=town) is not None
        assert P._groups(conn, scope) == P._groups_direct(conn, scope), day


def _build(engine: sa.Engine) -> None:
    done = rebuild_tally(engine, actor=ACTOR, now=NOW)
    assert done.years == [2024, 2025, 2026]  # payments of 2024 and 2025, and the next year


def test_rebuilt_tally_gives_the_hand_worked_figures(engine: sa.Engine, people: dict[str, str]) -> None:
    _build(engine)
    for day in (date(2024, 11, 26), date(2024, 11, 27), date(2024, 12, 20), date(2025, 3, 31)):
        _compare(engine, day)
    _compare(engine, date(2024, 12, 20), town="富水镇")
    report = P.progress(engine, Scope(load_policy("shangnan-2025"), date(2024, 12, 20)))
    # by hand (registry.py), 2024-12-20: paid A, C, H, N, O = 5 (E pays in February, F's
    # refund was paid out on 11-27); a week before (12-13): A, C, H, N = 4
    assert (report.total.paid, report.total.paid_week_ago) == (5, 4)
    with Session(engine) as s:
        audit = s.execute(sa.select(AuditLog).where(AuditLog.action == "report.tally")).scalar_one()
    assert "2024、2025、2026年度" in audit.summary and "15 人" in audit.summary


def _import_last_year(s: Session, rng: random.Random, n: int, folder: Path) -> str:
    """Last year's payer list naming 1–3 residents, as ``import enrolments --year 2024``
    loads it (a resident already on an earlier list is refused: nothing written)."""
    chosen = rng.sample(s.execute(sa.select(Person)).scalars().all(), rng.randint(1, 3))
    path = folder / f"list-{n}.csv"
    path.write_text("身份证号码,姓名,缴费日期,缴费金额\n" + "".join(
        f"{p.id_number},{p.name},2023-10-{rng.randint(1, 28):02d},400\n" for p in chosen
    ), encoding="utf-8")  # fmt: skip
    report = import_enrolments(s, path, year=2024, actor=ACTOR, now=NOW, before_year=2025)
    if report.problems:
        s.rollback()
        return f"list {n} refused: {report.problems[0]}"
    return f"list {n}: {', '.join(p.name for p in chosen)}"


def _random_operation(s: Session, rng: random.Random, n: int, folder: Path) -> str:
    persons = s.execute(sa.select(Person)).scalars().all()
    person = rng.choice(persons)
    kind = rng.choice(("pay", "pay", "refund", "refund", "void", "move", "household", "status",
                       "employee", "last_year", "identity", "list"))  # fmt: skip
    if kind == "list":
        return _import_last_year(s, rng, n, folder)
    if kind == "pay":
        if s.execute(sa.select(Payment.id).where(Payment.person_id == person.id,
                     Payment.benefit_year == 2025, Payment.status == "paid")).first():  # fmt: skip
            return "pay: already paid"
        on = date(2024, 9, 1) + timedelta(days=rng.randint(0, 211))
        enrolment = s.execute(sa.select(Enrolment).where(
            Enrolment.person_id == person.id, Enrolment.benefit_year == 2025)).scalar_one_or_none()  # fmt: skip
        if enrolment is None:
            enrolment = Enrolment(person_id=person.id, benefit_year=2025, category="general",
                                  insured_region="611023", policy_id="shangnan-2025",
                                  registered_on=on, device_id=DEVICE)  # fmt: skip
        enrolment.status = "paid"
        s.add(enrolment)
        s.flush()
        s.add(Payment(person_id=person.id, enrolment_id=enrolment.id, benefit_year=2025,
                      receipt_no=f"R-{n:05d}", channel="cash", standard_fen=40000, subsidy_fen=0,
                      personal_fen=40000, amount_fen=40000, policy_id="shangnan-2025",
                      paid_at=datetime(on.year, on.month, on.day, 10, tzinfo=SH).astimezone(UTC),
                      paid_on=on, status="paid", device_id=DEVICE))  # fmt: skip
        return f"pay {person.name} {on}"
    paid = s.execute(sa.select(Payment).where(Payment.status == "paid")).scalars().all()
    if kind in ("refund", "void") and paid:
        payment = rng.choice(paid)
        if kind == "void":
            payment.status = "voided"
            return f"void {payment.receipt_no}"
        payment.status = "refunded"
        request = RefundRequest(person_id=payment.person_id, payment_id=payment.id,
                                reason="duplicate", amount_fen=payment.amount_fen, state="refunded",
                                received_on=payment.paid_on, policy_id="shangnan-2025",
                                device_id=DEVICE)  # fmt: skip
        s.add(request)
        s.flush()
        # paid out 0–40 days after payment, at any hour (a late evening is the next UTC day)
        at = datetime.combine(payment.paid_on, datetime.min.time(), tzinfo=SH) + timedelta(
            days=rng.randint(0, 40), hours=rng.randint(0, 23)
        )
        s.add(RefundTransition(refund_id=request.id, from_state="approved", to_state="refunded",
                               at=at.astimezone(UTC), device_id=DEVICE))  # fmt: skip
        return f"refund {payment.receipt_no} at {at}"
    if kind == "identity":
        held = s.execute(sa.select(PersonIdentity).where(PersonIdentity.person_id == person.id)).scalars().first()
        if held is not None and rng.random() < 0.5:
            held.revoked_at = NOW
            return f"identity of {person.name} revoked"
        s.add(PersonIdentity(person_id=person.id, code=rng.choice(("minimum_living", "extreme_poverty")),
                             valid_from=date(2024, 1, 1) + timedelta(days=rng.randint(0, 400)),
                             device_id=DEVICE))  # fmt: skip
        return f"identity for {person.name}"
    if kind == "move":
        person.town, person.village = rng.choice(PLACES)
        return f"move {person.name} to {person.town}{person.village}"
    if kind == "household":
        household = s.get(Household, person.household_id)
        if household is None:
            return "household: none"
        household.town, household.village = rng.choice(PLACES)
        return f"household of {person.name} to {household.town}{household.village}"
    if kind == "status":
        person.status = rng.choice(("active", "dead", "moved_out"))
        return f"status {person.name} {person.status}"
    if kind == "employee":
        person.employee_insured = not person.employee_insured
        return f"employee {person.name} {person.employee_insured}"
    last = s.execute(sa.select(Enrolment).where(
        Enrolment.person_id == person.id, Enrolment.benefit_year == 2024)).scalar_one_or_none()  # fmt: skip
    if last is None:
        last = Enrolment(person_id=person.id, benefit_year=2024, category="general",
                         insured_region="611023", policy_id="shangnan-2025",
                         registered_on=date(2023, 10, 1), device_id=DEVICE)  # fmt: skip
    last.status = rng.choice(("paid", "refunded", "registered"))
    s.add(last)
    return f"last year's enrolment for {person.name}: {last.status}"


@pytest.mark.parametrize("seed", [1, 2])
def test_tally_equals_the_registry_after_random_operations(
    engine: sa.Engine, people: dict[str, str], seed: int, tmp_path: Path
) -> None:
    _build(engine)
    rng = random.Random(seed)
    days = [date(2024, 10, 15), date(2024, 11, 27), date(2024, 12, 20), date(2025, 3, 31)]
    for n in range(40):
        with Session(engine) as s:
            done = _random_operation(s, rng, n, tmp_path)
            try:
                s.commit()
            except sa.exc.IntegrityError:  # e.g. a second enrolment of a person-year
                s.rollback()
                continue
        with engine.connect() as conn:
            assert tally.is_settled(conn), done
        if n % 5 == 4:
            for day in days:
                _compare(engine, day)
    for day in days:
        _compare(engine, day)


def test_a_rolled_back_write_leaves_the_tally_as_it_was(engine: sa.Engine, people: dict[str, str]) -> None:
    _build(engine)
    with engine.connect() as conn:
        before = conn.execute(sa.select(tally.table("progress_tally"))).all()
    with Session(engine) as s:
        person = s.get(Person, people["B"])
        assert person is not None
        person.town, person.village = "城关街道办", "东坡村"
        s.flush()
        s.rollback()
    with engine.connect() as conn:
        assert conn.execute(sa.select(tally.table("progress_tally"))).all() == before
        assert tally.is_settled(conn)


def test_unsettled_writes_send_the_report_to_the_registry(engine: sa.Engine, people: dict[str, str]) -> None:
    _build(engine)
    with engine.begin() as conn:  # a Core write, outside any session: no hook runs
        conn.execute(sa.update(tally.table("person")).where(tally.table("person").c.id == people["B"])
                     .values(town="城关街道办", village="东坡村"))  # fmt: skip
    day = date(2024, 12, 20)
    with engine.connect() as conn:
        assert not tally.is_settled(conn)
        assert tally.village_counts(conn, region_code="611023", year=2025, as_of=day,
                                    week_ago=day - timedelta(days=7)) is None  # fmt: skip
    report = P.progress(engine, Scope(load_policy("shangnan-2025"), day))
    moved = next(v for v in report.villages if (v.town, v.village) == ("城关街道办", "东坡村"))
    # 东坡村 by hand: E, F, H, O registered, and now B (moved here) = 5
    assert moved.registered == 5
    with Session(engine) as s:  # the next session's commit settles it
        s.connection()
        s.commit()
    _compare(engine, day)


def test_an_empty_registry_has_no_year_to_build(engine: sa.Engine) -> None:
    with pytest.raises(ReportRefused, match="还没有任何缴费"):
        rebuild_tally(engine, actor=ACTOR, now=NOW)


def test_the_demo_builds_without_marking_and_leaves_the_tally_right(engine: sa.Engine) -> None:
    from yibao.config import ensure_clerk, ensure_device
    from yibao.demo import DemoSettings, build_demo

    rebuild_tally(engine, actor=ACTOR, now=NOW, years=[2025])  # built before anyone is there
    triggers = sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
    sqlite = engine.dialect.name == "sqlite"
    with engine.connect() as conn:
        before = conn.execute(triggers).all() if sqlite else None
    device = ensure_device(engine, now=NOW)
    clerk = ensure_clerk(engine, name="测试员", device=device, now=NOW)
    settings = DemoSettings(
        policy_id="shangnan-2025", region_code="611023", benefit_year=2025, standard_fen=40000,
        subsidy_fen={"minimum_living": 24000}, centralized_start=date(2024, 9, 1),
        centralized_end=date(2024, 12, 20), benefit_start=date(2025, 1, 1),
        benefit_end=date(2025, 12, 31),
    )  # fmt: skip
    with Session(engine) as s:
        build_demo(s, persons=300, settings=settings, seed=3, device_prefix=device.prefix, now=NOW,
                   actor=Actor(device_id=device.id, clerk_id=clerk.id, clerk_name=clerk.name))  # fmt: skip
        s.commit()
    with engine.connect() as conn:
        assert tally.is_settled(conn)
        if sqlite:
            assert conn.execute(triggers).all() == before
    _compare(engine, date(2024, 12, 20))


def test_with_no_year_built_settling_only_clears_the_marks(engine: sa.Engine) -> None:
    """No year of the counts built (the tally's own table empty): the commit's settle
    clears every mark (one statement, however many), counts them, and builds nothing."""
    dirty = tally.table("progress_dirty")
    with engine.connect() as conn:  # rolled back on leaving
        assert tally.built_years(conn) == []
        conn.execute(sa.insert(dirty), [{"person_id": f"p-{n:05d}"} for n in range(4_500)])
        assert tally.settle(conn) == 4_500  # more than two of the settle's 2,000-id chunks
        assert conn.execute(sa.select(sa.func.count()).select_from(dirty)).scalar() == 0
        assert tally.built_years(conn) == []
