"""The import's status message: progress shown while the worker runs, at most every PROGRESS_EVERY
seconds, and "Message is not modified" from Telegram is not an error."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from telegram.error import BadRequest

from bot.domain.households.import_screens import progress_screen
from bot.domain.screen import screen_of
from bot.i18n import get_translator
from handlers import household_import
from handlers.household_import import _Job


class StubBot:
    """Records edits; the first one releases the worker, the second answers like Telegram does for the
    same text again."""

    def __init__(self) -> None:
        self.texts: list[str] = []
        self.edited = threading.Event()

    async def edit_message_text(self, text: str, **_kwargs: Any) -> None:
        self.texts.append(text)
        self.edited.set()
        if text == "same":
            raise BadRequest("Message is not modified: specified new message content and reply markup are "
                             "exactly the same")
        if text == "broken":
            raise BadRequest("Message to edit not found")


async def test_progress_is_shown_while_the_worker_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(household_import, "PROGRESS_EVERY", 0.01)
    bot = StubBot()
    job = _Job(bot=bot, chat_id=1, message_id=2, t=get_translator("vi"))  # type: ignore[arg-type]

    def work(progress: Any) -> int:
        progress(20_000, 50_000)
        assert bot.edited.wait(10), "no progress was shown while the worker ran"
        return 7

    assert await job.run(work) == 7
    assert bot.texts[0] == "Đang nhập… 20.000/50.000 dòng"


async def test_not_modified_is_not_an_error_and_the_same_text_is_not_sent_twice() -> None:
    bot = StubBot()
    job = _Job(bot=bot, chat_id=1, message_id=2, t=get_translator("en"))  # type: ignore[arg-type]
    await job.edit(screen_of("same"))
    await job.edit(screen_of("same"))
    assert bot.texts == ["same"]
    with pytest.raises(BadRequest):
        await job.edit(screen_of("broken"))
    assert progress_screen(get_translator("en"), done=1000, total=0).body.plain() == "Reading the file… 1,000 rows"
