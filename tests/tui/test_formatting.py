from datetime import date

import pytest

from tui.formatting import change_markup, parse_date, parse_yuan, yuan


def test_yuan_two_decimals() -> None:
    assert yuan(38000) == "380.00 元"
    assert yuan(5) == "0.05 元"
    assert yuan(123456789) == "1,234,567.89 元"
    assert yuan(-150, unit=False) == "-1.50"
    assert yuan(None) == "—"


@pytest.mark.parametrize(("text", "fen"), [("380", 38000), ("380.5", 38050), ("380.05元", 38005), ("0", 0)])
def test_parse_yuan(text: str, fen: int) -> None:
    assert parse_yuan(text) == fen


@pytest.mark.parametrize("text", ["", "abc", "1.234", "-5"])
def test_parse_yuan_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="金额格式不对"):
        parse_yuan(text)


def test_parse_date_both_forms() -> None:
    assert parse_date("2025-01-05") == date(2025, 1, 5)
    assert parse_date("20250105") == date(2025, 1, 5)
    with pytest.raises(ValueError, match="没有这一天"):
        parse_date("2025-02-30")
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        parse_date("5/1/2025")


def test_change_line_under_received_amount() -> None:
    assert change_markup(None, cash=True, received=100) == ""
    assert change_markup(16000, cash=False, received=None) == "应收 160.00 元"
    assert change_markup(16000, cash=True, received=None) == "应收 160.00 元，请输入实收金额"
    assert "还差 10.00 元" in change_markup(16000, cash=True, received=15000)
    assert "找零 [b]40.00 元" in change_markup(16000, cash=True, received=20000)
    assert "找零 [b]0.00 元" in change_markup(16000, cash=True, received=16000)
