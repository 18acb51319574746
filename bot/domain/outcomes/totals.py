"""The review's figures summed up the unit tree for one year: rates, their fall over the year and since
the programme period's start, completeness, and progress against the unit's targets.

Sums only: a district's rate is its communes' poor households ÷ their total households, never the
average of their rates. A fall is computed over the units whose start is known (the count says how
many), so a commune without last year's figures neither inflates nor hides the fall.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.domain.outcomes.figures import (
    STAGES,
    ReviewRow,
    current_reviews,
    programme_start,
    rate,
    reporting_unit_ids,
    reporting_units,
    start_of,
    targets_of,
)
from db.models import Unit
from db.models_outcomes import PovertyReview

SUMMED = ("total_households", "poor", "near_poor", "poor_persons", "near_poor_persons", "escaped", "fell_back",
          "new_poor", "escaped_near")


@dataclass
class Fall:
    """From a start to now over `units` units: households before and after, the rates and the fall."""

    units: int = 0
    total_before: int = 0
    poor_before: int = 0
    total_after: int = 0
    poor_after: int = 0

    @property
    def rate_before(self) -> Decimal | None:
        return rate(self.poor_before, self.total_before)

    @property
    def rate_after(self) -> Decimal | None:
        return rate(self.poor_after, self.total_after)

    @property
    def households(self) -> int:
        """Poor households fewer than at the start (negative when there are more)."""
        return self.poor_before - self.poor_after

    @property
    def points(self) -> Decimal | None:
        """The rate's fall in percentage points (negative when it rose)."""
        before, after = self.rate_before, self.rate_after
        return None if before is None or after is None else before - after


@dataclass
class Outcome:
    """One unit's outcome for a year (its own figures, or the sums of the reporting units under it)."""

    unit: Unit
    year: int
    expected: int
    reported: int
    sums: dict[str, int] = field(default_factory=dict)
    given: dict[str, int] = field(default_factory=dict)  # how many units gave each optional figure
    near_fall: Fall = field(default_factory=Fall)  # the same for near-poor households (poor_* fields)
    year_fall: Fall = field(default_factory=Fall)
    period_fall: Fall = field(default_factory=Fall)
    period_start: int = 0
    targets: dict[str, Decimal] = field(default_factory=dict)
    stages: set[str] = field(default_factory=set)

    @property
    def poverty_rate(self) -> Decimal | None:
        return rate(self.sums.get("poor", 0), self.sums.get("total_households", 0))

    @property
    def near_poverty_rate(self) -> Decimal | None:
        return rate(self.sums.get("near_poor", 0), self.sums.get("total_households", 0))

    def figure(self, name: str) -> int | None:
        """A summed optional figure, or None when no unit gave it."""
        return self.sums.get(name) if self.given.get(name) else None

    def progress(self, kind: str) -> Decimal | None:
        """Achieved ÷ target in % (one decimal) for a "rate" or "households" target, when both are known."""
        target = self.targets.get(kind)
        if not target or not self.year_fall.units:
            return None
        achieved = self.year_fall.points if kind == "rate" else Decimal(self.year_fall.households)
        if achieved is None:
            return None
        return (achieved * 100 / target).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def latest_year(session: Session, *, unit: Unit, up_to: int) -> int | None:
    """The newest year up to `up_to` with review figures anywhere in `unit`'s subtree: one indexed query,
    asked first by every screen and report, so a tree without figures costs nothing more."""
    return session.exec(select(func.max(col(PovertyReview.year)))
                        .join(Unit, col(Unit.id) == PovertyReview.unit_id)
                        .where(PovertyReview.status == "current", PovertyReview.year <= up_to,
                               col(Unit.path).startswith(unit.path))).one()


def outcome(session: Session, *, unit: Unit, year: int) -> Outcome:
    """The unit's outcome for `year` (see the module notes)."""
    ids = reporting_unit_ids(session, root=unit)
    first = programme_start(year)
    reviews = current_reviews(session, root=unit, years={year, year - 1, first, first - 1})
    return _summed(unit, ids, reviews, year, targets_of(session, unit_id=unit.id or 0, year=year))


def _summed(unit: Unit, ids: list[int], reviews: dict[tuple[int, int], ReviewRow], year: int,
            targets: dict[str, Decimal]) -> Outcome:
    first = programme_start(year)
    result = Outcome(unit=unit, year=year, expected=len(ids), reported=0, period_start=first, targets=targets)
    sums = dict.fromkeys(SUMMED, 0)
    given = dict.fromkeys(SUMMED, 0)
    for unit_id in ids:
        review = reviews.get((unit_id, year))
        if review is None:
            continue
        result.reported += 1
        result.stages.add(review.stage)
        for name in SUMMED:
            value = getattr(review, name)
            if value is not None:
                sums[name] += value
                given[name] += 1
        before = _annual(reviews, unit_id, year - 1)
        start = start_of(review, before)
        if start is not None:
            _add(result.year_fall, start.total, start.poor, review)
            if start.near_poor is not None:
                fall = result.near_fall
                fall.units, fall.total_before, fall.poor_before = (fall.units + 1, fall.total_before + start.total,
                                                                   fall.poor_before + start.near_poor)
                fall.total_after, fall.poor_after = (fall.total_after + review.total_households,
                                                     fall.poor_after + review.near_poor)
        base = _base(reviews, unit_id, first, year)
        if base is not None:
            _add(result.period_fall, base[0], base[1], review)
    result.sums, result.given = sums, given
    return result


def _annual(reviews: dict[tuple[int, int], ReviewRow], unit_id: int, year: int) -> ReviewRow | None:
    review = reviews.get((unit_id, year))
    return review if review is not None and review.stage == STAGES[-1] else None


def _base(reviews: dict[tuple[int, int], ReviewRow], unit_id: int, first: int,
          year: int) -> tuple[int, int] | None:
    """(total, poor) at the start of the programme period: the first year's start."""
    review = reviews.get((unit_id, first))
    if review is None:
        before = _annual(reviews, unit_id, first - 1)
        return (before.total_households, before.poor) if before is not None else None
    start = start_of(review, _annual(reviews, unit_id, first - 1))
    return (start.total, start.poor) if start is not None else None


def _add(fall: Fall, total: int, poor: int, review: ReviewRow) -> None:
    fall.units += 1
    fall.total_before += total
    fall.poor_before += poor
    fall.total_after += review.total_households
    fall.poor_after += review.poor


def by_child(session: Session, *, unit: Unit, year: int) -> list[Outcome]:
    """The outcome of each reporting unit under `unit` (the rows of the review sheet), by name: one query
    for all of them, not one per commune."""
    units = reporting_units(session, root=unit)
    first = programme_start(year)
    reviews = current_reviews(session, root=unit, years={year, year - 1, first, first - 1})
    return [_summed(child, [child.id or 0], reviews, year, {}) for child in units]


def by_direct_child(session: Session, *, unit: Unit, children: list[Unit], year: int) -> dict[int, Outcome]:
    """Each of `children` (units directly under `unit`: districts, communes) with its summed outcome, from one
    read of the subtree's figures: the rows of a table with one row per child unit."""
    units = reporting_units(session, root=unit)
    first = programme_start(year)
    reviews = current_reviews(session, root=unit, years={year, year - 1, first, first - 1})
    return {child.id or 0: _summed(child, [u.id or 0 for u in units if u.path.startswith(child.path)], reviews, year,
                                   {}) for child in children}
