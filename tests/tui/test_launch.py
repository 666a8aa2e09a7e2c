"""``yibao`` with no sub-command: registry, policy and clerk from the arguments, the
remembered choice, or the first-run setup screen; ``--demo`` on a throw-away registry.
Every way in ends on the sign-in screen: nobody works at the desk without a password."""

from __future__ import annotations

import argparse
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from tests.outreach.test_laptop_policy import laptop  # noqa: F401  (fixture)
from tests.tui.conftest import SIZE, burst, settle
from tui.launch import build_app as _build_app
from tui.screens.home import HomeScreen
from tui.screens.setup import SetupScreen
from tui.workflows.signin import SignInScreen


def build_app(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    """The desk at 2024-10-15 10:00 (Asia/Shanghai): inside the bundled files' years."""
    return _build_app(args, clock=lambda: datetime(2024, 10, 15, 2, 0, tzinfo=UTC))


def _args(**kwargs) -> argparse.Namespace:  # type: ignore[no-untyped-def]
    values = {"db": None, "policy": None, "clerk": None, "demo": False}
    values.update(kwargs)
    return argparse.Namespace(**values)


@pytest.fixture(autouse=True)
def _data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("YIBAO_DATA_DIR", str(tmp_path / "data"))
    for name in ("YIBAO_DATABASE_URL", "YIBAO_POLICY", "YIBAO_CLERK", "YIBAO_DEVICE_ID"):
        monkeypatch.delenv(name, raising=False)


PIN = "802613"


async def _sign_in(app, pilot, name: str, pin: str = PIN, *, again: bool = False) -> None:  # type: ignore[no-untyped-def]
    """Type the name (replacing what is there) and the password; Enter submits."""
    assert isinstance(app.screen, SignInScreen)
    field = app.screen.query_one("#signin-name")
    field.value = ""
    field.focus()
    await pilot.press(*name, "enter", *pin, "enter")
    if again:
        await pilot.press(*pin, "enter")
    await settle(app, pilot)


def _admin(db: Path, name: str, policy: str = "shangnan-2025") -> None:
    """A registry set up by ``yibao init`` (its first 管理 with ``PIN``)."""
    import io
    import sys

    from yibao.cli.main import main

    stdin = sys.stdin
    sys.stdin = io.StringIO(f"{PIN}\n")
    try:
        assert main(["--db", str(db), "--policy", policy, "--clerk", name, "--password-stdin", "init"]) == 0
    finally:
        sys.stdin = stdin


async def test_first_run_asks_then_sets_up_the_first_admin_then_remembers(tmp_path: Path) -> None:
    db = tmp_path / "new.sqlite3"
    app = build_app(_args(db=str(db)))
    assert app is not None and app.services is None
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, SetupScreen)
        await pilot.press("f2")  # nothing opens before setup
        assert isinstance(app.screen, SetupScreen)
        select = app.screen.query_one("#setup-policy")
        select.value = "shangnan-2025"
        app.screen.query_one("#setup-clerk").focus()
        await pilot.press(*"刘芳", "ctrl+s")
        await settle(app, pilot)
        # A new registry: the sign-in screen sets up its first 管理 (password twice).
        assert isinstance(app.screen, SignInScreen) and app.screen.first_admin
        await pilot.press("f2")
        assert isinstance(app.screen, SignInScreen) and "请先登录" in app.status[0]
        await _sign_in(app, pilot, "刘芳", again=True)
        assert isinstance(app.screen, HomeScreen)
        assert (app.info.jurisdiction, app.info.benefit_year, app.info.clerk) == ("商南县", 2025, "刘芳")
        assert app.services.clerk.role.label == "管理人员"
    again = build_app(_args(db=str(db)))  # the registry's choice is remembered; sign in again
    assert again is not None and again.services is None and again.gate.policy.id == "shangnan-2025"
    async with again.run_test(size=SIZE) as pilot:
        assert isinstance(again.screen, SignInScreen) and not again.screen.first_admin
        assert again.screen.query_one("#signin-name").value == "刘芳"  # the last clerk, prefilled
        await _sign_in(again, pilot, "刘芳")
        assert again.services is not None and again.services.clerk.name == "刘芳"
    from yibao.config import registry_policy

    assert registry_policy(again.services.engine) == "shangnan-2025"  # kept in the registry
    (entry,) = [e for e in again.services.audit.history(entity="registry_setting")]
    assert entry.action == "registry.policy" and entry.clerk_name == "刘芳"
    desk = (tmp_path / "data" / "desk.json").read_text(encoding="utf-8")
    assert "shangnan" not in desk and "刘芳" in desk  # desk.json: the last clerk only


