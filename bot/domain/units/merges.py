"""Merged units: communes (or any units) absorbed by another, applied from a merge file in one transaction.

The 2025 reform merged communes by resolution, with an effective date. A merge file has one line per
old unit: `old_code,new_code,effective_date`. For each line the old unit's records, households,
people, open invites, targets, the periods it defined and its place in the periods it reports in move
to the new unit, and the units under it (villages) are put under the new one. The old unit stays,
switched off (`active` false, `merged_into_id`, `merged_on`), so the audit trail, old submissions and
old exports keep its name.

Why move the records instead of summing old and new units at read time: every total, digest, ranking
and comparison with an earlier period then compares like with like with no special case: the new
unit's figure for a period before the merge already holds its old parts. The unit a record was logged
under is kept in `origin_unit_id`, which the drill-down names.

What stays with the old unit: its submissions ("chốt số liệu"), which are frozen figures of what it
reported, and its place among the units expected to report in periods that ended before the effective
date, so the completeness of those periods reads as it was reported. In later periods the new unit is
expected instead.

The records move by SQL (one UPDATE per old unit, not one ORM object per record), so the rollup tables
are recomputed for the units involved (`rebuild_unit_rollup`) in the same transaction.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy import ColumnElement, func, update
from sqlmodel import Session, col, select

from bot.domain import audit
from bot.domain.parsing.dates import parse_dated
from bot.domain.totals.rollup import areas_of, rebuild_unit_rollup
from bot.domain.units.tree import UnitImportError, rewrite_paths
from db.models import (
    DigestSchedule,
    Household,
    HouseholdUpload,
    Invite,
    ReportingExpected,
    ReportingPeriod,
    ReportingTarget,
    SupportAction,
    Unit,
    User,
)
from db.record_question import RecordQuestion

MERGE_COLUMNS = ("old_code", "new_code", "effective_date")


class UnitMergeError(UnitImportError):
    """The merge file cannot be applied; nothing was written. `problems` lists them by line."""


@dataclass(frozen=True)
class MergeLine:
    old_code: str
    new_code: str
    effective: date
    line: int


@dataclass
class MergeReport:
    """What a merge did, counted over all its lines."""

    merged: list[tuple[str, str]] = field(default_factory=list)
    already: list[str] = field(default_factory=list)
    records: int = 0
    households: int = 0
    households_renamed: int = 0
    people: int = 0
    invites: int = 0
    periods: int = 0
    targets: int = 0
    expected: int = 0
    units_moved: int = 0


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return parse_dated(text)


def read_merge_file(text: str) -> list[MergeLine]:
    """The lines of a merge file, or UnitMergeError naming every bad line."""
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows:
        raise UnitMergeError(["the file has no rows"])
    missing = [c for c in MERGE_COLUMNS if c not in rows[0]]
    if missing:
        raise UnitMergeError([f"missing column(s): {', '.join(missing)}"])
    problems: list[str] = []
    lines: list[MergeLine] = []
    for number, row in enumerate(rows, start=2):
        old, new, when = ((row.get(c) or "").strip() for c in MERGE_COLUMNS)
        effective = _date(when) if when else None
        if not old or not new or not when:
            problems.append(f"line {number}: old_code, new_code and effective_date are required")
        elif effective is None:
            problems.append(f"line {number}: effective_date {when!r} is not a date (2025-07-01 or 1/7/2025)")
        elif old == new:
            problems.append(f"line {number}: {old} cannot be merged into itself")
        else:
            lines.append(MergeLine(old, new, effective, number))
    if problems:
        raise UnitMergeError(problems)
    return lines


def _plan(session: Session, lines: list[MergeLine]) -> list[tuple[MergeLine, Unit, Unit]]:
    """Check every line against the tree before anything is written."""
    problems: list[str] = []
    codes = {line.old_code for line in lines} | {line.new_code for line in lines}
    units = {u.code: u for u in session.exec(select(Unit).where(col(Unit.code).in_(sorted(codes)))).all()}
    olds: dict[str, int] = {}
    for line in lines:
        if line.old_code in olds:
            problems.append(f"line {line.line}: {line.old_code} is already merged on line {olds[line.old_code]}")
        olds.setdefault(line.old_code, line.line)
    plan: list[tuple[MergeLine, Unit, Unit]] = []
    for line in lines:
        old, new = units.get(line.old_code), units.get(line.new_code)
        if old is None or new is None:
            unknown = line.old_code if old is None else line.new_code
            problems.append(f"line {line.line}: unit {unknown} is unknown")
        elif line.new_code in olds:
            problems.append(f"line {line.line}: {line.new_code} is itself merged in this file")
        elif not new.active:
            problems.append(f"line {line.line}: {line.new_code} was merged already and is inactive")
        elif not old.active and old.merged_into_id != new.id:
            problems.append(f"line {line.line}: {line.old_code} was merged into another unit already")
        elif new.path.startswith(old.path):
            problems.append(f"line {line.line}: {line.new_code} lies under {line.old_code}")
        else:
            plan.append((line, old, new))
    if problems:
        raise UnitMergeError(problems)
    return plan


def merge_units(session: Session, source: Path | str, *, user_id: int | None = None) -> MergeReport:
    """Apply a merge file, all or nothing. A line already applied (same old and new unit) is skipped,
    so running the same file twice is harmless."""
    text = source.read_text(encoding="utf-8-sig") if isinstance(source, Path) else source
    plan = _plan(session, read_merge_file(text))
    report = MergeReport()
    try:
        touched: set[int] = set()
        areas_before: list[tuple[set[int], Unit]] = []
        for line, old, new in plan:
            if not old.active:
                report.already.append(old.code)
                continue
            assert old.id is not None and new.id is not None
            areas_before.append((set(areas_of(old.path, old.id)), new))
            _move(session, old.id, new.id, old.code, line.effective, report)
            old.active, old.merged_into_id, old.merged_on = False, new.id, line.effective
            session.add(old)
            report.merged.append((old.code, new.code))
            touched.update((old.id, new.id))
        if touched:
            session.flush()
            rewrite_paths(session)
            # An area's sums change only where the old unit's chain of units above it and the new
            # unit's differ: two communes of one province touch the two communes' areas, not the
            # province's or the country's (which hold the same records before and after).
            changed: set[int] = set()
            for before, new in areas_before:
                changed |= before ^ set(areas_of(new.path, new.id or 0))
            rebuild_unit_rollup(session, touched, changed)
        audit.record(session, user_id=user_id, action="merge", entity="unit", entity_id=None,
                     details={"merged": [f"{a} -> {b}" for a, b in report.merged], "records": report.records,
                              "households": report.households, "people": report.people})
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return report


def _move(session: Session, old_id: int, new_id: int, old_code: str, effective: date, report: MergeReport) -> None:
    """Everything of one old unit to the new one (see the module's notes for what stays)."""

    def move(model: type, *where: ColumnElement[bool]) -> int:
        result = session.execute(update(model).where(model.unit_id == old_id, *where)  # type: ignore[attr-defined]
                                 .values(unit_id=new_id).execution_options(synchronize_session=False))
        return int(result.rowcount or 0)  # type: ignore[attr-defined]

    action = SupportAction.__table__.c  # type: ignore[attr-defined]
    result = session.execute(update(SupportAction).where(col(SupportAction.unit_id) == old_id)
                             .values(unit_id=new_id, origin_unit_id=func.coalesce(action.origin_unit_id, old_id))
                             .execution_options(synchronize_session=False))
    report.records += int(result.rowcount or 0)  # type: ignore[attr-defined]
    move(RecordQuestion)
    report.households_renamed += _rename_clashing_households(session, old_id, new_id, old_code)
    report.households += move(Household)
    report.people += move(User)
    report.invites += move(Invite, col(Invite.used_at).is_(None), col(Invite.revoked_at).is_(None))
    move(HouseholdUpload)
    if session.exec(select(DigestSchedule.id).where(DigestSchedule.unit_id == new_id)).first() is None:
        move(DigestSchedule)  # the old unit's digest settings, unless the new unit has its own
    report.periods += _move_periods(session, old_id, new_id)
    report.expected += _move_expected(session, old_id, new_id, effective)
    report.targets += _move_targets(session, old_id, new_id)
    children = session.exec(select(Unit).where(Unit.parent_id == old_id)).all()
    for child in children:
        child.parent_id = new_id
        session.add(child)
    report.units_moved += len(children)
    session.flush()


def _rename_clashing_households(session: Session, old_id: int, new_id: int, old_code: str) -> int:
    """Household codes are unique per unit: an old commune's "HN-001" next to the new one's gets the
    old unit's code in front ("06004-HN-001"), so neither list loses a household."""
    taken = set(session.exec(select(Household.code).where(Household.unit_id == new_id)).all())
    renamed = 0
    for household in session.exec(select(Household).where(Household.unit_id == old_id)).all():
        if household.code in taken:
            household.code = f"{old_code}-{household.code}"[:64]
            session.add(household)
            renamed += 1
        taken.add(household.code)
    session.flush()
    return renamed


def _move_periods(session: Session, old_id: int, new_id: int) -> int:
    """Periods the old unit defined (it supervised units): the new unit's, renamed on a clash."""
    names = set(session.exec(select(ReportingPeriod.name).where(ReportingPeriod.unit_id == new_id)).all())
    periods = session.exec(select(ReportingPeriod).where(ReportingPeriod.unit_id == old_id)).all()
    for period in periods:
        if period.name in names:
            period.name = f"{period.name} ({period.id})"
        period.unit_id = new_id
        names.add(period.name)
        session.add(period)
    session.flush()
    return len(periods)


def _move_expected(session: Session, old_id: int, new_id: int, effective: date) -> int:
    """Where the old unit has to report, the new one has to (once per period), from the periods that
    end on or after the effective date. Earlier periods keep the old unit with its submissions, so
    their completeness reads as it was reported instead of showing the new unit missing."""
    rows = session.exec(select(ReportingExpected)
                        .join(ReportingPeriod, col(ReportingPeriod.id) == col(ReportingExpected.period_id))
                        .where(ReportingExpected.unit_id == old_id, col(ReportingPeriod.end) >= effective)).all()
    already = set(session.exec(select(ReportingExpected.period_id).where(ReportingExpected.unit_id == new_id)).all())
    for row in rows:
        if row.period_id in already:
            session.delete(row)
        else:
            row.unit_id = new_id
            already.add(row.period_id)
            session.add(row)
    session.flush()
    return len(rows)


def _move_targets(session: Session, old_id: int, new_id: int) -> int:
    """The old unit's targets become the new unit's; where both had one for the same measure, the new
    unit's target is their sum (its figure holds both parts' records, so the target must too)."""
    rows = session.exec(select(ReportingTarget).where(ReportingTarget.unit_id == old_id)).all()
    existing = {(t.period_id, t.category_code, t.measure): t for t in session.exec(
        select(ReportingTarget).where(ReportingTarget.unit_id == new_id)).all()}
    for row in rows:
        key = (row.period_id, row.category_code, row.measure)
        if key in existing:
            existing[key].target += row.target
            session.add(existing[key])
            session.delete(row)
        else:
            row.unit_id = new_id
            existing[key] = row
            session.add(row)
    session.flush()
    return len(rows)
