"""The desk header (jurisdiction, benefit year, clerk, device, today) and the status line."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

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
        info = self.info
        left = Text(" 城乡居民医保窗口", style="bold")
        if self.title:
            left.append(f" · {self.title}", style="bold")
        year = f"{info.benefit_year}年度" if info.benefit_year else "年度未设置"
        if info.draft:
            year += "（草稿·未确认）"
        today = info.today.isoformat() if info.today else ""
        right = Text(f"{info.jurisdiction} │ {year} │ {info.role}：{info.clerk} │ 设备：{info.device} │ {today} ")
        width = self.size.width
        gap = max(1, width - left.cell_len - right.cell_len)
        return left + Text(" " * gap) + right


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
