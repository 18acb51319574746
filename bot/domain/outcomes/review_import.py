"""Importing the review figures from a sheet: one row per unit (its code or name), one column per figure.

All or nothing, like the household list: every row is read and checked first (the same checks as the
form, so a row whose figures do not add up is refused with the reason and its line number), and only
a sheet without problems is written, in one transaction; a row that changes figures already entered is
a correction (the next version, audited). Reading uses the household import's streamed, size-checked
reader. Plain blocking code, run by the handler in a worker thread with its own session.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import NoReturn

from sqlmodel import Session

from bot.domain.households.imports import ListTooLarge, read_table
from bot.domain.outcomes.figures import (
    FIGURES,
    STAGES,
    ReviewNotAllowed,
    ReviewRejected,
    annual_review,
    check,
    reporting_units,
    save_review,
)
from bot.domain.outcomes.text import problem_text
from bot.domain.parsing.errors import NumberError
from bot.domain.parsing.numbers import parse_count
from bot.domain.parsing.review_line import STAGE_WORDS
from bot.domain.parsing.text import fold
from bot.domain.permissions import Do, may
from bot.domain.units.tree import unit_display
from bot.i18n import Translator
from db.models import Unit, User
from db.queries import get_unit

MAX_ROWS = 5_000
"""A province has at most ~170 communes, the whole country ~3,300: more rows is not a review sheet."""

COLUMNS: dict[str, tuple[str, ...]] = {
    "unit_code": ("ma don vi", "ma xa", "ma", "unit code", "code"),
    "unit_name": ("don vi", "ten don vi", "xa", "ten xa", "xa, phuong", "xa/phuong", "unit"),
    "year": ("nam", "nam ra soat", "year"),
    "stage": ("ky", "dot", "stage"),
    "total_households": ("tong so ho", "tong so ho dan cu", "so ho dan cu", "tong so ho cuoi nam", "total households"),
    "poor": ("ho ngheo", "so ho ngheo", "ho ngheo cuoi nam", "so ho ngheo cuoi nam", "poor households", "poor"),
    "near_poor": ("ho can ngheo", "so ho can ngheo", "ho can ngheo cuoi nam", "near-poor households", "near_poor"),
    "total_start": ("tong so ho dau nam", "total households at the start of the year", "total_start"),
    "poor_start": ("ho ngheo dau nam", "so ho ngheo dau nam", "poor households at the start of the year",
                   "poor_start"),
    "near_poor_start": ("ho can ngheo dau nam", "so ho can ngheo dau nam",
                        "near-poor households at the start of the year", "near_poor_start"),
    "poor_persons": ("khau ngheo", "nhan khau ngheo", "so khau ngheo", "persons in poor households", "poor_persons"),
    "near_poor_persons": ("khau can ngheo", "nhan khau can ngheo", "so khau can ngheo",
                          "persons in near-poor households", "near_poor_persons"),
    "escaped": ("thoat ngheo", "ho thoat ngheo", "so ho thoat ngheo", "households that escaped poverty", "escaped"),
    "fell_back": ("tai ngheo", "ho tai ngheo", "so ho tai ngheo", "households that fell back into poverty",
                  "fell_back"),
    "new_poor": ("phat sinh", "ho ngheo phat sinh", "ngheo phat sinh", "so ho ngheo phat sinh", "newly poor households",
                 "new_poor"),
    "escaped_near": ("thoat can ngheo", "ho thoat can ngheo", "so ho thoat can ngheo",
                     "households that escaped near-poverty", "escaped_near"),
}
"""The columns a review sheet may have and the (folded) headers used for them."""


class ReviewSheetError(Exception):
    """Nothing was imported; `problems` are the reasons, in the user's language, by line."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(f"{len(problems)} problem(s)")
        self.problems = problems


@dataclass
class SheetOutcome:
    created: int = 0
    corrected: int = 0
    unchanged: int = 0
    units: list[str] = field(default_factory=list)


def _mapping(header: list[str]) -> dict[str, int]:
    folded = [fold(h).strip(" :*") for h in header]
    found: dict[str, int] = {}
    for key, synonyms in COLUMNS.items():
        for index, text in enumerate(folded):
            if text in synonyms and key not in found and index not in found.values():
                found[key] = index
    return found


