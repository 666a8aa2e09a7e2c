"""The desk shell without a registry: keys, help, palette, setup, confirmation modal."""

from __future__ import annotations

import pytest
from textual.app import App

from tests.tui.conftest import SIZE, burst, settle
from tui import keymap
from tui.app import YibaoApp
from tui.modals.confirm import ConfirmModal
from tui.screens.help import HelpScreen
from tui.screens.home import HomeScreen
from tui.screens.setup import SetupChoice, SetupScreen


def test_every_binding_has_an_id_and_chinese_label() -> None:
    keys = keymap.all_keys()
    assert len({k.id for k in keys}) == len(keys)
    for key in keys:
        assert key.id and key.label and key.tooltip
        assert any("\u4e00" <= ch <= "\u9fff" for ch in key.label)
    shown = {k.key: k.label for k in keymap.DESK_KEYS}
    assert shown["f1"] == "帮助" and shown["f2"] == "参保登记" and shown["f6"] == "查询"


async def test_f1_opens_help_and_esc_returns() -> None:
    app = YibaoApp()
    async with app.run_test(size=(120, 36)) as pilot:
        assert isinstance(app.screen, HomeScreen)
        await pilot.press("f1")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)


async def test_workflow_without_registry_asks_for_setup() -> None:
    app = YibaoApp()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f2")
        assert isinstance(app.screen, HomeScreen)
        assert "首次设置" in app.status[0]


async def test_command_palette_finds_chinese_commands() -> None:
    app = YibaoApp()
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"帮助")
        await settle(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)


class _Harness(App[None]):
    def __init__(self, screen) -> None:
        super().__init__()
        self._screen = screen
        self.answer: object = "unset"

    def on_mount(self) -> None:
        self.push_screen(self._screen, self._record)

    def _record(self, answer: object) -> None:
        self.answer = answer


async def test_confirm_modal_yes_and_no() -> None:
    app = _Harness(ConfirmModal("确认收款？", "应收 380.00 元"))
    async with app.run_test() as pilot:
        await pilot.press("enter")
    assert app.answer is True
    app = _Harness(ConfirmModal("确认收款？"))
    async with app.run_test() as pilot:
        await pilot.press("escape")
    assert app.answer is False


async def test_setup_screen_requires_every_field() -> None:
    screen = SetupScreen([("shangnan-2025", "商南县 2025年度"), ("meishan-2024", "眉山市 2024年度")])
    app = _Harness(screen)
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("ctrl+s")
        assert "请选择辖区及待遇年度" in str(screen.query_one("#setup-error").render())
        await pilot.press("enter", "down", "enter")  # open the select, pick the first
        await pilot.press("tab", *"张三", "tab", *"城关1号窗口")
        await pilot.press("ctrl+s")
    assert app.answer == SetupChoice("shangnan-2025", "张三", "城关1号窗口")


async def test_every_workflow_key_opens_its_screen(app) -> None:  # type: ignore[no-untyped-def]
    from tui.workflows import WORKFLOWS

    async with app.run_test(size=(120, 36)) as pilot:
        for key, workflow_id in (("f3", "newborn"), ("f4", "family_aid"), ("f5", "refund")):
            await pilot.press(key)
            assert app.screen.workflow_id == workflow_id
            assert WORKFLOWS[workflow_id].title == app.screen.TITLE
            await pilot.press("escape")
        assert isinstance(app.screen, HomeScreen)

async def test_keys_can_be_remapped_by_id(app) -> None:  # type: ignore[no-untyped-def]
    from tui.workflows.lookup.screen import LookupScreen

    async with app.run_test(size=(120, 36)) as pilot:
        app.set_keymap({"desk.lookup": "f7"})
        await pilot.press("f7")
        assert isinstance(app.screen, LookupScreen)


async def test_palette_in_the_case_view_offers_workflows_for_that_person(app, family) -> None:  # type: ignore[no-untyped-def]
    from tui.workflows.case.screen import CaseScreen
    from tui.workflows.registration.screen import RegistrationScreen

    async with app.run_test(size=(120, 36)) as pilot:
        await app.push_screen(CaseScreen(family.spouse_id))
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"为李秀英：参保")
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert isinstance(app.screen, RegistrationScreen)
        assert app.screen.query_one("#reg-name").value == "李秀英"


async def test_f2_after_a_finished_payment_opens_a_fresh_form(app, family) -> None:  # type: ignore[no-untyped-def]
    from tui.workflows.registration.screen import RegistrationScreen

    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f2", *family.head_number)
        await settle(app, pilot)
        await pilot.press("ctrl+s", *"400", "ctrl+s", "enter")
        await settle(app, pilot)
        first = app.screen
        assert first.finished
        await pilot.press("f2")
        assert isinstance(app.screen, RegistrationScreen) and app.screen is not first
        assert app.screen.query_one("#reg-id").value == ""
        assert len(app.screen_stack) == 2  # replaced, not stacked


async def test_palette_can_submit_the_form(app, family) -> None:  # type: ignore[no-untyped-def]
    from tui.modals.confirm import ConfirmModal

    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f2", *family.head_number)
        await settle(app, pilot)
        await pilot.press("ctrl+s", *"400", "ctrl+p")  # Ctrl+S: on to 实收金额
        await pilot.press(*"确认提交")
        await settle(app, pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmModal)


async def test_desk_keys_wait_while_a_confirmation_is_open(app, family) -> None:  # type: ignore[no-untyped-def]
    from tui.modals.confirm import ConfirmModal

    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f2", *family.head_number)
        await settle(app, pilot)
        await pilot.press("ctrl+s", *"400", "ctrl+s", "f6")
        assert isinstance(app.screen, ConfirmModal)
        assert "对话框" in app.status[0]


