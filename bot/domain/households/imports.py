"""Importing a commune's poverty review list (CSV/XLSX): read and check it, keep it as an upload until the
user confirms, then write it.

Why it is built this way: a list can be large (a district sends 50,000 rows) and a small file can be huge
once unzipped (XLSX is a zip of XML). So everything here is plain blocking code meant to run in a worker
thread with its own session (the handler never runs it on the event loop); rows are streamed and counted
against `MAX_ROWS`; an XLSX's members are measured before anything is parsed (`MAX_UNZIPPED_BYTES`);
the checks and the writes use a handful of set-based queries instead of one per row; and the checked
rows wait in `household_upload`, not in the conversation's persisted user_data.

`progress(done, total)` is called from the worker thread every `BATCH` rows (`total` is 0 while a file is
being read, since its length is not known yet).
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from xml.parsers.expat import ExpatError

from defusedxml import DefusedXmlException
from sqlalchemy import delete, insert, update
from sqlmodel import Session, col, select

from bot.domain import audit
from bot.domain.catalogue.file import CatalogueFile
from bot.domain.households.register import classify
from bot.domain.parsing.numbers import ascii_int
from bot.domain.parsing.text import fold
from bot.domain.permissions import Do, may
from bot.i18n import N_, Translator
from db.models import Household, HouseholdUpload, Unit, User
from db.queries import get_unit

MAX_ROWS = 60_000
MAX_UNZIPPED_BYTES = 40 * 1024 * 1024
MAX_COLUMNS = 64
MAX_ZIP_MEMBERS = 500
BATCH = 1000
UPLOAD_KEPT = timedelta(days=1)

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
FIELD_LABELS = {
    "code": N_("household code"), "head_name": N_("head of household"), "village": N_("village"),
    "classification": N_("classification"), "year": N_("year"), "members": N_("members"), "notes": N_("notes"),
    "tags": N_("marks"), "unit_code": N_("unit code"),
}
"""What each column is called to the user (msgids)."""
UNSAFE_HOUSING_WORDS = {"x", "co", "yes", "1", "unsafe_housing", "nha o khong an toan", "nha tam"}

Progress = Callable[[int, int], None]


def _no_progress(_done: int, _total: int) -> None:
    """Default `progress`: nobody is watching."""


class HouseholdImportError(Exception):
    """Nothing was imported; `problems` lists each bad line with its reason, in the user's language."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


class UnreadableFile(HouseholdImportError):
    """The file is not a CSV or XLSX table at all (not even its header could be read)."""

    def __init__(self) -> None:
        super().__init__(["the file is not a readable CSV or XLSX table"])


class DamagedSheet(HouseholdImportError):
    """An .xlsx whose XML cannot be parsed: malformed (a broken tool, a cut-off file) or refused for safety
    (entity declarations: "billion laughs" expansion, external entities; openpyxl parses with defusedxml)."""

    def __init__(self) -> None:
        super().__init__(["the sheet XML is damaged or declares entities"])


class ListTooLarge(Exception):
    """The file is over `MAX_ROWS` rows or `MAX_UNZIPPED_BYTES` once unzipped (the reply names both)."""


@dataclass
class ImportPreview:
    """What an import would do: the detected column mapping and the rows, already checked."""

    mapping: dict[str, str]
    rows: list[dict[str, Any]] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    restoring: list[str] = field(default_factory=list)  # codes of erased households the file names again
    upload_id: int | None = None


@dataclass(frozen=True)
class ImportOutcome:
    """What an import did. `restored`: codes of households whose erased details the file stored again."""

    created: int
    updated: int
    restored: list[str]


