"""Heavy work off the event loop: /export's XLSX, /report's DOCX, /unreached's XLSX, /digest's text,
workbook and chart, and the household list import (handlers/household_import.py).

Building a district's workbook or chart reads thousands of records and writes a zip or a PNG: seconds
of work. Updates are handled one at a time, so the handler answers at once and hands the building to a
background job (`ChungTayApplication.run_in_background`) that runs it in a worker thread with its own
session (`in_worker`: the update's session is closed when the update is done, and sessions are not
thread-safe), then sends the result to the chat. The scheduled and period-end digests are built the same
way, in a worker thread with their own session, by their jobs (handlers/digest.py).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

from sqlmodel import Session

from bot.domain.screen import screen_of
from bot.presentation.render import send, send_file
from bot.runtime import Runtime
from handlers.context import ChungTayContext

log = logging.getLogger(__name__)
T = TypeVar("T")


async def in_worker(runtime: Runtime, work: Callable[[Session], T]) -> T:
    """`work(session)` in a worker thread with a session of its own, closed afterwards. `work` must take
    plain values (ids, not the update's ORM objects) and return plain data."""
    def run() -> T:
        with runtime.session_factory() as session:
            return work(session)

    return await asyncio.to_thread(run)


def run_later(context: ChungTayContext, *, chat_id: int, name: str,
              work: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run `work()` as background work after the update; if it fails, say sorry in the chat (the log
    gets the exception only, no personal data)."""
    bot = context.bot
    sorry = context.t("Sorry, something went wrong on our side. Please try again in a moment.")

    async def guarded() -> None:
        try:
            await work()
        except Exception:
            log.exception("background work %s failed", name)
            await send(bot, chat_id, screen_of(sorry))

    context.app.run_in_background(guarded(), name=name)


def send_file_later(context: ChungTayContext, *, chat_id: int, build: Callable[[Session], bytes], filename: str,
                    caption: str | None = None) -> None:
    """Build the file with `build(session)` in a worker thread, then send it to `chat_id`; `caption` is plain
    words (a unit's name may hold "<" or "&"), drawn by the renderer."""
    runtime, bot = context.runtime, context.bot
    kind = filename.split("-")[0]

    async def send() -> None:
        content = await in_worker(runtime, build)
        await send_file(bot, chat_id, content, filename=filename, caption=screen_of(caption) if caption else None)

    run_later(context, chat_id=chat_id, name=f"file-{kind}", work=send)
