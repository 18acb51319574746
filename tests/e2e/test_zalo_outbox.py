"""The outbox paces and pauses each channel on its own, through the fake Zalo and fake Telegram APIs: Zalo
answering 429 and then 5xx holds back only Zalo's messages (Telegram's keep going at the same moment), a
Telegram 429 holds back only Telegram's, and once the faults clear every message arrives exactly once, each
chat's in order. Time moves by the runtime's clock; the fakes' counters say when a send was refused."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from bot.config import Settings
from bot.domain.outbox import queue as outbox
from bot.domain.people import access
from bot.outbox_sender import sender_of
from bot.sandbox.fake_api import FakeTelegram
from bot.sandbox.fake_api.zalo import FakeZalo
from db.models import OutboxMessage, Role
from db.models_channels import ChannelIdentity
from db.queries import get_unit_by_code
from tests.support.harness import BotUnderTest
from tests.support.zalo import ZaloChat, new_zalo_user_id, zalo_test_settings

FIRST_TELEGRAM_CHAT = 9_400_001


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def zalo_settings(database_url: str, fake: FakeTelegram, fake_zalo: FakeZalo) -> Settings:
    return zalo_test_settings(database_url=database_url, fake=fake, fake_zalo=fake_zalo)


@pytest.fixture
async def zalo_bot(zalo_settings: Settings, fake: FakeTelegram) -> AsyncIterator[BotUnderTest]:
    running = BotUnderTest(zalo_settings, fake)
    await running.start()
    yield running
    await running.stop()
    running.close()


async def _zalo_person(session: Session, bot: BotUnderTest, fake_zalo: FakeZalo) -> tuple[ZaloChat, int]:
    """A Zalo officer who joined by typing the invite; with the id the outbox addresses them by."""
    unit = get_unit_by_code(session, code="GL-KP-IARSAI")
    assert unit is not None and unit.id is not None
    invite = access.create_invite(session, inviter=None, role=Role.REPORTER, unit_id=unit.id, organisation_id=None,
                                  ttl=timedelta(hours=1), now=bot.runtime.clock())
    chat = ZaloChat(bot=bot, fake=fake_zalo, user_id=new_zalo_user_id())
    assert "Chào mừng" in await chat.reply_text(f"/start {invite.token}")
    session.expire_all()
    identity = session.exec(select(ChannelIdentity).where(ChannelIdentity.external_id == chat.user_id)).one()
    return chat, identity.internal_id


class _Queue:
    """Enqueues outbox texts and remembers what each chat must receive."""

    def __init__(self, session: Session, clock: _Clock) -> None:
        self.session, self.clock = session, clock
        self.expected: dict[int, list[str]] = {}

    def add(self, chat_id: int, text: str) -> None:
        outbox.enqueue(self.session, key=f"lanes:{text}", chat_id=chat_id, text=text, now=self.clock())
        self.session.commit()
        self.expected.setdefault(chat_id, []).append(text)

    def telegram(self, label: str, count: int) -> None:
        for number in range(count):
            self.add(FIRST_TELEGRAM_CHAT + number, f"Telegram {label} {number}")


def _telegram_texts(fake: FakeTelegram) -> Counter[str]:
    return Counter(str(c.params.get("text")) for c in fake.calls_to("sendMessage") if c.status == 200
                   and str(c.params.get("text")).startswith("Telegram "))


def _zalo_texts(chat: ZaloChat) -> list[str]:
    return [text for text in chat.texts if text.startswith("Zalo ")]


async def test_zalo_faults_hold_back_only_zalo_and_nothing_is_lost_or_doubled(
        session: Session, zalo_bot: BotUnderTest, fake: FakeTelegram, fake_zalo: FakeZalo) -> None:
    first, first_id = await _zalo_person(session, zalo_bot, fake_zalo)
    second, second_id = await _zalo_person(session, zalo_bot, fake_zalo)
    clock = _Clock(datetime.now(UTC))
    zalo_bot.runtime.clock = clock
    application = zalo_bot.application
    assert application is not None
    sender = sender_of(application)
    queue = _Queue(session, clock)

    # Zalo says "too many requests": its messages wait, Telegram's go at once.
    fake_zalo.fail_sends(429)
    for chat_id, name in ((first_id, "một"), (second_id, "hai")):
        queue.add(chat_id, f"Zalo {name}: tin 1")
        queue.add(chat_id, f"Zalo {name}: tin 2")
    queue.telegram("A", 12)
    await sender.drain()
    assert fake_zalo.refused >= 1
    assert _zalo_texts(first) == [] and _zalo_texts(second) == []
    assert _telegram_texts(fake) == Counter(text for number in range(12) for text in [f"Telegram A {number}"])

    # Zalo's pause is Zalo's alone: more Telegram messages at the same moment are not held back.
    refused = fake_zalo.refused
    queue.telegram("B", 6)
    await sender.drain()
    assert sum(_telegram_texts(fake).values()) == 18
    assert fake_zalo.refused == refused, "no Zalo send was tried during Zalo's pause"
    session.expire_all()
    waiting = session.exec(select(OutboxMessage).where(col(OutboxMessage.chat_id).in_([first_id, second_id]))).all()
    assert {row.status for row in waiting} == {outbox.PENDING} and {row.attempts for row in waiting} == {0}

    # After the pause Zalo answers 500: those rows retry later, Telegram still flows.
    fake_zalo.fail_sends(500)
    clock.now += timedelta(seconds=6)
    queue.telegram("C", 6)
    await sender.drain()
    await fake_zalo.wait_refused(refused + 2)
    assert sum(_telegram_texts(fake).values()) == 24
    assert _zalo_texts(first) == [] and _zalo_texts(second) == []

    # Zalo recovers while Telegram says "too many requests": now only Telegram's messages wait.
    fake_zalo.clear_fault()
    fake.fail_next("sendMessage", status=429, retry_after=3)
    clock.now += outbox.retry_delay(1) + timedelta(seconds=1)
    queue.telegram("D", 4)
    await sender.drain()
    assert _zalo_texts(first) == queue.expected[first_id]
    assert _zalo_texts(second) == queue.expected[second_id]
    assert sum(_telegram_texts(fake).values()) < 28, "Telegram's pause holds the rest of batch D"

    clock.now += timedelta(seconds=4)
    await sender.drain()
    expected_telegram = Counter(text for chat, texts in queue.expected.items() if chat < first_id for text in texts)
    assert _telegram_texts(fake) == expected_telegram
    assert _zalo_texts(first) == queue.expected[first_id]
    assert _zalo_texts(second) == queue.expected[second_id]
    session.expire_all()
    assert {row.status for row in session.exec(select(OutboxMessage)).all()} == {outbox.SENT}


async def test_a_zalo_persons_messages_are_a_second_apart(
        session: Session, zalo_bot: BotUnderTest, fake_zalo: FakeZalo) -> None:
    """Zalo publishes no limit: the outbox gives one Zalo chat at most one message a second."""
    chat, chat_id = await _zalo_person(session, zalo_bot, fake_zalo)
    application = zalo_bot.application
    assert application is not None
    clock = _Clock(datetime.now(UTC))
    zalo_bot.runtime.clock = clock
    queue = _Queue(session, clock)
    for number in range(3):
        queue.add(chat_id, f"Zalo nhắc {number}")
    await sender_of(application).drain()
    assert _zalo_texts(chat) == queue.expected[chat_id]
    arrivals = [at for method, params, at in fake_zalo.timed_calls if method == "sendMessage"
                and str(params.get("text", "")).startswith("Zalo nhắc")]
    assert len(arrivals) == 3 and min(b - a for a, b in itertools.pairwise(arrivals)) >= 0.95


async def test_a_long_text_cut_off_by_a_zalo_error_is_finished_without_doubling(
        session: Session, zalo_bot: BotUnderTest, fake_zalo: FakeZalo) -> None:
    """A text over Zalo's 2,000 characters goes as several messages; when Zalo refuses the second, the
    outbox's retry sends the rest, not the first one again."""
    chat, chat_id = await _zalo_person(session, zalo_bot, fake_zalo)
    application = zalo_bot.application
    assert application is not None
    clock = _Clock(datetime.now(UTC))
    zalo_bot.runtime.clock = clock
    lines = [f"Zalo dòng {number:03d} " + "x" * 60 for number in range(80)]  # ~5,800 characters: 3 messages
    outbox.enqueue(session, key="long", chat_id=chat_id, text="\n".join(lines), now=clock())
    session.commit()
    fake_zalo.fail_sends(503, after=1)
    await sender_of(application).drain()
    await fake_zalo.wait_refused(1)
    assert len(_zalo_texts(chat)) == 1
    fake_zalo.clear_fault()
    clock.now += outbox.retry_delay(1) + timedelta(seconds=1)
    await sender_of(application).drain()
    received = "\n".join(_zalo_texts(chat)).split("\n")
    assert received == lines
