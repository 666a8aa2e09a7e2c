"""Last year's payers loaded with ``import enrolments`` (``prior_enrolment``) count as paid
last year in every report: 附件2's (1), 上年度参保本年度未参保, F7's person list and the
to-chase list's 上年, and the kept counts.

Registry: tests/reports/registry.py with ``import_last_year`` — P 韩十六 (富水镇 石门村) paid
2024 only by the imported list; B 李二 is on the list and in the registry's own 2024 payments.
Expected figures are worked from that module's table; the arithmetic is in the comments.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from tests.reports.registry import DEVICE, import_last_year
from tui.workflows.progress.rows import person_cells
from yibao.audit import Actor
from yibao.policy import load_policy
from yibao.reports import ledgers as L
from yibao.reports import tally
from yibao.reports.base import Scope
from yibao.reports.chase import LAST_YEAR_LABELS, chase_records
from yibao.reports.progress import _village_rows_direct, progress
from yibao.reports.progress import people as village_people
from yibao.reports.service import rebuild_tally

SHANGNAN = load_policy("shangnan-2025")
END = date(2024, 12, 20)


def _village(engine: sa.Engine, town: str, village: str):  # type: ignore[no-untyped-def]
    report = progress(engine, Scope(SHANGNAN, END))
    return next(v for v in report.villages if (v.town, v.village) == (town, village))


def test_an_imported_payer_counts_in_the_annex_formula(
    engine: sa.Engine, people: dict[str, str], tmp_path: Path
) -> None:
    import_last_year(engine, tmp_path)
    # 石门村 2024: C, D, M, N paid nothing for 2024 in the registry; P by the list.
    # (1) = 1; (2) = 0; (3) = 1; (4) = 0 (P active); (5) = 1.
    f = _village(engine, "富水镇", "石门村").formula
    assert (f.paid_last, f.refunded_last, f.after_refund, f.gone, f.target) == (1, 0, 1, 0, 1)
    # 河口村 as before: (1) A, B, G, L = 4 — B on the list and in the registry counts once.
    f = _village(engine, "富水镇", "河口村").formula
    assert (f.paid_last, f.target) == (4, 2)
    # 山阴 (no targets table): whole registry (1) A, B, F, G, L, K + P = 7; (2) L = 1;
    # (3) = 6; (4) G = 1; (5) = 5.
    report = progress(engine, Scope(load_policy("shanyin-2025"), END))
    assert (report.total.formula.paid_last, report.total.target) == (7, 5)


def test_an_imported_payer_is_in_the_last_year_ledger(
    engine: sa.Engine, people: dict[str, str], tmp_path: Path
) -> None:
    import_last_year(engine, tmp_path)
    scope = Scope(SHANGNAN, END)
    # Paid 2024: A, B, F, G, K (enrolment) + P (list); minus A (paid 2025), G (moved out).
    assert {line.name for line in L.ledger(engine, scope, L.LAST_YEAR)} == {
        "李二", "孙六", "陈十一", "韩十六",
    }  # fmt: skip
    hukou = {line.name: line for line in L.ledger(engine, scope, L.HUKOU)}
    assert hukou["韩十六"].paid_last_year  # 户籍 商南, not paid 2025: its 上年 column says 已缴
    assert L.gone_since_last_year(engine, scope) == 1  # still only G


def test_an_imported_payer_shows_paid_last_year_in_f7_and_the_chase_list(
    engine: sa.Engine, people: dict[str, str], tmp_path: Path
) -> None:
    p_id = import_last_year(engine, tmp_path)
    scope = Scope(SHANGNAN, END)
    # F7's people of 石门村: C, N paid; D, M, P not; only P paid 2024.
    lines = {line.name: line for line in village_people(engine, scope, town="富水镇", village="石门村")}
    assert {n for n, line in lines.items() if line.paid_last_year} == {"韩十六"}
    assert person_cells(lines["韩十六"])[4] == "上年已缴"
    assert person_cells(lines["赵四"])[4] == "上年未缴"
    with engine.connect() as conn:
        everyone = set(conn.execute(sa.text("SELECT id FROM person")).scalars())
        chase = chase_records(conn, everyone, town="富水镇", village="石门村", year=2025,
                              region_code="611023", as_of=END)  # fmt: skip
    # To chase in 石门村: D, M, P (not paid 2025); P's last year is 已缴 from the list.
    status = {r["name"]: r["last_year_status"] for r in chase}
    assert status == {"赵四": "not_paid", "卫十三": "not_paid", "韩十六": "paid"}
    assert LAST_YEAR_LABELS[status["韩十六"]] == "上年已缴"
    assert any(r["person_id"] == p_id for r in chase)


def test_importing_a_list_after_the_tally_is_built_moves_the_kept_counts(
    engine: sa.Engine, people: dict[str, str], tmp_path: Path
) -> None:
    now = datetime(2024, 12, 21, tzinfo=UTC)
    rebuild_tally(engine, actor=Actor(device_id=DEVICE), now=now)
    import_last_year(engine, tmp_path)  # its triggers mark P and B; the commit settles them
    week_ago = END - timedelta(days=7)
    with engine.connect() as conn:
        assert tally.is_settled(conn)
        counted = tally.village_counts(conn, region_code="611023", year=2025, as_of=END,
                                       week_ago=week_ago)  # fmt: skip
        assert counted is not None
        direct = _village_rows_direct(conn, Scope(SHANGNAN, END), week_ago)
    kept = {(c.town, c.village): (c.paid_last, c.after_refund, c.gone) for c in counted}
    # 石门村: (1) P = 1, (3) = 1, (4) = 0; 河口村 unchanged: (1) 4, (3) 3, (4) G = 1.
    assert kept[("富水镇", "石门村")] == (1, 1, 0)
    assert kept[("富水镇", "河口村")] == (4, 3, 1)
    assert kept == {
        (v.town, v.village): (v.formula.paid_last, v.formula.after_refund, v.formula.gone)
        for v in direct
    }
