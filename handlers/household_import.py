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

from telegram import Bot, Update
from telegram.error import BadRequest

from bot.domain.households.import_requests import import_kept, read_and_keep
from bot.domain.households.import_screens import (
    MAX_FILE_BYTES,
    cancelled_screen,
    imported_screen,
    importing_screen,
    preview_screen,
    progress_screen,
    reading_screen,
    retry_screen,
    wrong_file_screen,
)
from bot.domain.households.imports import ImportOutcome, ImportPreview, Progress, drop_upload, upload_size
from bot.domain.screen import Screen, screen_of
from bot.i18n import Translator
from bot.presentation.callbacks import ImportHouseholds, SkipImport, decode
from bot.presentation.render import edit, edit_message, reply, to_html
from bot.runtime import Runtime
from db.session import is_database_unavailable
from handlers.context import ChungTayContext

log = logging.getLogger(__name__)
T = TypeVar("T")
PROGRESS_EVERY = 2.0  # seconds between edits of the status message (Telegram limits edits)


@dataclass
class _Job:
    """One status message, edited from a background job while a worker thread does the work."""

    bot: Bot
    chat_id: int
    message_id: int
    t: Translator
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
                await self.edit(progress_screen(self.t, done=self.done, total=self.total))

    async def edit(self, screen: Screen) -> None:
        text = to_html(screen.body)
        if text == self.shown and not screen.rows:
            return
        try:
            await edit_message(self.bot, screen, chat_id=self.chat_id, message_id=self.message_id)
        except BadRequest as error:  # the same text again is not a problem
            if "not modified" not in str(error).lower():
                raise
        self.shown = text

    async def say(self, text: str) -> None:
        await self.edit(screen_of(text))

    async def guarded(self, work: Callable[[], Awaitable[None]]) -> None:
        """Run a background step; on an unexpected error say so in the status message (no personal data
        in the log: the exception only)."""
        try:
            await work()
        except Exception as error:
            if is_database_unavailable(error):
                log.warning("household list: database unavailable (%s)", type(error).__name__)
                await self.say(self.t("The database could not be reached, so nothing was done. Please send the "
                                      "file again in a few minutes."))
                return
            log.exception("household import failed")
            await self.say(self.t("Sorry, something went wrong on our side. Please try again in a moment."))


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
        await reply(message, wrong_file_screen(t))
        return
    content = bytes(await (await document.get_file()).download_as_bytearray())
    status = await reply(message, reading_screen(t))
    job = _Job(bot=context.bot, chat_id=status.chat_id, message_id=status.message_id, t=t)
    runtime, telegram_id = context.runtime, user.telegram_id

    async def read() -> None:
        preview, unit_name = await job.run(lambda progress: _read_and_keep(
            runtime, telegram_id=telegram_id, t=t, content=content, filename=name, progress=progress))
        await job.edit(preview_screen(t, preview, unit_name))

    context.app.run_in_background(job.guarded(read), name="household-list-read")


def _read_and_keep(runtime: Runtime, *, telegram_id: int, t: Translator, content: bytes, filename: str,
                   progress: Progress) -> tuple[ImportPreview | str, str]:
    """In the worker thread, with its own session: the one service of the read step."""
    with runtime.session_factory() as session:
        return read_and_keep(session, telegram_id=telegram_id, t=t, content=content, filename=filename,
                             catalogue=runtime.catalogue, today=runtime.today(), now=runtime.clock(),
                             progress=progress)


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
        await edit(query, cancelled_screen(t))
        return
    size = upload_size(context.session, upload_id=upload_id, user=user) or 0
    status = await edit(query, importing_screen(t))
    chat_id = update.effective_chat.id if update.effective_chat is not None else user.telegram_id
    message_id = status.message_id if not isinstance(status, bool) else 0
    job = _Job(bot=context.bot, chat_id=chat_id, message_id=message_id, t=t, shown=t("Importing…"))
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
            await job.edit(retry_screen(t, upload_id, size))
            return
        await job.edit(imported_screen(t, outcome))

    context.app.run_in_background(job.guarded(write), name="household-list-import")


def _import(runtime: Runtime, *, telegram_id: int, upload_id: int, progress: Progress) -> ImportOutcome | None:
    """In the worker thread, with its own session."""
    with runtime.session_factory() as session:
        return import_kept(session, telegram_id=telegram_id, upload_id=upload_id, now=runtime.clock(),
                           progress=progress)
