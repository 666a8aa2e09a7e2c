"""The payment block under a long decision is whole and in view (walk finding, 120×36).

The app's ``.form { height: 1fr }`` (meant for the form columns) outranks a screen's
``DEFAULT_CSS``, so the payment block nested in the answer column was squeezed into what
was left of the column beside a long decision: on F3 with the benefit-year choice the
实收金额 line and the change below it were cut off, and nothing showed what the clerk
typed into it.
"""

from __future__ import annotations

from datetime import date

from tests.tui.conftest import id_number, settle
from tests.tui.test_newborn import _type_baby

SIZE = (120, 36)


def _whole_and_in_view(app, selector: str) -> None:  # type: ignore[no-untyped-def]
    """The payment block holds all its lines (none cut off below it) and the amount field
    lies inside the column's window."""
    field = app.screen.query_one(selector)
    block = next(a for a in field.ancestors if getattr(a, "id", None) in {"nb-payment", "reg-payment"})
    column = next(a for a in field.ancestors if getattr(a, "id", None) in {"nb-right", "reg-right"})
    for line in block.children:
        if line.display:
            assert block.region.contains_region(line.region), f"{line} {line.region} cut off: block {block.region}"
    assert column.region.contains_region(field.region), f"{selector} {field.region} outside {column.region}"


async def test_f3_amount_after_the_year_choice_is_whole_and_in_view(app, family, clock) -> None:  # type: ignore[no-untyped-def]
    clock.set_local(2025, 1, 10)  # born 2024-12-20, <90 days to the year's end: the guardian chooses
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f3")
        await _type_baby(pilot, guardian=family.head_number, cert="Q611023004", name="张四宝", birth="20241220")
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        await pilot.press("enter", "down", "down", "enter")
        await settle(app, pilot)
        assert app.focused.id == "nb-received"
        await pilot.pause()
        _whole_and_in_view(app, "#nb-received")


async def test_f2_amount_is_whole_and_in_view(app) -> None:  # type: ignore[no-untyped-def]
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("f2", *id_number(date(1980, 1, 1), 1))
        await settle(app, pilot)
        await pilot.press("tab", *"李四", "ctrl+s")
        await settle(app, pilot)
        assert app.focused.id == "reg-received"
        await pilot.pause()
        _whole_and_in_view(app, "#reg-received")
