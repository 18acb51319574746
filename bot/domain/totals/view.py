"""The totals view a user is looking at (unit, period, organisation, kind, breakdown), typed.

It is kept per user between updates (PTB's user_data, stored by bot/persistence.py as JSON), so the
inline buttons carry only the one thing they change and stay under Telegram's 64 bytes. This is the
one place that writes and reads that JSON: `to_data` / `from_data`. `from_data` is forgiving, because
what it reads may have been written by an older version of the bot (then the defaults apply).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

BREAKDOWNS = ("org", "unit")
METRICS = ("households", "persons")
QUESTIONS = ("cat", "unit", "period")


@dataclass
class TotalsView:
    period: str = "m0"  # a period code (bot/domain/periods/calendar.py), e.g. "m0", "q-1", "r20260101-20260315"
    unit: int | None = None  # None: the user's own unit
    org: str | None = None  # an organisation code; None: all
    cat: str | None = None  # a category code; None: all kinds
    by: str | None = None  # a breakdown: "org", "unit" or None
    metric: str | None = None  # "households" / "persons" when a question asked "how many households"
    ask: list[str] = field(default_factory=list)  # what an ambiguous question still has to ask, in order
    choices_cat: list[str] = field(default_factory=list)  # the kinds a question could mean
    choices_unit: list[int] = field(default_factory=list)  # the units a question could mean

    def to_data(self) -> dict[str, Any]:
        return {item.name: getattr(self, item.name) for item in fields(self)}

    @classmethod
    def from_data(cls, data: object) -> TotalsView:
        if not isinstance(data, dict):
            return cls()
        return cls(period=_text(data.get("period")) or "m0", unit=_int(data.get("unit")),
                   org=_text(data.get("org")), cat=_text(data.get("cat")),
                   by=_one_of(data.get("by"), BREAKDOWNS), metric=_one_of(data.get("metric"), METRICS),
                   ask=[a for a in _list(data.get("ask")) if a in QUESTIONS],
                   choices_cat=[c for c in _list(data.get("choices_cat")) if isinstance(c, str)],
                   choices_unit=[u for u in _list(data.get("choices_unit")) if _int(u) is not None])


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _one_of(value: object, allowed: tuple[str, ...]) -> str | None:
    return value if isinstance(value, str) and value in allowed else None


def _list(value: object) -> list[Any]:
    return list(value) if isinstance(value, list) else []
