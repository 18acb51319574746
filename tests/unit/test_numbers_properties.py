"""Property-based tests of the number and day parsers: any text either reads or raises NumberError (which
the handlers turn into a polite explanation), and what reads is sane: money is a positive whole number of
đồng, quantities are positive Decimals, counts positive integers, days real dates not in the future."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.parsing.numbers import NumberError, ascii_int, parse_count, parse_day, parse_money, parse_quantity
from bot.domain.parsing.quick_entry import parse_quick_entry

TODAY = date(2026, 11, 23)
CATALOGUE = load_catalogue_file()

# Number-like text as typed on a phone, with the odd characters people (or keyboards) slip in.
_DIGITS = st.sampled_from([*"0123456789", "²", "٣", "５", "½", "Ⅻ", "⁹", "𝟗"])
_SEPARATORS = st.sampled_from([".", ",", " ", "", "/", "-", "+", "e", "E", "_", "'", "\u00a0", "\u202f"])
_UNITS = st.sampled_from(["", "k", "tr", "triệu", "tỷ", "ty", "đ", "d", "vnd", "kg", "tấn", "hộ", "khẩu", "%",
                          "nghìn", "ngàn", "m", "tr5", "x", "∞", "NaN", "inf"])
NUMBERISH = st.builds(lambda parts, unit: "".join(parts) + unit,
                      st.lists(_DIGITS | _SEPARATORS, min_size=1, max_size=24), _UNITS)
ANY_TEXT = st.text(max_size=60)


def _reads_or_refuses(parse: object, text: str) -> object | None:
    try:
        return parse(text)  # type: ignore[operator]
    except NumberError:
        return None


@settings(max_examples=250)
@given(NUMBERISH | ANY_TEXT)
def test_money_is_a_positive_whole_number_or_refused(text: str) -> None:
    value = _reads_or_refuses(parse_money, text)
    assert value is None or (isinstance(value, int) and value > 0)


@settings(max_examples=250)
@given(NUMBERISH | ANY_TEXT)
def test_quantity_is_a_positive_decimal_or_refused(text: str) -> None:
    found = _reads_or_refuses(parse_quantity, text)
    if found is not None:
        amount, unit = found  # type: ignore[misc]
        assert isinstance(amount, Decimal) and amount.is_finite() and amount > 0
        assert unit is None or isinstance(unit, str)


@settings(max_examples=250)
@given(NUMBERISH | ANY_TEXT)
def test_count_is_a_positive_integer_or_refused(text: str) -> None:
    value = _reads_or_refuses(parse_count, text)
    assert value is None or (isinstance(value, int) and value > 0)


@settings(max_examples=250)
@given(NUMBERISH | ANY_TEXT | st.builds("{}/{}/{}".format, st.integers(-5, 40), st.integers(-5, 15),
                                        st.integers(-1, 10000)))
def test_day_is_a_real_date_not_after_today_or_refused(text: str) -> None:
    value = _reads_or_refuses(lambda t: parse_day(t, today=TODAY), text)
    assert value is None or (isinstance(value, date) and value <= TODAY)


@settings(max_examples=200)
@given(ANY_TEXT | st.builds(" ".join, st.lists(NUMBERISH | st.sampled_from(["gạo", "hộ", "sua nha", "vay von"]),
                                               max_size=6)))
def test_quick_entry_parser_never_raises(text: str) -> None:
    parsed = parse_quick_entry(text, CATALOGUE, today=TODAY)
    assert parsed is not None


@settings(max_examples=250)
@given(NUMBERISH | ANY_TEXT)
def test_ascii_int_reads_only_ascii_digits(text: str) -> None:
    value = ascii_int(text, low=1, high=99)
    if value is not None:
        assert text.strip().isascii() and 1 <= value <= 99 and str(value) == text.strip().lstrip("0")
