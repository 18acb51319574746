"""Poverty outcomes: the review's figures per unit and year, checked, kept with their history, and
summed up the unit tree into rates and their fall.

Why it works this way:
- The figures are the commune's own (rà soát hộ nghèo, hộ cận nghèo). A unit above a commune never
  has figures of its own: its figures are the sums of the reporting units under it, and a rate is
  always poor ÷ total of those sums, never an average of the communes' rates.
- The reporting units of a subtree are the lowest units that are not villages (a province's communes,
  or a district's communes in an older tree with districts), so any depth works.
- A row is never changed: a correction is the next version (the old one is kept as superseded) and
  the audit trail records what changed. A unit's figure for a year is its newest stage: the annual
  review ("year") over the updates of the third quarter, the first half and the first quarter.
- The start of the year is the figure the officer gave, or else the unit's annual review of the year
  before, or else what the year's flows imply (end + escaped − fell back − new).
- Every figure is a whole number; rates are exact Decimals rounded to two places (the reports'
  "19,07%"), and shown with one place unless more is wanted.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.domain import audit
from bot.domain.permissions import Do, may
from db.models import Unit, User
from db.models_outcomes import PovertyReview, PovertyTarget

FIGURES = ("total_households", "poor", "near_poor", "total_start", "poor_start", "near_poor_start",
           "poor_persons", "near_poor_persons", "escaped", "fell_back", "new_poor", "escaped_near")
REQUIRED = ("total_households", "poor", "near_poor")
STAGES = ("q1", "h1", "q3", "year")
"""Stages of a year, earliest first: a later stage's figures replace an earlier one's."""
FLOWS = ("escaped", "fell_back", "new_poor")
VILLAGE_KINDS = frozenset({"village"})
PROGRAMME_FIRST_YEAR = 2021
PROGRAMME_YEARS = 5
"""The national programme runs in five-year periods (2021–2025, 2026–2030): "since the period's start"."""
CURRENT, SUPERSEDED = "current", "superseded"
Figures = dict[str, int | None]


class ReviewRejected(Exception):
    """The figures do not add up; `problems` are (code, values) pairs the caller words for the user."""

    def __init__(self, problems: list[tuple[str, dict[str, int | str]]]) -> None:
        super().__init__(", ".join(code for code, _ in problems))
        self.problems = problems


class ReviewNotAllowed(Exception):
    """The unit is outside the user's tree, or is not a unit that reviews (a district, a village)."""


