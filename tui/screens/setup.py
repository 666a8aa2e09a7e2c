"""First run on a new registry: which jurisdiction and benefit year, who the clerk is."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Select, Static

from tui import keymap
from tui.widgets.footer import DeskFooter
from tui.widgets.header import DeskHeader, StatusLine


@dataclass(frozen=True)
class SetupChoice:
    policy_id: str
    clerk: str
    device: str


class SetupScreen(Screen[SetupChoice]):
    """Dismisses with a ``SetupChoice``; the app opens the registry with it."""

    BINDINGS: ClassVar[list[Binding]] = keymap.bindings((keymap.SUBMIT,))

    def __init__(
        self,
        policies: list[tuple[str, str]],
        *,
        policy_id: str | None = None,
        clerk: str = "",
        device: str = "",
    ) -> None:
        super().__init__()
        self._policies = policies
        self._policy_id = policy_id
        self._clerk = clerk
        self._device = device

    def compose(self) -> ComposeResult:
        yield DeskHeader("首次设置")
        with Vertical(id="setup-body", classes="form"):
            yield Static(
                "这是新的登记库，请先设置本窗口服务的辖区和待遇年度，以及经办人员。\n"
                "填好后按 Ctrl+S 确认。",
                id="setup-intro",
            )
            yield Label("辖区及待遇年度（政策文件）")
            yield Select(
                [(label, pid) for pid, label in self._policies],
                prompt="请选择",
                id="setup-policy",
                value=self._policy_id if self._policy_id else Select.NULL,
            )
            yield Label("经办人员姓名")
            yield Input(self._clerk, placeholder="如：张三", id="setup-clerk")
            yield Label("设备名称")
            yield Input(self._device, placeholder="如：城关镇1号窗口", id="setup-device")
            yield Static("", id="setup-error", classes="error")
        yield StatusLine()
        yield DeskFooter()

    def on_mount(self) -> None:
        self.query_one("#setup-policy", Select).focus()

    def action_submit(self) -> None:
        policy = self.query_one("#setup-policy", Select).value
        clerk = self.query_one("#setup-clerk", Input).value.strip()
        device = self.query_one("#setup-device", Input).value.strip()
        problems = []
        if policy is Select.NULL:
            problems.append("请选择辖区及待遇年度")
        if not clerk:
            problems.append("请填写经办人员姓名")
        if not device:
            problems.append("请填写设备名称")
        if problems:
            self.query_one("#setup-error", Static).update("；".join(problems) + "。")
            return
        self.dismiss(SetupChoice(str(policy), clerk, device))
