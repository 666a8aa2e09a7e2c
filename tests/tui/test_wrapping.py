"""Status and hint lines break between Chinese characters, not only at spaces
(tui.widgets.wrapping): a long sentence at 100 columns shows whole, each row filled."""

from __future__ import annotations

from rich.cells import cell_len

from tests.tui.conftest import settle
from tests.tui.reading import screen_lines
from tui.widgets.header import StatusLine
from tui.widgets.wrapping import _break_allowed

NARROW = (100, 30)


def _rows(app, selector: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The rows ``selector`` shows on the screen, as drawn (padding and trailing spaces cut)."""
    widget = app.screen.query_one(selector)
    region = widget.content_region
    lines = screen_lines(app)[region.y : region.bottom]
    rows = []
    for line in lines:
        # a row of the screen as cells: a wide character takes two
        cells, column = [], 0
        for character in line:
            if region.x <= column < region.right:
                cells.append(character)
            column += cell_len(character)
        rows.append("".join(cells).rstrip())
    return [row for row in rows if row]


def _first_unit(row: str) -> str:
    """What could not have been taken onto the row before: up to the first place a line
    may break (a Chinese character, or an ASCII word with the marks that stay with it)."""
    for index in range(1, len(row)):
        if _break_allowed(row[index - 1], row[index]):
            return row[:index].rstrip()
    return row


def _assert_filled(rows: list[str], width: int) -> None:
    """Greedy filling: no row is left short while the start of the next would have fitted."""
    for row, after in zip(rows, rows[1:], strict=False):
        room = width - cell_len(row)
        space = 1 if after[0].isascii() and row[-1].isascii() else 0  # the space between
        assert cell_len(_first_unit(after)) + space > room, (row, after, room)


async def test_a_refusal_under_the_form_fills_its_rows_at_100_columns(app, services, family) -> None:  # type: ignore[no-untyped-def]
    """F2 for a person paid this year: 本年度已缴费（收据号 …），如需退费请按 F5。 in the right
    column (the step line under the form is a ``CjkStatic``): the whole sentence, the rows
    filled, ``F5。`` kept together. (A regression check: this sentence happened to wrap
    well before too; the status line's test below is the one that failed.)"""
    services.enrolment.enrol_and_pay(family.spouse_id, channel="bank")
    receipt = services.payments.paid_for(family.spouse_id).receipt_no
    spouse = services.persons.get(family.spouse_id)
    async with app.run_test(size=NARROW) as pilot:
        await pilot.press("f2", *spouse.id_number)
        await settle(app, pilot)
        rows = _rows(app, "#reg-step")
        width = app.screen.query_one("#reg-step").content_region.width
    sentence = f"本年度已缴费（收据号 {receipt}），如需退费请按 F5。"
    assert "".join(rows).replace(" ", "") == sentence.replace(" ", "")  # the whole sentence
    assert receipt in rows[0], (rows, width)
    _assert_filled(rows, width)


# The sentence of a refusal as long as the status line holds (three rows at 100 columns):
# the 商南 policy's 五(四) refund case, with the dates and a receipt number between spaces.
LONG = (
    "不予受理：申请日 2024-10-16 已在待遇享受期内，“待遇享受期前重复缴费”须在待遇享受期开始前"
    "（2024-12-31 含）提出；请核对收据号 3RSG-00001452 的缴费日期，如确属重复缴费，请参保人持"
    "有效身份证件、两笔缴费的凭证到原缴费地税务部门申请，由原缴费地医保经办机构终审。"
)


async def test_a_long_status_line_shows_the_whole_sentence_at_100_columns(app) -> None:  # type: ignore[no-untyped-def]
    """Broken only at spaces, the sentence took four rows and the status line (three rows
    at most) cut its end off; broken between characters it takes three, all shown."""
    async with app.run_test(size=NARROW) as pilot:
        await settle(app, pilot)
        app.set_status(LONG, "error")
        await pilot.pause()
        rows = _rows(app, "StatusLine")
        width = app.screen.query_one(StatusLine).content_region.width
    assert "".join(rows).replace(" ", "") == LONG.replace(" ", ""), rows
    assert len(rows) == 3
    _assert_filled(rows, width)


async def test_the_decision_panels_reasons_and_figures_break_between_chinese_characters() -> None:
    """The panel's reasons (and a figure's value) broke only at spaces: a reason with a
    date or receipt number between spaces left a row half empty before it."""
    from textual.app import App, ComposeResult

    from tui.widgets.decision import DecisionPanel, Figure

    value = "缴费人有效身份证件、两笔缴费的凭证或税务缴费记录（另一笔收据号 3RSG-00001452 的缴费凭证）、户口簿"

    class Panel(App[None]):
        def compose(self) -> ComposeResult:
            yield DecisionPanel(id="panel")

    app = Panel()
    async with app.run_test(size=(64, 30)) as pilot:
        app.query_one(DecisionPanel).show("refused", "不予办理", [Figure("须提交材料", value, "五(四)")], [LONG])
        await pilot.pause()
        rows = _rows(app, "#panel")
        width = app.query_one("#panel").content_region.width
    start = next(i for i, row in enumerate(rows) if row.startswith("理由"))
    reason = [row[2:] for row in rows[start + 1 :]]  # after "· " and its indent
    assert "".join(reason).replace(" ", "") == LONG.replace(" ", ""), reason
    _assert_filled(reason, width - 2)
    figure = rows[2:start]  # under the header row 项目 核定 条款
    label_width = cell_len("须提交材料") + 1
    cells = [row[len("须提交材料") + 1 :].strip() if i == 0 else row.strip() for i, row in enumerate(figure)]
    cells = [c.removesuffix("五(四)").rstrip() for c in cells]
    assert "".join(cells).replace(" ", "") == value.replace(" ", ""), cells
    # the column's width as Rich shares it out: the widest row, at most the panel less the
    # label, the clause and their padding
    value_width = max(cell_len(c) for c in cells)
    assert value_width >= width - label_width - 2 - 6 - 2, (value_width, width)
    _assert_filled(cells, value_width)


async def test_a_confirmation_breaks_between_chinese_characters(app) -> None:  # type: ignore[no-untyped-def]
    """F4's 绑定前需人工核实 broke 〔2024 / 〕57号 and （ / 文件未作规定）: the body broke only at spaces."""
    from tui.modals.confirm import ConfirmModal

    body = ("本文件未规定家庭共济（以职工医保个人账户为亲属缴纳居民医保费），请经办人员按上级规定核实。"
            "（商南政办发〔2024〕57号（文件未作规定））")
    async with app.run_test(size=NARROW) as pilot:
        await settle(app, pilot)
        await app.push_screen(ConfirmModal("绑定前需人工核实", body))
        await pilot.pause()
        rows = _rows(app, "#confirm-body")
        width = app.screen.query_one("#confirm-body").content_region.width
    assert "".join(rows).replace(" ", "") == body.replace(" ", ""), rows
    assert not any(row.endswith(("〔2024", "（")) for row in rows), rows
    _assert_filled(rows, width)

