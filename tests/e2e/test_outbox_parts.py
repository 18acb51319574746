"""Digests through the outbox, end to end against the fake Bot API with injected faults, on a clock the test
moves (no sleeping): every part of a digest (text, XLSX, chart) reaches every supervisor exactly once and in
that order, whatever Telegram answers on the way (502, 429 with retry_after, 500), across a restart and a
sender that died holding a part; a failing part holds back only its own chat; a crash between claiming a
digest and queueing it loses and doubles nothing; a user who blocked the bot gets none of the rest."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.digest_outbox import enqueue_closing_digests, enqueue_scheduled_digest
from bot.domain.outbox import queue as outbox
from bot.jobs import run_closing_digests
from bot.outbox_sender import plan_now, sender_of
from bot.sandbox.fake_api import FakeTelegram, SentMessage
from db.models import DigestSchedule, OutboxMessage, ReportingPeriod, User
from tests.e2e.test_period_end_digest import Clock, _by_hand, _run, _unit
from tests.support.harness import BotUnderTest, Chat

PERIOD = "Báo cáo 6 tháng đầu năm 2027"
MAX_ROUNDS = 40


def _rows(session: Session) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())  # type: ignore[arg-type]


def _unfinished(session: Session) -> list[OutboxMessage]:
    return [row for row in _rows(session) if row.status in (outbox.PENDING, outbox.SENDING)]


def _kinds(messages: list[SentMessage]) -> list[str]:
    """What a chat received, as a reader sees it: the digest's heading, its files, the reminders and notices."""
    labels = []
    for message in messages:
        if message.kind != "text":
            labels.append(message.kind)
        elif message.text.startswith("📌 Bản tin cuối kỳ"):
            labels.append("digest")
        elif message.text.startswith("⚠️"):
            labels.append("escalation" if "đơn vị chưa chốt" in message.text else "overdue")
        elif message.text.startswith("🔓"):
            labels.append("reopened")
        else:
            labels.append(message.text[:40])
    return labels


async def _drain(bot: BotUnderTest) -> int:
    assert bot.application is not None
    return await sender_of(bot.application).drain()


async def _queue_closing(bot: BotUnderTest) -> int:
    """Queue the due period-end digests without draining (the caller drains)."""
    assert bot.application is not None
    return await run_closing_digests(bot.application)


async def _plan_reminders(bot: BotUnderTest) -> int:
    assert bot.application is not None
    return await plan_now(bot.application)


async def _period_with_supervisors(bot: BotUnderTest, enroll: Callable[..., Awaitable[Chat]],
                                   clock: Clock) -> tuple[Chat, Chat, Chat, Chat]:
    """A district supervisor and admin who define the half-year period; Ia Rsai submits it on time, Chư Gu
    never does."""
    bot.runtime.clock = clock
    _by_hand(bot)
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="A")
    admin: Chat = await enroll(role="admin", unit_code="GL-KP", name="B")
    ia_rsai: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="C")
    chu_gu: Chat = await enroll(role="reporter", unit_code="GL-KP-CHUGU", name="D")
    await supervisor.send("/period")
    await supervisor.tap(PERIOD)
    clock.local(2027, 6, 10, 9, 0)
    await ia_rsai.send("/submit")
    await ia_rsai.tap("✅ Chốt số liệu")
    assert "Đã chốt số liệu" in ia_rsai.last.text
    return supervisor, admin, ia_rsai, chu_gu


