"""Importing the review list in chat: a CSV/XLSX sent to the bot is read, checked and shown (columns
found, problems, "✅ Import N households"), then written on ✅.

Reading and writing a large list takes seconds of CPU and database work, and updates are handled one
at a time: so the handler only downloads the file, answers with one status message and hands the work
to a background job (`ChungTayApplication.run_in_background`), which runs the service in a worker thread
with its own session and edits the status message as it goes ("Đang nhập… 20.000/50.000 dòng", at most
every `PROGRESS_EVERY` seconds). The checked rows wait in the database (`household_upload`); the
button carries only the upload's id, so nothing large sits in the persisted user_data.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from telegram import Bot, InlineKeyboardMarkup, Update
from telegram.error import BadRequest

from bot.domain.catalogue.file import CatalogueFile
from bot.domain.formatting import format_number
from bot.domain.households.imports import (
    FIELD_LABELS,
    MAX_ROWS,
    MAX_UNZIPPED_BYTES,
    DamagedSheet,
    HouseholdImportError,
    ImportOutcome,
    ImportPreview,
    ListTooLarge,
    Progress,
    UnreadableFile,
    drop_upload,
    import_upload,
    read_list,
    save_upload,
    upload_size,
)
from bot.domain.units.tree import unit_label
from bot.i18n import Translator
from bot.presentation.callbacks import ImportHouseholds, SkipImport, button, decode
from bot.runtime import Runtime
from db.queries import get_unit, get_user_by_telegram_id
from db.session import is_database_unavailable
from handlers.context import ChungTayContext

log = logging.getLogger(__name__)
T = TypeVar("T")
MAX_FILE_BYTES = 5 * 1024 * 1024
PROGRESS_EVERY = 2.0  # seconds between edits of the status message (Telegram limits edits)


@dataclass
class _Job:
    """One status message, edited from a background job while a worker thread does the work."""

    bot: Bot
    chat_id: int
    message_id: int
    t: Translator
    locale: str
    done: int = 0
    total: int = 0
    shown: str = ""

    def progress(self, done: int, total: int) -> None:
        """Called from the worker thread: only noted here, shown by `run` on the loop."""
        self.done, self.total = done, total

    async def run(self, work: Callable[[Progress], T]) -> T:
        """`work(progress)` in a worker thread; the status message follows its progress meanwhile."""
        future = asyncio.ensure_future(asyncio.to_thread(work, self.progress))
        while True:
            finished, _ = await asyncio.wait({future}, timeout=PROGRESS_EVERY)
            if finished:
                return future.result()
            if self.done:
                await self.edit(self._progress_text())

    def _progress_text(self) -> str:
        if self.total:
            return self.t("Importing… {done}/{total} rows").format(
                done=format_number(self.done, self.locale), total=format_number(self.total, self.locale))
        return self.t("Reading the file… {count} rows").format(count=format_number(self.done, self.locale))

    async def edit(self, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
        if text == self.shown and markup is None:
            return
        try:
            await self.bot.edit_message_text(text, chat_id=self.chat_id, message_id=self.message_id,
                                             reply_markup=markup)
        except BadRequest as error:  # the same text again is not a problem
            if "not modified" not in str(error).lower():
                raise
        self.shown = text

    async def guarded(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run a background step; on an unexpected error say so in the status message (no personal data
        in the log: the exception only)."""
        try:
            await work()
        except Exception as error:
            if is_database_unavailable(error):
                log.warning("household list: database unavailable (%s)", type(error).__name__)
                await self.edit(self.t("The database could not be reached, so nothing was done. Please send the "
                                       "file again in a few minutes."))
                return
            log.exception("household import failed")
            await self.edit(self.t("Sorry, something went wrong on our side. Please try again in a moment."))


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


async def receive_list(update: Update, context: ChungTayContext) -> None:
    """A CSV/XLSX review list sent to the bot: read it in the background, then show the column mapping
    and the problems, or ask to import."""
    user = context.db_user
    message = update.effective_message
    if user is None or message is None or message.document is None:
        return
    t = context.t
    document = message.document
    name = document.file_name or ""
    if not name.lower().endswith((".csv", ".xlsx")) or (document.file_size or 0) > MAX_FILE_BYTES:
        await message.reply_text(t("To import the household list, send a CSV or XLSX file (at most 5 MB)."))
        return
    content = bytes(await (await document.get_file()).download_as_bytearray())
    status = await message.reply_text(t("Reading the file…"))
    job = _Job(bot=context.bot, chat_id=status.chat_id, message_id=status.message_id, t=t, locale=context.locale)
    runtime, telegram_id = context.runtime, user.telegram_id

    async def read() -> None:
        preview, unit_name = await job.run(lambda progress: _read_and_keep(
            runtime, telegram_id=telegram_id, t=t, content=content, filename=name, progress=progress))
        await job.edit(*_preview_reply(t, preview, unit_name))

    context.app.run_in_background(job.guarded(read), name="household-list-read")