def _check_zip(content: bytes) -> None:
    """Refuse a zip bomb before parsing: the members' declared sizes (which zipfile enforces on reading)."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            members = archive.infolist()
    except zipfile.BadZipFile:  # e.g. a ".xlsx" that is really something else
        raise UnreadableFile from None
    if len(members) > MAX_ZIP_MEMBERS or sum(m.file_size for m in members) > MAX_UNZIPPED_BYTES:
        raise ListTooLarge


def _cells(content: bytes, filename: str) -> Iterator[list[str]]:
    """Rows of the first sheet (XLSX, streamed) or of a CSV file (UTF-8, comma, semicolon or tab)."""
    if filename.lower().endswith(".xlsx"):
        _check_zip(content)
        from openpyxl import load_workbook  # heavy: openpyxl brings numpy and PIL (~165 ms, ~25 MiB); only for a sheet
        from openpyxl.utils.exceptions import InvalidFileException  # heavy: the same package

        try:
            workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except InvalidFileException:
            raise UnreadableFile from None
        try:
            for row in workbook.worksheets[0].iter_rows(max_col=MAX_COLUMNS, values_only=True):
                yield ["" if cell is None else str(cell).strip() for cell in row]
        finally:
            workbook.close()
        return
    text = content.decode("utf-8-sig")
    first = text[:text.find("\n")] if "\n" in text else text
    dialect = csv.Sniffer().sniff(first or ",", delimiters=",;\t")
    for row in csv.reader(io.StringIO(text), dialect):
        yield [cell.strip() for cell in row[:MAX_COLUMNS]]


read_table = _cells
"""The same streamed, size-checked reading for other sheets a unit sends (the review figures)."""


def _xml_failure(error: BaseException) -> bool:
    """Whether an XML parser refused the file, anywhere in the chain (openpyxl wraps its parsers' errors
    in a ValueError). ElementTree's and lxml's ParseError are SyntaxErrors; defusedxml's are ValueErrors."""
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        if isinstance(current, SyntaxError | ExpatError | DefusedXmlException):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def _mapping(header: list[str]) -> dict[str, str]:
    headers = [fold(h) for h in header]
    mapping: dict[str, str] = {}
    for key, synonyms in COLUMN_SYNONYMS.items():
        for index, folded in enumerate(headers):
            if folded in synonyms and key not in mapping:
                mapping[key] = header[index]
    return mapping


def read_list(session: Session, *, unit: Unit, content: bytes, filename: str, catalogue: CatalogueFile,
              default_year: int, t: Translator, progress: Progress = _no_progress) -> ImportPreview:
    """Read a review list and check every row; nothing is written (see `save_upload`, `import_upload`).
    The problems are written with `t`: the officer who sent the file reads them as they are.

    Raises ListTooLarge over the limits and HouseholdImportError when the table cannot be used at all."""
    rows = _cells(content, filename)
    try:
        header: list[str] = []
        for header in rows:
            if any(header):
                break
        mapping = _mapping(header)
        if not any(header):
            raise HouseholdImportError([t("the file has no data rows")])
        missing = [k for k in REQUIRED if k not in mapping]
        if missing:
            raise HouseholdImportError([t("missing column(s): {columns}").format(
                columns=", ".join(t(FIELD_LABELS[k]) for k in missing))])
        preview = ImportPreview(mapping=mapping)
        position = {key: header.index(name) for key, name in mapping.items()}
        units = _subtree_by_code(session, unit) if "unit_code" in mapping else {}
        seen: set[tuple[int, str]] = set()
        for count, cells in enumerate(rows, start=1):
            if count > MAX_ROWS:
                raise ListTooLarge
            if count % BATCH == 0:
                progress(count, 0)
            if any(cells):
                _check_row(preview, cells, position, line_no=count + 1, unit=unit, units=units, seen=seen,
                           catalogue=catalogue, default_year=default_year, t=t)
    except (SyntaxError, ExpatError, UnicodeDecodeError, csv.Error, ValueError, OSError, KeyError, IndexError,
            TypeError, zipfile.BadZipFile) as error:
        raise (DamagedSheet() if _xml_failure(error) else UnreadableFile()) from None
    if not preview.rows and not preview.problems:
        raise HouseholdImportError([t("the file has no data rows")])
    preview.restoring = _erased_codes(session, unit, preview.rows)
    return preview


