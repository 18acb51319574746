"""Files built off the event loop: /export's XLSX, /report's DOCX, /unreached's XLSX.

Building a district's workbook reads thousands of records and writes a zip: seconds of work. Updates
are handled one at a time, so the handler answers at once and hands the building to a background job
(`ChungTayApplication.run_in_background`) that runs it in a worker thread with its own session (the
update's session is closed when the update is done, and sessions are not thread-safe), then sends the
file to the chat.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Callable

from sqlmodel import Session

from handlers.context import ChungTayContext

log = logging.getLogger(__name__)


def send_file_later(context: ChungTayContext, *, chat_id: int, build: Callable[[Session], bytes], filename: str,
                    caption: str | None = None) -> None:
    """Build the file with `build(session)` in a worker thread, then send it to `chat_id`."""
    runtime, bot = context.runtime, context.bot
    sorry = context.t("Sorry, something went wrong on our side. Please try again in a moment.")

    def work() -> bytes:
        with runtime.session_factory() as session:
            return build(session)

    async def send() -> None:
        try:
            content = await asyncio.to_thread(work)
            await bot.send_document(chat_id, io.BytesIO(content), filename=filename, caption=caption)
        except Exception:
            log.exception("building the file %s failed", filename.split("-")[0])
            await bot.send_message(chat_id, sorry)

    context.app.run_in_background(send(), name=f"file-{filename.split('-')[0]}")