async def test_every_part_reaches_every_supervisor_once_in_order_through_faults_and_a_restart(
        bot: BotUnderTest, enroll: Callable[..., Awaitable[Chat]], session: Session, fake: FakeTelegram) -> None:
    clock = Clock(2027, 6, 1, 9, 0)
    supervisor, admin, ia_rsai, chu_gu = await _period_with_supervisors(bot, enroll, clock)
    # The morning after the due date, the supervisor reopens Ia Rsai (a notice through the outbox).
    clock.local(2027, 6, 16, 7, 30)
    await supervisor.send("/reopen GL-KP-IARSAI thiếu số liệu nhà ở")
    assert "Đã mở lại" in supervisor.last.text
    await _drain(bot)
    chats = (supervisor, admin, ia_rsai, chu_gu)
    before = {chat.user.id: len(chat.messages) for chat in chats}

    # Telegram misbehaves on every part of the digest, for both supervisors.
    fake.fail_next("sendMessage", status=502, times=2)
    fake.fail_next("sendDocument", status=429, retry_after=5, times=4)
    fake.fail_next("sendPhoto", status=500, times=2)
    assert await _queue_closing(bot) == 1  # claimed and queued: 3 parts for each of the two supervisors
    assert await _queue_closing(bot) == 0
    assert await _plan_reminders(bot) > 0  # the escalation to both supervisors queues behind their digests
    await _drain(bot)

    def new(chat: Chat) -> list[str]:
        return _kinds(chat.messages[before[chat.user.id]:])

    # The texts failed (502): nothing else of the digest went ahead of them, while the communes' reminders
    # (other chats) were not held back.
    assert new(supervisor) == [] and new(admin) == []
    assert new(ia_rsai) == ["overdue"] and new(chu_gu) == ["overdue"]

    rounds = 0
    while _unfinished(session) and rounds < MAX_ROUNDS:
        rounds += 1
        if rounds == 3:
            # A sender died while holding the admin's next part, then the bot restarts (a deploy, a crash).
            [held] = [r for r in _unfinished(session) if r.chat_id == admin.user.id][:1]
            held.status, held.claimed_by, held.claimed_until = outbox.SENDING, "dead", clock() - timedelta(seconds=1)
            session.add(held)
            session.commit()
            await bot.restart()
            _by_hand(bot)
        clock.now += timedelta(seconds=30)
        await _drain(bot)
        for chat in (supervisor, admin):  # never a later part before an earlier one
            assert new(chat) == ["digest", "document", "photo", "escalation"][:len(new(chat))], new(chat)
    assert not _unfinished(session), [(r.key, r.status, r.attempts, r.last_error) for r in _unfinished(session)]

    for chat in (supervisor, admin):
        assert new(chat) == ["digest", "document", "photo", "escalation"]
        text, document, photo = chat.messages[before[chat.user.id]:][:3]
        assert text.text.startswith(f"📌 Bản tin cuối kỳ: {PERIOD}")
        assert document.file_name == "ban-tin-gl-kp-20270101-20270630.xlsx" and document.file_bytes
        assert document.file_bytes.startswith(b"PK")
        assert photo.file_bytes is not None and photo.file_bytes.startswith(b"\x89PNG")
    assert new(ia_rsai) == ["overdue"] and new(chu_gu) == ["overdue"]
    assert _kinds(ia_rsai.messages).count("reopened") == 1
    answered = [c.status for c in fake.calls_to("sendDocument")]
    assert answered.count(429) == 4 and answered.count(200) == 2
    assert [c.status for c in fake.calls_to("sendPhoto")].count(500) == 2
    rows = _rows(session)
    assert {r.status for r in rows} == {outbox.SENT}
    assert all(r.payload is None for r in rows)  # the files' bytes left the table once sent
    assert sorted(r.kind for r in rows if r.key.startswith("closing:")) == ["document"] * 2 + ["photo"] * 2 + \
        ["text"] * 2
    assert [r.attempts for r in rows if r.kind == outbox.DOCUMENT and r.chat_id == supervisor.user.id] == [1]

    # Nothing is left to send again: another round, another restart.
    await bot.restart()
    _by_hand(bot)
    clock.now += timedelta(hours=1)
    assert await _queue_closing(bot) == 0
    await _drain(bot)
    for chat in (supervisor, admin):
        assert new(chat) == ["digest", "document", "photo", "escalation"]