def test_the_case_view_shows_the_services_payment_status_label(services, family) -> None:  # type: ignore[no-untyped-def]
    """A payment kept by a sync merge as a duplicate reads 重复缴费待处理, from the
    payment view's ``status_label`` (no table of its own in the desk)."""
    import sqlalchemy as sa

    from tui.workflows.case.presentation import tab_rows

    receipt = services.enrolment.enrol_and_pay(family.head_id, channel="bank")
    with services.engine.begin() as connection:
        connection.execute(
            sa.text("UPDATE payment SET status = 'conflict' WHERE id = :id"), {"id": receipt.payment.id}
        )
    (row,) = tab_rows(services.persons.case(family.head_id))["payments"]
    assert row[1][-1] == "重复缴费待处理"


async def test_f1_lists_every_key_of_every_screen(app) -> None:  # type: ignore[no-untyped-def]
    """Finding 9: F1 names every key the desk has, Ctrl+B (家庭共济：绑定亲属) and Ctrl+R included."""
    from tests.tui.reading import table_text

    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f1")
        text = table_text(app.screen.query_one("#help-keys"))
    for key in ("Ctrl+B", "Ctrl+R", "Ctrl+Q", "Ctrl+P", "Ctrl+S", "Esc"):
        assert key in text, key


async def test_ctrl_q_in_the_middle_of_a_form_asks_first(app, family) -> None:  # type: ignore[no-untyped-def]
    """Finding 9: Ctrl+Q with an ID number typed in F2 asks; Esc goes back to the form."""
    async with app.run_test(size=(120, 36)) as pilot:
        await pilot.press("f2")
        await settle(app, pilot)
        await pilot.press(*family.head_number[:10], "ctrl+q")
        assert isinstance(app.screen, ConfirmModal)
        await pilot.press("escape")
        assert app.screen.query_one("#reg-id").value == family.head_number[:10]
        assert app.is_running


async def test_textuals_own_words_are_chinese(app, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Finding 9: no “Dismiss menu” / “No matches found” in the desk."""
    from textual.command import CommandPalette
    from textual.widgets._select import SelectOverlay

    from tui.localise import NO_MATCHES, DeskPalette

    monkeypatch.setattr(DeskPalette, "_NO_MATCHES_COUNTDOWN", 0.0)  # say it at once
    async with app.run_test(size=(120, 36)) as pilot:
        labels = [b.description for b in SelectOverlay._merged_bindings.key_to_bindings.get("escape", [])]
        assert labels == ["关闭列表"]
        await pilot.press("ctrl+p")
        await settle(app, pilot)
        palette = app.screen
        assert isinstance(palette, CommandPalette)
        monkeypatch.setattr(palette, "set_timer", lambda _delay, callback: callback())  # no waiting
        palette._start_no_matches_countdown("zzzz")
        await pilot.pause()
        shown = " ".join(str(o.prompt) for o in app.screen.query_one("CommandList").options)
        assert "No matches" not in shown and NO_MATCHES[:6] in shown


def test_the_demo_removes_its_registry_on_exit(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Finding 9: the demo's temporary registry does not stay behind."""
    import asyncio

    workdir = tmp_path / "yibao-demo"
    workdir.mkdir()
    (workdir / "demo.sqlite3").write_text("x")
    app = YibaoApp(temporary_dir=workdir)

    async def run() -> None:
        async with app.run_test() as pilot:
            await pilot.press("ctrl+q")

    asyncio.run(run())
    assert not workdir.exists()


@pytest.mark.parametrize("key", ["f2", "f3", "f4", "f5", "f6"])
async def test_typing_straight_after_a_function_key_is_kept(app, key: str) -> None:  # type: ignore[no-untyped-def]
    """A card reader (or a fast clerk) types straight after F2…F6, before the form has mounted:
    every character lands in the field the form starts on, none in the scrolling form around it."""
    from textual.widgets import Input

    typed = "612524198808080091"
    async with app.run_test(size=SIZE) as pilot:
        burst(app, key, *typed)
        await settle(app, pilot)
        field = app.screen.focused
        assert isinstance(field, Input), f"{key}: focus on {field!r}"
        assert field.value == typed


def test_every_screen_key_is_listed_by_f1() -> None:
    """F1 lists every key a desk screen binds (F7's ⌫/R/D/J were missing): each shown
    binding of each screen class is one of ``keymap.all_keys()``."""
    import importlib
    import pkgutil

    from textual.screen import Screen

    import tui

    for info in pkgutil.walk_packages(tui.__path__, "tui."):
        importlib.import_module(info.name)
    listed = {key.id for key in keymap.all_keys()}
    seen: list[str] = []

    def screens(cls: type) -> list[type]:
        return [cls, *(s for sub in cls.__subclasses__() for s in screens(sub))]

    for cls in screens(Screen):
        if not cls.__module__.startswith("tui.") or cls.__name__ == "ConfirmModal":
            continue  # the confirmation writes its keys on its own two buttons
        for binding in cls.__dict__.get("BINDINGS", []):
            if getattr(binding, "show", False) and not binding.id.startswith("case.tab"):  # F1: one row 1–7
                seen.append(binding.id)
                assert binding.id in listed, (cls.__name__, binding.key, binding.id)
    assert "progress.chase" in seen and "family_aid.bind" in seen


def test_workflow_screens_keep_textuals_is_current() -> None:
    """Textual reads ``Screen.is_current`` (a property) to skip layout work for screens
    under another one; the workflows' own "is this the latest answer" check once shadowed it
    with a method, always truthy. It has its own name now."""
    from textual.screen import Screen

    from tui.workflows.base import ServiceCalls

    assert "is_current" not in ServiceCalls.__dict__
    assert isinstance(Screen.__dict__["is_current"], property)
