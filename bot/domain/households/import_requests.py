"""What the review-list import does with the database, one function per step, each run in a worker thread
with its own session (handlers/household_import.py draws the result and follows the progress).

The reader and the unit are looked up again here by the reader's Telegram id: the update's objects
belong to another session and thread.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from bot.domain.catalogue.file import CatalogueFile
from bot.domain.households.import_screens import too_large_text
from bot.domain.households.imports import (
    DamagedSheet,
    HouseholdImportError,
    ImportOutcome,
    ImportPreview,
    ListTooLarge,
    Progress,
    UnreadableFile,
    import_upload,
    read_list,
    save_upload,
)
from bot.domain.units.tree import unit_label
from bot.i18n import Translator
from db.queries import get_unit, get_user_by_telegram_id


def read_and_keep(session: Session, *, telegram_id: int, t: Translator, content: bytes, filename: str,
                  catalogue: CatalogueFile, today: date, now: datetime,
                  progress: Progress) -> tuple[ImportPreview | str, str]:
    """The checked list (kept as an upload when it has no problems) and the unit's name; or the reply
    when the file cannot be used (and no name)."""
    user = get_user_by_telegram_id(session, telegram_id=telegram_id)
    unit = get_unit(session, unit_id=user.unit_id) if user is not None else None
    if user is None or unit is None:
        return t("Cancelled."), ""
    try:
        preview = read_list(session, unit=unit, content=content, filename=filename, catalogue=catalogue,
                            default_year=today.year, t=t, progress=progress)
    except ListTooLarge:
        return too_large_text(t, user.locale), ""
    except DamagedSheet:
        return t("Sorry, the sheet inside this Excel file cannot be read: its XML is damaged, or it declares "
                 "XML entities, which are refused for safety. Please open the file in Excel or LibreOffice, "
                 "save it again as .xlsx (or .csv) and send it."), ""
    except UnreadableFile:
        return t("Sorry, this file cannot be read as an Excel (.xlsx) or CSV table. Please save it again as "
                 ".xlsx or .csv and send it."), ""
    except HouseholdImportError as error:
        return t("Nothing was imported:") + "\n" + "\n".join(error.problems[:20]), ""
    if not preview.problems:
        preview.upload_id = save_upload(session, user=user, unit=unit, preview=preview, now=now)
    return preview, unit_label(session, t, unit.id or 0)


def import_kept(session: Session, *, telegram_id: int, upload_id: int, now: datetime,
                progress: Progress) -> ImportOutcome | None:
    """Write the kept upload on ✅ (all or nothing); None when the reader is gone."""
    user = get_user_by_telegram_id(session, telegram_id=telegram_id)
    if user is None:
        return None
    return import_upload(session, upload_id=upload_id, user=user, now=now, progress=progress)