async def test_a_wrong_password_is_refused_in_chinese_and_nothing_opens(tmp_path: Path) -> None:
    db = tmp_path / "hall.sqlite3"
    _admin(db, "赵六")
    app = build_app(_args(db=str(db)))
    assert app is not None
    async with app.run_test(size=SIZE) as pilot:
        await _sign_in(app, pilot, "赵六", "999999")
        assert isinstance(app.screen, SignInScreen) and app.services is None
        error = str(app.screen.query_one("#signin-error").render())
        assert "姓名或密码不对" in error and "1 次" in error
        assert app.screen.query_one("#signin-password").value == ""  # cleared for the next try
        await _sign_in(app, pilot, "没这人")
        assert "姓名或密码不对" in str(app.screen.query_one("#signin-error").render())
        await _sign_in(app, pilot, "赵六")
        assert isinstance(app.screen, HomeScreen) and app.services.clerk.name == "赵六"


def test_the_policy_comes_from_the_registry_not_the_user_account(tmp_path: Path) -> None:
    db = tmp_path / "hall.sqlite3"
    _admin(db, "赵六", "meishan-2024")
    (tmp_path / "data" / "desk.json").unlink()  # another clerk's account: nothing remembered
    other = build_app(_args(db=str(db), clerk="钱七"))
    assert other is not None and other.gate is not None
    assert other.gate.policy.id == "meishan-2024"
    other.gate.engine.dispose()


def test_a_different_policy_given_is_used_once_with_a_warning(tmp_path: Path) -> None:
    from yibao.config import registry_policy

    db = tmp_path / "hall.sqlite3"
    _admin(db, "赵六", "meishan-2024")
    app = build_app(_args(db=str(db), policy="jincheng-2024", clerk="赵六"))
    assert app is not None and app.gate.policy.id == "jincheng-2024"
    assert "meishan-2024" in app.status[0] and app.status[1] == "warning"
    assert registry_policy(app.gate.engine) == "meishan-2024"  # not changed by --policy


async def test_setup_on_an_outreach_laptop_offers_its_policy_file(laptop) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from tests.signin import PIN as HALL_PIN
    from yibao.config import registry_policy

    _hall_url, laptop_url, saved = laptop
    app = build_app(_args(db=laptop_url))  # policy resolved to the laptop's file: sign in
    assert app is not None and app.services is None
    async with app.run_test(size=SIZE) as pilot:
        await _sign_in(app, pilot, "王大厅", HALL_PIN)  # a hall clerk, offline on the laptop
        assert isinstance(app.screen, HomeScreen), app.screen.query_one("#signin-error").render()
        assert app.services.policy.id == "shangnan-2025"
        assert registry_policy(app.services.engine) == str(saved)


def test_arguments_choose_policy_and_prefill_the_clerk(tmp_path: Path) -> None:
    db = tmp_path / "r.sqlite3"
    app = build_app(_args(db=str(db), policy="meishan-2024", clerk="赵六"))
    assert app is not None and app.services is None
    assert app.gate.policy.jurisdiction == "眉山市" and app._signin_name == "赵六"


def test_unknown_policy_is_a_chinese_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert build_app(_args(db=str(tmp_path / "r.sqlite3"), policy="nowhere-2025", clerk="赵六")) is None
    assert "找不到政策" in capsys.readouterr().err


