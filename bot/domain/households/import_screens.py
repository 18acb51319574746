"""Importing the review list, as screens: the columns found and the problems, or "✅ Import N households"
(the rows wait in the database as an upload; the button carries only its id), and the answers after.

Reading and writing are in bot/domain/households/imports.py; the handler (handlers/household_import.py)
runs them off the event loop and shows these screens in one status message.
"""

from __future__ import annotations

from bot.domain.formatting import format_number
from bot.domain.households.imports import FIELD_LABELS, MAX_ROWS, MAX_UNZIPPED_BYTES, ImportOutcome, ImportPreview
from bot.domain.screen import Button, Screen, button, screen_of
from bot.i18n import Translator

MAX_FILE_BYTES = 5 * 1024 * 1024
SHOWN_PROBLEMS = 20


def too_large_text(t: Translator, locale: str) -> str:
    return t("Sorry, this file is too large to import: a list may have at most {rows} rows and {unzipped} MB "
             "once unzipped ({sent} MB as sent). Please split it into smaller files and send them one by one."
             ).format(rows=format_number(MAX_ROWS, locale), unzipped=MAX_UNZIPPED_BYTES // (1024 * 1024),
                      sent=MAX_FILE_BYTES // (1024 * 1024))


def restoring_text(t: Translator, codes: list[str]) -> str:
    """Re-importing a household whose details were erased stores its name again: say so, by code."""
    shown = ", ".join(codes[:20]) + (f" … (+{len(codes) - 20})" if len(codes) > 20 else "")
    return t("The personal details of {count} household(s) in this file had been erased: {codes}. "
             "Importing stores their names and notes again from the file.").format(count=len(codes), codes=shown)


def wrong_file_screen(t: Translator) -> Screen:
    return screen_of(t("To import the household list, send a CSV or XLSX file (at most 5 MB)."))


def reading_screen(t: Translator) -> Screen:
    """The status message, before the worker has read a row."""
    return screen_of(t("Reading the file…"))


def importing_screen(t: Translator) -> Screen:
    """The status message, before the worker has written a row."""
    return screen_of(t("Importing…"))


def cancelled_screen(t: Translator) -> Screen:
    return screen_of(t("Cancelled."))


def progress_screen(t: Translator, *, done: int, total: int) -> Screen:
    """"Importing… 20.000/50.000 rows" (or, while the file is still read, how many rows so far)."""
    locale = t.locale
    if total:
        return screen_of(t("Importing… {done}/{total} rows").format(done=format_number(done, locale),
                                                                    total=format_number(total, locale)))
    return screen_of(t("Reading the file… {count} rows").format(count=format_number(done, locale)))


def import_buttons(t: Translator, upload_id: int, count: int) -> list[list[Button]]:
    return [[button("✅ " + t("Import {count} households").format(count=count), "household.import", upload_id),
             button("❌ " + t("Cancel"), "household.import.no", upload_id)]]


def preview_screen(t: Translator, preview: ImportPreview | str, unit_name: str) -> Screen:
    """The columns found, then the problems, or the rows ready with ✅ / ❌ (a text: why the file cannot
    be used)."""
    if isinstance(preview, str):
        return screen_of(preview)
    mapping = "\n".join(f"• {t(FIELD_LABELS[key])} ← “{header}”" for key, header in preview.mapping.items())
    if preview.problems or preview.upload_id is None:
        more = len(preview.problems) - SHOWN_PROBLEMS
        problems = "\n".join(preview.problems[:SHOWN_PROBLEMS]) + (f"\n… (+{more})" if more > 0 else "")
        return screen_of(t("Columns found:") + "\n" + mapping + "\n\n"
                         + t("Nothing was imported; please fix these rows and send the file again:") + "\n" + problems)
    ready = t("{count} rows are ready to import into {unit}.").format(count=len(preview.rows), unit=unit_name)
    if preview.restoring:
        ready += "\n\n⚠️ " + restoring_text(t, preview.restoring)
    return screen_of(t("Columns found:") + "\n" + mapping + "\n\n" + ready,
                     rows=import_buttons(t, preview.upload_id, len(preview.rows)))


def imported_screen(t: Translator, outcome: ImportOutcome | None) -> Screen:
    """What the import did, or that the list was no longer waiting."""
    if outcome is None:
        return screen_of(t("This list is no longer waiting to be imported (it was imported, cancelled, is older "
                           "than a day, or your unit has changed). Please send the file again."))
    text = t("Imported: {created} new households, {updated} updated.").format(created=outcome.created,
                                                                              updated=outcome.updated)
    if outcome.restored:
        text += "\n\n⚠️ " + restoring_text(t, outcome.restored)
    return screen_of(text)


def retry_screen(t: Translator, upload_id: int, count: int) -> Screen:
    """The database went away during the import: nothing was written, the list waits for ✅ again."""
    return screen_of(t("The database could not be reached, so nothing was imported. The list is kept: press ✅ "
                       "below to try again in a few minutes."), rows=import_buttons(t, upload_id, count))
