"""A digest being built never freezes the bot: the whole district's digest (text, workbook, chart), asked
for with /digest or due at the end of a period, is built in a worker thread with its own session while
other users are answered. The build is held inside the worker thread (when it asks the chart process for
the chart: bot/domain/reports/chart_worker.py) by an event until the other user's answer has provably arrived:
ordering, not timing. The chart is then drawn by the chart process as in the bot."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from sqlmodel import Session, func, select

from bot.domain.reports import digests
from bot.i18n import get_translator
from bot.jobs import run_closing_digests
from bot.sandbox.fake_api import FakeTelegram
from db.models import OutboxMessage
from tests.e2e.test_outbox_parts import _period_with_supervisors
from tests.e2e.test_period_end_digest import Clock
from tests.support.harness import BotUnderTest, Chat

VI = get_translator("vi")


class Held:
    """Holds the worker thread when it asks for the chart, until the test releases it."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()
        self.thread: threading.Thread | None = None

    def hold(self) -> None:
        self.thread = threading.current_thread()
        self.reached.set()
        assert self.release.wait(30), "the test never released the worker"

    async def until_reached(self) -> None:
        """Wait for the worker thread without blocking the event loop."""
        assert await asyncio.to_thread(self.reached.wait, 30), "the digest was never built"


@pytest.fixture
def held(monkeypatch: pytest.MonkeyPatch) -> Iterator[Held]:
    pause = Held()
    original = digests.chart_png

    def chart_png(**kwargs: Any) -> bytes:
        pause.hold()
        return original(**kwargs)

    monkeypatch.setattr(digests, "chart_png", chart_png)
    yield pause
    pause.release.set()


async def _answered(bot: BotUnderTest, other: Chat) -> str:
    """Another user's /me, handled to the end (not waiting for background work): the reply's text."""
    assert bot.application is not None
    before = len(other.messages)
    await bot.fake.wait_consumed(bot.fake.inject_message(other.user, "/me"))
    await bot.application.update_queue.join()
    assert len(other.messages) > before, "/me was not answered while the digest was being built"
    return other.last.text


async def test_others_are_answered_while_a_district_digest_is_built(
        enroll: Callable[..., Awaitable[Chat]], fake: FakeTelegram, bot: BotUnderTest, held: Held) -> None:
    district = await enroll(role="supervisor", unit_code="GL-KP")
    other = await enroll(role="reporter", unit_code="GL-KP-IARSAI")
    assert bot.application is not None
    await fake.wait_consumed(fake.inject_message(district.user, "/digest"))
    await held.until_reached()
    assert held.thread is not threading.main_thread()
    assert district.last.text == VI("Preparing the digest…")  # the asker was answered at once
    assert await _answered(bot, other)
    assert district.last.text == VI("Preparing the digest…")  # the digest is provably still being built
    held.release.set()
    await bot.application.background_idle()
    text, document, photo = district.messages[-3:]
    assert "huyện Krông Pa" in text.text and text.edits  # the status message became the digest's text
    assert document.file_name and document.file_name.endswith(".xlsx")
    assert photo.file_bytes and photo.file_bytes.startswith(b"\x89PNG")


async def test_others_are_answered_while_period_end_digests_are_built(
        enroll: Callable[..., Awaitable[Chat]], bot: BotUnderTest, session: Session, held: Held) -> None:
    clock = Clock(2027, 6, 1, 9, 0)
    _supervisor, _admin, ia_rsai, _chu_gu = await _period_with_supervisors(bot, enroll, clock)
    assert bot.application is not None
    clock.local(2027, 6, 16, 7, 30)
    before = session.exec(select(func.count()).select_from(OutboxMessage)).one()
    queued = asyncio.create_task(run_closing_digests(bot.application))
    await held.until_reached()
    assert held.thread is not threading.main_thread()
    assert await _answered(bot, ia_rsai)
    assert not queued.done()
    session.expire_all()
    assert session.exec(select(func.count()).select_from(OutboxMessage)).one() == before  # nothing queued yet
    held.release.set()
    assert await queued == 1
    session.expire_all()
    assert session.exec(select(func.count()).select_from(OutboxMessage)).one() >= before + 6  # 3 parts, 2 readers
