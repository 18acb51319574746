"""Reporting periods: this month, this quarter, the first or last six months, the year, the ones
before them, and custom ranges (e.g. since the mid-term start date).

Reports in the field are periodic ("quý IV/2026", "6 tháng đầu năm 2026"), and every figure is
compared with the period before, so a period knows its previous one. A period also has a short
code ("m0", "q-1", "r20260101-20261123") that fits in Telegram callback data (64 bytes) and
survives a restart, because buttons stay in the chat long after the update that made them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from bot.domain.formatting import format_day
from bot.i18n import Translator

PeriodKind = Literal["month", "quarter", "half", "year", "range"]
ROMAN = ("I", "II", "III", "IV")
KIND_LETTER: dict[str, PeriodKind] = {"m": "month", "q": "quarter", "h": "half", "y": "year"}
_CODE = re.compile(r"^(?P<kind>[mqhyf])(?P<offset>0|-\d{1,3})$")
_RANGE = re.compile(r"^r(?P<start>\d{8})-(?P<end>\d{8})$")

YEARS = (2000, 2100)
"""The years a period's dates may fall in (and a button may carry: the callback codec reads the same bounds)."""


@dataclass(frozen=True)
class Period:
    """An inclusive date range with the kind of period it is (for its label and its predecessor)."""

    kind: PeriodKind
    start: date
    end: date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        """The period of the same kind just before (for a custom range: the same length just before)."""
        if self.kind == "month":
            return month_of(self.start - timedelta(days=1))
        if self.kind == "quarter":
            return quarter_of(self.start - timedelta(days=1))
        if self.kind == "half":
            return half_of(self.start - timedelta(days=1))
        if self.kind == "year":
            return year_of(self.start - timedelta(days=1))
        end = self.start - timedelta(days=1)
        return Period("range", end - timedelta(days=self.days - 1), end)

    @property
    def code(self) -> str:
        """Stable text for callback data; `period_from_code` reads it back (relative codes need today)."""
        return f"r{self.start:%Y%m%d}-{self.end:%Y%m%d}"

    def label(self, t: Translator) -> str:
        """"tháng 11/2026", "quý IV/2026", "6 tháng đầu năm 2026", "năm 2026", "từ 1/1/2026 đến 23/11/2026"."""
        if self.kind == "month":
            return t("month {month}/{year}").format(month=self.start.month, year=self.start.year)
        if self.kind == "quarter":
            return t("quarter {quarter}/{year}").format(quarter=ROMAN[(self.start.month - 1) // 3],
                                                         year=self.start.year)
        if self.kind == "half":
            text = t("first 6 months of {year}") if self.start.month == 1 else t("last 6 months of {year}")
            return text.format(year=self.start.year)
        if self.kind == "year":
            return t("year {year}").format(year=self.start.year)
        return t("from {start} to {end}").format(start=format_day(self.start, t.locale),
                                                 end=format_day(self.end, t.locale))

    def months(self) -> list[Period]:
        """The calendar months this period touches, each cut to the period (for trend charts)."""
        result: list[Period] = []
        cursor = self.start.replace(day=1)
        while cursor <= self.end:
            month = month_of(cursor)
            result.append(Period("month", max(month.start, self.start), min(month.end, self.end)))
            cursor = month.end + timedelta(days=1)
        return result


def _month_end(year: int, month: int) -> date:
    following = date(year + 1, 1, 1) if month == 12 else date(year, month + 1, 1)
    return following - timedelta(days=1)


def month_of(day: date) -> Period:
    return Period("month", day.replace(day=1), _month_end(day.year, day.month))


def quarter_of(day: date) -> Period:
    first = 3 * ((day.month - 1) // 3) + 1
    return Period("quarter", date(day.year, first, 1), _month_end(day.year, first + 2))


def half_of(day: date) -> Period:
    first = 1 if day.month <= 6 else 7
    return Period("half", date(day.year, first, 1), _month_end(day.year, first + 5))


def year_of(day: date) -> Period:
    return Period("year", date(day.year, 1, 1), date(day.year, 12, 31))


def custom(start: date, end: date) -> Period:
    """A custom range; the ends may be given in either order."""
    low, high = sorted((start, end))
    return Period("range", low, high)


_OF = {"month": month_of, "quarter": quarter_of, "half": half_of, "year": year_of}


def covering(start: date, end: date) -> Period:
    """The period with exactly these dates: a calendar month, quarter, half or year when the dates are one
    (so a reporting period 1/1–30/6 reads "6 tháng đầu năm" and is compared with the six months before),
    otherwise a custom range (compared with the same number of days just before)."""
    for kind in ("month", "quarter", "half", "year"):
        period = _OF[kind](start)
        if (period.start, period.end) == (start, end):
            return period
    return custom(start, end)


def relative(kind: PeriodKind, *, today: date, offset: int = 0) -> Period:
    """This month/quarter/half/year (`offset` 0) or one of the ones before it (-1, -2…)."""
    period = _OF[kind](today)
    for _ in range(-offset):
        period = period.previous()
    return period


def first_half(*, today: date, offset: int = 0) -> Period:
    """"6 tháng đầu năm" of this year (`offset` 0) or of an earlier year, whatever today's month."""
    return half_of(date(today.year + offset, 1, 1))


def period_from_code(code: str, *, today: date) -> Period | None:
    """Read a period back from callback data: "m0", "q-1", "h0", "f0" (first six months), "y-1" or
    "r20260101-20261123"."""
    match = _CODE.match(code)
    if match and match["kind"] == "f":
        return first_half(today=today, offset=int(match["offset"]))
    if match:
        return relative(KIND_LETTER[match["kind"]], today=today, offset=int(match["offset"]))
    match = _RANGE.match(code)
    if match:
        try:
            start = date(int(match["start"][:4]), int(match["start"][4:6]), int(match["start"][6:]))
            end = date(int(match["end"][:4]), int(match["end"][4:6]), int(match["end"][6:]))
        except ValueError:
            return None
        return custom(start, end)
    return None


# The choices offered as buttons: this and the previous month, quarter, six months and year.
STANDARD_CODES = ("m0", "m-1", "q0", "q-1", "f0", "y0", "y-1")