def _check_row(preview: ImportPreview, cells: list[str], position: dict[str, int], *, line_no: int, unit: Unit,
               units: dict[str, Unit], seen: set[tuple[int, str]], catalogue: CatalogueFile,
               default_year: int, t: Translator) -> None:
    """Append the row to `preview.rows`, or its problem to `preview.problems`."""
    def cell(key: str) -> str:
        index = position.get(key)
        return cells[index].strip() if index is not None and index < len(cells) else ""

    def problem(msgid: str, **values: object) -> None:
        preview.problems.append(t("line {line}: ").format(line=line_no) + t(msgid).format(**values))

    row_unit = unit
    if cell("unit_code"):
        found = units.get(cell("unit_code"))
        if found is None:
            problem(N_("unit {code} is not under {unit}"), code=cell("unit_code")[:40], unit=unit.code)
            return
        row_unit = found
    code, head = cell("code"), cell("head_name")
    if not code or not head:
        problem(N_("the household code and the head of household are required"))
        return
    classification = classify(cell("classification"), catalogue)
    if classification is None:
        problem(N_("unknown classification “{value}”"), value=cell("classification")[:40])
        return
    year_text, members_text = cell("year"), cell("members")
    year, members = ascii_int(year_text, low=2000, high=2100), ascii_int(members_text, low=1, high=99)
    if year_text and year is None:
        problem(N_("year “{value}” is not a year from {first} to {last}"), value=year_text[:10], first=2000, last=2100)
        return
    if members_text and members is None:
        problem(N_("number of members “{value}” is not a whole number from 1 to 99"), value=members_text[:10])
        return
    unit_and_code = (int(row_unit.id or 0), code[:64])
    if unit_and_code in seen:
        problem(N_("household code {code} appears twice"), code=code[:64])
        return
    seen.add(unit_and_code)
    tags = ["unsafe_housing"] if fold(cell("tags")) in UNSAFE_HOUSING_WORDS else []
    preview.rows.append({"unit_id": row_unit.id, "code": code[:64], "head_name": head[:200],
                         "village": cell("village")[:200] or None, "classification": classification,
                         "year": year or default_year, "members": members,
                         "notes": cell("notes")[:1000] or None, "tags": tags})


def _subtree_by_code(session: Session, unit: Unit) -> dict[str, Unit]:
    """The unit and every unit under it, by code (one query instead of one per row)."""
    return {u.code: u for u in session.exec(select(Unit).where(col(Unit.path).startswith(unit.path))).all()}


def _subtree_ids(unit: Unit) -> Any:
    return select(Unit.id).where(col(Unit.path).startswith(unit.path))


def _erased_codes(session: Session, unit: Unit, rows: list[dict[str, Any]]) -> list[str]:
    """Codes among `rows` whose household in the register had its personal details erased."""
    if not rows:
        return []
    erased = session.exec(select(Household.unit_id, Household.code).where(
        col(Household.erased_at).is_not(None), col(Household.unit_id).in_(_subtree_ids(unit)))).all()
    wanted = {(unit_id, code) for unit_id, code in erased}
    return [row["code"] for row in rows if (row["unit_id"], row["code"]) in wanted]


def save_upload(session: Session, *, user: User, unit: Unit, preview: ImportPreview, now: datetime) -> int:
    """Keep a checked list until the user answers; drops the user's earlier uploads (only the newest
    preview's button imports) and everyone's uploads older than a day."""
    session.execute(delete(HouseholdUpload).where(
        (col(HouseholdUpload.user_id) == user.id) | (col(HouseholdUpload.created_at) < now - UPLOAD_KEPT)))
    upload = HouseholdUpload(user_id=user.id or 0, unit_id=unit.id or 0, created_at=now, mapping=preview.mapping,
                             rows=preview.rows)
    session.add(upload)
    session.commit()
    return int(upload.id or 0)


