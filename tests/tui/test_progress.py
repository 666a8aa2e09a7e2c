"""F7 进度: towns with 附件2's targets and a bar chart, drill-down town → village → people →
case, Backspace back up. Registry: tests/reports/registry.py; desk clock 2024-10-15."""

from __future__ import annotations

import time

import sqlalchemy as sa
from textual.widgets import DataTable
from textual_plotext import PlotextPlot

from tests.reports.registry import build, import_last_year
from tests.tui.conftest import SIZE, settle
from tests.tui.reading import shown
from tui.workflows.case.screen import CaseScreen
from tui.workflows.progress.screen import ProgressScreen


def _rows(app) -> list[tuple]:  # type: ignore[no-untyped-def]
    table = app.screen.query_one("#progress-table", DataTable)
    return [tuple(table.get_row_at(i)) for i in range(table.row_count)]


async def test_f7_from_county_to_a_person(app, services) -> None:  # type: ignore[no-untyped-def]
    ids = build(services.engine)
    async with app.run_test(size=SIZE) as pilot:
        started = time.perf_counter()
        await pilot.press("f7")
        await settle(app, pilot)
        rendered = time.perf_counter() - started  # printed, never asserted (see benchmarks/)
        print(f"F7 rendered in {rendered:.2f} s")
        assert isinstance(app.screen, ProgressScreen)
        rows = _rows(app)
        # 10 towns of 附件2 and the unknown-town row (K).
        assert len(rows) == 11
        by_town = {r[0]: r for r in rows}
        # As of 2024-10-15: 富水镇 A paid (10-10); 城关街道办 F paid 10-08 (refunded only on 11-27).
        assert by_town["富水镇"][1:4] == ("18,898", "1", "0.01%")  # 1 / 18898 = 0.0053 %
        assert by_town["城关街道办"][1:3] == ("49,222", "1")
        assert app.screen.query_one("#progress-chart", PlotextPlot) is not None
        await pilot.press("down", "enter")  # 富水镇 (second row)
        await settle(app, pilot)
        assert [r[0] for r in _rows(app)] == ["河口村", "石门村"]
        await pilot.press("enter")  # 河口村
        await settle(app, pilot)
        people = _rows(app)
        # Active or paid in 河口村: A (paid), B, I, J, L; G moved out; H lives in 城关街道办.
        assert sorted(r[1] for r in people) == sorted(["张一", "李二", "郑九", "冯十", "褚十二"])
        assert people[-1][:2] == ("✓ 已缴", "张一")  # unpaid first
        # J (冯十) is in 职工医保: listed as such, after those to chase, and not counted 未缴.
        assert people[-2][:2] == ("职工医保", "冯十")
        assert [r[0] for r in people[:3]] == ["未缴"] * 3  # B, I, L
        level = shown(app.screen.query_one("#progress-level"))
        assert "5 人，未缴 3 人" in level
        assert all("********" in r[2] for r in people)
        await pilot.press("backspace")
        await settle(app, pilot)
        assert [r[0] for r in _rows(app)] == ["河口村", "石门村"]
        await pilot.press("enter", "enter")
        await settle(app, pilot)
        await pilot.press("enter")  # the first person: open the case
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        assert app.screen.person_id in ids.values()


