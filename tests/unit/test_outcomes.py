"""The review's rules on plain values: the line grammar, the checks, the rate formatter, the targets'
words, and sums over units (never averages)."""

from __future__ import annotations

from decimal import Decimal

from bot.domain.formatting import format_rate
from bot.domain.outcomes.figures import check, programme_start, rate, start_of
from bot.domain.outcomes.totals import Fall
from bot.domain.parsing.review_line import asked_year, looks_like_outcome_question, parse_review_line, parse_target


def test_a_review_line_in_any_order_with_or_without_diacritics() -> None:
    line = parse_review_line("ra soat GL-KP-IARSAI nam 2025: tong 1240 ho; ngheo dau nam 115; ngheo 96; "
                             "23 ho thoat ngheo; tai ngheo 0; phat sinh 4; 310 khẩu nghèo; thoát cận nghèo 12")
    assert (line.year, line.stage, line.unit_code) == (2025, "year", "GL-KP-IARSAI")
    assert line.figures == {"total_households": 1240, "poor_start": 115, "poor": 96, "escaped": 23, "fell_back": 0,
                            "new_poor": 4, "poor_persons": 310, "escaped_near": 12}
    assert not line.problems


def test_a_review_line_reports_what_it_cannot_read() -> None:
    assert parse_review_line("rà soát quý 1 2026: 1.240 hộ").stage == "q1"
    assert parse_review_line("rà soát 6 tháng 2026: 1.240 hộ").stage == "h1"
    assert parse_review_line("rà soát 2026: 1.240 hộ, bò 3").problems == [("unknown", "bò 3")]
    assert parse_review_line("rà soát 2026: nghèo 1,5").problems == [("number", "1,5")]
    assert parse_review_line("rà soát 2026: nghèo 9, nghèo 10").problems == [("twice", "nghèo 10")]
    assert looks_like_outcome_question("Tỷ lệ hộ nghèo?") and looks_like_outcome_question("bao nhiêu hộ thoát nghèo")
    assert not looks_like_outcome_question("gạo 10 hộ nghèo 300kg")
    assert not looks_like_outcome_question("rà soát 2026: thoát nghèo 3?")
    assert asked_year("tỷ lệ hộ nghèo năm ngoái", this_year=2026) == 2025
    assert asked_year("tỷ lệ hộ nghèo 2024?", this_year=2026) == 2024


def test_targets_in_the_reports_terms() -> None:
    rate_target = parse_target("GL-KP năm 2026 giảm tỷ lệ hộ nghèo 3,68%")
    assert rate_target is not None and (rate_target.kind, rate_target.value, rate_target.year, rate_target.before) == (
        "rate", "3,68", 2026, "GL-KP")
    households = parse_target("Krông Pa giảm 564 hộ")
    assert households is not None and (households.kind, households.value, households.before) == (
        "households", "564", "Krông Pa")
    assert parse_target("GL-KP-IARSAI nhà ở 10") is None


def test_the_balance_is_checked_against_last_years_review_or_the_given_start() -> None:
    figures: dict[str, int | None] = {"total_households": 1240, "poor": 100, "near_poor": 131, "poor_start": 115,
                                      "escaped": 23, "new_poor": 4}
    [(code, values)] = check(figures, None)
    assert code == "balance" and values["expected"] == 96 and values["source"] == "given"
    assert check({**figures, "poor": 96}, None) == []
    assert [c for c, _ in check({**figures, "escaped": 200}, None)] == ["escaped_over_start"]
    assert [c for c, _ in check({"total_households": 10, "poor": 9, "near_poor": 2}, None)] == ["over_total"]
    assert [c for c, _ in check({"total_households": 10, "poor": 9}, None)] == ["missing"]
    assert [c for c, _ in check({"total_households": 10, "poor": 2, "near_poor": 1, "poor_persons": 1}, None)] == [
        "persons"]
    inferred = start_of({"total_households": 1240, "poor": 96, "escaped": 23, "new_poor": 4}, None)
    assert inferred is not None and (inferred.poor, inferred.source) == (115, "flows")


def test_rates_are_exact_and_summed_then_divided() -> None:
    assert rate(96, 1240) == Decimal("7.74") and rate(1, 0) is None
    fall = Fall(units=2, total_before=1100, poor_before=175, total_after=1100, poor_after=150)
    assert (fall.rate_before, fall.rate_after, fall.points, fall.households) == (
        Decimal("15.91"), Decimal("13.64"), Decimal("2.27"), 25)
    assert format_rate(Decimal("19.07"), "vi") == "19,1%"
    assert format_rate(Decimal("19.07"), "vi", decimals=2) == "19,07%"
    assert format_rate(Decimal("19.07"), "en") == "19.1%"
    assert format_rate(Decimal("20.00"), "vi") == "20%"
    assert format_rate(Decimal("-0.01"), "vi") == "0%"
    assert programme_start(2026) == 2026 and programme_start(2030) == 2026 and programme_start(2025) == 2021
