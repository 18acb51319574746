"""The one formatter for numbers, money, quantities and dates (Vietnamese style through Babel).

Vietnamese writes 1.100 and 197,9; prose says "197,9 triệu đồng" or "113 tỷ đồng" (always exact: see
`format_money_prose`); spreadsheets hold whole đồng as numbers. Babel knows the separators; the
"triệu/tỷ" scaling is the officials' own style.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.numbers import format_decimal

_BABEL_LOCALE = {"vi": "vi_VN", "en": "en_US"}


def _babel_locale(locale: str) -> str:
    return _BABEL_LOCALE.get(locale, "vi_VN")


@lru_cache(maxsize=4096)
def format_number(value: int | Decimal, locale: str = "vi", *, max_decimals: int = 3) -> str:
    """1100 -> "1.100" (vi) / "1,100" (en); decimals only when there are any.

    Remembered (the same figures come back on every card, total and digest line, and Babel takes about
    0.1 ms a number). Equal values give equal text (300 and 300.0 both print "300"), so the cache is exact."""
    pattern = "#,##0" + ("." + "#" * max_decimals if max_decimals else "")
    return format_decimal(value, format=pattern, locale=_babel_locale(locale))


def format_rate(value: Decimal, locale: str = "vi", *, decimals: int = 1) -> str:
    """A rate in % as reports write it: "19,1%" (one decimal, rounded half up; "19%" when whole), or
    "19,07%" with `decimals=2` when the figure was given that way. Never "-0%"."""
    rounded = value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    if rounded == 0:
        rounded = abs(rounded)
    return f"{format_number(rounded, locale, max_decimals=decimals)}%"


MONEY_SCALES = ((10**9, "tỷ đồng", "billion VND"), (10**6, "triệu đồng", "million VND"))
"""Prose scales, largest first. A scale is used only when the amount is a whole number of its
thousandths (at most 3 decimals), so the sentence shows every non-zero digit of the stored amount."""


def format_money_prose(dong: int, locale: str = "vi") -> str:
    """Amount as written in a report sentence, exact to the đồng: 197,9 triệu đồng; 23,348 tỷ đồng;
    1.234,5 triệu đồng (not "1,23 tỷ"); 1.500.001 đồng.

    Officials paste these sentences into signed reports, so prose never drops a non-zero digit: an
    amount is written in tỷ or triệu only when it is exact there with at most three decimals, and
    otherwise in the next smaller scale, down to plain đồng.
    """
    for size, vi_word, en_word in MONEY_SCALES:
        if abs(dong) >= size and dong % (size // 1000) == 0:
            scaled = Decimal(dong) / Decimal(size)
            word = vi_word if locale == "vi" else en_word
            return f"{format_number(scaled, locale, max_decimals=3)} {word}"
    return f"{format_number(dong, locale, max_decimals=0)} {'đồng' if locale == 'vi' else 'VND'}"


def format_day(day: date, locale: str = "vi") -> str:
    """15/6/2021 (vi) / 15 Jun 2021 (en): short, as people write on forms."""
    if locale == "vi":
        return f"{day.day}/{day.month}/{day.year}"
    return babel_format_date(day, format="d MMM y", locale=_babel_locale(locale))


def format_day_long(day: date, locale: str = "vi") -> str:
    """ngày 15 tháng 6 năm 2021 (vi) / 15 June 2021 (en): the administrative style."""
    if locale == "vi":
        return f"ngày {day.day} tháng {day.month} năm {day.year}"
    return babel_format_date(day, format="d MMMM y", locale=_babel_locale(locale))


def format_local_datetime(moment: datetime, tz: ZoneInfo, locale: str = "vi") -> str:
    """A stored UTC moment shown in local time: 08:30 15/6/2021."""
    local = moment.astimezone(tz)
    return f"{local:%H:%M} {format_day(local.date(), locale)}"
