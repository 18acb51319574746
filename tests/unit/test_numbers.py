"""Amounts, quantities, counts and days as officers type them on a phone (DOMAIN.md number style)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from bot.domain.parsing.numbers import NumberError, parse_count, parse_day, parse_money, parse_quantity
from bot.domain.parsing.text import fold

TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Sửa  NHÀ", "sua nha"),
        ("sua nha", "sua nha"),
        ("Đoàn Thanh niên", "doan thanh nien"),
        ("gạo cứu đói", "gao cuu doi"),
        ("Gạo\u0323", "gao"),  # stray combining mark
        ("hoá", "hoa"),
        ("hóa", "hoa"),
        ("  nhà\tđại   đoàn kết ", "nha dai doan ket"),
        ("", ""),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


def test_fold_decomposed_equals_composed() -> None:
    import unicodedata

    assert fold(unicodedata.normalize("NFD", "Hội Chữ thập đỏ")) == fold("Hội Chữ thập đỏ") == "hoi chu thap do"


@pytest.mark.parametrize(
    ("text", "dong"),
    [
        ("500k", 500_000),
        ("500 k", 500_000),
        ("500K", 500_000),
        ("500 nghìn", 500_000),
        ("500 ngàn", 500_000),
        ("500 nghin", 500_000),
        ("1tr5", 1_500_000),
        ("1tr500", 1_500_000),
        ("1tr05", 1_050_000),
        ("1,5tr", 1_500_000),
        ("1.5tr", 1_500_000),
        ("2 triệu", 2_000_000),
        ("2 trieu", 2_000_000),
        ("2tr", 2_000_000),
        ("81,15tr", 81_150_000),
        ("192,75 triệu", 192_750_000),
        ("197,9 triệu đồng", 197_900_000),
        ("1.500.000", 1_500_000),
        ("1.500.000đ", 1_500_000),
        ("500,000 VND", 500_000),  # English grouping: a đồng has no decimals
        ("12,500 triệu", 12_500_000),  # decimal comma before a multiplier
        ("2.5m", 2_500_000),
        ("1,2bn", 1_200_000_000),
        ("2 tỷ 300 triệu", 2_300_000_000),
        ("1.500.000 đ", 1_500_000),
        ("1.500.000 đồng", 1_500_000),
        ("1.500.000 dong", 1_500_000),
        ("1500000", 1_500_000),
        ("1 500 000", 1_500_000),
        ("1,5 tỷ", 1_500_000_000),
        ("1,5 ty", 1_500_000_000),
        ("1,5 tỉ", 1_500_000_000),
        ("1ty2", 1_200_000_000),
        ("113 tỷ", 113_000_000_000),
        ("113 tỷ đồng", 113_000_000_000),
        ("945.650.000đ", 945_650_000),
        ("2 triệu 500", 2_500_000),
        ("2 triệu 500 đồng", 2_500_000),
        ("1 tỷ 200 triệu", 1_200_000_000),
        ("1tr500k", 1_500_000),
        ("50.000 VND", 50_000),
        ("50.000vnđ", 50_000),
        ("5trđ", 5_000_000),
        ("1tr5.", 1_500_000),
        ("+500k", 500_000),
        ("1.234,5678tr", 1_234_567_800),
        ("0,0000015tr", 2),  # rounded to whole đồng
        ("100.000 tỷ", 10**14),
        ("1,500,000", 1_500_000),
    ],
)
def test_parse_money(text: str, dong: int) -> None:
    assert parse_money(text) == dong
    assert isinstance(parse_money(text), int)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("-500k", "negative"),
        ("−2 triệu", "negative"),
        ("0", "zero"),
        ("0k", "zero"),
        ("0,4", "too_many_decimals"),
        ("0,0000001tr", "zero"),
        ("12a3", "not_a_number"),
        ("abc", "not_a_number"),
        ("đ", "not_a_number"),
        ("1.5.6", "not_a_number"),
        ("1.5000", "not_a_number"),
        ("12 3", "not_a_number"),
        ("1tr5tr", "not_a_number"),
        ("1k2tr", "not_a_number"),
        ("2tr5000", "not_a_number"),
        ("1,5tr5", "not_a_number"),
        ("5 đô", "not_a_number"),
        ("1,5", "too_many_decimals"),
        ("100.001 tỷ", "too_large"),
        ("1000000 tỷ", "too_large"),
        ("999999999999999", "too_large"),
    ],
)
def test_parse_money_refuses(text: str, reason: str) -> None:
    with pytest.raises(NumberError) as excinfo:
        parse_money(text)
    assert excinfo.value.reason == reason


def test_number_error_is_a_value_error_with_text() -> None:
    with pytest.raises(ValueError, match="negative"):
        parse_money("-5k")
    error = NumberError("too_long")
    assert error.reason == "too_long" and error.text == ""


@pytest.mark.parametrize(
    ("text", "amount", "unit"),
    [
        ("45.390 kg", Decimal(45390), "kg"),
        ("5410kg", Decimal(5410), "kg"),
        ("5410 KG", Decimal(5410), "kg"),
        ("2,5 kg", Decimal("2.5"), "kg"),
        ("2.5 kg", Decimal("2.5"), "kg"),
        ("12", Decimal(12), None),
        ("1,5 tấn", Decimal(1500), "kg"),
        ("1,5 tan", Decimal(1500), "kg"),
        ("3 tạ", Decimal(300), "kg"),
        ("2 yến", Decimal(20), "kg"),
        ("5 ký", Decimal(5), "kg"),
        ("3 con", Decimal(3), "con"),
        ("910 bó", Decimal(910), "bo"),
        ("567 ngày công", Decimal(567), "ngay cong"),
        ("2,125 kg", Decimal("2.125"), "kg"),
        ("1.000.000.000", Decimal(10**9), None),
    ],
)
def test_parse_quantity(text: str, amount: Decimal, unit: str | None) -> None:
    parsed_amount, parsed_unit = parse_quantity(text)
    assert parsed_amount == amount and isinstance(parsed_amount, Decimal)
    assert parsed_unit == unit
    assert "E" not in str(parsed_amount), "no exponent notation in what the card shows"


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("kg", "not_a_number"),
        ("-2 kg", "negative"),
        ("0 kg", "zero"),
        ("12a3", "not_a_number"),
        ("12 kg 3", "not_a_number"),
        ("2,5555 kg", "too_many_decimals"),
        ("1.000.000.001", "too_large"),
        ("1.000.001 tấn", "too_large"),
    ],
)
def test_parse_quantity_refuses(text: str, reason: str) -> None:
    with pytest.raises(NumberError) as excinfo:
        parse_quantity(text)
    assert excinfo.value.reason == reason


@pytest.mark.parametrize(
    ("text", "count"),
    [("45", 45), ("1.100", 1100), ("3.026", 3026), ("3026", 3026), (" 12 ", 12), ("10.000.000", 10**7)],
)
def test_parse_count(text: str, count: int) -> None:
    assert parse_count(text) == count


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("abc", "not_a_number"),
        ("1,5", "not_a_number"),
        ("1.5", "not_a_number"),
        ("12a", "not_a_number"),
        ("-5", "negative"),
        ("0", "zero"),
        ("10.000.001", "too_large"),
    ],
)
def test_parse_count_refuses(text: str, reason: str) -> None:
    with pytest.raises(NumberError) as excinfo:
        parse_count(text)
    assert excinfo.value.reason == reason


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("hôm nay", date(2026, 11, 23)),
        ("hom nay", date(2026, 11, 23)),
        ("Today", date(2026, 11, 23)),
        ("hôm qua", date(2026, 11, 22)),
        ("hom qua", date(2026, 11, 22)),
        ("yesterday", date(2026, 11, 22)),
        ("hôm kia", date(2026, 11, 21)),
        ("15/6", date(2026, 6, 15)),
        ("23/11", date(2026, 11, 23)),
        ("24/11", date(2025, 11, 24)),  # later this year → last year
        ("31/12", date(2025, 12, 31)),
        ("15/6/2025", date(2025, 6, 15)),
        ("15-6-2025", date(2025, 6, 15)),
        ("15.6.2025", date(2025, 6, 15)),
        ("15/06/25", date(2025, 6, 15)),
        ("ngày 15/6", date(2026, 6, 15)),
        ("Ngày 15/6/2025", date(2025, 6, 15)),
        ("15 tháng 6 năm 2025", date(2025, 6, 15)),
        ("ngày 15 tháng 6", date(2026, 6, 15)),
        ("29/2/2024", date(2024, 2, 29)),
    ],
)
def test_parse_day(text: str, day: date) -> None:
    assert parse_day(text, today=TODAY) == day


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty"),
        ("abc", "not_a_date"),
        ("mai", "not_a_date"),
        ("31/2", "not_a_date"),
        ("15/13/2025", "not_a_date"),
        ("32/1", "not_a_date"),
        ("15/6/1999", "not_a_date"),
        ("15/6 2025", "not_a_date"),
        ("24/11/2026", "future"),
        ("1/1/2027", "future"),
    ],
)
def test_parse_day_refuses(text: str, reason: str) -> None:
    with pytest.raises(NumberError) as excinfo:
        parse_day(text, today=TODAY)
    assert excinfo.value.reason == reason


def test_no_year_and_29_february_of_a_non_leap_year() -> None:
    with pytest.raises(NumberError) as excinfo:
        parse_day("29/2", today=TODAY)
    assert excinfo.value.reason == "not_a_date"
    assert parse_day("29/2", today=date(2028, 3, 1)) == date(2028, 2, 29)
