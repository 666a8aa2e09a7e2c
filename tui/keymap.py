"""Key bindings as data. Every binding has a stable ``id`` so keys can be remapped
(``App.set_keymap({"desk.lookup": "f7"})``) without touching the screens.

The footer, the help screen and the command palette all read these tables, so a
key shown to the clerk is always the key that works.
"""

from __future__ import annotations

from dataclasses import dataclass

from textual.binding import Binding


@dataclass(frozen=True)
class Key:
    id: str
    key: str
    action: str
    label: str  # short Chinese label for the footer
    tooltip: str  # one Chinese sentence for the help screen / palette
    show: bool = True
    priority: bool = False
    key_display: str | None = None

    def binding(self) -> Binding:
        return Binding(
            self.key,
            self.action,
            self.label,
            show=self.show,
            priority=self.priority,
            key_display=self.key_display,
            tooltip=self.tooltip,
            id=self.id,
        )

    @property
    def display(self) -> str:
        if self.key_display:
            return self.key_display
        return "+".join(part.capitalize() if len(part) > 1 else part.upper() for part in self.key.split("+"))


# Desk-wide keys: work on every screen (priority so a focused input does not swallow them).
DESK_KEYS: tuple[Key, ...] = (
    Key("desk.help", "f1", "app.help", "帮助", "查看按键和操作说明", priority=True, key_display="F1"),
    Key("desk.register", "f2", "app.workflow('register')", "参保登记", "办理城乡居民参保登记并缴费", priority=True, key_display="F2"),
    Key("desk.newborn", "f3", "app.workflow('newborn')", "新生儿参保", "办理新生儿参保缴费", priority=True, key_display="F3"),
    Key("desk.family_aid", "f4", "app.workflow('family_aid')", "家庭共济", "用职工医保个人账户为家庭成员缴费", priority=True, key_display="F4"),
    Key("desk.refund", "f5", "app.workflow('refund')", "退费受理", "受理参保缴费退费申请", priority=True, key_display="F5"),
    Key("desk.lookup", "f6", "app.workflow('lookup')", "查询", "按身份证号、姓名、拼音首字母或户号查询", priority=True, key_display="F6"),
    Key("desk.progress", "f7", "app.workflow('progress')", "进度", "征缴进度：各乡镇、村的任务数和参保率，待缴名单", priority=True, key_display="F7"),
    Key("desk.dayclose", "f8", "app.workflow('dayclose')", "现金日结", "现金日结：今天各缴费方式的合计，日结并保存日结单（PDF、Excel）", show=False, priority=True, key_display="F8"),
    Key("desk.refund_review", "ctrl+r", "app.workflow('refund_review')", "退费审核", "审核待办结的退费申请：受理 → 审核中 → 已批准/已驳回 → 已退费", show=False, priority=True, key_display="Ctrl+R"),
    Key("desk.changes", "f9", "app.workflow('changes')", "修改审核", "审核外出设备回传包提议的个人信息修改：采纳或驳回（审核人员）", show=False, priority=True, key_display="F9"),
    Key("desk.lock", "f12", "app.lock", "锁定", "锁定窗口：离开窗口时，或换人登录（如审核人员到本窗口审核退费）", show=False, priority=True, key_display="F12"),
    Key("desk.palette", "ctrl+p", "app.command_palette", "命令", "打开命令面板，所有操作都可在此搜索", show=False, priority=True, key_display="Ctrl+P"),
    Key("desk.quit", "ctrl+q", "app.quit", "退出", "退出窗口终端", show=False, priority=True, key_display="Ctrl+Q"),
)

# Keys of a workflow / form screen.
BACK = Key("screen.back", "escape", "back", "返回", "返回上一屏（未提交的内容不保存）", key_display="Esc")
# Not priority: the key then queues behind characters still being typed into the focused input.
SUBMIT = Key("screen.submit", "ctrl+s", "submit", "确认提交", "确认并提交本屏内容", key_display="Ctrl+S")

FORM_KEYS: tuple[Key, ...] = (BACK, SUBMIT)
VIEW_KEYS: tuple[Key, ...] = (BACK,)

