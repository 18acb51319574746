"""The administrative tree: import from CSV, and the "is this under that" rule access is built on."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from sqlmodel import Session

from bot.i18n import N_, Translator
from bot.services import audit
from db.models import Unit
from db.queries import get_unit, get_unit_by_code

REQUIRED_COLUMNS = ("code", "name", "kind", "parent_code")


class UnitImportError(Exception):
    """The file cannot be imported; nothing was written. `problems` lists them by line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass
class UnitImportReport:
    created: int = 0
    updated: int = 0
    codes: list[str] = field(default_factory=list)


def is_within(unit: Unit, ancestor: Unit) -> bool:
    """True when `unit` is `ancestor` itself or lies anywhere under it."""
    return unit.path.startswith(ancestor.path)


def import_units_csv(session: Session, source: Path | str, *, user_id: int | None = None) -> UnitImportReport:
    """Create or update units from a `code,name,kind,parent_code` CSV, all or nothing.

    Parents may come later in the file or already exist in the database. Re-importing the same file
    is harmless (units are matched by code), so a province can re-send a corrected list.
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
    for code, row in by_code.items():
        parent = row["parent_code"]
        if parent and parent not in by_code and get_unit_by_code(session, code=parent) is None:
            problems.append(f"line {row['line']}: parent {parent} of {code} is unknown")
    order = _parents_first(by_code, problems)
    if problems:
        raise UnitImportError(problems)

    report = UnitImportReport()
    for code in order:
        row = by_code[code]
        parent_unit = get_unit_by_code(session, code=row["parent_code"]) if row["parent_code"] else None
        unit = get_unit_by_code(session, code=code)
        if unit is None:
            unit = Unit(code=code, name=row["name"], kind=row["kind"])
            report.created += 1
        else:
            report.updated += 1
        unit.name, unit.kind = row["name"], row["kind"]
        unit.parent_id = parent_unit.id if parent_unit else None
        session.add(unit)
        session.flush()
        unit.path = f"{parent_unit.path if parent_unit else '/'}{unit.id}/"
        unit.depth = (parent_unit.depth + 1) if parent_unit else 0
        session.add(unit)
        session.flush()
        report.codes.append(code)
    audit.record(session, user_id=user_id, action="import", entity="unit", entity_id=None,
                 details={"created": report.created, "updated": report.updated})
    session.commit()
    return report


def _parents_first(by_code: dict[str, dict[str, str]], problems: list[str]) -> list[str]:
    """Order codes so each parent in the file comes before its children; report cycles."""
    order: list[str] = []
    state: dict[str, str] = {}

    def visit(code: str, trail: list[str]) -> None:
        if state.get(code) == "done":
            return
        if state.get(code) == "visiting":
            problems.append(f"cycle in parents: {' -> '.join([*trail, code])}")
            return
        state[code] = "visiting"
        parent = by_code[code]["parent_code"]
        if parent in by_code:
            visit(parent, [*trail, code])
        state[code] = "done"
        order.append(code)

    for code in by_code:
        visit(code, [])
    return order


UNIT_KINDS = {
    "province": N_("province"),
    "city": N_("city"),
    "district": N_("district"),
    "town": N_("town"),
    "township": N_("township"),
    "commune": N_("commune"),
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
