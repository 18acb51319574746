"""The outbox sender keeps under Telegram's bot-wide flood limit by pacing itself, against the fake's
strict one-second window (30 sends), and a stop in the middle hands the unsent rows back at once:
nothing lost, nothing doubled, no attempt counted against them."""

from __future__ import annotations

from collections import Counter

from sqlmodel import Session, select
from telegram.ext import AIORateLimiter, ExtBot

from bot.config import Settings
from bot.domain.outbox import queue as outbox
from bot.outbox_sender import OutboxSender
from bot.runtime import Runtime
from bot.sandbox.fake_api import FakeTelegram
from db.models import OutboxMessage
from tests.conftest import TEST_TOKEN

FIRST_CHAT = 9_200_001


async def _sender(settings: Settings, fake: FakeTelegram, name: str) -> tuple[OutboxSender, ExtBot[None], Runtime]:
    runtime = Runtime.create(settings)
    telegram_bot: ExtBot[None] = ExtBot(TEST_TOKEN, base_url=f"{fake.base_url}/bot", rate_limiter=AIORateLimiter())
    await telegram_bot.initialize()
    return OutboxSender(telegram_bot, runtime, name=name), telegram_bot, runtime


def _enqueue(session: Session, runtime: Runtime, count: int) -> set[str]:
    texts = set()
    for number in range(count):
        text = f"Nhắc việc {number}"
        outbox.enqueue(session, key=f"pace:{number}", chat_id=FIRST_CHAT + number, text=text, now=runtime.clock())
        texts.add(text)
    session.commit()
    return texts


def _delivered(fake: FakeTelegram) -> Counter[str]:
    return Counter(str(c.params.get("text")) for c in fake.calls_to("sendMessage") if c.status == 200)


async def test_a_broadcast_keeps_under_the_flood_limit(session: Session, settings: Settings,
                                                       fake: FakeTelegram) -> None:
    fake.limit_rate(30)
    sender, telegram_bot, runtime = await _sender(settings, fake, "pacing")
    try:
        texts = _enqueue(session, runtime, 75)
        assert await sender.drain() == 75
    finally:
        await sender.stop()
        await telegram_bot.shutdown()
        runtime.close()
    assert fake.rate_limited == 0
    assert _delivered(fake) == Counter(texts)
    arrivals = [c.at for c in fake.calls_to("sendMessage")]
    assert min(later - earlier for earlier, later in zip(arrivals, arrivals[30:], strict=False)) >= 1.0


async def test_a_stop_mid_broadcast_hands_the_rest_back(session: Session, settings: Settings,
                                                        fake: FakeTelegram) -> None:
    first, first_bot, first_runtime = await _sender(settings, fake, "before-restart")
    texts = _enqueue(session, first_runtime, 60)
    first.start()
    try:
        await fake.wait_until(lambda: sum(_delivered(fake).values()) >= 10, 30, "the first sends")
    finally:
        await first.stop()
        await first_bot.shutdown()
        first_runtime.close()
    session.expire_all()
    rows = session.exec(select(OutboxMessage)).all()
    unsent = [r for r in rows if r.status != outbox.SENT]
    assert unsent and {r.status for r in unsent} == {outbox.PENDING} and {r.attempts for r in unsent} == {0}
    second, second_bot, second_runtime = await _sender(settings, fake, "after-restart")
    try:
        assert await second.drain() == len(unsent)
    finally:
        await second.stop()
        await second_bot.shutdown()
        second_runtime.close()
    assert _delivered(fake) == Counter(texts)
