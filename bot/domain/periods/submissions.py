"""The reporting cycle: periods a supervising unit defines, submissions ("chốt số liệu"), reopening,
completeness and timeliness, and targets (chỉ tiêu).

Why it works this way:
- A period belongs to the supervising unit that defined it and lists the units that must report
  (by default the units directly under it). Presets cover the usual cycle: the 6-month report due on
  15 June and the yearly report due on 15 December.
- A submission freezes the figures as they were, computed by `compute_totals` (the one aggregation),
  so a later correction of a record does not silently change what the commune reported. After it the
  period is locked for that unit until a supervisor reopens it, with a reason.
- Late = submitted after the due date (local calendar day). A resubmission after a reopen keeps the
  timeliness of the first submission: the reopen was the supervisor's request, not the unit's delay.
- Completeness and timeliness follow DHIS2's reporting rates: completeness = submitted / expected,
  timeliness ("reporting rate on time") = submitted on time / expected, both in %.

Every function takes `now` (aware UTC) and, where the local calendar matters, `tz`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from bot.domain.people.access import AccessDenied
from bot.domain.permissions import Do, may
from bot.domain.totals.aggregate import CategoryTotal, compute_totals
from db.models import ReportingExpected, ReportingPeriod, ReportingTarget, Submission, Unit, User
from db.queries import get_unit, list_child_units

DEFAULT_REMIND_DAYS = [3, 0]
SUBMITTED, REOPENED = "submitted", "reopened"
MEASURES = ("records", "households", "persons", "quantity", "value")
KINDS = ("month", "quarter", "half", "year", "custom")


class ReportingError(Exception):
    """A request that cannot be done; `code` says which (the handler words it for the user)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Preset:
    """A usual period: the first six months (due 15/6) or the whole year (due 15/12)."""

    code: str
    kind: str
    start: tuple[int, int]
    end: tuple[int, int]
    due: tuple[int, int]

    def dates(self, year: int) -> tuple[date, date, date]:
        return (date(year, *self.start), date(year, *self.end), date(year, *self.due))


PRESETS = {
    "h1": Preset("h1", "half", (1, 1), (6, 30), (6, 15)),
    "year": Preset("year", "year", (1, 1), (12, 31), (12, 15)),
}


def create_period(session: Session, *, user: User, name: str, kind: str, start: date, end: date, due: date,
                  now: datetime, remind_days: Sequence[int] | None = None,
                  unit_ids: Sequence[int] | None = None) -> tuple[ReportingPeriod, bool]:
    """Define a period for the user's own unit; returns (period, created). The same name again returns the
    existing period (a double tap creates one). Expected units default to the units directly under it."""
    own = get_unit(session, unit_id=user.unit_id)
    if own is None or not may(user, Do.SUPERVISE):
        raise AccessDenied("only supervisors define reporting periods")
    if kind not in KINDS:
        raise ReportingError("kind")
    if not start <= end or due < start:
        raise ReportingError("dates")
    days = sorted({int(d) for d in (remind_days if remind_days is not None else DEFAULT_REMIND_DAYS)}, reverse=True)
    if any(d < 0 or d > 60 for d in days):
        raise ReportingError("remind_days")
    existing = session.exec(select(ReportingPeriod).where(ReportingPeriod.unit_id == own.id,
                                                          ReportingPeriod.name == name)).first()
    if existing is not None:
        return existing, False
    if unit_ids is None:
        expected = [u.id for u in list_child_units(session, parent_id=own.id) if u.id is not None]
    else:
        units = [get_unit(session, unit_id=i) for i in unit_ids]
        if any(u is None or not may(user, Do.MANAGE_UNIT, u, session=session) for u in units):
            raise AccessDenied("a unit outside the supervisor's tree")
        expected = [u.id for u in units if u is not None and u.id is not None]
    if not expected:
        raise ReportingError("no_units")
    period = ReportingPeriod(unit_id=own.id or 0, name=name, kind=kind, start=start, end=end, due=due,
                             remind_days=days, created_by_id=user.id, created_at=now)
    try:
        with session.begin_nested():
            session.add(period)
            session.flush()
            for unit_id in expected:
                session.add(ReportingExpected(period_id=period.id or 0, unit_id=unit_id))
    except IntegrityError:  # the same name created at the same moment by a second tap
        session.rollback()
        again = session.exec(select(ReportingPeriod).where(ReportingPeriod.unit_id == own.id,
                                                           ReportingPeriod.name == name)).one()
        return again, False
    session.commit()
    return period, True


def expected_unit_ids(session: Session, *, period_id: int) -> list[int]:
    return [e.unit_id for e in session.exec(select(ReportingExpected).where(ReportingExpected.period_id == period_id)
                                            .order_by(col(ReportingExpected.unit_id))).all()]


def periods_of_supervisor(session: Session, *, user: User) -> Sequence[ReportingPeriod]:
    """Periods defined by the user's unit, newest due date first."""
    return session.exec(select(ReportingPeriod).where(ReportingPeriod.unit_id == user.unit_id)
                        .order_by(col(ReportingPeriod.due).desc(), col(ReportingPeriod.id).desc())).all()


