"""Typed date ranges ("📅 Other dates" under /totals): the forms officials write, with or without
diacritics, the refusals with their reasons, the translated replies, and the same grammar in questions."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.parsing.numbers import NumberError, parse_day
from bot.domain.parsing.text import fold
from bot.domain.totals.questions import RangeError, find_period, parse_range, range_examples, range_problem
from bot.i18n import get_translator

TODAY = date(2026, 11, 23)
VI = get_translator("vi")
EN = get_translator("en")


@pytest.mark.parametrize(("text", "start", "end"), [
    ("01/07/2026 - 23/11/2026", date(2026, 7, 1), date(2026, 11, 23)),
    ("1/7/2026 đến 23/11/2026", date(2026, 7, 1), date(2026, 11, 23)),
    ("1/7/2026 den 23/11/2026", date(2026, 7, 1), date(2026, 11, 23)),
    ("1/7/2026 – 30/9/2026", date(2026, 7, 1), date(2026, 9, 30)),
    ("1/7/2026-30/9/2026", date(2026, 7, 1), date(2026, 9, 30)),
    ("1-7-2026 - 30-9-2026", date(2026, 7, 1), date(2026, 9, 30)),
    ("1.7.2026 tới 30.9.2026", date(2026, 7, 1), date(2026, 9, 30)),
    ("1/7/26 - 30/9/26", date(2026, 7, 1), date(2026, 9, 30)),
    ("từ 1/7/2026", date(2026, 7, 1), TODAY),
    ("Từ ngày 1/7/2026", date(2026, 7, 1), TODAY),
    ("kể từ 1/7/2026", date(2026, 7, 1), TODAY),
    ("1/7/2026", date(2026, 7, 1), TODAY),
    ("từ 01/07/2026 đến nay", date(2026, 7, 1), TODAY),
    ("TU 01/07/2026 DEN NAY.", date(2026, 7, 1), TODAY),
    ("từ 1/7/2026 đến hôm nay", date(2026, 7, 1), TODAY),
    ("từ ngày 1/7/2026 đến hết ngày 30/9/2026", date(2026, 7, 1), date(2026, 9, 30)),
    ("từ ngày 1 tháng 7 năm 2026 đến ngày 30 tháng 9 năm 2026", date(2026, 7, 1), date(2026, 9, 30)),
    ("1/7 - 23/11", date(2026, 7, 1), TODAY),
    ("1/7-23/11", date(2026, 7, 1), TODAY),
    ("từ 1/7 đến 30/9", date(2026, 7, 1), date(2026, 9, 30)),
    ("1/7 - 30/9/2026", date(2026, 7, 1), date(2026, 9, 30)),
    ("from 1/7/2026 to today", date(2026, 7, 1), TODAY),
    ("since 1/7/2026", date(2026, 7, 1), TODAY),
    ("23/11/2026 - 23/11/2026", TODAY, TODAY),
    ("1/1/2021 - 31/12/2025", date(2021, 1, 1), date(2025, 12, 31)),  # a whole programme: 5 years
])
def test_typed_ranges(text: str, start: date, end: date) -> None:
    period = parse_range(text, today=TODAY)
    assert (period.kind, period.start, period.end) == ("range", start, end)


def test_a_range_without_years_never_runs_backwards_across_new_year() -> None:
    january = date(2027, 1, 20)
    period = parse_range("1/12 - 15/1", today=january)
    assert (period.start, period.end) == (date(2026, 12, 1), date(2027, 1, 15))
    assert parse_range("từ 1/12", today=january).start == date(2026, 12, 1)


def test_the_previous_period_of_a_typed_range_has_the_same_length() -> None:
    period = parse_range("1/7/2026 - 23/11/2026", today=TODAY)
    before = period.previous()
    assert before.end == date(2026, 6, 30) and before.days == period.days == 146


@pytest.mark.parametrize(("text", "kind", "start", "end"), [
    ("quý 3/2025", "quarter", date(2025, 7, 1), date(2025, 9, 30)),
    ("quy III/2025", "quarter", date(2025, 7, 1), date(2025, 9, 30)),
    ("năm 2024", "year", date(2024, 1, 1), date(2024, 12, 31)),
    ("6 tháng đầu năm 2025", "half", date(2025, 1, 1), date(2025, 6, 30)),
])
def test_a_named_period_typed_instead_is_read_like_a_question(text: str, kind: str, start: date, end: date) -> None:
    period = parse_range(text, today=TODAY)
    assert (period.kind, period.start, period.end) == (kind, start, end)


@pytest.mark.parametrize(("text", "reason", "quoted"), [
    ("hello", "unreadable", "hello"),
    ("tổng gạo từ 1/7/2026", "unreadable", "tổng gạo từ 1/7/2026"),
    ("1/7/2026 đến", "unreadable", "1/7/2026 đến"),
    ("   ", "unreadable", ""),
    ("31/2/2026 - 1/3/2026", "not_a_date", "31/2/2026"),
    ("1/7/2026 - 1/13/2026", "not_a_date", "1/13/2026"),
    ("1/7/1999 - 1/8/1999", "not_a_date", "1/7/1999"),
    ("1/7/2026 - 24/11/2026", "future", "24/11/2026"),
    ("1/7 - 30/11", "future", "30/11"),
    ("từ 1/1/2027", "future", "1/1/2027"),
    ("năm 2027", "future", "năm 2027"),
    ("23/11/2026 - 1/7/2026", "end_before_start", "1/7/2026"),
    ("1/1/2021 - 1/1/2026", "too_long", "1/1/2021 - 1/1/2026"),
    ("từ 1/1/2000", "too_long", "từ 1/1/2000"),
])
def test_refused_ranges_say_why(text: str, reason: str, quoted: str) -> None:
    with pytest.raises(RangeError) as excinfo:
        parse_range(text, today=TODAY)
    assert (excinfo.value.reason, excinfo.value.text) == (reason, quoted)


@pytest.mark.parametrize("today", [TODAY, date(2027, 1, 1), date(2028, 2, 29), date(2026, 3, 31)])
def test_every_example_shown_is_a_valid_range_that_day(today: date) -> None:
    for translator in (VI, EN):
        lines = range_examples(translator, today=today).split("\n")
        assert len(lines) == 3
        for line in lines:
            period = parse_range(line.removeprefix("• "), today=today)
            assert period.end == today and period.start < today


def test_examples_are_in_the_users_language() -> None:
    assert "• từ 1/8/2026 đến nay" in range_examples(VI, today=TODAY).split("\n")
    assert "• from 1/8/2026 to today" in range_examples(EN, today=TODAY).split("\n")


def test_every_refusal_has_its_own_polite_sentence_in_both_languages() -> None:
    reasons = ("unreadable", "not_a_date", "future", "end_before_start", "too_long")
    for translator in (VI, EN):
        sentences = [range_problem(translator, RangeError(reason, "31/2/2026"), today=TODAY) for reason in reasons]
        assert len(set(sentences)) == len(reasons)
        assert all("{" not in sentence for sentence in sentences)
    assert range_problem(VI, RangeError("future", "24/11/2026"), today=TODAY) == \
        "“24/11/2026” là ngày chưa tới (hôm nay là 23/11/2026): khoảng ngày chỉ tính đến hết hôm nay."
    assert range_problem(EN, RangeError("too_long", "x"), today=TODAY) == \
        "The period is longer than 5 years; please choose a shorter one."
    assert range_problem(VI, RangeError("unreadable", "abc"), today=TODAY) == \
        "Xin lỗi, không đọc được “abc” thành khoảng ngày."


def test_questions_share_the_grammar_but_stay_lenient() -> None:
    """A question may name a running period or give its ends in either order, as before; and it now
    understands days without a year too."""
    period, rest = find_period(fold("tổng gạo từ 1/7 đến nay"), today=TODAY)
    assert period is not None and (period.start, period.end) == (date(2026, 7, 1), TODAY) and rest == "tong gao"
    period, _ = find_period(fold("tổng từ 1/1/2026 đến 31/12/2026"), today=TODAY)
    assert period is not None and period.end == date(2026, 12, 31)
    period, _ = find_period(fold("tu 30/6/2026 den 1/1/2026"), today=TODAY)
    assert period is not None and (period.start, period.end) == (date(2026, 1, 1), date(2026, 6, 30))
    assert find_period(fold("tổng từ 31/2/2026 đến 1/3/2026"), today=TODAY)[0] is None


def test_parse_day_reads_the_end_of_a_range_after_its_start() -> None:
    assert parse_day("15/1", today=date(2027, 1, 20), after=date(2026, 12, 1)) == date(2027, 1, 15)
    assert parse_day("30/9", today=TODAY, after=date(2026, 7, 1)) == date(2026, 9, 30)
    assert parse_day("bây giờ", today=TODAY) == TODAY
    with pytest.raises(NumberError) as excinfo:
        parse_day("30/11", today=TODAY, after=date(2026, 7, 1))
    assert excinfo.value.reason == "future"
    assert parse_day("31/12/2026", today=TODAY, allow_future=True) == date(2026, 12, 31)
