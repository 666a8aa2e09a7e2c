"""The sign-in screen: clerk name and password (PIN), checked by the services' gate.

Modes: sign in (the desk's first screen); set up the first 管理 (a new registry: name,
password twice); unlock (after the idle lock: the same clerk's password brings back the
screen underneath as it was; another clerk signing in starts from the home screen).
``yibao --demo`` lists its demo clerks and their PINs here. Checking runs in a worker;
a refusal is shown in Chinese and the password field cleared.

At start-up the screen is painted before the registry is open (``gate=None``): the clerk
types meanwhile, and Enter waits ("正在打开登记库……") until ``ready(gate)`` hands it the
gate; a new registry then asks for the password a second time. This module imports
Textual and the desk's widgets only (a test checks that SQLAlchemy is not among them).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, Label, Static

from tui import keymap
from tui.widgets.footer import DeskFooter
from tui.widgets.header import DeskHeader, StatusLine
from tui.widgets.wrapping import CjkStatic
from tui.workflows.signin.messages import SignedIn, SignInFailed

if TYPE_CHECKING:
    from yibao.services import Services
    from yibao.services.signin import SignInGate


class NameInput(Input):
    """The clerk's name. A name has no digits: a digit typed here is the start of a PIN typed
    before the clerk moved on (a habit at the lock screen), and goes to the password field,
    hidden, instead of standing in clear for the next person in the queue to read."""

    async def _on_key(self, event: events.Key) -> None:
        if event.character is not None and event.character.isdigit():
            event.stop()
            event.prevent_default()
            password = self.screen.query_one("#signin-password", Input)
            # ``set_focus``, not ``focus()`` (which only schedules the move): the digits typed
            # after this one must reach the password field
            self.screen.set_focus(password)
            # behind the focus event in the field's queue (which selects its text), before the
            # digits typed after this one
            password.call_later(password.insert_text_at_cursor, event.character)
            return
        await super()._on_key(event)


class SignInScreen(Screen["Services | None"]):
    """Dismisses with the signed-in clerk's ``Services``."""

    # Enter moves on (or signs in) as the key arrives, before the keys typed after it reach
    # a field: as an ``Input.Submitted`` message it came only once the app got round to it,
    # so a quick clerk's first PIN digits (or, while the registry opens behind the screen,
    # several) landed in the name.
    BINDINGS: ClassVar[list[Binding]] = [
        *keymap.bindings((keymap.SUBMIT,)),
        Binding("enter", "enter", show=False, priority=True),
    ]
    DEFAULT_CSS = """
    SignInScreen #signin-body { width: 64; height: auto; margin: 1 4; }
    SignInScreen #signin-intro { margin-bottom: 1; }
    SignInScreen #signin-demo { margin-top: 1; color: $warning; }
    """

    def __init__(
        self,
        gate: SignInGate | None,
        *,
        name: str = "",
        locked_by: str | None = None,
        idle_minutes: int | None = 10,  # None: locked with F12, not for being away
        shown: Callable[[], None] | None = None,
    ) -> None:
        super().__init__()
        self.gate = gate
        self._name = name
        self.locked_by = locked_by  # the clerk whose screen lies underneath (idle lock)
        self.idle_minutes = idle_minutes
        self.first_admin = gate is not None and gate.needs_first_admin()
        self._waiting = False  # Enter pressed before the registry was open: sign in once it is
        self._shown = shown  # called once the screen has been painted (the desk opens the registry)

    def compose(self) -> ComposeResult:
        yield DeskHeader("登录")
        with Vertical(id="signin-body", classes="form"):
            yield CjkStatic(self._intro(), id="signin-intro")
            yield Label("经办人员姓名")
            yield NameInput(self._name, placeholder="如：张三", id="signin-name")
            yield Label("密码（至少 6 位，可用数字 PIN）")
            yield Input(password=True, placeholder="输入时不显示", id="signin-password")
            if self.first_admin:
                yield Label("再次输入密码")
                yield Input(password=True, placeholder="与上面相同", id="signin-again")
            yield CjkStatic("", id="signin-error", classes="error")
            demo = self._demo_lines()
            yield Static(demo, id="signin-demo").set_styles(display="block" if demo else "none")
        yield StatusLine()
        yield DeskFooter()

    def _demo_lines(self) -> str:
        clerks = getattr(self.gate, "demo_clerks", ())
        if not clerks:
            return ""
        lines = "\n".join(f"  {name}（{label}）  PIN {pin}" for name, label, pin in clerks)
        return f"演示经办人员（仅演示库）：\n{lines}"

    def ready(self, gate: SignInGate) -> None:
        """The registry is open: from now on the gate checks passwords. A new registry adds
        the second password field; an Enter pressed while waiting is acted on now."""
        self.gate = gate
        self.first_admin = gate.needs_first_admin()
        if self.first_admin:
            body = self.query_one("#signin-body", Vertical)
            body.mount(Label("再次输入密码"), Input(password=True, placeholder="与上面相同", id="signin-again"),
                       after="#signin-password")
        self.query_one("#signin-intro", Static).update(self._intro())
        demo = self.query_one("#signin-demo", Static)
        demo.update(self._demo_lines())
        demo.display = bool(gate.demo_clerks)
        if self._waiting:
            self._waiting = False
            self.query_one("#signin-error", Static).update("")
            self.call_after_refresh(self.action_submit)

    def _intro(self) -> str:
        if self.first_admin:
            return (
                "这是新的登记库，还没有管理人员。请设立首位管理人员（负责新增其他经办人员），"
                "设置密码后按 Enter 登录。"
            )
        if self.locked_by and self.idle_minutes is None:  # F12: the name is focused
            return (
                f"窗口已锁定（{self.locked_by} 按 F12 锁定）。换人登录请直接输入姓名（回到首页）；"
                f"{self.locked_by} 按 Tab 输入密码即回到刚才的界面。"
            )
        if self.locked_by:
            return (
                f"窗口已锁定（{self.locked_by} 离开超过 {self.idle_minutes} 分钟）。"
                f"{self.locked_by} 输入密码即回到刚才的界面；换人登录则回到首页。"
            )
        return "请登录：填写姓名和密码后按 Enter。"

    def on_mount(self) -> None:
        # The name remembered (the last clerk at this desk) is focused and selected, so
        # another clerk's name typed straight away replaces it instead of landing in the
        # password (a failed sign-in counted against the last clerk). Only the idle lock,
        # which the same clerk mostly lifts, goes straight to the password; F12 hands over.
        returning = self._name and self.locked_by and self.idle_minutes is not None
        self.query_one("#signin-password" if returning else "#signin-name", Input).focus()
        if self._shown is not None:
            self.call_after_refresh(self._shown)

    def action_enter(self) -> None:
        focused = self.focused.id if self.focused is not None else None
        # ``set_focus``, not ``focus()``: the latter only schedules the move
        if focused == "signin-name":
            self.set_focus(self.query_one("#signin-password", Input))
        elif focused == "signin-password" and self.first_admin:
            self.set_focus(self.query_one("#signin-again", Input))
        else:
            self._submit_after_typed()

    def _submit_after_typed(self) -> None:
        """Submit once every field has taken the keys already sent to it: each field handles
        its keys in turn from its own queue, so the submit waits at the end of each queue."""
        fields = list(self.query(Input))

        def after(rest: list[Input]) -> None:
            if rest:
                rest[0].call_later(after, rest[1:])
            else:
                self.action_submit()

        after(fields)

    def action_submit(self) -> None:
        name = self.query_one("#signin-name", Input).value.strip()
        password = self.query_one("#signin-password", Input).value
        again = self.query_one("#signin-again", Input).value if self.first_admin else ""
        problems = []
        if not name:
            problems.append("请填写经办人员姓名")
        if not password:
            problems.append("请输入密码")
        if problems:
            self._show_error("；".join(problems) + "。")
            self.query_one("#signin-name" if not name else "#signin-password", Input).focus()
            return
        if self.gate is None:  # still opening the registry: signed in as soon as it is open
            self._waiting = True
            self.query_one("#signin-error", Static).update("正在打开登记库……")
            return
        if self.first_admin and not again:
            self.query_one("#signin-error", Static).update("这是新的登记库：请再次输入密码，然后按 Enter。")
            self.query_one("#signin-again", Input).focus()
            return
        self.query_one("#signin-error", Static).update("正在核对……")
        self._check(name, password, again)

    @work(thread=True, exclusive=True, group="signin")
    def _check(self, name: str, password: str, again: str) -> None:
        assert self.gate is not None  # action_submit waits for the registry
        try:
            if self.first_admin:
                services = self.gate.first_admin(name, password, again)
            else:
                services = self.gate.sign_in(name, password)
        except Exception as error:  # a Chinese message from the services
            message = getattr(error, "message", None) or "登录未成功，请重试。"
            self.post_message(SignInFailed(str(message)))
            return
        self.post_message(SignedIn(services))

    @on(SignInFailed)
    def _failed(self, message: SignInFailed) -> None:
        self._show_error(message.text)

    @on(SignedIn)
    def _signed_in(self, message: SignedIn) -> None:
        self._done(message.services)

    def _show_error(self, message: str) -> None:
        self.query_one("#signin-error", Static).update(message)
        field = self.query_one("#signin-password", Input)
        field.value = ""
        if self.first_admin:
            self.query_one("#signin-again", Input).value = ""
        field.focus()

    def _done(self, services: Services) -> None:
        self.dismiss(services)
