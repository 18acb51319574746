"""Reporting periods: bounds, Vietnamese labels, the period before, and codes in callback data."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.periods.calendar import STANDARD_CODES, custom, period_from_code, relative
from bot.i18n import get_translator

TODAY = date(2026, 11, 23)
VI = get_translator("vi")


@pytest.mark.parametrize(("code", "start", "end", "label"), [
    ("m0", date(2026, 11, 1), date(2026, 11, 30), "tháng 11/2026"),
    ("m-1", date(2026, 10, 1), date(2026, 10, 31), "tháng 10/2026"),
    ("q0", date(2026, 10, 1), date(2026, 12, 31), "quý IV/2026"),
    ("q-1", date(2026, 7, 1), date(2026, 9, 30), "quý III/2026"),
    ("f0", date(2026, 1, 1), date(2026, 6, 30), "6 tháng đầu năm 2026"),
    ("h0", date(2026, 7, 1), date(2026, 12, 31), "6 tháng cuối năm 2026"),
    ("y0", date(2026, 1, 1), date(2026, 12, 31), "năm 2026"),
    ("y-1", date(2025, 1, 1), date(2025, 12, 31), "năm 2025"),
    ("r20260101-20261123", date(2026, 1, 1), date(2026, 11, 23), "từ 1/1/2026 đến 23/11/2026"),
])
def test_codes_bounds_and_labels(code: str, start: date, end: date, label: str) -> None:
    period = period_from_code(code, today=TODAY)
    assert period is not None
    assert (period.start, period.end) == (start, end)
    assert period.label(VI) == label


def test_previous_periods_cross_year_boundaries() -> None:
    january = relative("month", today=date(2026, 1, 15))
    assert january.previous().label(VI) == "tháng 12/2025"
    first_quarter = relative("quarter", today=date(2026, 2, 1))
    assert first_quarter.previous().label(VI) == "quý IV/2025"
    first_half = period_from_code("f0", today=TODAY)
    assert first_half is not None and first_half.previous().label(VI) == "6 tháng cuối năm 2025"
    leap = relative("month", today=date(2028, 3, 3)).previous()
    assert leap.end == date(2028, 2, 29)


def test_custom_range_previous_has_the_same_length_and_code_round_trips() -> None:
    period = custom(date(2026, 6, 30), date(2026, 1, 1))  # either order
    assert (period.start, period.end, period.days) == (date(2026, 1, 1), date(2026, 6, 30), 181)
    before = period.previous()
    assert before.end == date(2025, 12, 31) and before.days == 181
    assert period_from_code(period.code, today=TODAY) == period


def test_months_of_a_period_are_cut_to_it() -> None:
    period = custom(date(2026, 1, 15), date(2026, 3, 10))
    months = period.months()
    assert [(m.start, m.end) for m in months] == [(date(2026, 1, 15), date(2026, 1, 31)),
                                                  (date(2026, 2, 1), date(2026, 2, 28)),
                                                  (date(2026, 3, 1), date(2026, 3, 10))]


@pytest.mark.parametrize("bad", ["", "x0", "m1", "m-", "r20261301-20261231", "r2026-01", "q-9999"])
def test_bad_codes_are_refused(bad: str) -> None:
    assert period_from_code(bad, today=TODAY) is None


def test_every_standard_code_is_readable_and_english_labels() -> None:
    en = get_translator("en")
    for code in STANDARD_CODES:
        period = period_from_code(code, today=TODAY)
        assert period is not None and period.start <= period.end
    q4 = period_from_code("q0", today=TODAY)
    assert q4 is not None and q4.label(en) == "quarter IV/2026"