def purge_expired_uploads(session: Session, *, now: datetime) -> int:
    """Delete every staged list older than `UPLOAD_KEPT` (the rows hold names: they are not kept until the
    officer's next upload); how many. Run by a periodic job (bot/jobs.py)."""
    result = session.execute(delete(HouseholdUpload).where(col(HouseholdUpload.created_at) < now - UPLOAD_KEPT)
                             .execution_options(synchronize_session=False))
    session.commit()
    return int(getattr(result, "rowcount", 0) or 0)


def _expired(upload: HouseholdUpload, now: datetime) -> bool:
    created = upload.created_at if upload.created_at.tzinfo is not None else upload.created_at.replace(tzinfo=UTC)
    return created < now - UPLOAD_KEPT


def drop_upload(session: Session, *, upload_id: int, user: User) -> None:
    """❌ Cancel: forget the user's upload."""
    session.execute(delete(HouseholdUpload).where(col(HouseholdUpload.id) == upload_id,
                                                  col(HouseholdUpload.user_id) == user.id))
    session.commit()


def upload_size(session: Session, *, upload_id: int, user: User) -> int | None:
    """How many rows the user's upload holds (None when it is gone: imported, cancelled or expired)."""
    upload = session.get(HouseholdUpload, upload_id)
    return len(upload.rows) if upload is not None and upload.user_id == user.id else None


def import_upload(session: Session, *, upload_id: int, user: User, now: datetime,
                  progress: Progress = _no_progress) -> ImportOutcome | None:
    """Write a checked upload, all or nothing, in batches; None when it is gone (imported, cancelled,
    expired, or being imported by a second tap).

    The user's current unit is checked again: a list previewed before they were moved is not imported.

    A household whose details were erased is updated like any other: the file is the commune's new
    review list, its legitimate data. It is not silent: the outcome lists those codes (the reply and
    the preview say so) and the audit entry counts them."""
    upload = session.get(HouseholdUpload, upload_id)
    unit = get_unit(session, unit_id=upload.unit_id) if upload is not None and upload.user_id == user.id else None
    if upload is None or unit is None:
        return None
    if _expired(upload, now) or not may(user, Do.WORK_IN_UNIT, unit, session=session):
        # Older than a day (even if the purge job has not run yet), or checked for a unit the user no longer
        # belongs to (moved since the preview): dropped rather than written into another unit's register.
        session.delete(upload)
        session.commit()
        return None
    # Claimed in this transaction: a second tap finds no row, and a failed import leaves it in place.
    claimed = session.execute(delete(HouseholdUpload).where(col(HouseholdUpload.id) == upload_id))
    if getattr(claimed, "rowcount", 1) != 1:
        session.rollback()
        return None
    rows = upload.rows
    existing = {(unit_id, code): (household_id, erased_at is not None) for household_id, unit_id, code, erased_at
                in session.exec(select(Household.id, Household.unit_id, Household.code, Household.erased_at)
                                .where(col(Household.unit_id).in_(_subtree_ids(unit)))).all()}
    inserts: list[dict[str, Any]] = []
    updates: list[dict[str, Any]] = []
    restored: list[str] = []
    for row in rows:
        values = {**row, "head_folded": fold(row["head_name"])}
        found = existing.get((row["unit_id"], row["code"]))
        if found is None:
            inserts.append({**values, "created_at": now})
            continue
        household_id, erased = found
        updates.append({**values, "id": household_id, "erased_at": None})
        if erased:
            restored.append(row["code"])
    done = 0
    progress(done, len(rows))
    for batch, statement in ((updates, update(Household)), (inserts, insert(Household))):
        for start in range(0, len(batch), BATCH):
            chunk = batch[start:start + BATCH]
            session.execute(statement, chunk)
            done += len(chunk)
            progress(done, len(rows))
    audit.record(session, user_id=user.id, action="import", entity="household", entity_id=None,
                 details={"created": len(inserts), "updated": len(updates), "restored": len(restored)})
    session.commit()
    return ImportOutcome(created=len(inserts), updated=len(updates), restored=restored)
