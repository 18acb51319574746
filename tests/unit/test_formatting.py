"""The one formatter: Vietnamese number style (1.100; 197,9) and money in prose and tables."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from bot.formatting import (
    format_day,
    format_day_long,
    format_local_datetime,
    format_money_prose,
    format_money_table,
    format_number,
)


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


@pytest.mark.parametrize(("dong", "prose"), [
    (197_900_000, "197,9 triệu đồng"),
    (192_750_000, "192,75 triệu đồng"),
    (113_000_000_000, "113 tỷ đồng"),
    (1_500_000_000, "1,5 tỷ đồng"),
    (500_000, "500.000 đồng"),
])
def test_money_in_prose(dong: int, prose: str) -> None:
    assert format_money_prose(dong, "vi") == prose


def test_money_in_tables_and_english() -> None:
    assert format_money_table(945_650_000, "vi") == "945.650.000đ"
    assert format_money_table(945_650_000, "en") == "945,650,000 VND"
    assert format_money_prose(197_900_000, "en") == "197.9 million VND"


def test_dates_and_local_time() -> None:
    assert format_day(date(2021, 6, 15)) == "15/6/2021"
    assert format_day_long(date(2021, 6, 15)) == "ngày 15 tháng 6 năm 2021"
    assert format_day_long(date(2021, 6, 15), "en") == "15 June 2021"
    moment = datetime(2021, 6, 15, 1, 30, tzinfo=UTC)
    assert format_local_datetime(moment, ZoneInfo("Asia/Ho_Chi_Minh")) == "08:30 15/6/2021"