async def test_f7_counts_last_years_imported_payers(app, services, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """P 韩十六 (富水镇 石门村) paid 2024 only by the list ``import enrolments`` loaded:
    石门村 has a formula target and P's row says 上年已缴."""
    build(services.engine)
    import_last_year(services.engine, tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f7")
        await settle(app, pilot)
        await pilot.press("down", "enter")  # 富水镇
        await settle(app, pilot)
        villages = {r[0]: r for r in _rows(app)}
        # 石门村 (1) P = 1, (2) 0, (4) 0 → (5) = 1; 河口村 (5) = 2 (A, B, G, L − L − G).
        assert villages["石门村"][1] == "1" and villages["石门村"][5] == "按上年缴费推算"
        assert villages["河口村"][1] == "2"
        await pilot.press("down", "enter")  # 石门村
        await settle(app, pilot)
        last_year = {r[1]: r[4] for r in _rows(app)}
        # As of 2024-10-15 nobody in 石门村 has paid 2025 (N pays 10-20, C 11-20); only P
        # paid 2024.
        assert last_year == {"王三": "上年未缴", "赵四": "上年未缴", "卫十三": "上年未缴",
                             "蒋十四": "上年未缴", "韩十六": "上年已缴"}  # fmt: skip


async def test_f7_at_the_hall_has_no_chase_list(app, services) -> None:  # type: ignore[no-untyped-def]
    build(services.engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f7")
        await settle(app, pilot)
        assert "没有待缴名单" in str(app.screen.query_one("#chase-summary").render())
        with services.engine.connect() as conn:
            assert conn.scalar(sa.text("SELECT count(*) FROM outreach_chase")) == 0


def test_a_village_nobody_paid_in_last_year_has_no_target_of_zero() -> None:
    """Found on the demo walk: every village said 任务数 0 · 按上年缴费推算 because the
    registry holds no payers for last year; 0 read as a real target. 商南 附件2's formula
    (1)−(2)=(3) needs last year's payers, so with none there is nothing to work out."""
    from tui.workflows.progress.rows import area_cells
    from yibao.reports.progress import ProgressRow

    empty = ProgressRow(level="village", county="611023", county_name="商南县", town="富水镇",
                        village="东坡村", paid=29, target=0)
    cells = area_cells(empty)
    assert cells[1] == "—" and cells[3] == "—" and "无法推算" in cells[5]
    worked = ProgressRow(level="village", county="611023", county_name="商南县", town="富水镇",
                         village="东坡村", paid=29, target=58)
    assert area_cells(worked)[1] == "58" and area_cells(worked)[3] == "50.00%"  # 29 / 58
    assert area_cells(worked)[5] == "按上年缴费推算"


async def test_the_rate_chart_runs_from_0_to_100_percent(app, services) -> None:  # type: ignore[no-untyped-def]
    """Walk finding: early in the season every town near 0 % gave a y axis from -1.00 to
    1.00 — a rate below zero on the office's chart. No one paid yet: every town at 0 %."""
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f7")
        await settle(app, pilot)
        chart = app.screen.query_one("#progress-chart", PlotextPlot)
        drawn = chart.plt.build()
        assert "100" in drawn and "-0." not in drawn and "-1." not in drawn


async def test_f7_on_a_laptop_opens_its_chase_list(services, clock, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """On the outreach laptop F7 opens on 待缴名单; its 进度 is of the place it holds (no
    附件2 town target: the laptop has one village's people); Enter on a name opens the case,
    and a payment taken from there ticks the name off on return."""
    from tests.outreach.helpers import export_and_open, pay_cash, register
    from tui.app import YibaoApp
    from yibao.services import Services

    register(services, "张东", 11)  # 商南县富水镇东岭村
    register(services, "李西", 12)
    trip = export_and_open(services, f"sqlite:///{tmp_path / 'laptop.sqlite3'}", tmp_path, clock,
                           village="东岭村")
    laptop = Services(trip.laptop.engine, services.policy, trip.laptop.clerk, trip.laptop.device, clock)
    app = YibaoApp(services=laptop, receipts_dir=tmp_path / "receipts")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f7")
        await settle(app, pilot)
        screen = app.screen
        assert screen.query_one("#progress-tabs").active == "chase-pane"
        assert "待缴名单 2 人，已缴 0 人" in shown(screen.query_one("#chase-summary"))
        assert "本机为外出登记设备，只有富水镇东岭村的人员" in shown(screen.query_one("#progress-summary"))
        assert [r[0] for r in _rows(app)] == ["富水镇"]
        await pilot.press("down", "enter")  # the second name on the list
        await settle(app, pilot)
        assert isinstance(app.screen, CaseScreen)
        opened = app.screen.person_id
        pay_cash(laptop, opened)  # the payment F2 would take (the F2 tests walk that screen)
        await pilot.press("escape")
        await settle(app, pilot)
        # Back on 待缴名单 (the reload once switched the tabs to 进度), on the same name, ticked.
        assert app.screen.query_one("#progress-tabs").active == "chase-pane"
        table = app.screen.query_one("#chase-table", DataTable)
        assert table.cursor_row == 1
        assert [tuple(table.get_row_at(i))[0] for i in range(table.row_count)] == ["□", "✓"]
        assert "已缴 1 人" in shown(app.screen.query_one("#chase-summary"))
        # Nobody here paid last year: no target can be worked out, and 0 is not shown as one.
        assert "任务 — 人" in shown(app.screen.query_one("#progress-summary"))


async def test_the_chart_follows_the_level_shown(app, services) -> None:  # type: ignore[no-untyped-def]
    """The chart draws the rows the table lists: a town's villages once the clerk drills in
    (it kept every town's bars, and a city's chart was a row of （乡镇未知） bars)."""
    build(services.engine)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f7")
        await settle(app, pilot)
        chart = app.screen.query_one("#progress-chart", PlotextPlot)
        assert "各乡镇（街道）参保率" in chart.plt.build()
        await pilot.press("down", "enter")  # 富水镇
        await settle(app, pilot)
        drawn = chart.plt.build()
        assert "富水镇 各村（社区）参保率" in drawn and "河口村" in drawn and "城关街道办" not in drawn


async def test_the_chart_leaves_the_table_room_on_a_small_terminal(app, services) -> None:  # type: ignore[no-untyped-def]
    """At 100×30 a 12-row chart left two rows of the county list (a walk on 眉山)."""
    build(services.engine)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("f7")
        await settle(app, pilot)
        chart = app.screen.query_one("#progress-chart", PlotextPlot)
        table = app.screen.query_one("#progress-table", DataTable)
        assert chart.size.height == 8  # 30 − 22
        assert table.size.height >= 6
