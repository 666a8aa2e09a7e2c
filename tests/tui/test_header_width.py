"""The header keeps the date (and who is signed in) at the narrowest desk size."""

from __future__ import annotations

from tests.outreach.test_laptop_policy import laptop  # noqa: F401  (fixture)
from tests.tui.conftest import settle
from tests.tui.reading import screen_lines
from tests.tui.test_launch import _args, _data_dir, _sign_in, build_app  # noqa: F401  (fixture)


async def test_the_laptop_desks_header_shows_the_date_at_100_columns(laptop) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    from tests.signin import PIN as HALL_PIN

    _hall_url, laptop_url, _saved = laptop
    app = build_app(_args(db=laptop_url))
    assert app is not None
    async with app.run_test(size=(100, 30)) as pilot:
        await _sign_in(app, pilot, "王大厅", HALL_PIN)
        today = app.services.today().isoformat()
        for key in ("f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9"):
            await pilot.press(key)
            await settle(app, pilot)
            line = screen_lines(app)[0]  # as drawn: the header's first row
            assert line.rstrip().endswith(today), (key, line)
            assert "王大厅" in line, (key, line)
            await pilot.press("escape")
            await settle(app, pilot)
