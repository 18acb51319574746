"""The administrative tree: import from CSV, and the "is this under that" rule access is built on."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session, col, select

from bot.domain import audit
from bot.domain.formatting import format_day
from bot.domain.totals.rollup import rebuild_area_rollup
from bot.i18n import N_, Translator
from db.models import Unit
from db.queries import get_unit

REQUIRED_COLUMNS = ("code", "name", "kind", "parent_code")


class UnitImportError(Exception):
    """The file cannot be imported; nothing was written. `problems` lists them by line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class UnitMove:
    """An existing unit put under another parent; `carried` counts the units under it that moved along."""

    code: str
    old_parent: str | None
    new_parent: str | None
    carried: int = 0

    def describe(self) -> str:
        line = f"moved: {self.code} from {self.old_parent or '(top level)'} to {self.new_parent or '(top level)'}"
        return line + (f" (with the {self.carried} unit(s) under it)" if self.carried else "")


@dataclass
class UnitImportReport:
    """What an import did. `created`, `updated` (same parent) and `moved` (new parent) count file lines."""

    created: int = 0
    updated: int = 0
    moves: list[UnitMove] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)

    @property
    def moved(self) -> int:
        return len(self.moves)


def is_within(unit: Unit, ancestor: Unit) -> bool:
    """True when `unit` is `ancestor` itself or lies anywhere under it."""
    return unit.path.startswith(ancestor.path)


def import_units_csv(session: Session, source: Path | str, *, user_id: int | None = None) -> UnitImportReport:
    """Create, update and move units from a `code,name,kind,parent_code` CSV, all or nothing.

    Parents may come later in the file or already exist in the database. Re-importing the same file
    is harmless (units are matched by code), so a province can re-send a corrected list. A unit given
    a new parent takes its whole subtree along: access follows the materialised paths, so leaving a
    commune's villages behind would let the old district's officers keep reading them. A parent that
    would put a unit under itself (within the file, or through units already in the database) is
    refused with its line number, because a cycle has no path at all.
    """
    text = source.read_text(encoding="utf-8-sig") if isinstance(source, Path) else source
    rows = list(csv.DictReader(io.StringIO(text)))
    problems: list[str] = []
    if not rows:
        raise UnitImportError(["the file has no rows"])
    missing = [c for c in REQUIRED_COLUMNS if c not in (rows[0].keys() or [])]
    if missing:
        raise UnitImportError([f"missing column(s): {', '.join(missing)}"])
    by_code: dict[str, dict[str, str]] = {}
    for line_no, row in enumerate(rows, start=2):
        code = (row["code"] or "").strip()
        name = (row["name"] or "").strip()
        kind = (row["kind"] or "").strip()
        if not code or not name or not kind:
            problems.append(f"line {line_no}: code, name and kind are required")
            continue
        if code in by_code:
            problems.append(f"line {line_no}: code {code} appears twice")
            continue
        by_code[code] = {"name": name, "kind": kind, "parent_code": (row["parent_code"] or "").strip(),
                         "line": str(line_no)}
    stored = session.exec(select(col(Unit.id), col(Unit.code), col(Unit.parent_id))).all()
    code_of = {uid: code for uid, code, _pid in stored}
    stored_parent = {code: (code_of[pid] if pid is not None else None) for _uid, code, pid in stored}
    for code, row in by_code.items():
        parent = row["parent_code"]
        if parent and parent not in by_code and parent not in stored_parent:
            problems.append(f"line {row['line']}: parent {parent} of {code} is unknown")
    _refuse_cycles(by_code, stored_parent, problems)
    if problems:
        raise UnitImportError(problems)
    try:
        report = _apply(session, by_code, stored_parent)
        if report.moves:  # their records now count in other areas
            rebuild_area_rollup(session)
        audit.record(session, user_id=user_id, action="import", entity="unit", entity_id=None,
                     details={"created": report.created, "updated": report.updated,
                              "moved": [m.describe() for m in report.moves]})
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return report


def _refuse_cycles(by_code: dict[str, dict[str, str]], stored_parent: dict[str, str | None],
                   problems: list[str]) -> None:
    """Follow every unit of the file up to its root through the parents it will have after the import
    (the file's for units in it, the database's for the others); report each cycle once, on one line."""

    def parent_of(code: str) -> str | None:
        return (by_code[code]["parent_code"] or None) if code in by_code else stored_parent.get(code)

    settled: set[str] = set()
    for start in by_code:
        trail: list[str] = []
        position: dict[str, int] = {}
        code: str | None = start
        while code is not None and code not in settled and code not in position:
            position[code] = len(trail)
            trail.append(code)
            code = parent_of(code)
        settled.update(trail)
        if code is None or code not in position:
            continue
        cycle = trail[position[code]:]
        # Blame the line that re-parents a unit already stored (a cycle through the database needs one);
        # within the file alone, the earliest line of the cycle.
        first = min((c for c in cycle if c in by_code),
                    key=lambda c: (c not in stored_parent or stored_parent[c] == parent_of(c), int(by_code[c]["line"])))
        at = cycle.index(first)
        ring = [*cycle[at:], *cycle[:at], first]
        problems.append(f"line {by_code[first]['line']}: parent {ring[1]} of {first} makes a cycle in parents: "
                        f"{' -> '.join(ring)}")


