"""The household register: import of the commune's poverty review list, search, a household's
history, and "no one left behind" (registered households that received nothing).

Household names are personal data (Decree 13/2023): they are shown only to users whose unit is the
household's unit or above it (`can_see_household`), never logged, and exports follow the same rule.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.catalogue_file import CatalogueFile
from bot.i18n import Translator
from bot.parsing.matcher import matcher_for
from bot.parsing.numbers import ascii_int
from bot.parsing.text import fold
from bot.services import audit
from bot.services.totals import subtree_unit_ids
from bot.services.units import is_within
from db.models import ActionStatus, Category, Household, SupportAction, Unit, User
from db.queries import get_unit, get_unit_by_code

# The columns of a review list and the headers communes actually use for them (folded).
COLUMN_SYNONYMS: dict[str, tuple[str, ...]] = {
    "code": ("ma ho", "ma so ho", "ma", "code", "household code", "so thu tu ho"),
    "head_name": ("chu ho", "ho ten chu ho", "ten chu ho", "ho va ten chu ho", "ho ten", "head", "head of household"),
    "village": ("thon", "ban", "buon", "to dan pho", "thon/ban", "thon, ban", "khoi pho", "village"),
    "classification": ("phan loai", "loai ho", "dien", "phan loai ho", "classification"),
    "year": ("nam", "nam ra soat", "year"),
    "members": ("so nhan khau", "nhan khau", "so khau", "so thanh vien", "members"),
    "notes": ("ghi chu", "notes", "note"),
    "tags": ("danh dau", "nha o khong an toan", "tags"),
    "unit_code": ("ma don vi", "ma xa", "unit code", "unit_code"),
}
REQUIRED = ("code", "head_name", "classification")
LEFT_BEHIND_CLASSES = ("poor", "near_poor")
UNSAFE_HOUSING_WORDS = {"x", "co", "yes", "1", "unsafe_housing", "nha o khong an toan", "nha tam"}


class HouseholdImportError(Exception):
    """Nothing was imported; `problems` lists each bad line with its reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class UnreadableFile(HouseholdImportError):
    """The file is not a CSV or XLSX table at all (not even its header could be read)."""


