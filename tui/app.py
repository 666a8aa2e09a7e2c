"""The desk application and ``run_desk(args)``, the entry point of ``yibao`` with no sub-command.

``YibaoApp(services=...)`` takes the services object (``yibao.services.Services``) so
tests can give it an in-memory/temporary registry. With ``services=None`` and a
``setup`` callback the desk first asks for the jurisdiction/benefit year and clerk.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual.app import App
from textual.binding import Binding
from textual.command import CommandPalette
from textual.message_pump import MessagePump
from textual.reactive import reactive
from textual.screen import ModalScreen, Screen
from textual.widget import Widget

from tui import keymap
from tui.commands import DeskCommands
from tui.localise import DeskPalette, localise_textual
from tui.screens.home import HomeScreen
from tui.screens.setup import SetupChoice, SetupScreen
from tui.widgets.header import DeskInfo
from tui.widgets.ordered_keys import order_field_keys
from tui.workflows import WORKFLOWS, make_screen
from tui.write_wait import WAITING, WriteWaiting, watch_writes
from yibao.timezone import LOCAL_TZ

if TYPE_CHECKING:
    from textual import events

    from tui.workflows.signin import DeskLock
    from yibao.services import Services
    from yibao.services.signin import SignInGate

log = logging.getLogger(__name__)
localise_textual()
order_field_keys()

SetupHandler = Callable[[SetupChoice], "SignInGate"]  # opens the registry with the choice


def today_of(services: Any) -> date | None:
    """Today's date from the services' clock (a ``today()`` method, or a clock callable)."""
    if services is None:
        return None
    today = getattr(services, "today", None)
    if callable(today):
        return today()
    clock = getattr(services, "clock", None)
    if clock is None:
        return None
    now = clock() if callable(clock) else clock
    if hasattr(now, "now") and callable(now.now):
        now = now.now()
    if isinstance(now, datetime):
        return now.astimezone(LOCAL_TZ).date() if now.tzinfo else now.date()
    return now if isinstance(now, date) else None


def _name(value: Any) -> str:
    """Display name of a clerk/device given as a string or a view with ``name`` / ``prefix``."""
    if value is None:
        return "—"
    for attr in ("name", "prefix"):
        text = getattr(value, attr, None)
        if isinstance(text, str) and text:
            return text
    return str(value)


def _role(clerk: Any) -> str:
    """经办 / 审核 / 管理 for the signed-in clerk (经办 when the view carries no role)."""
    from yibao.services.clerks import role_short  # lazily: the desk starts before any registry

    role = getattr(clerk, "role", None)
    return role_short(role if isinstance(role, str) else None)


def info_of(services: Any) -> DeskInfo:
    if services is None:
        return DeskInfo(today=datetime.now(LOCAL_TZ).date())  # before setup: Beijing's date today
    policy = getattr(services, "policy", None)
    return DeskInfo(
        jurisdiction=getattr(policy, "jurisdiction", "未设置辖区"),
        benefit_year=getattr(policy, "benefit_year", None),
        clerk=_name(getattr(services, "clerk", None)),
        role=_role(getattr(services, "clerk", None)),
        device=_name(getattr(services, "device", None)),
        today=today_of(services),
        draft=bool(getattr(policy, "is_draft", False)),
    )


# Keys after which the focus may move (Enter moves on like Tab; Enter opens a list).
_FOCUS_KEYS = frozenset({"enter", "tab", "shift+tab"})
_FOCUS_STALL_S = 0.3  # a look every so often: still working, or waiting on the app?
_FOCUS_WORKING_CPU_S = 0.01  # CPU the process used in that time: it is working, just slowly
_FOCUS_WAIT_MAX_S = 2.0


async def _let_focus_move(target: Widget) -> None:
    """The app hands a key to the focused widget's queue and goes on to the next key at once,
    so keys typed right after Enter or Tab (a card reader, a paste, a fast clerk on a busy
    machine) went to the field being left: a name typed after Enter landed in the certificate
    number. Here the app waits until the field and the containers up to its screen have
    handled what that key set off (Submitted bubbling up, the screen's focus_next), so the
    next key goes where the focus went. It waits as long as the process is working (a
    loaded machine is slow, not stuck) and gives up when it idles: a handler waiting on the
    app itself, which is busy here."""
    import asyncio
    import time

    chain: list[MessagePump] = [p for p in target.ancestors_with_self if not isinstance(p, App)]
    loop = asyncio.get_running_loop()
    give_up = loop.time() + _FOCUS_WAIT_MAX_S

    async def idle(pump: MessagePump) -> bool | None:
        """Whether ``pump`` had nothing left to handle once it had handled what came before
        (asked from inside its own queue: a handler that awaits has already taken its message
        off the queue, so looking at the queue from here would call it idle); None: stuck."""
        answer: list[bool] = []
        done = asyncio.Event()

        def probe() -> None:
            # the pump peeks at the message after the one it handles (to merge the two)
            peeked = getattr(pump, "_pending_message", None) is not None
            answer.append(pump._message_queue.empty() and not peeked)  # noqa: SLF001
            done.set()

        if not pump.call_later(probe):
            return True  # closed: nothing more will come from it
        while not done.is_set():
            cpu = time.process_time()
            try:
                async with asyncio.timeout(min(_FOCUS_STALL_S, max(0.0, give_up - loop.time()))):
                    await done.wait()
            except TimeoutError:
                if time.process_time() - cpu < _FOCUS_WORKING_CPU_S or loop.time() >= give_up:
                    return None
        return answer[0]

    while True:
        settled = True
        for pump in chain:  # the field first: what it posts bubbles up to the screen
            state = await idle(pump)
            if state is None:
                return  # let the keys flow as before
            settled = settled and state
        if settled:
            return


class YibaoApp(App[int]):
    CSS_PATH = "app.tcss"
    TITLE = "城乡居民医保窗口"
    COMMANDS: ClassVar = {DeskCommands}
    # Tab moves on at once, before the keys typed after it reach a field: Textual's own Tab
    # binding runs only once the key has bubbled back up, by which time a fast clerk's (or a
    # paste's) next characters have gone to the field being left.
    BINDINGS: ClassVar[list[Binding]] = [
        *keymap.bindings(keymap.DESK_KEYS),
        Binding("tab", "focus_next", show=False, priority=True),
        Binding("shift+tab", "focus_previous", show=False, priority=True),
    ]
    ENABLE_COMMAND_PALETTE = True

    info: reactive[DeskInfo] = reactive(DeskInfo, always_update=True)
    status: reactive[tuple[str, str]] = reactive(("就绪。按 F1 查看帮助。", "information"))

    @property
    def services(self) -> Services | None:
        """The signed-in clerk's services (None before sign-in)."""
        return self._services

    @services.setter
    def services(self, services: Services | None) -> None:
        self._services = services
        watch_writes(self, services)

    def on_write_waiting(self, message: WriteWaiting) -> None:
        if message.waiting:
            self.set_status(WAITING, "warning")
        elif self.status[0] == WAITING:  # nothing newer said meanwhile
            self.set_status("")

    def __init__(
        self,
        services: Services | None = None,
        *,
        setup: SetupHandler | None = None,
        policies: list[tuple[str, str]] | None = None,
        setup_defaults: dict[str, str] | None = None,
        receipts_dir: str | Path | None = None,
        temporary_dir: Path | None = None,
        gate: SignInGate | None = None,
        signin_name: str = "",
        printer: str | None = None,
        opening: Callable[[], Any] | None = None,
        demo: bool = False,
    ) -> None:
        super().__init__()
        # ``opening``: opens the registry (``tui.launch.open_desk`` → ``DeskStart``), run in a
        # worker once the sign-in screen is painted; a refusal ends the desk (``refusal``).
        self._opening = opening
        self._demo = demo
        self.refusal: str | None = None
        self._signin_screen: Any = None
        self.services = services
        self._temporary_dir = temporary_dir  # the demo's throw-away registry: removed on exit
        self.status_owner: Screen | None = None  # the screen whose status line is shown
        self.status_about: str | None = None  # the field it speaks of ("#reg-name"), if any
        self.status_time = 0.0  # when it was said (Textual's clock, as messages carry)
        # Sign-in (tui.workflows.signin): the gate checks passwords; the lock watches idleness.
        self.gate = gate
        self._signin_name = signin_name
        self.desk_lock: DeskLock | None = None
        self._receipts_dir = Path(receipts_dir) if receipts_dir else None
        self._printer = (printer or "").strip() or None  # yibao --printer NAME
        self._printer_of: Services | None = None  # the services the registry's printer setting was read for
        self._registry_printer: str | None = None
        self._setup = setup
        self._policies = policies or []
        self._setup_defaults = setup_defaults or {}

    @property
    def receipts_dir(self) -> Path:
        """Where printed receipts are saved (``YIBAO_RECEIPTS_DIR`` or the data directory)."""
        if self._receipts_dir is None:
            override = os.environ.get("YIBAO_RECEIPTS_DIR")
            if override:
                self._receipts_dir = Path(override)
            else:
                from yibao.config import data_dir

                self._receipts_dir = data_dir() / "receipts"
        return self._receipts_dir

    @property
    def receipt_printer(self) -> str | None:
        """Where receipts are printed: ``--printer NAME``, else this device's registry setting
        (``yibao printer set``), read once per signed-in clerk; None: receipts are only saved."""
        if self._printer or self.services is None:
            return self._printer
        if self._printer_of is not self.services:
            from yibao.config import registry_printer

            self._registry_printer = registry_printer(self.services.engine, self.services.device)
            self._printer_of = self.services
        return self._registry_printer

    # -- lifecycle ------------------------------------------------------------------------
    def get_default_screen(self) -> Screen:
        return HomeScreen()

    def begin(self, start: Any) -> None:
        """Take what opening the registry found (``tui.launch.DeskStart``)."""
        self.gate = start.gate
        if start.temporary_dir is not None:
            self._temporary_dir = start.temporary_dir
        if start.receipts_dir is not None:
            self._receipts_dir = Path(start.receipts_dir)
        if start.status is not None:
            self.status = start.status
        self._setup = start.setup
        self._policies = start.policies
        self._setup_defaults = start.setup_defaults

    def on_mount(self) -> None:
        self.refresh_info()
        self.set_interval(60, self.refresh_info)
        if self._opening is not None:  # sign-in first; the registry opens behind it
            from tui.workflows.signin.screen import SignInScreen

            self._signin_screen = SignInScreen(None, name=self._signin_name, shown=self._open_registry)
            self.push_screen(self._signin_screen, self._signed_in)
            self.status = ("正在准备演示登记库……" if self._demo else "正在打开登记库……", "information")
        elif self.gate is not None:
            self._start_signin(self.gate)
        elif self.services is None and self._setup is not None:
            self.push_screen(
                SetupScreen(self._policies, **self._setup_defaults), self._finish_setup
            )

    def on_unmount(self) -> None:
        if self._temporary_dir is not None:
            import shutil

            if self.services is not None:
                self.services.engine.dispose()
            elif self.gate is not None:
                self.gate.engine.dispose()
            shutil.rmtree(self._temporary_dir, ignore_errors=True)

    def refresh_info(self) -> None:
        self.info = info_of(self.services if self.services is not None else self.gate)

    def _open_registry(self) -> None:
        opening = self._opening
        assert opening is not None
        self.run_worker(opening, thread=True, name="open", exit_on_error=False)

    def _opened(self, start: Any) -> None:
        self._opening = None
        self.begin(start)
        screen = self._signin_screen
        self._signin_screen = None
        if start.gate is None:  # a registry that serves no policy yet: the setup screen instead
            while len(self.screen_stack) > 1 and self.screen is not screen:
                self.pop_screen()
            if self.screen is screen:
                self.pop_screen()
            self.push_screen(SetupScreen(self._policies, **self._setup_defaults), self._finish_setup)
            return
        from tui.workflows.signin import DeskLock, idle_seconds

        self.desk_lock = DeskLock(self, start.gate, idle_seconds=idle_seconds())
        self.set_interval(5, self.desk_lock.check)
        self.desk_lock.locked = self.services is None
        self.refresh_info()
        if start.status is None:
            self.status = ("就绪。按 F1 查看帮助。", "information")
        screen.ready(start.gate)

    def _refused(self, error: BaseException) -> None:
        from tui.launch import DeskRefused

        message = error.message if isinstance(error, DeskRefused) else f"{type(error).__name__}: {error}"
        if not isinstance(error, DeskRefused):
            log.error("opening the registry failed", exc_info=error)
        self.refusal = message
        self.exit(2, return_code=2)

    # -- sign-in and the idle lock ----------------------------------------------------------
    def _start_signin(self, gate: SignInGate) -> None:
        from tui.workflows.signin import DeskLock, SignInScreen, idle_seconds

        self.gate = gate
        self.desk_lock = DeskLock(self, gate, idle_seconds=idle_seconds())
        self.set_interval(5, self.desk_lock.check)
        self.desk_lock.locked = True
        self.push_screen(SignInScreen(gate, name=self._signin_name), self._signed_in)

    def _signed_in(self, services: Services | None) -> None:
        if services is None:
            return
        self.services = services
        self.desk_lock.locked = False
        self.desk_lock.touch()
        self.refresh_info()
        from yibao.config import remember_clerk

        url = getattr(self.gate, "url", None)
        if url:
            remember_clerk(url, services.clerk.name)
        self.set_status(f"{services.clerk.name}（{services.clerk.role.label}）已登录。按 F2 参保登记，F6 查询。")

    @property
    def locked(self) -> bool:
        """Nobody signed in yet (or the idle lock is on); also while the registry opens."""
        return self._opening is not None or (self.desk_lock is not None and self.desk_lock.locked)

    async def on_event(self, event: events.Event) -> None:
        from textual import events

        if self.desk_lock is not None and isinstance(event, events.Key | events.MouseDown):
            self.desk_lock.touch()
        moving = isinstance(event, events.Key) and not event.is_forwarded and event.key in _FOCUS_KEYS
        target = self.focused if moving else None
        await super().on_event(event)
        if target is not None:
            await _let_focus_move(target)

    def _finish_setup(self, choice: SetupChoice | None) -> None:
        if choice is None or self._setup is None:
            return
        self.set_status("正在打开登记库……")
        setup = self._setup
        self.run_worker(lambda: setup(choice), thread=True, name="setup", exit_on_error=False)

    def on_worker_state_changed(self, event) -> None:
        worker = event.worker
        if worker.name == "open" and worker.is_finished:
            if worker.error is not None:
                self._refused(worker.error)
            elif worker.result is not None:
                self._opened(worker.result)
            return
        if worker.name != "setup" or not worker.is_finished:
            return
        if worker.error is not None:
            self.set_status(f"打开登记库失败：{worker.error}", "error")
            self.push_screen(SetupScreen(self._policies, **self._setup_defaults), self._finish_setup)
            return
        self._start_signin(worker.result)  # the setup opened the registry: now sign in

    # -- actions --------------------------------------------------------------------------
    def set_status(self, text: str, severity: str = "information", *, about: str | None = None) -> None:
        """``about``: the selector of the field the line speaks of; editing it makes the
        line stale (``tui.workflows.base``)."""
        from textual._time import get_time  # the clock a message's ``time`` is read from

        self.status_owner = self.screen if self.screen_stack else None
        self.status_about = about
        self.status_time = get_time()
        self.status = (text, severity)

    async def action_quit(self) -> None:
        """Ctrl+Q: in the middle of a form (something typed, not yet done) ask first."""
        from tui.modals.confirm import ConfirmModal

        if isinstance(self.screen, ConfirmModal):
            return
        dirty = any(getattr(screen, "dirty", False) for screen in self.screen_stack)
        if not dirty:
            self.exit()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(
            ConfirmModal("退出窗口终端？", "当前表单尚未办结，退出后填写的内容不保存。", yes="退出", no="继续办理"),
            answered,
        )

    def action_command_palette(self) -> None:
        if self.locked:
            return
        if self.use_command_palette and not CommandPalette.is_open(self):
            self.push_screen(DeskPalette(placeholder="输入关键字搜索命令，如“登记”“退费审核”“查询”……", id="--command-palette"))

    def action_help(self) -> None:
        from tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_lock(self) -> None:
        """F12: lock now (leaving the window, or letting a supervisor sign in here)."""
        if self.locked or self.desk_lock is None or self.services is None:
            return
        if isinstance(self.screen, ModalScreen) and not isinstance(self.screen, CommandPalette):
            self.set_status("请先在对话框中确认或取消（Enter / Esc），再锁定。", "warning")
            return
        self.desk_lock.lock(by_key=True)

    def action_home(self) -> None:
        if self.locked:
            self.set_status("请先登录。", "warning")
            return
        while len(self.screen_stack) > 1:
            self.pop_screen()

    def action_workflow(self, workflow_id: str, person_id: str | None = None) -> None:
        if self.locked:
            self.set_status("请先登录（输入姓名和密码后按 Enter）。", "warning")
            return
        if self.services is None:
            self.set_status("请先完成首次设置（选择辖区、填写经办人员）。", "warning")
            return
        workflow = WORKFLOWS[workflow_id]
        current = self.screen
        if isinstance(current, ModalScreen) and not isinstance(current, CommandPalette):
            self.set_status("请先在对话框中确认或取消（Enter / Esc）。", "warning")
            return
        if person_id is None and workflow.for_person:
            # the case view's person, or the one a workflow sends the clerk on with (F4 → F2)
            chooser = getattr(current, "person_for", None)
            person_id = chooser(workflow_id) if chooser else getattr(current, "workflow_person_id", None)
        screen = make_screen(workflow_id, person_id=person_id)
        if getattr(current, "workflow_id", None) == workflow_id:
            if getattr(current, "finished", False):
                self.switch_screen(screen)  # next person: a fresh form in place of the done one
                self.set_status(f"{workflow.title}：下一位。")
            else:
                self.set_status(f"已在{workflow.title}。按 Esc 返回。")
            return
        self.push_screen(screen)
        self.set_status(f"{workflow.title}：按 Esc 返回。")


def run_desk(args: Any) -> int:
    """Open the desk for ``yibao [--db PATH] [--policy ID] [--clerk NAME] [--demo]``."""
    import sys

    from tui.launch import start_app

    app = start_app(args)
    code = app.run()
    if app.refusal is not None:  # the registry could not be opened: say why, as before
        print(f"无法打开窗口：{app.refusal}", file=sys.stderr)
        return 2
    return int(code or 0)