def _apply(session: Session, by_code: dict[str, dict[str, str]],
           stored_parent: dict[str, str | None]) -> UnitImportReport:
    """Write the file's units, then their parents, then every path and depth that changed.

    Three flushes whatever the file's length, each one batched statement per kind of change, instead of
    a flush a line: the official list of the whole country is 3,355 lines
    (bot/domain/units/official.py), and a flush a line was most of its import time. Only
    values that differ are set, so re-importing an unchanged list writes nothing.
    """
    report = UnitImportReport()
    units = {unit.code: unit for unit in session.exec(select(Unit)).all()}
    order = _parents_first(by_code)
    for code in order:
        row = by_code[code]
        unit = units.get(code)
        if unit is None:
            unit = Unit(code=code, name=row["name"], kind=row["kind"])
            units[code] = unit
            session.add(unit)
            report.created += 1
            continue
        if stored_parent.get(code) != (row["parent_code"] or None):
            report.moves.append(UnitMove(code, stored_parent.get(code), row["parent_code"] or None))
        else:
            report.updated += 1
        if (unit.name, unit.kind) != (row["name"], row["kind"]):
            unit.name, unit.kind = row["name"], row["kind"]
    session.flush()  # the new units get their ids
    for code in order:
        parent_code = by_code[code]["parent_code"]
        parent_id = units[parent_code].id if parent_code else None
        if units[code].parent_id != parent_id:
            units[code].parent_id = parent_id
    session.flush()
    report.codes.extend(order)
    descendants = rewrite_paths(session)
    for move in report.moves:
        move.carried = descendants.get(units[move.code].id or 0, 0)
    return report


def rewrite_paths(session: Session) -> dict[int, int]:
    """Recompute every unit's materialised path and depth from the parents, in this transaction.

    Moves are rare and trees are small (a province has a few thousand units), so recomputing from the
    parent links is simpler and safer than patching prefixes subtree by subtree, and it cannot miss a
    descendant. Only rows that changed are written. Returns, per unit id, how many units are under it.
    """
    session.flush()
    links = [(uid, pid, path, depth) for uid, pid, path, depth
             in session.exec(select(col(Unit.id), col(Unit.parent_id), col(Unit.path), col(Unit.depth))).all()
             if uid is not None]
    children: dict[int | None, list[int]] = {}
    for uid, pid, _path, _depth in links:
        children.setdefault(pid, []).append(uid)
    new: dict[int, tuple[str, int]] = {}
    below: dict[int, int] = {}
    order: list[int] = []
    stack = [(uid, "/", 0) for uid in children.get(None, [])]
    while stack:
        uid, prefix, depth = stack.pop()
        new[uid] = (f"{prefix}{uid}/", depth)
        order.append(uid)
        stack.extend((child, new[uid][0], depth + 1) for child in children.get(uid, []))
    if len(new) != len(links):  # unreachable from a root: a cycle slipped past the checks
        raise UnitImportError(["the unit tree would contain a cycle"])
    parent_of = {uid: pid for uid, pid, _path, _depth in links}
    for uid in reversed(order):  # children before parents
        pid = parent_of[uid]
        if pid is not None:
            below[pid] = below.get(pid, 0) + below.get(uid, 0) + 1
    changed = [uid for uid, _pid, path, depth in links if new[uid] != (path, depth)]
    for chunk_start in range(0, len(changed), 500):
        chunk = changed[chunk_start:chunk_start + 500]
        for unit in session.exec(select(Unit).where(col(Unit.id).in_(chunk))).all():
            assert unit.id is not None
            unit.path, unit.depth = new[unit.id]
            session.add(unit)
    session.flush()
    return below


def _parents_first(by_code: dict[str, dict[str, str]]) -> list[str]:
    """Order codes so each parent in the file comes before its children (cycles are refused before)."""
    order: list[str] = []
    done: set[str] = set()
    for start in by_code:
        chain: list[str] = []
        code = start
        while code in by_code and code not in done and code not in chain:
            chain.append(code)
            code = by_code[code]["parent_code"]
        for code in reversed(chain):
            done.add(code)
            order.append(code)
    return order


UNIT_KINDS = {
    "province": N_("province"),
    "city": N_("city"),
    "district": N_("district"),
    "town": N_("town"),
    "township": N_("township"),
    "commune": N_("commune"),
    "special_zone": N_("special zone"),
    "ward": N_("ward"),
    "village": N_("village"),
}


def unit_display(t: Translator, unit: Unit) -> str:
    """"xã Ia Rsai" in Vietnamese, "Ia Rsai commune" in English; unknown kinds shown as typed."""
    kind = UNIT_KINDS.get(unit.kind)
    if kind is None:
        return unit.name
    return t("{kind} {name}").format(kind=t(kind), name=unit.name)


def unit_kind(session: Session, unit_id: int | None) -> str | None:
    """The kind of a unit ("commune", "city"…): what organisations named for it take as their level."""
    unit = get_unit(session, unit_id=unit_id) if unit_id is not None else None
    return unit.kind if unit else None


def unit_label(session: Session, t: Translator, unit_id: int) -> str:
    unit = get_unit(session, unit_id=unit_id)
    return unit_display(t, unit) if unit else "?"


def origin_label(session: Session, t: Translator, origin_unit_id: int | None) -> str:
    """Where a record moved by a merge was logged: "from xã Hoa Thám, merged 1/7/2025" ("" when it
    was never moved). The drill-down and /history name it, so a supervisor checking a merged
    commune's figure sees which old commune each record came from."""
    if origin_unit_id is None:
        return ""
    origin = get_unit(session, unit_id=origin_unit_id)
    if origin is None:
        return ""
    if origin.merged_on is None:
        return t("from {unit}").format(unit=unit_display(t, origin))
    return t("from {unit}, merged {date}").format(unit=unit_display(t, origin),
                                                  date=format_day(origin.merged_on, t.locale))
