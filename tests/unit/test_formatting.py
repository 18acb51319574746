"""The one formatter: Vietnamese number style (1.100; 197,9) and money in prose and tables."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from bot.domain.formatting import (
    format_day,
    format_day_long,
    format_local_datetime,
    format_money_prose,
    format_number,
)
from bot.domain.parsing.numbers import MONEY_MAX, parse_money


@pytest.mark.parametrize(("value", "vi", "en"), [
    (1100, "1.100", "1,100"),
    (Decimal("197.9"), "197,9", "197.9"),
    (45390, "45.390", "45,390"),
    (Decimal("5410.000"), "5.410", "5,410"),
    (0, "0", "0"),
])
def test_numbers(value: int | Decimal, vi: str, en: str) -> None:
    assert format_number(value, "vi") == vi
    assert format_number(value, "en") == en


@pytest.mark.parametrize(("dong", "vi", "en"), [
    (197_900_000, "197,9 triệu đồng", "197.9 million VND"),
    (192_750_000, "192,75 triệu đồng", "192.75 million VND"),
    (113_000_000_000, "113 tỷ đồng", "113 billion VND"),
    (1_500_000_000, "1,5 tỷ đồng", "1.5 billion VND"),
    (500_000, "500.000 đồng", "500,000 VND"),
    # Exact, never rounded: what used to print as "1,23 tỷ", "5,68 tỷ" and "12,35 tỷ đồng".
    (1_234_500_000, "1.234,5 triệu đồng", "1,234.5 million VND"),
    (5_678_000_000, "5,678 tỷ đồng", "5.678 billion VND"),
    (12_345_670_000, "12.345,67 triệu đồng", "12,345.67 million VND"),
    (23_348_000_000, "23,348 tỷ đồng", "23.348 billion VND"),
    (4_756_250_000, "4.756,25 triệu đồng", "4,756.25 million VND"),
    (945_650_000, "945,65 triệu đồng", "945.65 million VND"),
    (1_500_001, "1.500.001 đồng", "1,500,001 VND"),
    (999_999, "999.999 đồng", "999,999 VND"),
    (1_000_000_001_000, "1.000.000,001 triệu đồng", "1,000,000.001 million VND"),
])
def test_money_in_prose(dong: int, vi: str, en: str) -> None:
    assert format_money_prose(dong, "vi") == vi
    assert format_money_prose(dong, "en") == en


def _read_english(text: str) -> int:
    """The amount an English sentence states, read independently of the formatter: "1,234.5 million VND"."""
    match = re.fullmatch(r"([0-9,]+(?:\.[0-9]+)?) (billion VND|million VND|VND)", text)
    assert match is not None, text
    scale = {"billion VND": 10**9, "million VND": 10**6, "VND": 1}[match.group(2)]
    amount = Decimal(match.group(1).replace(",", "")) * scale
    assert amount == amount.to_integral_value(), text
    return int(amount)


AMOUNTS = st.one_of(
    st.integers(min_value=1, max_value=MONEY_MAX),
    # Round-ish amounts, as officials log them: a few significant digits times a power of ten.
    st.builds(lambda digits, power: digits * 10**power, st.integers(1, 99_999), st.integers(0, 9)),
)


@given(AMOUNTS)
@example(1_234_500_000)
@example(12_345_670_000)
@example(1_000_000_001_000)
def test_every_printed_amount_reads_back_exactly(dong: int) -> None:
    """Prose never drops a non-zero digit: the bot's own amount parser reads the Vietnamese text back
    to the stored amount (the parser reads Vietnamese only); the English text is read separately."""
    vi = format_money_prose(dong, "vi")
    assert parse_money(vi) == dong, vi
    assert _read_english(format_money_prose(dong, "en")) == dong
    # At most three decimals, whatever the scale: "1,23456 tỷ" would be exact but unreadable.
    assert not re.search(r",[0-9]{4}", vi), vi


def test_dates_and_local_time() -> None:
    assert format_day(date(2021, 6, 15)) == "15/6/2021"
    assert format_day_long(date(2021, 6, 15)) == "ngày 15 tháng 6 năm 2021"
    assert format_day_long(date(2021, 6, 15), "en") == "15 June 2021"
    moment = datetime(2021, 6, 15, 1, 30, tzinfo=UTC)
    assert format_local_datetime(moment, ZoneInfo("Asia/Ho_Chi_Minh")) == "08:30 15/6/2021"