# The answer column of a workflow form (the rules' reasons, the receipt) does not take the
# focus; these keys scroll it wherever the focus is (a list or table focused uses them first).
ANSWER_KEYS: tuple[Key, ...] = (
    Key("screen.answer_down", "pagedown", "scroll_answer(1)", "右栏下翻", "业务屏：右侧核定理由、收据向下翻一页", show=False, key_display="PageDown"),
    Key("screen.answer_up", "pageup", "scroll_answer(-1)", "右栏上翻", "业务屏：右侧核定理由、收据向上翻一页", show=False, key_display="PageUp"),
)

# Keys of one workflow's screen (listed by F1 with the screen they work on).
FAMILY_AID_KEYS: tuple[Key, ...] = (
    # Not priority, as Ctrl+S: it queues behind the number and the choices typed before it.
    Key("family_aid.bind", "ctrl+b", "bind", "绑定亲属", "家庭共济屏：按下方填写的亲属信息办理家庭共济绑定", key_display="Ctrl+B"),
)
CASE_KEYS: tuple[Key, ...] = (
    Key("case.reload", "r", "reload", "刷新", "个人档案：重新读取此人的档案", key_display="R"),
    Key("case.reveal", "i", "reveal_id", "显示身份证号", "个人档案：显示完整身份证号码（记入操作记录：谁、何时查看了谁）", key_display="I"),
    Key("case.open", "enter", "open", "打开", "个人档案：家庭成员页打开所选成员；退费页审核所选退费申请", show=False, key_display="Enter"),
)
DAYCLOSE_KEYS: tuple[Key, ...] = (
    Key("dayclose.save", "p", "save_sheet", "保存日结单", "现金日结屏：只保存日结单（不日结，草表）", key_display="P"),
)
QUEUE_KEYS: tuple[Key, ...] = (
    Key("refund_queue.reload", "r", "reload", "刷新", "退费审核：重新读取待办结的申请", key_display="R"),
)
REVIEW_KEYS: tuple[Key, ...] = (
    Key("refund_review.close", "escape", "close", "关闭", "退费审核对话框：关闭（已提交的步骤已保存）", key_display="Esc"),
    # Not priority, as every Ctrl+S: it queues behind the note still being typed.
    Key("refund_review.submit", "ctrl+s", "submit", "确认提交", "退费审核对话框：记录所选的下一步", key_display="Ctrl+S"),
)

PROGRESS_KEYS: tuple[Key, ...] = (
    Key("progress.up", "backspace", "up", "上一级", "征缴进度：回到上一级（人员 → 村 → 乡镇 → 县区）", key_display="Backspace"),
    Key("progress.reload", "r", "reload", "刷新", "征缴进度：重新统计", key_display="R"),
    Key("progress.chase", "d", "pane('chase-pane')", "待缴名单", "征缴进度：外出设备的待缴名单", key_display="D"),
    Key("progress.progress", "j", "pane('progress-pane')", "进度", "征缴进度：从待缴名单回到进度", key_display="J"),
)

CHANGES_KEYS: tuple[Key, ...] = (
    Key("changes.accept", "ctrl+s", "accept", "采纳", "修改审核：采纳所选的提议修改（先确认）", priority=True, key_display="Ctrl+S"),
    Key("changes.reject", "ctrl+n", "reject", "驳回", "修改审核：驳回所选的提议修改（须在“理由”中写明）", priority=True, key_display="Ctrl+N"),
    Key("changes.reload", "ctrl+l", "reload", "刷新", "修改审核：重新读取待审核的提议修改", key_display="Ctrl+L"),
)


def bindings(keys: tuple[Key, ...]) -> list[Binding]:
    return [key.binding() for key in keys]


def all_keys() -> tuple[Key, ...]:
    """Every key the desk has, for F1: desk-wide, forms, then each screen's own."""
    return (DESK_KEYS + FORM_KEYS + ANSWER_KEYS + FAMILY_AID_KEYS + CASE_KEYS + QUEUE_KEYS + REVIEW_KEYS
            + CHANGES_KEYS + DAYCLOSE_KEYS + PROGRESS_KEYS)
