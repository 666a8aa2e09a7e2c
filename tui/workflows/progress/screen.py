"""F7 进度. Levels: county (the towns, with a bar chart of their rates) → town (its villages)
→ village (its people, unpaid first) → Enter on a person opens the case. Backspace goes up a
level; Esc leaves. On an outreach laptop the 待缴名单 tab lists the bundle's to-chase list."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static, TabbedContent, TabPane
from textual_plotext import PlotextPlot

from tui import keymap
from tui.screens.base import DeskScreen
from tui.workflows.base import ServiceCalls
from tui.workflows.messages import Failed, Invalid
from tui.workflows.progress.messages import ChaseListed, ProgressCounted, VillagePeople
from tui.workflows.progress.rows import area_cells, chase_cells, pct, person_cells, target_text

if TYPE_CHECKING:
    from yibao.reports.chase import ChaseLine
    from yibao.reports.progress import PersonLine, ProgressReport, ProgressRow

AREA_COLUMNS = ("地区", "任务数", "已缴费", "参保率", "较上周", "任务数来源")
PERSON_COLUMNS = ("本年", "姓名", "身份证号", "缴费日期", "上年", "特殊身份")
CHASE_COLUMNS = ("已缴", "姓名", "身份证号", "村（社区）", "上年", "特殊身份", "缴费日期")


class ProgressScreen(ServiceCalls, DeskScreen):
    TITLE = "征缴进度"
    # Focus the town table as the screen mounts: left to Textual, focus went to the tabs and
    # then moved to the table once the figures came, and each move rebuilt the footer's keys
    # (about a third of F7's CPU time).
    AUTO_FOCUS = "#progress-table"
    BINDINGS: ClassVar[list[Binding]] = keymap.bindings(keymap.PROGRESS_KEYS)

    def __init__(self, person_id: str | None = None) -> None:
        super().__init__()
        self.report: ProgressReport | None = None
        # A city (眉山、晋城) goes 县区 → 乡镇 → 村 → 人员; a single county starts at its towns.
        self.county: str | None = None
        self.town: str | None = None
        self.village: str | None = None
        self._keys: list[str | None] = []  # what each row opens: a county, town, village or person
        self._chase_ids: list[str] = []  # the person of each 待缴名单 row
        self._first_count = True

    def compose_body(self) -> ComposeResult:
        with TabbedContent(id="progress-tabs"):
            with TabPane("进度", id="progress-pane"), Vertical(id="progress-body"):
                yield Static("正在统计……", id="progress-summary")
                yield PlotextPlot(id="progress-chart")
                yield Static("", id="progress-level", classes="section-title")
                yield DataTable(id="progress-table", cursor_type="row", zebra_stripes=True)
            with TabPane("待缴名单", id="chase-pane"):
                yield Static("", id="chase-summary")
                yield DataTable(id="chase-table", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#chase-table", DataTable).add_columns(*CHASE_COLUMNS)
        self._fit_chart()
        self.action_reload()

    def on_resize(self) -> None:
        self._fit_chart()

    def _fit_chart(self) -> None:
        # 12 rows on a 36-row terminal, 8 on a 30-row one (12 left the table two rows there).
        rows = self.app.size.height
        self.query_one("#progress-chart", PlotextPlot).styles.height = max(8, min(12, rows - 22))

    def action_pane(self, pane: str) -> None:
        self.query_one("#progress-tabs", TabbedContent).active = pane
        table = "#chase-table" if pane == "chase-pane" else "#progress-table"
        self.query_one(table, DataTable).focus()

    # -- loading -------------------------------------------------------------------------
    def action_reload(self) -> None:
        self.call(ProgressCounted, self.services.reports.progress)
        self.call(ChaseListed, self.services.reports.chase)

    @on(ProgressCounted)
    def _counted(self, message: ProgressCounted) -> None:
        if self.answers_latest(message):
            self.report = message.report
            self._summary()
            self._show()
            if self._first_count and self.report.scope.holds_only:
                self.action_pane("chase-pane")  # a laptop is there for its 待缴名单
            self._first_count = False

    def on_screen_resume(self) -> None:
        if self.report is not None:  # back from a case or a payment: tick off who paid
            self.action_reload()

    @on(VillagePeople)
    def _village_people(self, message: VillagePeople) -> None:
        if self.answers_latest(message):
            self._people(message.lines)

    @on(ChaseListed)
    def _chase_listed(self, message: ChaseListed) -> None:
        self._chase(message.lines)

    @on(Invalid)
    def _invalid(self, message: Invalid) -> None:
        self.status(message.text, "error")

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.status(f"统计失败：{message.error}", "error")

    def _summary(self) -> None:
        r = self.report
        t = r.total
        lines = [
            f"{r.scope.jurisdiction} {r.scope.year}年度　截至 {r.scope.as_of}　任务 "
            f"{target_text(t)} 人　已缴 {t.paid:,} 人　参保率 {pct(t.rate)}"
            f"　较上周（{r.week_ago}）{t.change:+,}",
            f"特殊身份人员 {r.special_paid:,}/{r.special_holders:,} 人，参保率 {pct(r.special_rate)}"
            + "".join(f"{'：' if i == 0 else '；'}{g.label} {g.paid}/{g.holders}"
                      for i, g in enumerate(g for g in r.groups if g.subsidised)),
            r.target_note,
        ]
        if r.goal:
            lines.append(f"目标：{r.goal}")
        self.query_one("#progress-summary", Static).update("\n".join(lines))

    def _chart(self, rows: list[ProgressRow], title: str) -> None:
        """The rates of the rows the table lists (a city's counties, a county's towns, a
        town's villages): a city's chart of every town was a row of （乡镇未知） bars."""
        plot = self.query_one("#progress-chart", PlotextPlot)
        plt = plot.plt
        plt.clear_data()
        plt.clear_figure()
        shown = [r for r in rows if r.rate is not None]
        if shown:
            plt.bar([r.name for r in shown], [round(r.rate * 100, 2) for r in shown])
            plt.ylim(0, 100)  # a rate: 0 to 100 %, the target near the top (plotext's own range went below 0)
            plt.title(f"{title}参保率（%）")
        plot.refresh()

    # -- levels --------------------------------------------------------------------------
    def _table(self, columns: tuple[str, ...]) -> DataTable:
        table = self.query_one("#progress-table", DataTable)
        table.clear(columns=True)
        table.add_columns(*columns)
        return table

    def _show(self) -> None:
        if self.report is None:
            return
        level = self.query_one("#progress-level", Static)
        where = self._where()
        keys: list[str | None]
        if self._by_county and self.county is None:
            level.update(f"{self.report.scope.jurisdiction} 各县（区）　Enter 查看该县（区）各乡镇")
            rows, keys = self.report.counties, [row.county for row in self.report.counties]
            self._chart(rows, "各县（区）")
        elif self.town is None:
            back = "，Backspace 返回上一级" if self._by_county else ""
            level.update(f"{where}各乡镇（街道）　Enter 查看该乡镇各村{back}")
            rows = self.report.towns_of(self.county)
            keys = [row.town for row in rows]
            self._chart(rows, f"{where}各乡镇（街道）")
        elif self.village is None:
            level.update(f"{where} 各村（社区）　Enter 查看该村人员，Backspace 返回上一级")
            rows = self.report.villages_of(self.town, self.county)
            keys = [row.village for row in rows]
            self._chart(rows, f"{where} 各村（社区）")
        else:
            level.update(f"{where} {self.village}：正在读取人员……")
            self.call(VillagePeople, self.services.reports.people, town=self.town, village=self.village,
                      county=self.county)
            return
        table = self._table(AREA_COLUMNS)
        self._keys = keys
        for row in rows:
            table.add_row(*area_cells(row))
        self._focus(table)

    @property
    def _by_county(self) -> bool:
        return self.report is not None and len(self.report.counties) > 1

    def _where(self) -> str:
        """The county (on a city's desk) and town being looked at, e.g. “东坡区 （乡镇未知）”."""
        county = ""
        if self._by_county and self.county is not None:
            county = next((c.name for c in self.report.counties if c.county == self.county), self.county) + " "
        return f"{county}{self.town or ''}"

    def _people(self, lines: list[PersonLine]) -> None:
        if self.village is None:
            return
        unpaid = sum(1 for line in lines if line.to_chase)
        self.query_one("#progress-level", Static).update(
            f"{self._where()} {self.village}：{len(lines)} 人，未缴 {unpaid} 人　Enter 打开个人档案，Backspace 返回"
        )
        table = self._table(PERSON_COLUMNS)
        self._keys = []
        for line in lines:
            table.add_row(*person_cells(line))
            self._keys.append(line.person_id)
        self._focus(table)

    def _focus(self, table: DataTable) -> None:
        # Focusing a table in the hidden 进度 pane would switch the tabs to it: a reload
        # while the clerk works in 待缴名单 (back from a payment) must leave them there.
        if self.query_one("#progress-tabs", TabbedContent).active == "progress-pane":
            table.focus()

    def _chase(self, lines: list[ChaseLine]) -> None:
        table = self.query_one("#chase-table", DataTable)
        was_on = table.cursor_row  # back from a payment: stay on that name
        table.clear()
        self._chase_ids = [line.person_id for line in lines]
        paid = sum(1 for line in lines if line.paid)
        if not lines:
            self.query_one("#chase-summary", Static).update(
                "本机没有待缴名单（待缴名单随外出登记数据包带到外出设备）。"
            )
            return
        self.query_one("#chase-summary", Static).update(
            f"待缴名单 {len(lines)} 人，已缴 {paid} 人，尚有 {len(lines) - paid} 人未缴。"
            "　Enter 打开个人档案（再按 F2 登记缴费）"
        )
        for line in lines:
            table.add_row(*chase_cells(line))
        table.move_cursor(row=min(was_on, len(lines) - 1))

    @on(DataTable.RowSelected, "#progress-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        index = event.cursor_row
        if index >= len(self._keys):
            return
        key = self._keys[index]
        if self._by_county and self.county is None:
            self.county = key
        elif self.town is None:
            self.town = key
        elif self.village is None:
            self.village = key
        else:
            from tui.workflows.case.screen import CaseScreen

            self.app.push_screen(CaseScreen(key))
            return
        self._show()

    @on(DataTable.RowSelected, "#chase-table")
    def _chase_selected(self, event: DataTable.RowSelected) -> None:
        if 0 <= event.cursor_row < len(self._chase_ids):
            from tui.workflows.case.screen import CaseScreen

            self.app.push_screen(CaseScreen(self._chase_ids[event.cursor_row]))

    def action_up(self) -> None:
        if self.village is not None:
            self.village = None
        elif self.town is not None:
            self.town = None
        elif self.county is not None:
            self.county = None
        else:
            return
        self._show()
