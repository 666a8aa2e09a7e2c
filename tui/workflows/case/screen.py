"""The case view: one person, household, identities, enrolments, payments, refunds, history.

Any workflow started from here (F2–F5, or the palette) is for this person.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.widgets import DataTable, Static, TabbedContent, TabPane

from tui import keymap
from tui.commands import PaletteCommand
from tui.screens.base import DeskScreen
from tui.workflows import WORKFLOWS
from tui.workflows.base import ServiceCalls
from tui.workflows.case import presentation as cv
from tui.workflows.case.messages import CaseRead, IdRevealed
from tui.workflows.messages import Failed, Invalid
from yibao.services.views import CaseView, RefundView

TABS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("members", "家庭成员", ("姓名", "身份证号码", "与户主关系", "出生日期", "性别")),
    ("identities", "特殊身份", ("身份", "认定部门", "认定日期", "有效期自", "有效期至", "状态")),
    ("enrolments", "参保记录", ("年度", "类别", "参保地", "状态", "登记日期", "待遇起", "待遇止", "等待期")),
    ("payments", "缴费记录", ("收据号", "年度", "缴费日期", "方式", "标准", "资助", "个人缴费", "实缴", "状态")),
    ("refunds", "退费", ("收据号", "原因", "金额", "状态", "受理日期", "办结期限")),
    ("bindings", "家庭共济", ("方向", "对方", "身份证号码", "关系", "绑定日期", "状态")),
    ("history", "操作记录", ("时间", "经办人", "操作", "结果", "摘要")),
)


class CaseScreen(ServiceCalls, DeskScreen):
    TITLE = "个人档案"
    BINDINGS: ClassVar[list[Binding]] = keymap.bindings(keymap.VIEW_KEYS + keymap.CASE_KEYS[:2]) + [  # 1–7 switch pages; the footer shows one entry for all of them
        Binding(str(n), f"tab({n})", "分页" if n == 1 else TABS[n - 1][1], show=n == 1,
                key_display="1–7" if n == 1 else None, id=f"case.tab{n}")
        for n in range(1, len(TABS) + 1)
    ]

    def __init__(self, person_id: str) -> None:
        super().__init__()
        self.person_id = person_id
        self.case: CaseView | None = None
        self._member_ids: list[str] = []
        self.revealed: str | None = None  # the full ID number, only after the clerk pressed I

    @property
    def workflow_person_id(self) -> str:
        """Desk keys F2–F5 pressed here act for this person."""
        return self.person_id

    def compose_body(self) -> ComposeResult:
        with Vertical(id="case-body"):
            yield Static("正在读取档案……", id="case-person")
            yield Static("", id="case-year")
            with TabbedContent(id="case-tabs"):
                for tab_id, title, _columns in TABS:
                    with TabPane(title, id=f"tab-{tab_id}"):
                        yield DataTable(id=f"case-{tab_id}", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        for tab_id, _title, columns in TABS:
            self.query_one(f"#case-{tab_id}", DataTable).add_columns(*columns)
        self.query_one("#case-members", DataTable).focus()
        self.action_reload()

    def action_tab(self, number: int) -> None:
        """Keys 1–7: show that page of the case and put the cursor in its table."""
        tab_id = TABS[number - 1][0]
        self.query_one("#case-tabs", TabbedContent).active = f"tab-{tab_id}"
        self.query_one(f"#case-{tab_id}", DataTable).focus()

    def on_screen_resume(self) -> None:
        if self.case is not None:  # back from a workflow: show what it changed
            self.action_reload()

    def action_reload(self) -> None:
        self.call(CaseRead, self.services.persons.case, self.person_id)

    def action_reveal_id(self) -> None:
        """I: the full ID number, asked of the service, which audits the viewing."""
        if self.case is None or not self.case.person.has_id_number:
            self.status("此人没有登记身份证号码。", "warning")
            return
        self.call(IdRevealed, self.services.persons.reveal_id_number, self.person_id)

    @on(IdRevealed)
    def _revealed(self, message: IdRevealed) -> None:
        if self.case is None:
            return
        self.revealed = message.number
        self.query_one("#case-person", Static).update(cv.person_text(self.case, self.revealed))
        self.status("已显示完整身份证号码，此次查看已记入操作记录。离开本屏或刷新后重新隐藏。")

    @on(CaseRead)
    def _loaded(self, message: CaseRead) -> None:
        case = self.case = message.case
        self.revealed = None  # shown for one look only: a reload masks it again
        self.query_one("#case-person", Static).update(cv.person_text(case))
        self.query_one("#case-year", Static).update(cv.year_text(case))
        rows = cv.tab_rows(case)
        for tab_id, _title, _columns in TABS:
            table = self.query_one(f"#case-{tab_id}", DataTable)
            table.clear()
            for key, cells in rows[tab_id]:
                table.add_row(*cells, key=key)
        self._member_ids = [key for key, _cells in rows["members"]]
        self.status(f"{case.person.name} 的档案。F2–F5 为此人办理业务，Enter 打开家庭成员或审核退费，I 显示完整身份证号。")

    @on(Invalid)
    def _invalid(self, message: Invalid) -> None:
        self.query_one("#case-person", Static).update(f"[b red]{message.text}[/]")

    @on(Failed)
    def _failed(self, message: Failed) -> None:
        self.status(f"读取档案出错：{message.error}", "error")

    # -- 退费 tab: Enter reviews the request under the cursor ---------------------------------
    @on(DataTable.RowSelected, "#case-refunds")
    def _review_refund(self, event: DataTable.RowSelected) -> None:
        if event.row_key.value:
            self.review_refund(event.row_key.value)

    def review_refund(self, refund_id: str) -> None:
        from tui.workflows.refund.review import RefundReviewModal

        self.app.push_screen(RefundReviewModal(refund_id), lambda _refund: self.action_reload())

    def _open_refunds(self) -> list[RefundView]:
        if self.case is None:
            return []
        return [r for r in self.case.refunds if r.moves]

    @on(DataTable.RowSelected, "#case-members")
    def _open_member(self, event: DataTable.RowSelected) -> None:
        key = event.row_key.value
        if key and key != self.person_id:
            self.app.push_screen(CaseScreen(key))

    def palette_commands(self) -> Iterable[PaletteCommand]:
        name = self.case.person.name if self.case is not None else "此人"
        for refund in self._open_refunds():
            yield PaletteCommand(
                f"退费：审核{name}的退费申请（收据号 {refund.receipt_no}，{refund.state_label}）",
                "打开退费审核：受理 → 审核中 → 已批准/已驳回 → 已退费",
                partial(self.review_refund, refund.id),
            )
        for workflow in WORKFLOWS.values():
            if workflow.for_person:
                yield PaletteCommand(
                    f"为{name}：{workflow.title}",
                    f"为当前档案中的 {name} 办理{workflow.title}",
                    partial(self.desk.action_workflow, workflow.id, self.person_id),
                )
        yield PaletteCommand(f"档案：刷新{name}的档案", "重新读取档案", self.action_reload)
        yield PaletteCommand(f"档案：显示{name}的完整身份证号（I）", "显示完整号码；此次查看记入操作记录", self.action_reveal_id)
