"""The desk header (jurisdiction, benefit year, clerk, device, today) and the status line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from rich.cells import cell_len
from rich.text import Text
from textual.reactive import Reactive, reactive
from textual.widget import Widget

from tui.widgets.wrapping import CjkStatic


@dataclass(frozen=True)
class DeskInfo:
    """What the header shows. Built by the app from its services."""

    jurisdiction: str = "未设置辖区"
    benefit_year: int | None = None
    clerk: str = "未设置"
    role: str = "经办"  # the signed-in clerk's role as a clerk reads it: 经办 / 审核 / 管理
    device: str = "—"
    today: date | None = None
    draft: bool = False  # the year's file is a draft: quotes only, no money


def _has_reactive(obj: object, name: str) -> bool:
    return isinstance(getattr(type(obj), name, None), Reactive)


class DeskHeader(Widget):
    """One line: 医保窗口 · screen title … 辖区 | 年度 | 角色：姓名 | 设备 | 日期."""

    DEFAULT_CSS = """
    DeskHeader { dock: top; height: 1; background: $primary; color: $text; }
    """

    info: reactive[DeskInfo] = reactive(DeskInfo, always_update=True)
    title: reactive[str] = reactive("")

    def __init__(self, title: str = "", **kwargs) -> None:
        super().__init__(**kwargs)
        self.set_reactive(DeskHeader.title, title)

    def on_mount(self) -> None:
        if _has_reactive(self.app, "info"):  # a bare test harness app has none
            self.watch(self.app, "info", self._set_info, init=True)

    def _set_info(self, info: DeskInfo) -> None:
        self.info = info

    def render(self) -> Text:
        """Everything when it fits; on a narrow terminal (an outreach laptop's device name at
        100 columns) the left side gives way first, so who is signed in and today's date are
        always whole: the app's name shortens, then goes, then the word 设备, then the device,
        then the title is cut."""
        info = self.info
        year = f"{info.benefit_year}年度" if info.benefit_year else "年度未设置"
        if info.draft:
            year += "（草稿·未确认）"
        today = info.today.isoformat() if info.today else ""
        width = self.size.width
        title = f" · {self.title}" if self.title else ""
        full, short, bare = (" 城乡居民医保窗口", title), (" 医保窗口", title), (f" {self.title or '医保窗口'}", "")
        who = f"{info.jurisdiction} │ {year} │ {info.role}：{info.clerk} │ "
        with_label, without_label = f"{who}设备：{info.device} │ {today} ", f"{who}{info.device} │ {today} "
        no_device = f"{who}{today} "
        tries = ((full, with_label), (short, with_label), (bare, with_label), (bare, without_label),
                 (bare, no_device))
        for (name, after), right in tries:
            if cell_len(name + after) + 1 + cell_len(right) <= width:
                break
        room = max(0, width - 1 - cell_len(right))
        shown = Text(name, style="bold")
        if after:
            shown.append(after, style="bold")
        if shown.cell_len > room:
            shown.truncate(room, overflow="ellipsis")
        gap = max(1, width - shown.cell_len - cell_len(right))
        return shown + Text(" " * gap) + Text(right)


class StatusLine(CjkStatic):
    """The status line above the footer; mirrors ``App.status``. A long sentence wraps
    between Chinese characters (``tui.widgets.wrapping``), so its three rows hold it whole."""

    DEFAULT_CSS = """
    StatusLine { dock: bottom; margin-bottom: 1; height: auto; max-height: 3; padding: 0 1; background: $panel; color: $text-muted; }
    StatusLine.-warning { color: $warning; }
    StatusLine.-error { color: $error; text-style: bold; }
    """

    def on_mount(self) -> None:
        if _has_reactive(self.app, "status"):
            self.watch(self.app, "status", self._show, init=True)

    def _show(self, status: tuple[str, str]) -> None:
        text, severity = status
        self.update(text)
        self.set_class(severity == "warning", "-warning")
        self.set_class(severity == "error", "-error")
