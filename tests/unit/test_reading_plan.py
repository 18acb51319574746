"""The totals' reading plan: which calendar months come from the monthly rollup and which edge days are
added or subtracted, so that every day of a range is counted exactly once (bot/domain/totals/aggregate.py)."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, timedelta

import pytest

from bot.domain.totals.aggregate import ReadingPlan, reading_plan

D = date


@pytest.mark.parametrize(("start", "end", "expected"), [
    # whole months only
    (D(2026, 1, 1), D(2026, 12, 31), ReadingPlan((D(2026, 1, 1), D(2027, 1, 1)), (), ())),
    # this year so far: November is 23 of 30 days, so its rollup minus 24…30 November (future, no records)
    (D(2026, 1, 1), D(2026, 11, 23),
     ReadingPlan((D(2026, 1, 1), D(2026, 12, 1)), (), ((D(2026, 11, 24), D(2026, 11, 30)),))),
    # almost whole edge months: the rollup minus one day at each end
    (D(2025, 1, 2), D(2025, 12, 30),
     ReadingPlan((D(2025, 1, 1), D(2026, 1, 1)),
                 (), ((D(2025, 1, 1), D(2025, 1, 1)), (D(2025, 12, 31), D(2025, 12, 31))))),
    # short edges: the records of those days on top of the whole months
    (D(2026, 1, 20), D(2026, 3, 10),
     ReadingPlan((D(2026, 2, 1), D(2026, 3, 1)),
                 ((D(2026, 1, 20), D(2026, 1, 31)), (D(2026, 3, 1), D(2026, 3, 10))), ())),
    # inside one month: more than half → the month minus the days outside, on both sides
    (D(2026, 2, 2), D(2026, 2, 27),
     ReadingPlan((D(2026, 2, 1), D(2026, 3, 1)),
                 (), ((D(2026, 2, 1), D(2026, 2, 1)), (D(2026, 2, 28), D(2026, 2, 28))))),
    # inside one month, half or less → the records (15 of 30 days is not more than half)
    (D(2026, 4, 1), D(2026, 4, 15), ReadingPlan(None, ((D(2026, 4, 1), D(2026, 4, 15)),), ())),
    (D(2026, 3, 31), D(2026, 3, 31), ReadingPlan(None, ((D(2026, 3, 31), D(2026, 3, 31)),), ())),
    # two partial months, one more than half covered, one not
    (D(2025, 12, 5), D(2026, 1, 10),
     ReadingPlan((D(2025, 12, 1), D(2026, 1, 1)),
                 ((D(2026, 1, 1), D(2026, 1, 10)),), ((D(2025, 12, 1), D(2025, 12, 4)),))),
])
def test_reading_plan(start: date, end: date, expected: ReadingPlan) -> None:
    assert reading_plan(start, end) == expected


def test_reading_plan_counts_every_day_of_the_range_once() -> None:
    """Months from the rollup + added days − subtracted days = exactly the days of the range, for many ranges."""
    rng = random.Random(7)
    for _ in range(2000):
        start = D(2024, 1, 1) + timedelta(days=rng.randrange(800))
        end = start + timedelta(days=rng.choice([0, 1, 14, 15, 16, 27, 28, 29, 30, 31, 45, 59, 60, 61, 364, 400]))
        plan = reading_plan(start, end)
        counted: dict[date, int] = defaultdict(int)
        if plan.months is not None:
            day = plan.months[0]
            while day < plan.months[1]:
                counted[day] += 1
                day += timedelta(days=1)
        for sign, ranges in ((1, plan.added), (-1, plan.subtracted)):
            for first, last in ranges:
                for offset in range((last - first).days + 1):
                    counted[first + timedelta(days=offset)] += sign
        expected = {start + timedelta(days=offset): 1 for offset in range((end - start).days + 1)}
        assert {day: n for day, n in counted.items() if n} == expected, (start, end)
        read_from_records = sum((last - first).days + 1 for first, last in (*plan.added, *plan.subtracted))
        assert read_from_records <= 2 * 16, (start, end)  # at most about half a month at each edge