async def test_demo_shows_its_clerks_and_pins_then_opens_inside_the_collection_period(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from yibao.demo import DEMO_CLERKS

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the throw-away registry goes here
    app = build_app(_args(demo=True))
    assert app is not None and list(tmp_path.glob("yibao-demo-*/demo.sqlite3"))
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, SignInScreen)
        shown = str(app.screen.query_one("#signin-demo").render())
        assert [name in shown and f"PIN {pin}" in shown for name, _role, pin in DEMO_CLERKS] == [True] * 3
        assert "演示登记库" in app.status[0]
        name, _role, pin = DEMO_CLERKS[0]
        await _sign_in(app, pilot, name, "000000")  # a wrong PIN first
        assert isinstance(app.screen, SignInScreen) and app.services is None
        await _sign_in(app, pilot, name, pin)
        today = app.services.today()
        window = app.services.policy.periods.centralized
        assert window.start <= today <= window.end
        await pilot.press("f6", *"zh")
        await settle(app, pilot)
        assert app.screen.query_one("#lookup-results").row_count > 0


def test_a_killed_demos_registry_is_removed_at_the_next_demo_but_an_open_one_is_kept(tmp_path: Path) -> None:
    """A demo desk killed with its terminal leaves its temporary registry; the next
    ``yibao --demo`` removes it. One still open (its lock held) is left alone."""
    from tui.launch import remove_stale_demos
    from yibao.outreach.lock import hold_shared

    killed = tmp_path / "yibao-demo-killed"
    killed.mkdir()
    (killed / "demo.sqlite3").write_bytes(b"")
    (killed / "demo.sqlite3.lock").write_bytes(b"")
    open_one = tmp_path / "yibao-demo-open"
    open_one.mkdir()
    (open_one / "demo.sqlite3").write_bytes(b"")

    class Desk:  # stands for the open desk's engine, which holds the lock while it lives
        pass

    desk = Desk()
    hold_shared(open_one / "demo.sqlite3", desk)
    other = tmp_path / "not-a-demo"
    other.mkdir()
    assert remove_stale_demos(tmp_path) == 1
    assert not killed.exists() and open_one.exists() and other.exists()
    del desk


@pytest.mark.parametrize("policy_id", ["shangnan-2025", "meishan-2024", "jincheng-2024", "shanyin-2025"])
def test_the_demo_day_is_one_on_which_a_newborn_the_document_covers_can_be_enrolled(policy_id: str) -> None:
    """Walk finding: the 山阴 demo sat at 2024-10-16, but 山阴's newborn clause (三(二)2) covers
    only babies born on or after 2025-01-01, so F3 could enrol no baby there. The demo day is
    inside the centralized period, and after the newborn clause's first birth day where the
    period allows (山阴: 2025-01-01 + 40 = 2025-02-10, period ends 2025-02-25)."""
    from tui.launch import demo_day, demo_moment
    from yibao.policy import load_policy

    policy = load_policy(policy_id)
    window = policy.periods.centralized
    day = demo_day(demo_moment(policy_id))
    assert window.start <= day <= window.end
    effective = policy.newborn.effective
    if effective is not None and effective.on == "birth":
        assert day > effective.start
    if policy_id == "shanyin-2025":
        assert str(day) == "2025-02-10"


# --- the desk as ``yibao`` starts it: sign-in painted first, the registry opened behind it ---


def _held(app):  # type: ignore[no-untyped-def]
    """Hold ``app``'s registry opening until the returned event is set, so the test can type
    before the worker has finished (as a quick clerk does right after launch)."""
    import threading

    opening, release = app._opening, threading.Event()

    def held():  # type: ignore[no-untyped-def]
        assert release.wait(30), "the test never let the registry open"
        return opening()

    app._opening = held
    return release


def _start(args: argparse.Namespace):  # type: ignore[no-untyped-def]
    from tui.launch import start_app

    return start_app(args, clock=lambda: datetime(2024, 10, 15, 2, 0, tzinfo=UTC))


