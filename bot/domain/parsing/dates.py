"""The one date grammar: days, periods and weekly times as officials type them.

Every place that reads a date goes through here - quick entry and the form's date step
(`parse_day`), questions about totals and the "📅 Other dates" reply (`find_period`,
`RANGE_REPLY`, `range_between`), /period's start, end and due dates (`parse_dated`) and the digest
schedule (`parse_weekly_time`) - so "5/11", "05/11/2026", "hôm nay", "hôm qua", "quý III/2026" or
"6 tháng đầu năm" mean the same thing everywhere.

Days: "hôm nay", "hôm qua", "hôm kia", "15/6", "15/6/2025", "15-6-25", "15.6.2025", "ngày 15/6",
"15 tháng 6 năm 2025". Periods (on folded text): "tháng 6", "tháng 6/2026", "quý 3", "quý III/2026",
"6 tháng đầu năm", "nửa cuối năm 2025", "năm 2025", "tháng này", "quý trước", "năm ngoái", "từ 1/7
đến nay", "1/7/2026 - 23/11/2026". Pure functions of the text and `today`, which the caller takes
from the bot's clock (Asia/Ho_Chi_Minh), never from the machine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Literal

from bot.domain.parsing.errors import NumberError
from bot.domain.parsing.text import fold, trimmed_fold

RELATIVE_DAYS: dict[str, int] = {
    "hom nay": 0, "bua nay": 0, "nay": 0, "today": 0, "hien nay": 0, "hien tai": 0, "bay gio": 0, "now": 0,
    "hom qua": 1, "bua qua": 1, "yesterday": 1,
    "hom kia": 2, "bua kia": 2,
}  # fmt: skip
"""Folded words for a day counted back from today."""
QUARTER_WORDS = {"quý", "quy", "q"}
MONTH_WORDS = {"tháng", "thang"}
ROMAN_QUARTERS = {"i": 1, "ii": 2, "iii": 3, "iv": 4}
WEEKDAY_WORDS = {
    1: ("thu 2", "thu hai", "t2", "mon", "monday"), 2: ("thu 3", "thu ba", "t3", "tue", "tuesday"),
    3: ("thu 4", "thu tu", "t4", "wed", "wednesday"), 4: ("thu 5", "thu nam", "t5", "thu", "thursday"),
    5: ("thu 6", "thu sau", "t6", "fri", "friday"), 6: ("thu 7", "thu bay", "t7", "sat", "saturday"),
    7: ("chu nhat", "cn", "sun", "sunday"),
}
"""Folded weekday words (ISO numbering: Monday is 1), as people write them: "thứ 2", "t2", "CN"."""

_NUMERIC_DAY = re.compile(r"([0-9]{1,2})\s*([/.-])\s*([0-9]{1,2})(?:\s*\2\s*([0-9]{4}|[0-9]{2}))?")
_WORDED_DAY = re.compile(r"([0-9]{1,2})\s+(thang)\s+([0-9]{1,2})(?:\s*(?:nam|/|,)?\s*([0-9]{4}))?")


def _on_or_after(start: date, month: int, day: int) -> date:
    """The first `day`/`month` on or after `start`: this year's or next year's (29/2 may skip a year
    that has none). ValueError when neither exists, as for 31/2."""
    for year in (start.year, start.year + 1):
        try:
            candidate = date(year, month, day)
        except ValueError:
            continue
        if candidate >= start:
            return candidate
    raise ValueError(f"no {day}/{month} within a year of {start}")


def _day_parts(text: str, *, any_year: bool = False) -> tuple[str, int, int, int | None]:
    """(folded text, day, month, year or None) of a day written with numbers; NumberError otherwise.
    A year before 2000 is refused unless `any_year` (then the caller judges it and says why)."""
    s = trimmed_fold(text)
    if not s:
        raise NumberError("empty", text)
    s = re.sub(r"^(?:vao )?ngay\s+", "", s)
    match = _NUMERIC_DAY.fullmatch(s) or _WORDED_DAY.fullmatch(s)
    if match is None:
        raise NumberError("not_a_date", text)
    year_text = match.group(4)
    year: int | None = None
    if year_text is not None:
        year = int(year_text) + (2000 if len(year_text) == 2 else 0)
        if year < 2000 and not any_year:
            raise NumberError("not_a_date", text)
    return s, int(match.group(1)), int(match.group(3)), year


def parse_day(text: str, *, today: date, after: date | None = None, allow_future: bool = False) -> date:
    """The day a support action happened: "hôm nay", "hôm qua", "hôm kia", "15/6", "15/6/2025",
    "15-6-2025", "15.6.2025", "ngày 15/6", "15 tháng 6 năm 2025".

    Without a year the date is this year, or last year if that would be after `today` (in January
    "20/12" means last December). Raises NumberError "not_a_date", or "future" for a later day:
    support that has not happened yet cannot be logged.

    The end of a date range ("1/12 - 15/1") is read with `after`, the range's start: a date without
    a year is then the first such day on or after it, so a range typed without years never runs
    backwards across New Year. `allow_future` lets a question name a period that is still running
    ("từ 1/1/2026 đến 31/12/2026"); only then may the day be after `today`.
    """
    s = re.sub(r"^(?:vao )?ngay\s+", "", trimmed_fold(text))
    if s in RELATIVE_DAYS:
        return today - timedelta(days=RELATIVE_DAYS[s])
    _, day, month, year = _day_parts(text)
    try:
        if year is None and after is not None:
            result = _on_or_after(after, month, day)
        elif year is None:
            result = date(today.year, month, day)
            return result if result <= today else date(today.year - 1, month, day)
        else:
            result = date(year, month, day)
    except ValueError as error:  # 31/2, month 13
        raise NumberError("not_a_date", text) from error
    if result > today and not allow_future:
        raise NumberError("future", text)
    return result


def parse_dated(text: str) -> date | None:
    """A day with its year, past or future ("1/7/2027", "01.07.2027", "1 tháng 7 năm 2027"): the
    start, end and due date of a reporting period, where a year left out would be a guess. Any year
    is read: /period refuses one outside its window with a sentence of its own."""
    try:
        _, day, month, year = _day_parts(text, any_year=True)
        return date(year, month, day) if year is not None else None
    except (NumberError, ValueError):
        return None


# ─────────────────────────────────────────────────────────────────────────── periods

SpanKind = Literal["month", "quarter", "half", "year", "range"]


@dataclass(frozen=True)
class DateSpan:
    """An inclusive range of days and the kind of period it is (`bot.domain.periods.calendar.Period` has the
    same three fields and adds labels and arithmetic)."""

    kind: SpanKind
    start: date
    end: date


def _month_end(year: int, month: int) -> date:
    return (date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)) - timedelta(days=1)


def span_of(kind: SpanKind, day: date) -> DateSpan:
    """The calendar month, quarter, half-year or year around `day`."""
    months = {"month": 1, "quarter": 3, "half": 6, "year": 12}[kind]
    first = months * ((day.month - 1) // months) + 1
    return DateSpan(kind, date(day.year, first, 1), _month_end(day.year, first + months - 1))


DAY = r"(?:ngay )?(?:\d{1,2}[/.-]\d{1,2}(?:[/.-](?:\d{4}|\d{2}))?|\d{1,2} thang \d{1,2}(?: (?:nam )?\d{4})?)(?!\d)"
"""One day as typed (folded), read by `parse_day`: "1/7/2026", "01.07.26", "1-7", "ngay 1 thang 7 nam 2026"."""
NOW = r"(?:hom nay|bua nay|hien nay|hien tai|bay gio|nay|today|now)\b"
FROM = r"(?:ke tu|bat dau tu|tu|since|from)"
UNTIL = r"\s*(?:-|~|(?:cho )?(?:den|toi)(?: het)?|to|until|till)\s*"
RANGE_REPLY = re.compile(rf"(?:{FROM} )?(?P<start>{DAY})(?:{UNTIL}(?P<end>{DAY}|{NOW}))?")
"""A typed reply that is a range and nothing else: "01/07/2026 - 23/11/2026", "tu 1/7/2026 den nay"."""

_PERIODS: list[tuple[re.Pattern[str], str]] = [(re.compile(p), kind) for p, kind in [
    (rf"\b{FROM} (?P<start>{DAY}){UNTIL}(?P<end>{DAY}|{NOW})", "range"),
    (rf"\b{FROM} (?P<start>{DAY})", "since"),
    (r"\b6 thang dau nam(?: (\d{4}))?|\bnua dau nam(?: (\d{4}))?|\bfirst (?:half|6 months)(?: of (\d{4}))?",
     "first_half"),
    (r"\b6 thang cuoi nam(?: (\d{4}))?|\bnua cuoi nam(?: (\d{4}))?", "second_half"),
    (r"\bthang (\d{1,2})(?:/(\d{4}))?\b", "month_n"),
    (r"\bquy (iv|iii|ii|i|[1-4])(?:/(\d{4}))?\b", "quarter_n"),
    (r"\bnam (\d{4})\b|\bin (\d{4})\b", "year_n"),
    (r"\bthang nay\b|\bthis month\b", "month:0"),
    (r"\bthang truoc\b|\bthang roi\b|\bthang qua\b|\blast month\b", "month:-1"),
    (r"\bquy nay\b|\bthis quarter\b", "quarter:0"),
    (r"\bquy truoc\b|\bquy roi\b|\blast quarter\b", "quarter:-1"),
    (r"\bnam nay\b|\bthis year\b", "year:0"),
    (r"\bnam truoc\b|\bnam ngoai\b|\bnam roi\b|\blast year\b", "year:-1"),
]]  # fmt: skip
"""(pattern on folded text, what it names); the first that matches wins."""


def range_between(start: str, end: str | None, *, today: date, strict: bool) -> DateSpan:
    """The range from `start` to `end` (a day, or "nay"; None: up to today), each read by `parse_day`.

    A day without a year is this year's (last year's if that is still to come), and an end without a
    year is the first such day on or after the start. `strict` (a typed reply) refuses a day after
    today ("future") and an end before the start ("end_before_start"); a question (not strict) may
    name a running period, and its two ends may come in either order. NumberError otherwise
    ("not_a_date"), whose `text` is the offending day as typed.
    """
    first = _range_day(start, today=today, after=None, strict=strict)
    last = today if end is None else _range_day(end, today=today, after=first, strict=strict)
    if last < first and strict:
        raise NumberError("end_before_start", (end or "").strip())
    low, high = sorted((first, last))
    return DateSpan("range", low, high)


def _range_day(text: str, *, today: date, after: date | None, strict: bool) -> date:
    try:
        return parse_day(text, today=today, after=after, allow_future=not strict)
    except NumberError as error:
        raise NumberError("future" if error.reason == "future" else "not_a_date", text.strip()) from error


def find_period(folded: str, *, today: date) -> tuple[DateSpan | None, str]:
    """The period a folded text names (the first pattern that matches) and the text without it."""
    for pattern, kind in _PERIODS:
        match = pattern.search(folded)
        if match is None:
            continue
        span = _build(kind, [g for g in match.groups() if g is not None], today=today)
        if span is not None:
            return span, " ".join((folded[:match.start()] + " " + folded[match.end():]).split())
    return None, folded


def _build(kind: str, numbers: list[str], *, today: date) -> DateSpan | None:
    try:
        if kind in ("range", "since"):
            return range_between(numbers[0], numbers[1] if kind == "range" else None, today=today, strict=False)
        if kind in ("first_half", "second_half"):
            year = int(numbers[0]) if numbers else today.year
            return span_of("half", date(year, 1 if kind == "first_half" else 7, 1))
        if kind == "month_n":
            month = int(numbers[0])
            year = int(numbers[1]) if len(numbers) > 1 else (today.year if month <= today.month else today.year - 1)
            return span_of("month", date(year, month, 1))
        if kind == "quarter_n":
            quarter = ROMAN_QUARTERS.get(numbers[0]) or int(numbers[0])
            year = int(numbers[1]) if len(numbers) > 1 else today.year
            return span_of("quarter", date(year, 3 * quarter - 2, 1))
        if kind == "year_n":
            return span_of("year", date(int(numbers[0]), 1, 1))
    except (ValueError, IndexError, KeyError):
        return None
    unit, offset = kind.split(":")
    span = span_of(unit, today)  # type: ignore[arg-type]
    for _ in range(-int(offset)):
        span = span_of(span.kind, span.start - timedelta(days=1))
    return span


def parse_weekly_time(text: str) -> tuple[int, time] | None:
    """"thứ 2 7:30", "t2 7h30", "chủ nhật 18:00", "monday 07:30" → (ISO weekday, local time)."""
    folded = fold(text)
    match = re.search(r"\b(\d{1,2})\s*(?:[:h]\s*(\d{2})?)\s*$|\b(\d{1,2}):(\d{2})\b", folded)
    if match is None:
        return None
    hour = int(match.group(1) or match.group(3))
    minute = int(match.group(2) or match.group(4) or 0)
    if hour > 23 or minute > 59:
        return None
    rest = f" {folded[:match.start()].strip()} "
    longest_first = sorted(((w, d) for d, words in WEEKDAY_WORDS.items() for w in words), key=lambda p: -len(p[0]))
    for word, weekday in longest_first:  # "thứ sáu" is Friday, though "thu" alone is Thursday
        if f" {word} " in rest:
            return weekday, time(hour, minute)
    return None