async def test_a_crash_between_claim_and_queue_loses_and_doubles_nothing(
        bot: BotUnderTest, enroll: Callable[..., Awaitable[Chat]], session: Session,
        monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock(2027, 6, 1, 9, 0)
    supervisor, admin, _ia_rsai, _chu_gu = await _period_with_supervisors(bot, enroll, clock)
    await supervisor.send("/digest_schedule thứ 4 7:30")
    district = _unit(session, "GL-KP")
    before = {chat.user.id: len(chat.messages) for chat in (supervisor, admin)}

    real = outbox.enqueue_delivery
    calls = 0

    def crash_on_the_second_reader(db: Session, delivery: outbox.Delivery, *, now: object) -> int:
        nonlocal calls
        calls += 1
        if calls == 2:
            raise RuntimeError("the process died here")
        return real(db, delivery, now=now)  # type: ignore[arg-type]

    clock.local(2027, 6, 16, 7, 30)  # a Wednesday: both the weekly and the period-end digest are due
    monkeypatch.setattr(outbox, "enqueue_delivery", crash_on_the_second_reader)
    with pytest.raises(RuntimeError):
        await asyncio.to_thread(enqueue_closing_digests, bot.runtime)
    calls = 0
    with pytest.raises(RuntimeError):
        await asyncio.to_thread(enqueue_scheduled_digest, bot.runtime, unit_id=district.id or 0)
    session.expire_all()
    # Neither claim survived its crash, and no part of either digest was queued.
    assert session.exec(select(ReportingPeriod)).one().closing_digest_sent_at is None
    assert session.exec(select(DigestSchedule)).one().last_sent_at is None
    assert not [r for r in _rows(session) if r.purpose in ("digest", "closing-digest")]

    monkeypatch.setattr(outbox, "enqueue_delivery", real)
    assert await asyncio.to_thread(enqueue_scheduled_digest, bot.runtime, unit_id=district.id or 0)
    assert not await asyncio.to_thread(enqueue_scheduled_digest, bot.runtime, unit_id=district.id or 0)
    assert await _run(bot) == 1
    assert await _run(bot) == 0
    session.expire_all()
    sent_at = session.exec(select(DigestSchedule)).one().last_sent_at
    assert sent_at is not None and outbox.as_utc(sent_at) == clock()
    for chat in (supervisor, admin):
        received = chat.messages[before[chat.user.id]:]
        assert [m.kind for m in received] == ["text", "document", "photo"] * 2
        assert received[0].text.startswith("📰") and received[3].text.startswith("📌 Bản tin cuối kỳ")


async def test_a_supervisor_who_blocked_the_bot_gets_none_of_the_rest(
        bot: BotUnderTest, enroll: Callable[..., Awaitable[Chat]], session: Session, fake: FakeTelegram) -> None:
    clock = Clock(2027, 6, 1, 9, 0)
    supervisor, admin, _ia_rsai, _chu_gu = await _period_with_supervisors(bot, enroll, clock)
    before = {chat.user.id: len(chat.messages) for chat in (supervisor, admin)}
    fake.block_user(admin.user.id)
    start = len(fake.calls)
    clock.local(2027, 6, 16, 7, 30)
    assert await _run(bot) == 1
    await _drain(bot)  # the notice about the admin goes out in the next round
    calls = [c for c in fake.calls[start:] if c.method.startswith("send") and int(c.params["chat_id"]) == admin.user.id]
    assert [(c.method, c.status) for c in calls] == [("sendMessage", 403)]  # the first part, and nothing after
    session.expire_all()
    admin_user = session.exec(select(User).where(User.telegram_id == admin.user.id)).one()
    assert admin_user.active is False
    assert {r.status for r in _rows(session) if r.chat_id == admin.user.id} == {outbox.BLOCKED}
    received = supervisor.messages[before[supervisor.user.id]:]
    assert [m.kind for m in received][:3] == ["text", "document", "photo"]
    assert any("đã chặn bot" in m.text for m in received[3:])


async def test_a_part_given_up_lets_the_later_ones_of_its_chat_go_on(
        bot: BotUnderTest, enroll: Callable[..., Awaitable[Chat]], session: Session, fake: FakeTelegram) -> None:
    clock = Clock(2027, 6, 1, 9, 0)
    supervisor, admin, _ia_rsai, _chu_gu = await _period_with_supervisors(bot, enroll, clock)
    before = {chat.user.id: len(chat.messages) for chat in (supervisor, admin)}
    clock.local(2027, 6, 16, 7, 30)
    fake.fail_next("sendDocument", status=400, times=2)  # refused for good: given up at once
    fake.fail_next("sendPhoto", status=500, times=2 * outbox.MAX_ATTEMPTS)  # given up after its attempts
    assert await _queue_closing(bot) == 1
    assert await _plan_reminders(bot) > 0
    rounds = 0
    while _unfinished(session) and rounds < MAX_ROUNDS:
        rounds += 1
        await _drain(bot)
        if any(r.kind == outbox.PHOTO for r in _unfinished(session)):
            for chat in (supervisor, admin):  # the escalation waits while the chart is still being tried
                assert _kinds(chat.messages[before[chat.user.id]:]) == ["digest"], rounds
        clock.now += outbox.MAX_BACKOFF
    await _drain(bot)
    for chat in (supervisor, admin):
        assert _kinds(chat.messages[before[chat.user.id]:]) == ["digest", "escalation"]
    parts = [r for r in _rows(session) if r.purpose == "closing-digest"]
    assert sorted((r.kind, r.status, r.attempts) for r in parts) == [
        ("document", "failed", 1)] * 2 + [("photo", "failed", outbox.MAX_ATTEMPTS)] * 2 + [("text", "sent", 1)] * 2
    assert [c.status for c in fake.calls_to("sendPhoto")] == [500] * 2 * outbox.MAX_ATTEMPTS