def programme_start(year: int) -> int:
    """The first year of the programme period containing `year` (2026 for 2026–2030)."""
    return PROGRAMME_FIRST_YEAR + PROGRAMME_YEARS * ((year - PROGRAMME_FIRST_YEAR) // PROGRAMME_YEARS)


def rate(part: int, whole: int) -> Decimal | None:
    """part ÷ whole in %, to two places as the reports write it (None without households)."""
    if whole <= 0:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def _reporting_condition(root: Unit) -> list[Any]:
    child = aliased(Unit)
    has_unit_below = (select(child.id).where(child.parent_id == Unit.id, col(child.kind).not_in(VILLAGE_KINDS))
                      .exists())
    return [col(Unit.path).startswith(root.path), col(Unit.kind).not_in(VILLAGE_KINDS), ~has_unit_below]


def reporting_units(session: Session, *, root: Unit) -> list[Unit]:
    """The units of `root`'s subtree that review: the lowest units that are not villages. One query (no
    village rows are loaded: a province may hold thousands of them)."""
    return list(session.exec(select(Unit).where(*_reporting_condition(root)).order_by(col(Unit.name))).all())


def reporting_unit_ids(session: Session, *, root: Unit) -> list[int]:
    """The ids of `reporting_units` (the sums need only these: no ORM objects for a national tree)."""
    return [int(i) for i in session.exec(select(Unit.id).where(*_reporting_condition(root))).all() if i is not None]


def is_reporting_unit(session: Session, *, unit: Unit) -> bool:
    return any(u.id == unit.id for u in reporting_units(session, root=unit))


# ------------------------------------------------------------------ reading


@dataclass(frozen=True)
class ReviewRow:
    """The figures of one current review, read as plain values (the sums over thousands of communes read
    these, not ORM objects: ~10× faster on a national tree)."""

    unit_id: int
    year: int
    stage: str
    total_households: int
    poor: int
    near_poor: int
    total_start: int | None
    poor_start: int | None
    near_poor_start: int | None
    poor_persons: int | None
    near_poor_persons: int | None
    escaped: int | None
    fell_back: int | None
    new_poor: int | None
    escaped_near: int | None


_ROW_COLUMNS = [getattr(PovertyReview, name) for name in ReviewRow.__dataclass_fields__]


def current_reviews(session: Session, *, root: Unit, years: Iterable[int]) -> dict[tuple[int, int], ReviewRow]:
    """(unit id, year) → the figure of each unit in `root`'s subtree for the year: its newest stage, current
    version. One query over the subtree's path, whatever its size."""
    found: dict[tuple[int, int], ReviewRow] = {}
    rows = session.exec(select(*_ROW_COLUMNS).join(Unit, col(Unit.id) == PovertyReview.unit_id).where(
        PovertyReview.status == CURRENT, col(PovertyReview.year).in_(sorted(set(years))),
        col(Unit.path).startswith(root.path))).all()
    for values in rows:
        row = ReviewRow(*values)
        key = (row.unit_id, row.year)
        if key not in found or STAGES.index(row.stage) > STAGES.index(found[key].stage):
            found[key] = row
    return found


def annual_review(session: Session, *, unit_id: int, year: int) -> PovertyReview | None:
    return session.exec(select(PovertyReview).where(PovertyReview.status == CURRENT, PovertyReview.unit_id == unit_id,
                                                    PovertyReview.year == year, PovertyReview.stage == "year")).first()


@dataclass(frozen=True)
class Start:
    """A unit's figures at the start of a year and where they come from ("given", "previous", "flows")."""

    total: int
    poor: int
    near_poor: int | None
    source: str


def start_of(review: ReviewRow | PovertyReview | Figures, previous: ReviewRow | PovertyReview | None,
             ) -> Start | None:
    """The start-of-year figures of a review (see the module notes), or None when nothing says them."""
    get = review.get if isinstance(review, dict) else lambda name: getattr(review, name)
    total = get("total_start") or (previous.total_households if previous else None) or get("total_households")
    if get("poor_start") is not None:
        near = get("near_poor_start")
        if near is None and previous is not None:
            near = previous.near_poor
        return Start(int(total or 0), int(get("poor_start") or 0), near, "given")
    if previous is not None:
        return Start(int(total or 0), previous.poor, previous.near_poor, "previous")
    if get("escaped") is not None or get("new_poor") is not None:
        poor = int(get("poor") or 0) + int(get("escaped") or 0) - int(get("fell_back") or 0) - int(get("new_poor") or 0)
        return Start(int(total or 0), poor, None, "flows")
    return None


# ------------------------------------------------------------------ checking and saving


def check(figures: Figures, previous: PovertyReview | None) -> list[tuple[str, dict[str, int | str]]]:
    """What does not add up in `figures` (empty when they are consistent)."""
    problems: list[tuple[str, dict[str, int | str]]] = []
    for name in REQUIRED:
        if figures.get(name) is None:
            problems.append(("missing", {"figure": name}))
    for name in FIGURES:
        value = figures.get(name)
        if value is not None and value < 0:
            problems.append(("negative", {"figure": name}))
    if problems:
        return problems
    total, poor, near = (int(figures[n] or 0) for n in REQUIRED)
    if total == 0:
        problems.append(("no_households", {}))
    if poor + near > total:
        problems.append(("over_total", {"poor": poor, "near_poor": near, "total": total}))
    total_start, poor_start, near_start = (figures.get(n) for n in ("total_start", "poor_start", "near_poor_start"))
    if total_start is not None and (poor_start or 0) + (near_start or 0) > total_start:
        problems.append(("over_total_start", {"poor": poor_start or 0, "near_poor": near_start or 0,
                                              "total": total_start}))
    for persons, households in (("poor_persons", "poor"), ("near_poor_persons", "near_poor")):
        value = figures.get(persons)
        if value is not None and value < int(figures[households] or 0):
            problems.append(("persons", {"figure": persons, "persons": value,
                                         "households": int(figures[households] or 0)}))
    start = start_of(figures, previous)
    flows_given = any(figures.get(n) is not None for n in FLOWS)
    if start is not None and start.source != "flows" and flows_given:
        escaped, fell_back, new = (int(figures.get(n) or 0) for n in FLOWS)
        expected = start.poor - escaped + fell_back + new
        if escaped > start.poor:
            problems.append(("escaped_over_start", {"escaped": escaped, "start": start.poor}))
        elif expected != poor:
            problems.append(("balance", {"start": start.poor, "escaped": escaped, "fell_back": fell_back,
                                         "new_poor": new, "expected": expected, "poor": poor,
                                         "source": start.source}))
    elif start is not None and start.source == "flows" and start.poor < 0:
        problems.append(("flows_negative", {"poor": poor, "escaped": int(figures.get("escaped") or 0),
                                            "fell_back": int(figures.get("fell_back") or 0),
                                            "new_poor": int(figures.get("new_poor") or 0)}))
    return problems


@dataclass(frozen=True)
class Saved:
    review: PovertyReview
    outcome: str  # "created" | "corrected" | "unchanged"
    changed: dict[str, list[int | None]] = field(default_factory=dict)


def save_review(session: Session, *, user: User, unit: Unit, year: int, figures: Figures, now: datetime,
                stage: str = "year", source: str = "form", commit: bool = True) -> Saved:
    """Check and store a unit's figures for a year and stage; a different figure for the same year and
    stage is a correction (the next version, audited). Raises ReviewNotAllowed or ReviewRejected."""
    if stage not in STAGES:
        raise ValueError(stage)
    if not may(user, Do.WORK_IN_UNIT, unit, session=session) or not is_reporting_unit(session, unit=unit):
        raise ReviewNotAllowed(unit.code)
    previous = annual_review(session, unit_id=unit.id or 0, year=year - 1)
    problems = check(figures, previous)
    if problems:
        raise ReviewRejected(problems)
    current = session.exec(select(PovertyReview).where(
        PovertyReview.unit_id == unit.id, PovertyReview.year == year, PovertyReview.stage == stage,
        PovertyReview.status == CURRENT)).first()
    values = {name: figures.get(name) for name in FIGURES}
    if current is not None:
        changed = {n: [getattr(current, n), v] for n, v in values.items() if getattr(current, n) != v}
        if not changed:
            return Saved(current, "unchanged")
        current.status = SUPERSEDED
        session.add(current)
    else:
        changed = {}
    row = PovertyReview(unit_id=unit.id or 0, year=year, stage=stage, version=current.version + 1 if current else 1,
                        source=source, entered_by_id=user.id, created_at=now, **values)  # type: ignore[arg-type]
    try:
        with session.begin_nested():
            session.add(row)
            session.flush()
    except IntegrityError:  # the same figures saved at the same moment by a second tap
        session.rollback()
        again = session.exec(select(PovertyReview).where(
            PovertyReview.unit_id == unit.id, PovertyReview.year == year, PovertyReview.stage == stage,
            PovertyReview.status == CURRENT)).one()
        return Saved(again, "unchanged")
    details: dict[str, object] = {"unit_id": unit.id, "year": year, "stage": stage, "version": row.version,
                                  "source": source}
    if changed:
        details["changed"] = changed
    audit.record(session, user_id=user.id, action="correct" if current else "create", entity="poverty_review",
                 entity_id=row.id, details=details)
    if commit:
        session.commit()
    return Saved(row, "corrected" if current else "created", changed)


def history(session: Session, *, unit_id: int, year: int) -> Sequence[PovertyReview]:
    """Every version of a unit's figures for a year, oldest first (the corrections' trail)."""
    return session.exec(select(PovertyReview).where(PovertyReview.unit_id == unit_id, PovertyReview.year == year)
                        .order_by(col(PovertyReview.stage), col(PovertyReview.version))).all()


# ------------------------------------------------------------------ targets


def set_target(session: Session, *, user: User, unit: Unit, year: int, kind: str, value: Decimal,
               now: datetime) -> PovertyTarget:
    """A unit's target for a year: a fall of the rate in points ("rate") or of poor households."""
    if kind not in ("rate", "households") or value <= 0:
        raise ValueError(kind)
    row = session.exec(select(PovertyTarget).where(PovertyTarget.unit_id == unit.id, PovertyTarget.year == year,
                                                   PovertyTarget.kind == kind)).first()
    old = row.value if row is not None else None
    row = row or PovertyTarget(unit_id=unit.id or 0, year=year, kind=kind, value=value)
    row.value, row.set_by_id, row.set_at = value, user.id, now
    session.add(row)
    session.flush()
    audit.record(session, user_id=user.id, action="update" if old is not None else "create", entity="poverty_target",
                 entity_id=row.id, details={"unit_id": unit.id, "year": year, "kind": kind,
                                            "value": str(value), **({"old": str(old)} if old is not None else {})})
    session.commit()
    return row


def targets_of(session: Session, *, unit_id: int, year: int) -> dict[str, Decimal]:
    rows = session.exec(select(PovertyTarget).where(PovertyTarget.unit_id == unit_id, PovertyTarget.year == year)).all()
    return {row.kind: Decimal(row.value) for row in rows}


def problems_for(session: Session, *, unit: Unit, year: int,
                 figures: Figures) -> list[tuple[str, dict[str, int | str]]]:
    """What does not add up in figures about to be entered for `unit` and `year` (the card's check)."""
    return check(figures, annual_review(session, unit_id=unit.id or 0, year=year - 1))


def entered(session: Session, *, unit_id: int, year: int, stage: str) -> PovertyReview | None:
    """The figures already entered for this unit, year and stage (a save would correct them)."""
    return session.exec(select(PovertyReview).where(
        PovertyReview.unit_id == unit_id, PovertyReview.year == year, PovertyReview.stage == stage,
        PovertyReview.status == CURRENT)).first()


def default_year(today_year: int, month: int) -> int:
    """The review a commune enters now: this year's from July on (it closes in November–December), last
    year's in the first half (its decision is published early in the next year)."""
    return today_year if month >= 7 else today_year - 1
