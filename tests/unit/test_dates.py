"""The one date grammar (bot/domain/parsing/dates.py) as a table, read the same way by every caller: the
quick entry line and the form's date step (`parse_day`), questions and the typed range
(`find_period`, `parse_range`), /period (`parse_dated`) and the digest schedule (`parse_weekly_time`)."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.parsing.dates import find_period, parse_dated, parse_day, parse_weekly_time
from bot.domain.parsing.errors import NumberError
from bot.domain.parsing.quick_entry import parse_quick_entry
from bot.domain.parsing.text import fold
from bot.domain.reports.digests import parse_schedule
from bot.domain.totals.questions import parse_question, parse_range

CATALOGUE = load_catalogue_file()
TODAY = date(2026, 11, 23)

DAYS: list[tuple[str, date]] = [
    ("hôm nay", TODAY), ("hom nay", TODAY), ("Hôm nay", TODAY), ("bữa nay", TODAY),
    ("hôm qua", TODAY - timedelta(days=1)), ("hom qua", TODAY - timedelta(days=1)),
    ("hôm kia", TODAY - timedelta(days=2)),
    ("5/11", date(2026, 11, 5)), ("05/11", date(2026, 11, 5)), ("5/11/2026", date(2026, 11, 5)),
    ("05/11/2026", date(2026, 11, 5)), ("05/11/26", date(2026, 11, 5)), ("5-11-2026", date(2026, 11, 5)),
    ("5.11.2026", date(2026, 11, 5)), ("ngày 5/11", date(2026, 11, 5)), ("20/12", date(2025, 12, 20)),
    ("15 tháng 6", date(2026, 6, 15)), ("15 thang 6 nam 2025", date(2025, 6, 15)),
    ("ngày 15 tháng 6 năm 2025", date(2025, 6, 15)), ("29/2/2024", date(2024, 2, 29)),
]
"""(as typed, the day it means on TODAY)."""
WORD_DAYS = {"hôm nay", "hom nay", "Hôm nay", "bữa nay", "hôm qua", "hom qua", "hôm kia"}


@pytest.mark.parametrize(("text", "day"), DAYS)
def test_a_day_reads_the_same_in_every_caller(text: str, day: date) -> None:
    assert parse_day(text, today=TODAY) == day, "the form's date step"
    assert parse_quick_entry(f"gạo 5 hộ {text}", CATALOGUE, today=TODAY).action_date == day, "quick entry"
    if text not in WORD_DAYS:
        assert parse_range(f"từ {text}", today=TODAY).start == day, "typed range"
        asked = parse_question(f"tổng gạo từ {text}", catalogue=CATALOGUE, units=[], today=TODAY)
        assert asked.period is not None and asked.period.start == day, "question"


@pytest.mark.parametrize(("text", "reason"), [
    ("31/2/2026", "not_a_date"), ("12/13", "not_a_date"), ("24/11/2026", "future"), ("1/1/1999", "not_a_date"),
    ("", "empty"), ("mai", "not_a_date"),
])
def test_days_that_cannot_be_used_say_why(text: str, reason: str) -> None:
    with pytest.raises(NumberError) as caught:
        parse_day(text, today=TODAY)
    assert caught.value.reason == reason


@pytest.mark.parametrize(("text", "day"), [
    ("1/7/2027", date(2027, 7, 1)), ("01.07.2027", date(2027, 7, 1)), ("1-7-2027", date(2027, 7, 1)),
    ("1 tháng 7 năm 2027", date(2027, 7, 1)), (" 30/9/2027 ", date(2027, 9, 30)),
    ("1/7/1999", date(1999, 7, 1)), ("1/7", None), ("31/2/2027", None), ("hôm nay", None), ("quý 3", None),
])
def test_period_dates_need_their_year_and_may_lie_ahead(text: str, day: date | None) -> None:
    assert parse_dated(text) == day


@pytest.mark.parametrize(("text", "kind", "start", "end"), [
    ("tháng 6", "month", date(2026, 6, 1), date(2026, 6, 30)),
    ("tháng 12", "month", date(2025, 12, 1), date(2025, 12, 31)),
    ("tháng 6/2025", "month", date(2025, 6, 1), date(2025, 6, 30)),
    ("quý 3", "quarter", date(2026, 7, 1), date(2026, 9, 30)),
    ("quý III/2025", "quarter", date(2025, 7, 1), date(2025, 9, 30)),
    ("quý iv", "quarter", date(2026, 10, 1), date(2026, 12, 31)),
    ("6 tháng đầu năm", "half", date(2026, 1, 1), date(2026, 6, 30)),
    ("nửa cuối năm 2025", "half", date(2025, 7, 1), date(2025, 12, 31)),
    ("năm 2025", "year", date(2025, 1, 1), date(2025, 12, 31)),
    ("tháng này", "month", date(2026, 11, 1), date(2026, 11, 30)),
    ("tháng trước", "month", date(2026, 10, 1), date(2026, 10, 31)),
    ("quý trước", "quarter", date(2026, 7, 1), date(2026, 9, 30)),
    ("năm ngoái", "year", date(2025, 1, 1), date(2025, 12, 31)),
    ("từ 1/7 đến nay", "range", date(2026, 7, 1), TODAY),
    ("từ 1/12/2025 đến 15/1", "range", date(2025, 12, 1), date(2026, 1, 15)),
])
def test_periods_read_the_same_in_questions_and_typed_ranges(text: str, kind: str, start: date, end: date) -> None:
    span, rest = find_period(fold(text), today=TODAY)
    assert span is not None and (span.kind, span.start, span.end) == (kind, start, end) and rest == ""
    asked = parse_question(f"tổng gạo {text}", catalogue=CATALOGUE, units=[], today=TODAY).period
    assert asked is not None and (asked.kind, asked.start, asked.end) == (kind, start, end)
    if end <= TODAY:
        typed = parse_range(text, today=TODAY)
        assert (typed.start, typed.end) == (start, end)


@pytest.mark.parametrize(("text", "expected"), [
    ("thứ 2 7:30", (1, time(7, 30))), ("t2 7h30", (1, time(7, 30))), ("chủ nhật 18:00", (7, time(18, 0))),
    ("CN 18h", (7, time(18, 0))), ("monday 07:30", (1, time(7, 30))), ("thứ sáu 16h", (5, time(16, 0))),
    ("thứ 2 25:00", None), ("7:30", None),
])
def test_weekly_times(text: str, expected: tuple[int, time] | None) -> None:
    assert parse_weekly_time(text) == expected
    assert parse_schedule(text) == expected, "digest schedule"


def _formats(day: date) -> list[str]:
    return [f"{day.day}/{day.month}/{day.year}", f"{day.day:02d}/{day.month:02d}/{day.year}",
            f"{day.day}.{day.month}.{day.year}", f"{day.day}-{day.month}-{day.year}",
            f"ngày {day.day} tháng {day.month} năm {day.year}", f"{day.day:02d}/{day.month:02d}/{day.year % 100:02d}"]


@settings(max_examples=150, deadline=None)
@given(st.dates(min_value=date(2000, 1, 1), max_value=TODAY))
def test_any_past_day_in_any_format_reads_back_everywhere(day: date) -> None:
    for text in _formats(day):
        assert parse_day(text, today=TODAY) == day, text
        assert parse_dated(text) == day, text
        assert parse_quick_entry(f"gạo 5 hộ {text}", CATALOGUE, today=TODAY).action_date == day, text
        if day.year > TODAY.year - 5:  # longer ranges are refused as typos ("too_long")
            assert parse_range(f"từ {text}", today=TODAY).start == day, text
