"""Snapshots of the desk (fixed clock 2024-10-15, fixed registry). Update with
``pytest tests/tui --snapshot-update`` and look at the SVG report before keeping them."""

from __future__ import annotations

from datetime import date

from tests.tui.conftest import SIZE, id_number, settle


async def _settle(pilot) -> None:  # type: ignore[no-untyped-def]
    await settle(pilot.app, pilot)


class TestShell:
    def test_home(self, snap_compare, app) -> None:  # type: ignore[no-untyped-def]
        assert snap_compare(app, terminal_size=SIZE)

    def test_help(self, snap_compare, app) -> None:  # type: ignore[no-untyped-def]
        assert snap_compare(app, press=["f1"], terminal_size=SIZE)


class TestRegistration:
    def test_quote_for_a_new_person(self, snap_compare, app) -> None:  # type: ignore[no-untyped-def]
        async def fill(pilot) -> None:  # type: ignore[no-untyped-def]
            await pilot.press("f2", *id_number(date(1980, 1, 1), 1))
            await _settle(pilot)
            await pilot.press("tab", *"李四", "ctrl+s")  # Tab out of the ID number, as a clerk does
            await _settle(pilot)

        assert snap_compare(app, run_before=fill, terminal_size=SIZE)

    def test_refusal_for_an_employee(self, snap_compare, app) -> None:  # type: ignore[no-untyped-def]
        async def fill(pilot) -> None:  # type: ignore[no-untyped-def]
            await pilot.press("f2", *id_number(date(1985, 5, 5), 7))
            await _settle(pilot)
            await pilot.press("tab", *"王五")
            pilot.app.screen.query_one("#reg-employee").focus()
            await pilot.press("space", "ctrl+s")
            await _settle(pilot)

        assert snap_compare(app, run_before=fill, terminal_size=SIZE)


class TestLookup:
    def test_results(self, snap_compare, app, family) -> None:  # type: ignore[no-untyped-def]
        async def search(pilot) -> None:  # type: ignore[no-untyped-def]
            await pilot.press("f6", *"户0001")
            await _settle(pilot)

        assert snap_compare(app, run_before=search, terminal_size=SIZE)

    def test_case_view(self, snap_compare, app, family) -> None:  # type: ignore[no-untyped-def]
        async def open_case(pilot) -> None:  # type: ignore[no-untyped-def]
            await pilot.press("f6", *"zjg")
            await _settle(pilot)
            await pilot.press("enter")
            await _settle(pilot)

        assert snap_compare(app, run_before=open_case, terminal_size=SIZE)