async def test_typed_before_the_registry_is_open_signs_in_once_it_is(tmp_path: Path) -> None:
    db = tmp_path / "hall.sqlite3"
    _admin(db, "赵六")
    app = _start(_args(db=str(db)))
    release = _held(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert isinstance(app.screen, SignInScreen) and app.gate is None
        assert app.screen.query_one("#signin-name").value == "赵六"  # the last clerk, prefilled
        await pilot.press("f2")  # nothing opens before sign-in, not even while the registry opens
        assert isinstance(app.screen, SignInScreen) and "请先登录" in app.status[0]
        await pilot.press("enter", *"999999", "enter")  # a wrong PIN, typed at once
        assert "正在打开登记库" in str(app.screen.query_one("#signin-error").render())
        release.set()
        await settle(app, pilot)
        assert isinstance(app.screen, SignInScreen) and app.services is None
        error = str(app.screen.query_one("#signin-error").render())
        assert "姓名或密码不对" in error and "1 次" in error
        assert (app.info.jurisdiction, app.info.benefit_year) == ("商南县", 2025)
        await _sign_in(app, pilot, "赵六")
        assert isinstance(app.screen, HomeScreen) and app.services.clerk.name == "赵六"


async def test_a_new_registry_opened_behind_the_screen_asks_the_password_again(tmp_path: Path) -> None:
    app = _start(_args(db=str(tmp_path / "new.sqlite3"), policy="shangnan-2025"))
    release = _held(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press(*"刘芳", "enter", *PIN, "enter")
        release.set()
        await settle(app, pilot)
        assert isinstance(app.screen, SignInScreen) and app.screen.first_admin
        assert app.focused is app.screen.query_one("#signin-again")
        assert "再次输入密码" in str(app.screen.query_one("#signin-error").render())
        await pilot.press(*PIN, "enter")
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen) and app.services.clerk.role.label == "管理人员"


async def test_a_registry_serving_no_policy_yet_turns_to_the_setup_screen(tmp_path: Path) -> None:
    app = _start(_args(db=str(tmp_path / "new.sqlite3")))
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        assert isinstance(app.screen, SetupScreen) and app.gate is None


@pytest.mark.parametrize(
    ("make", "said"),
    [
        (lambda tmp: {"policy": "nowhere-2025", "db": str(tmp / "r.sqlite3")}, "找不到政策"),
        (lambda tmp: {"db": str(tmp / "folder"), "policy": "shangnan-2025"}, "是一个文件夹"),
    ],
)
async def test_a_registry_that_cannot_open_ends_the_desk_with_the_chinese_reason(
    tmp_path: Path, make, said: str  # type: ignore[no-untyped-def]
) -> None:
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "x").write_text("")
    app = _start(_args(**make(tmp_path)))
    async with app.run_test(size=SIZE) as pilot:
        for _ in range(500):  # the worker's refusal ends the app (settle would re-raise it)
            if app.refusal is not None:
                break
            await pilot.pause(0.02)
    assert app.refusal is not None and said in app.refusal, app.refusal
    assert app.return_code == 2


def test_run_desk_prints_the_refusal_and_exits_2(tmp_path: Path, monkeypatch, capsys) -> None:  # type: ignore[no-untyped-def]
    from tui.app import YibaoApp, run_desk

    def run(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.refusal = "登记库文件不存在：x。"  # as the worker leaves it
        return None

    monkeypatch.setattr(YibaoApp, "run", run)
    assert run_desk(_args(db=str(tmp_path / "r.sqlite3"))) == 2
    assert "无法打开窗口：登记库文件不存在" in capsys.readouterr().err


async def test_name_enter_pin_typed_in_one_burst_while_the_registry_opens_signs_in(tmp_path: Path) -> None:
    """Walk finding: typed at 20 keys a second right after launch, the first PIN digit went
    into the name (演示经办员2) and the sign-in was refused: Enter in the name moved on only
    once its ``Input.Submitted`` message was handled, after the next key had been taken."""
    db = tmp_path / "hall.sqlite3"
    _admin(db, "赵六")
    app = _start(_args(db=str(db)))
    release = _held(app)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        app.screen.query_one("#signin-name").value = ""
        burst(app, *"赵六", "enter", *PIN, "enter")
        await pilot.pause()
        assert app.screen.query_one("#signin-name").value == "赵六"
        assert app.screen.query_one("#signin-password").value == PIN
        release.set()
        await settle(app, pilot)
        assert isinstance(app.screen, HomeScreen), app.screen.query_one("#signin-error").render()
        assert isinstance(app.screen, HomeScreen) and app.services.clerk.name == "赵六"