def periods_for_unit(session: Session, *, unit_id: int) -> Sequence[ReportingPeriod]:
    """Periods the unit must report for, newest due date first."""
    return session.exec(select(ReportingPeriod).join(ReportingExpected, col(ReportingExpected.period_id)
                                                     == ReportingPeriod.id)
                        .where(ReportingExpected.unit_id == unit_id)
                        .order_by(col(ReportingPeriod.due).desc(), col(ReportingPeriod.id).desc())).all()


def latest_submission(session: Session, *, period_id: int, unit_id: int) -> Submission | None:
    return session.exec(select(Submission).where(Submission.period_id == period_id, Submission.unit_id == unit_id)
                        .order_by(col(Submission.version).desc())).first()


def is_locked(session: Session, *, period_id: int, unit_id: int) -> bool:
    """Submitted and not reopened: the unit's figures for the period are final."""
    last = latest_submission(session, period_id=period_id, unit_id=unit_id)
    return last is not None and last.status == SUBMITTED


def open_periods_for_unit(session: Session, *, unit_id: int) -> list[ReportingPeriod]:
    """Periods the unit still has to submit (never submitted, or reopened)."""
    return [p for p in periods_for_unit(session, unit_id=unit_id)
            if not is_locked(session, period_id=p.id or 0, unit_id=unit_id)]


def period_totals(session: Session, *, period: ReportingPeriod, unit: Unit) -> dict[str, CategoryTotal]:
    """The unit's figures for the period (its subtree, the period's dates): the one aggregation."""
    return compute_totals(session, unit=unit, start=period.start, end=period.end)


def freeze(totals: dict[str, CategoryTotal]) -> dict[str, Any]:
    """Totals as JSON (decimals as text), stored with the submission."""
    return {code: {"records": t.records, "households": t.households, "persons": t.persons,
                   "value_dong": t.value_dong, "quantities": {k: str(v) for k, v in t.quantities.items()},
                   "subtypes": {k: str(v) for k, v in t.subtypes.items()}} for code, t in sorted(totals.items())}


def thaw(figures: dict[str, Any]) -> dict[str, CategoryTotal]:
    """The frozen figures back as CategoryTotal, so they are written with the same sentences."""
    return {code: CategoryTotal(category=code, records=int(f["records"]), households=int(f["households"]),
                                persons=int(f["persons"]), value_dong=int(f["value_dong"]),
                                quantities={k: Decimal(v) for k, v in f["quantities"].items()},
                                subtypes={k: Decimal(v) for k, v in f["subtypes"].items()})
            for code, f in figures.items()}


def is_late(period: ReportingPeriod, *, at: datetime, tz: ZoneInfo) -> bool:
    """Late when the local calendar day of `at` is after the due date (the due day itself is on time)."""
    return at.astimezone(tz).date() > period.due


def submit(session: Session, *, user: User, period: ReportingPeriod, now: datetime, tz: ZoneInfo) -> Submission:
    """Store the unit's figures as they are now ("chốt số liệu"); raises ReportingError("locked") when the
    unit already submitted and nobody reopened it, or ("not_expected") when it need not report."""
    unit = get_unit(session, unit_id=user.unit_id)
    if unit is None or not user.active or unit.id not in expected_unit_ids(session, period_id=period.id or 0):
        raise ReportingError("not_expected")
    last = latest_submission(session, period_id=period.id or 0, unit_id=unit.id)
    if last is not None and last.status == SUBMITTED:
        raise ReportingError("locked")
    late = last.late if last is not None else is_late(period, at=now, tz=tz)
    submission = Submission(period_id=period.id or 0, unit_id=unit.id, version=(last.version + 1) if last else 1,
                            submitted_by_id=user.id or 0, submitted_at=now, late=late,
                            figures=freeze(period_totals(session, period=period, unit=unit)))
    try:
        with session.begin_nested():
            session.add(submission)
    except IntegrityError:  # a double tap: the other tap stored it
        raise ReportingError("locked") from None
    session.commit()
    return submission


def reopen(session: Session, *, user: User, period: ReportingPeriod, unit: Unit, reason: str,
           now: datetime, commit: bool = True) -> Submission:
    """A supervisor of the unit (or above) reopens its submission so the officer can resubmit.

    `commit=False` lets the caller queue the officers' notices in the same transaction, so a reopen is
    never committed without them."""
    if not may(user, Do.MANAGE_UNIT, unit, session=session):
        raise AccessDenied("reopen outside the supervisor's tree")
    reason = reason.strip()
    if not reason:
        raise ReportingError("reason")
    last = latest_submission(session, period_id=period.id or 0, unit_id=unit.id or 0)
    if last is None or last.status != SUBMITTED:
        raise ReportingError("not_submitted")
    last.status, last.reopened_at, last.reopened_by_id, last.reopen_reason = REOPENED, now, user.id, reason[:500]
    session.add(last)
    if commit:
        session.commit()
    return last