@dataclass
class ImportPreview:
    """What an import would do: the detected column mapping and the rows, already checked."""

    mapping: dict[str, str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    restoring: list[str] = field(default_factory=list)  # codes of erased households the file names again


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did. `restored`: codes of households whose erased details the file stored again."""

    created: int
    updated: int
    restored: list[str]


def _table_rows(content: bytes, filename: str) -> list[list[str]]:
    """Cells of the first sheet (XLSX) or of a CSV file (UTF-8, comma or semicolon)."""
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(content), read_only=True, data_only=True).worksheets[0]
        return [["" if cell is None else str(cell).strip() for cell in row]
                for row in sheet.iter_rows(values_only=True)]
    text = content.decode("utf-8-sig")
    dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=",;\t")
    return [[cell.strip() for cell in row] for row in csv.reader(io.StringIO(text), dialect)]


def classify(text: str, catalogue: CatalogueFile) -> str | None:
    """A beneficiary-class code for what the list says ("Hộ nghèo", "can ngheo", "poor"): the whole
    cell must name one class, read by the one catalogue matcher."""
    matcher = matcher_for(catalogue)
    return matcher.exact(text, matcher.classes)


def preview_import(session: Session, *, unit: Unit, content: bytes, filename: str, catalogue: CatalogueFile,
                   default_year: int) -> ImportPreview:
    """Read a review list and check every row; nothing is written (see `apply_import`)."""
    try:
        table = [row for row in _table_rows(content, filename) if any(row)]
    except (UnicodeDecodeError, csv.Error, ValueError, OSError, KeyError, IndexError, TypeError,
            zipfile.BadZipFile, InvalidFileException):  # e.g. a ".xlsx" that is really something else
        raise UnreadableFile(["the file is not a readable CSV or XLSX table"]) from None
    if len(table) < 2:
        raise HouseholdImportError(["the file has no data rows"])
    headers = [fold(h) for h in table[0]]
    mapping: dict[str, str] = {}
    for key, synonyms in COLUMN_SYNONYMS.items():
        for index, header in enumerate(headers):
            if header in synonyms and key not in mapping:
                mapping[key] = table[0][index]
    missing = [k for k in REQUIRED if k not in mapping]
    if missing:
        raise HouseholdImportError([f"missing column(s): {', '.join(missing)}"])
    position = {key: table[0].index(header) for key, header in mapping.items()}
    preview = ImportPreview(mapping=mapping)
    seen: set[tuple[int, str]] = set()
    for line_no, cells in enumerate(table[1:], start=2):
        def cell(key: str, cells: list[str] = cells) -> str:
            index = position.get(key)
            return cells[index].strip() if index is not None and index < len(cells) else ""

        row_unit = unit
        if cell("unit_code"):
            found = get_unit_by_code(session, code=cell("unit_code"))
            if found is None or not is_within(found, unit):
                preview.problems.append(f"line {line_no}: unit {cell('unit_code')} is not under {unit.code}")
                continue
            row_unit = found
        code, head = cell("code"), cell("head_name")
        if not code or not head:
            preview.problems.append(f"line {line_no}: household code and head of household are required")
            continue
        classification = classify(cell("classification"), catalogue)
        if classification is None:
            preview.problems.append(f"line {line_no}: unknown classification “{cell('classification')[:40]}”")
            continue
        year_text, members_text = cell("year"), cell("members")
        year, members = ascii_int(year_text, low=2000, high=2100), ascii_int(members_text, low=1, high=99)
        if year_text and year is None:
            preview.problems.append(f"line {line_no}: year “{year_text[:10]}” is not a year")
            continue
        if members_text and members is None:
            preview.problems.append(f"line {line_no}: number of members “{members_text[:10]}” is not valid")
            continue
        unit_and_code = (int(row_unit.id or 0), code)
        if unit_and_code in seen:
            preview.problems.append(f"line {line_no}: household code {code} appears twice")
            continue
        seen.add(unit_and_code)
        tags = ["unsafe_housing"] if fold(cell("tags")) in UNSAFE_HOUSING_WORDS else []
        preview.rows.append({"unit_id": row_unit.id, "code": code, "head_name": head[:200],
                             "village": cell("village")[:200] or None, "classification": classification,
                             "year": year or default_year, "members": members,
                             "notes": cell("notes")[:1000] or None, "tags": tags})
    preview.restoring = _erased_codes(session, preview.rows)
    return preview


def _erased_codes(session: Session, rows: list[dict[str, Any]]) -> list[str]:
    """Codes among `rows` whose household in the register had its personal details erased."""
    if not rows:
        return []
    erased = session.exec(select(Household.unit_id, Household.code).where(
        col(Household.erased_at).is_not(None), col(Household.code).in_({row["code"] for row in rows}))).all()
    wanted = {(unit_id, code) for unit_id, code in erased}
    return [row["code"] for row in rows if (row["unit_id"], row["code"]) in wanted]


def apply_import(session: Session, *, preview: ImportPreview, user: User) -> ImportOutcome:
    """Write a checked preview, all or nothing.

    A household whose details were erased is updated like any other: the file is the commune's new
    review list, its legitimate data. It is not silent: the outcome lists those codes (the reply and
    the preview say so) and the audit entry counts them."""
    if preview.problems:
        raise HouseholdImportError(preview.problems)
    created = updated = 0
    restored: list[str] = []
    for row in preview.rows:
        household = session.exec(select(Household).where(Household.unit_id == row["unit_id"],
                                                         Household.code == row["code"])).first()
        if household is None:
            household = Household(**row, head_folded=fold(row["head_name"]))
            created += 1
        else:
            for key, value in row.items():
                setattr(household, key, value)
            household.head_folded = fold(row["head_name"])
            if household.erased_at is not None:
                household.erased_at = None
                restored.append(household.code)
            updated += 1
        session.add(household)
    audit.record(session, user_id=user.id, action="import", entity="household", entity_id=None,
                 details={"created": created, "updated": updated, "restored": len(restored)})
    session.commit()
    return ImportOutcome(created=created, updated=updated, restored=restored)


def upsert_household(session: Session, *, user: User, unit: Unit, code: str, head_name: str, village: str | None,
                     classification: str, year: int, members: int | None) -> tuple[Household, bool, bool]:
    """Add a household in chat, or edit the one with the same code in that unit. Returns (household,
    created, restored): `restored` when its details had been erased and the typed name is stored again."""
    household = session.exec(select(Household).where(Household.unit_id == unit.id, Household.code == code)).first()
    created = household is None
    restored = household is not None and household.erased_at is not None
    household = household or Household(unit_id=unit.id or 0, code=code, head_name=head_name, head_folded="",
                                       classification=classification, year=year)
    household.head_name, household.head_folded = head_name, fold(head_name)
    household.village, household.classification, household.year, household.members = (
        village, classification, year, members)
    household.erased_at = None
    session.add(household)
    session.flush()
    audit.record(session, user_id=user.id, action="create" if created else "update", entity="household",
                 entity_id=household.id, details={"restored": True} if restored else None)
    session.commit()
    return household, created, restored


def can_see_household(session: Session, *, user: User, household: Household) -> bool:
    """Names are visible inside the household's unit and the units above it only."""
    own, unit = get_unit(session, unit_id=user.unit_id), get_unit(session, unit_id=household.unit_id)
    return own is not None and unit is not None and is_within(unit, own)


def search_households(session: Session, *, user: User, text: str, limit: int = 8) -> Sequence[Household]:
    """Households the user may see whose head's name or code contains `text` (diacritics optional)."""
    own = get_unit(session, unit_id=user.unit_id)
    folded = fold(text).strip()
    if own is None or not folded:
        return []
    query = (select(Household).where(col(Household.unit_id).in_(subtree_unit_ids(session, root=own)))
             .where(col(Household.head_folded).contains(folded, autoescape=True)  # "%" and "_" are literal
                   | (col(Household.code) == text.strip()))
             .order_by(col(Household.head_folded)).limit(limit))
    return session.exec(query).all()


def household_history(session: Session, *, household: Household) -> Sequence[SupportAction]:
    """Everything the household received, from every organisation, oldest first (current versions)."""
    return session.exec(select(SupportAction).where(SupportAction.household_id == household.id,
                                                    col(SupportAction.status) == ActionStatus.CURRENT)
                        .order_by(col(SupportAction.action_date), col(SupportAction.id))).all()


def unreached_households(session: Session, *, unit: Unit, start: date, end: date, category_code: str | None = None,
                         classes: Sequence[str] = LEFT_BEHIND_CLASSES, tag: str | None = None) -> list[Household]:
    """Registered households of these classes in `unit`'s subtree that received no support in the
    period (or none of `category_code`); `tag` narrows the list, e.g. "unsafe_housing"."""
    reached = (select(SupportAction.household_id)
               .where(col(SupportAction.household_id).is_not(None), col(SupportAction.status) == ActionStatus.CURRENT,
                      col(SupportAction.action_date) >= start, col(SupportAction.action_date) <= end))
    if category_code is not None:
        reached = reached.join(Category, col(Category.id) == SupportAction.category_id).where(
            col(Category.code) == category_code)
    households = session.exec(
        select(Household).where(col(Household.unit_id).in_(subtree_unit_ids(session, root=unit)),
                                col(Household.classification).in_(list(classes)),
                                col(Household.id).not_in(reached))
        .order_by(col(Household.unit_id), col(Household.village), col(Household.head_folded))).all()
    return [h for h in households if tag is None or tag in (h.tags or [])]


def left_behind_line(session: Session, *, t: Translator, unit: Unit, start: date, end: date) -> str | None:
    """"Registered poor or near-poor households not yet supported in the period: 2 (/unreached)." — or None
    when the unit has no register yet (then the figure would mean nothing). Counts only, no names."""
    registered = session.exec(select(func.count(col(Household.id))).where(
        col(Household.unit_id).in_(subtree_unit_ids(session, root=unit)))).one()
    if not registered:
        return None
    count = len(unreached_households(session, unit=unit, start=start, end=end))
    return t("Registered poor or near-poor households not yet supported in this period: {count} (/unreached).").format(
        count=count)