def _read_and_keep(runtime: Runtime, *, telegram_id: int, t: Translator, content: bytes, filename: str,
                   progress: Progress) -> tuple[ImportPreview | str, str]:
    """In the worker thread, with its own session: the checked list (kept as an upload when it has no
    problems) and the unit's name; or the reply when the file cannot be used."""
    with runtime.session_factory() as session:
        user = get_user_by_telegram_id(session, telegram_id=telegram_id)
        unit = get_unit(session, unit_id=user.unit_id) if user is not None else None
        if user is None or unit is None:
            return t("Cancelled."), ""
        catalogue: CatalogueFile = runtime.catalogue
        try:
            preview = read_list(session, unit=unit, content=content, filename=filename, catalogue=catalogue,
                                default_year=runtime.today().year, t=t, progress=progress)
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
            preview.upload_id = save_upload(session, user=user, unit=unit, preview=preview, now=runtime.clock())
        return preview, unit_label(session, t, unit.id or 0)


def _preview_reply(t: Translator, preview: ImportPreview | str, unit_name: str,
                   ) -> tuple[str, InlineKeyboardMarkup | None]:
    if isinstance(preview, str):
        return preview, None
    mapping = "\n".join(f"• {t(FIELD_LABELS[key])} ← “{header}”" for key, header in preview.mapping.items())
    if preview.problems or preview.upload_id is None:
        more = len(preview.problems) - 20
        problems = "\n".join(preview.problems[:20]) + (f"\n… (+{more})" if more > 0 else "")
        return (t("Columns found:") + "\n" + mapping + "\n\n"
                + t("Nothing was imported; please fix these rows and send the file again:") + "\n" + problems), None
    keyboard = _import_keyboard(t, preview.upload_id, len(preview.rows))
    ready = t("{count} rows are ready to import into {unit}.").format(count=len(preview.rows), unit=unit_name)
    if preview.restoring:
        ready += "\n\n⚠️ " + restoring_text(t, preview.restoring)
    return t("Columns found:") + "\n" + mapping + "\n\n" + ready, keyboard


def _import_keyboard(t: Translator, upload_id: int, count: int) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup([[
        button("✅ " + t("Import {count} households").format(count=count), ImportHouseholds(upload_id)),
        button("❌ " + t("Cancel"), SkipImport(upload_id))]])


async def confirm_import(update: Update, context: ChungTayContext) -> None:
    """✅ Import / ❌ Cancel under a preview: write the upload in the background, showing progress."""
    query = update.callback_query
    user = context.db_user
    assert query is not None and user is not None
    await query.answer()
    t = context.t
    pressed = decode(query.data)
    assert isinstance(pressed, ImportHouseholds | SkipImport)  # the handler's pattern
    upload_id = pressed.upload_id
    if isinstance(pressed, SkipImport):
        drop_upload(context.session, upload_id=upload_id, user=user)
        await query.edit_message_text(t("Cancelled."))
        return
    size = upload_size(context.session, upload_id=upload_id, user=user) or 0
    status = await query.edit_message_text(t("Importing…"))
    chat_id = update.effective_chat.id if update.effective_chat is not None else user.telegram_id
    message_id = status.message_id if not isinstance(status, bool) else 0
    job = _Job(bot=context.bot, chat_id=chat_id, message_id=message_id, t=t, locale=context.locale,
               shown=t("Importing…"))
    runtime, telegram_id = context.runtime, user.telegram_id

    async def write() -> None:
        try:
            outcome = await job.run(lambda progress: _import(runtime, telegram_id=telegram_id, upload_id=upload_id,
                                                             progress=progress))
        except Exception as error:
            if not is_database_unavailable(error):
                raise
            # All or nothing: the import's transaction was rolled back and the upload is still waiting.
            log.warning("household import: database unavailable (%s); the list is kept for a retry",
                        type(error).__name__)
            await job.edit(t("The database could not be reached, so nothing was imported. The list is kept: "
                             "press ✅ below to try again in a few minutes."), _import_keyboard(t, upload_id, size))
            return
        if outcome is None:
            await job.edit(t("This list is no longer waiting to be imported (it was imported, cancelled, is "
                             "older than a day, or your unit has changed). Please send the file again."))
            return
        text = t("Imported: {created} new households, {updated} updated.").format(
            created=outcome.created, updated=outcome.updated)
        if outcome.restored:
            text += "\n\n⚠️ " + restoring_text(t, outcome.restored)
        await job.edit(text)

    context.app.run_in_background(job.guarded(write), name="household-list-import")


def _import(runtime: Runtime, *, telegram_id: int, upload_id: int, progress: Progress) -> ImportOutcome | None:
    """In the worker thread, with its own session."""
    with runtime.session_factory() as session:
        user = get_user_by_telegram_id(session, telegram_id=telegram_id)
        if user is None:
            return None
        return import_upload(session, upload_id=upload_id, user=user, now=runtime.clock(), progress=progress)