@dataclass
class UnitState:
    unit: Unit
    submission: Submission | None  # the current one (None when never submitted or reopened)

    @property
    def state(self) -> str:
        if self.submission is None:
            return "missing"
        return "late" if self.submission.late else "on_time"


@dataclass
class PeriodStatus:
    """Expected, submitted, on time, late and missing for one period (DHIS2 reporting rates)."""

    period: ReportingPeriod
    units: list[UnitState] = field(default_factory=list)

    @property
    def expected(self) -> int:
        return len(self.units)

    @property
    def submitted(self) -> int:
        return sum(1 for u in self.units if u.submission is not None)

    @property
    def on_time(self) -> int:
        return sum(1 for u in self.units if u.state == "on_time")

    @property
    def late(self) -> int:
        return sum(1 for u in self.units if u.state == "late")

    @property
    def missing(self) -> list[Unit]:
        return [u.unit for u in self.units if u.submission is None]

    @property
    def completeness(self) -> Decimal:
        return percent(self.submitted, self.expected)

    @property
    def timeliness(self) -> Decimal:
        return percent(self.on_time, self.expected)


def percent(part: int | Decimal, whole: int | Decimal) -> Decimal:
    """part / whole in % with one decimal (0 when nothing is expected)."""
    if not whole:
        return Decimal(0)
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def period_status(session: Session, *, period: ReportingPeriod) -> PeriodStatus:
    """Two queries whatever the number of units (the expected units with their rows, then every
    submission of the period), not two per unit: a national period expects ~3,300 communes."""
    status = PeriodStatus(period=period)
    period_id = period.id or 0
    units = session.exec(select(Unit).join(ReportingExpected, col(ReportingExpected.unit_id) == col(Unit.id))
                         .where(ReportingExpected.period_id == period_id).order_by(col(Unit.id))).all()
    latest: dict[int, Submission] = {}
    for submission in session.exec(select(Submission).where(Submission.period_id == period_id)
                                   .order_by(col(Submission.unit_id), col(Submission.version))).all():
        latest[submission.unit_id] = submission  # the highest version of each unit comes last
    for unit in units:
        last = latest.get(unit.id or 0)
        status.units.append(UnitState(unit=unit, submission=last if last and last.status == SUBMITTED else None))
    status.units.sort(key=lambda s: s.unit.name)
    return status


def set_target(session: Session, *, user: User, period: ReportingPeriod, unit: Unit, category_code: str,
               measure: str, target: Decimal, now: datetime) -> ReportingTarget:
    """Set (or revise) a unit's target for a period: targets are assigned top-down and then revised."""
    if not may(user, Do.MANAGE_UNIT, unit, session=session):
        raise AccessDenied("targets are set by the supervising unit")
    if measure not in MEASURES or target <= 0:
        raise ReportingError("target")
    row = session.exec(select(ReportingTarget).where(
        ReportingTarget.period_id == period.id, ReportingTarget.unit_id == unit.id,
        ReportingTarget.category_code == category_code, ReportingTarget.measure == measure)).first()
    if row is None:
        row = ReportingTarget(period_id=period.id or 0, unit_id=unit.id or 0, category_code=category_code,
                              measure=measure, target=target, set_by_id=user.id, set_at=now)
    else:
        row.target, row.set_by_id, row.set_at = target, user.id, now
    session.add(row)
    session.commit()
    return row


@dataclass(frozen=True)
class TargetProgress:
    unit: Unit
    category_code: str
    measure: str
    target: Decimal
    achieved: Decimal

    @property
    def percent(self) -> Decimal:
        return percent(self.achieved, self.target)


def achieved(total: CategoryTotal | None, measure: str) -> Decimal:
    """The figure of one measure in a category's totals (quantity only when it is in one unit)."""
    if total is None:
        return Decimal(0)
    if measure == "quantity":
        return total.quantity if total.quantity is not None else Decimal(0)
    value = {"records": total.records, "households": total.households, "persons": total.persons,
             "value": total.value_dong}[measure]
    return Decimal(value)


def target_progress(session: Session, *, period: ReportingPeriod, unit_ids: Sequence[int] | None = None,
                    ) -> list[TargetProgress]:
    """Achieved vs target for every target of the period (optionally only some units), live figures."""
    query = select(ReportingTarget).where(ReportingTarget.period_id == period.id)
    if unit_ids is not None:
        query = query.where(col(ReportingTarget.unit_id).in_(list(unit_ids)))
    result: list[TargetProgress] = []
    cache: dict[int, dict[str, CategoryTotal]] = {}
    for row in session.exec(query.order_by(col(ReportingTarget.unit_id), col(ReportingTarget.category_code))).all():
        unit = get_unit(session, unit_id=row.unit_id)
        if unit is None:
            continue
        if row.unit_id not in cache:
            cache[row.unit_id] = period_totals(session, period=period, unit=unit)
        result.append(TargetProgress(unit=unit, category_code=row.category_code, measure=row.measure,
                                     target=Decimal(row.target),
                                     achieved=achieved(cache[row.unit_id].get(row.category_code), row.measure)))
    return result