def import_sheet(session: Session, *, user: User, content: bytes, filename: str, default_year: int, t: Translator,
                 now: datetime) -> SheetOutcome:
    """Read, check and (when every row is right) store a review sheet. Raises ReviewSheetError."""
    own = get_unit(session, unit_id=user.unit_id)
    if own is None:
        raise ReviewSheetError([t("Your unit was not found.")])
    rows = read_table(content, filename)
    header = next(rows, None)
    position = _mapping(header or [])
    missing = [k for k in ("total_households", "poor", "near_poor") if k not in position]
    if "unit_code" not in position and "unit_name" not in position:
        missing.insert(0, "unit")
    if header is None or missing:
        return _refuse([t("The sheet needs a column for the unit (code or name), the total households, the poor "
                          "and the near-poor households; the first row must name the columns.")])
    units = reporting_units(session, root=own)
    by_code = {u.code.casefold(): u for u in units}
    by_name = {fold(u.name): u for u in units}
    problems: list[str] = []
    checked: list[tuple[Unit, int, str, dict[str, int | None]]] = []
    seen: set[tuple[int, int, str]] = set()
    for line_no, cells in enumerate(rows, start=2):
        if line_no > MAX_ROWS + 1:
            raise ListTooLarge
        if not any(cells):
            continue

        def cell(key: str, cells: list[str] = cells) -> str:
            index = position.get(key)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        code, name = cell("unit_code"), cell("unit_name")
        unit = by_code.get(code.casefold()) if code else None
        unit = unit or (by_name.get(_without_kind(fold(name))) if name else None)
        label = code or name
        if unit is None:
            problems.append(t("Line {line}: “{unit}” is not a commune of your unit.").format(line=line_no, unit=label))
            continue
        year = _year(cell("year"), default_year)
        stage = _stage(cell("stage"))
        if year is None or stage not in STAGES:
            problems.append(t("Line {line}: the year “{year}” cannot be read.").format(line=line_no, year=cell("year")))
            continue
        figures: dict[str, int | None] = {}
        for name_ in FIGURES:
            text = cell(name_)
            if not text or text in ("-", "–"):
                continue
            try:
                figures[name_] = 0 if text in ("0", "0.0") else parse_count(text.removesuffix(".0"))
            except NumberError:
                problems.append(t("Line {line}: “{text}” is not a number.").format(line=line_no, text=text))
        reasons = check(figures, annual_review(session, unit_id=unit.id or 0, year=year - 1))
        if reasons:
            problems.append(t("Line {line} ({unit}): {reasons}").format(
                line=line_no, unit=unit_display(t, unit), reasons=" ".join(problem_text(t, c, v) for c, v in reasons)))
            continue
        if (unit.id or 0, year, stage) in seen:
            problems.append(t("Line {line}: {unit} is in the sheet twice.").format(line=line_no,
                                                                                unit=unit_display(t, unit)))
            continue
        seen.add((unit.id or 0, year, stage))
        checked.append((unit, year, stage, figures))
    if problems:
        return _refuse(problems)
    if not checked:
        return _refuse([t("The sheet has no rows of figures.")])
    outcome = SheetOutcome()
    for unit, year, stage, figures in checked:
        if not may(user, Do.WORK_IN_UNIT, unit, session=session):
            return _refuse([t("You cannot enter figures for {unit}.").format(unit=unit_display(t, unit))])
        try:
            saved = save_review(session, user=user, unit=unit, year=year, stage=stage, figures=figures, now=now,
                                source="sheet", commit=False)
        except (ReviewRejected, ReviewNotAllowed):  # checked above; a change in between refuses the sheet
            session.rollback()
            return _refuse([t("The figures of {unit} changed meanwhile; please send the sheet again.").format(
                unit=unit_display(t, unit))])
        setattr(outcome, saved.outcome, getattr(outcome, saved.outcome) + 1)
        outcome.units.append(unit_display(t, unit))
    session.commit()
    return outcome


def _refuse(problems: list[str]) -> NoReturn:
    raise ReviewSheetError(problems)


def _without_kind(name: str) -> str:
    """"xa ia rsai" → "ia rsai": sheets often write the kind before the name."""
    for kind in ("xa ", "phuong ", "thi tran ", "dac khu "):
        if name.startswith(kind):
            return name[len(kind):]
    return name


def _stage(text: str) -> str:
    """"" or "cả năm" → the annual review; "quý 1", "6 tháng", "quý 3" (or the codes) → an update."""
    folded = fold(text).strip()
    if folded in ("", "ca nam", "cuoi nam", "nam", "year"):
        return "year"
    return next((stage for words, stage in STAGE_WORDS if folded == words), folded)


def _year(text: str, default: int) -> int | None:
    text = text.strip().removesuffix(".0")
    if not text:
        return default
    return int(text) if text.isascii() and text.isdigit() and 2000 <= int(text) <= 2100 else None
