"""The reporting cycle end to end with a controllable clock (no sleeping): periods, reminders at the right
local times and never in quiet hours, escalation, late submissions, reopen/resubmit, targets, and the
outbox (restart, two senders, 429 flood control, a user who blocked the bot)."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlmodel import Session, select
from telegram.ext import AIORateLimiter, ExtBot

from bot.config import Settings
from bot.domain.outbox import queue as outbox
from bot.outbox_sender import OutboxSender, plan_now, plan_reminders, sender_of
from bot.runtime import Runtime
from bot.sandbox.fake_api import FakeTelegram
from db.models import (
    Category,
    Organisation,
    OutboxMessage,
    ReportingPeriod,
    Submission,
    SupportAction,
    Unit,
    User,
)
from tests.conftest import TEST_TOKEN
from tests.support.harness import BotUnderTest, Chat

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock:
    """The time the bot sees; tests move it instead of sleeping."""

    def __init__(self, *local: int) -> None:
        self.now = datetime(*local, tzinfo=TZ).astimezone(UTC)  # type: ignore[misc]

    def __call__(self) -> datetime:
        return self.now

    def local(self, *local: int) -> None:
        self.now = datetime(*local, tzinfo=TZ).astimezone(UTC)  # type: ignore[misc]


def _rows(session: Session) -> list[OutboxMessage]:
    session.expire_all()
    return list(session.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all())


def _user(session: Session, chat: Chat) -> User:
    session.expire_all()
    return session.exec(select(User).where(User.telegram_id == chat.user.id)).one()


def _log_rice(session: Session, *, unit_code: str, author: User, day: date, households: int, kg: int) -> None:
    unit = session.exec(select(Unit).where(Unit.code == unit_code)).one()
    rice = session.exec(select(Category).where(Category.code == "rice")).one()
    org = session.exec(select(Organisation).order_by(Organisation.id)).first()
    assert unit.id and rice.id and org and org.id and author.id
    session.add(SupportAction(unit_id=unit.id, organisation_id=org.id, category_id=rice.id, action_date=day,
                              households=households, quantity=Decimal(kg), quantity_unit="kg",
                              value_dong=1_000_000, author_id=author.id))
    session.commit()


async def _drain(bot: BotUnderTest) -> int:
    assert bot.application is not None
    return await sender_of(bot.application).drain()


async def _plan(bot: BotUnderTest) -> int:
    assert bot.application is not None
    return await plan_now(bot.application)


async def test_reporting_cycle_reminders_escalation_late_reopen_targets(
        bot: BotUnderTest, enroll: Callable[..., object], session: Session, fake: FakeTelegram) -> None:
    clock = Clock(2027, 6, 1, 9, 0)
    bot.runtime.clock = clock
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Giám sát")  # type: ignore[assignment]
    ia_rsai: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Cán bộ Ia Rsai")  # type: ignore
    chu_gu: Chat = await enroll(role="reporter", unit_code="GL-KP-CHUGU", name="Cán bộ Chư Gu")  # type: ignore
    _log_rice(session, unit_code="GL-KP-IARSAI", author=_user(session, ia_rsai), day=date(2027, 3, 10),
              households=45, kg=5410)

    await supervisor.send("/period")
    await supervisor.tap("Báo cáo 6 tháng đầu năm 2027")
    assert "Đã tạo kỳ báo cáo" in supervisor.last.text and "14 đơn vị" in supervisor.last.text
    await supervisor.tap("Báo cáo 6 tháng đầu năm 2027", message=supervisor.messages[-2])
    assert "đã có" in supervisor.last.text  # a second tap creates nothing
    assert len(session.exec(select(ReportingPeriod)).all()) == 1

    # Three days before the due date (15/6), at 05:00: quiet hours, nothing is planned.
    clock.local(2027, 6, 12, 5, 0)
    assert await _plan(bot) == 0
    assert _rows(session) == []
    # 06:30: both officers who have not submitted are reminded; planning again adds nothing.
    clock.local(2027, 6, 12, 6, 30)
    before, before_gu = len(ia_rsai.messages), len(chu_gu.messages)
    await _plan(bot)
    await _plan(bot)
    keys = sorted(r.key for r in _rows(session))
    assert len(keys) == 2 and all(k.endswith(":d3") for k in keys)
    await _drain(bot)
    reminder = await fake.wait_for_message(ia_rsai.user.id, before)
    assert "15/6/2027" in reminder.text and "còn 3 ngày" in reminder.text
    assert "Chư Gu" in (await fake.wait_for_message(chu_gu.user.id, before_gu)).text

    # Ia Rsai submits from the reminder's button: the figures come from compute_totals.
    await ia_rsai.tap("📤 Chốt số liệu", message=reminder)
    assert "45 hộ" in ia_rsai.last.text and "5.410 kg" in ia_rsai.last.text
    await ia_rsai.tap("✅ Chốt số liệu")
    assert "Đã chốt số liệu" in ia_rsai.last.text and "muộn" not in ia_rsai.last.text
    await ia_rsai.send("/submit")
    assert "không có báo cáo nào cần chốt" in ia_rsai.last.text  # locked for the unit

    # On the due day only the unit that has not submitted is reminded.
    clock.local(2027, 6, 15, 21, 30)
    assert await _plan(bot) == 0  # quiet hours again
    clock.local(2027, 6, 15, 8, 0)
    counts = (len(ia_rsai.messages), len(chu_gu.messages))
    await _plan(bot)
    await _drain(bot)
    assert "hạn chót là hôm nay" in (await fake.wait_for_message(chu_gu.user.id, counts[1])).text
    assert len(ia_rsai.messages) == counts[0]

    # The day after: the officers get one more reminder and the supervisor the list of missing units.
    clock.local(2027, 6, 16, 7, 0)
    sup_count = len(supervisor.messages)
    await _plan(bot)
    await _drain(bot)
    escalation = await fake.wait_for_message(supervisor.user.id, sup_count)
    assert "13 đơn vị chưa chốt" in escalation.text and "xã Chư Gu" in escalation.text
    assert "xã Ia Rsai" not in escalation.text
    assert "đã quá hạn" in chu_gu.messages[-1].text
    assert await _plan(bot) == 0

    # A late submission is marked late.
    await chu_gu.send("/submit")
    await chu_gu.tap("✅ Chốt số liệu")
    assert "muộn" in chu_gu.last.text

    await supervisor.send("/status")
    status = supervisor.last.text
    assert "Phải báo cáo 14 · đã nộp 2 · đúng hạn 1 · muộn 1 · chưa nộp 12" in status
    assert "Tỷ lệ đầy đủ 14,3% · đúng hạn 7,1%" in status

    # Reopen with a reason; the officer is told through the outbox and resubmits.
    clock.local(2027, 6, 17, 9, 0)
    await supervisor.send("/reopen GL-KP-IARSAI thiếu số liệu nhà ở")
    assert "Đã mở lại" in supervisor.last.text
    count = len(ia_rsai.messages)
    await _drain(bot)
    notice = await fake.wait_for_message(ia_rsai.user.id, count)
    assert "thiếu số liệu nhà ở" in notice.text
    await ia_rsai.tap("📤 Chốt số liệu", message=notice)
    assert "thiếu số liệu nhà ở" in ia_rsai.last.text
    await ia_rsai.tap("✅ Chốt số liệu")
    assert "Đã chốt số liệu" in ia_rsai.last.text and "muộn" not in ia_rsai.last.text  # keeps its timeliness
    session.expire_all()
    versions = session.exec(select(Submission).join(Unit, Unit.id == Submission.unit_id)  # type: ignore[arg-type]
                            .where(Unit.code == "GL-KP-IARSAI").order_by(Submission.version)).all()
    assert [(s.version, s.status, s.late) for s in versions] == [(1, "reopened", False), (2, "submitted", False)]
    assert versions[1].figures["rice"]["households"] == 45

    # Targets: achieved vs target in %.
    await supervisor.send("/target GL-KP-IARSAI gạo 10820")
    assert "5.410/10.820 kg (50%)" in supervisor.last.text
    await supervisor.send("/status")
    assert "đúng hạn 1 · muộn 1" in supervisor.last.text and "(50%)" in supervisor.last.text

    # Completeness and targets also reach the totals and the digest.
    assert "5.410/10.820 kg (50%)" in await supervisor.reply_text("/totals")
    digest = [m.text for m in await supervisor.send("/digest")]
    assert any("Tỷ lệ đầy đủ 14,3%" in text and "(50%)" in text for text in digest), digest[:1]

    # Every row went out: a transient error (a timeout on a loaded machine) only postpones a row by the
    # sender's backoff, so move past it and send what is due before checking.
    clock.local(2027, 6, 17, 9, 5)
    await _drain(bot)
    rows = _rows(session)
    unsent = [(r.key, r.status, r.attempts, r.last_error) for r in rows if r.status != "sent"]
    assert not unsent, unsent
    sent_texts = [c.params["text"] for c in fake.calls_to("sendMessage") if c.status == 200]
    assert all(sent_texts.count(r.text) >= 1 for r in rows)


async def test_restart_between_enqueue_and_send_loses_and_doubles_nothing(
        bot: BotUnderTest, enroll: Callable[..., object], session: Session, fake: FakeTelegram) -> None:
    clock = Clock(2027, 12, 12, 8, 0)
    bot.runtime.clock = clock
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[assignment]
    reporters: list[Chat] = [await enroll(role="reporter", unit_code=code)  # type: ignore[misc]
                             for code in ("GL-KP-IARSAI", "GL-KP-CHUGU", "GL-KP-PHUTUC")]
    await supervisor.send("/period")
    await supervisor.tap("Báo cáo năm 2027")
    # Planned by the service (nothing wakes the sender), then the Application restarts before sending.
    assert plan_reminders(session, now=clock(), tz=TZ) == 3
    # One row was claimed by a process that died: its claim expires and it goes out once.
    crashed = _rows(session)[0]
    crashed.status, crashed.claimed_by, crashed.claimed_until = "sending", "dead", clock() - timedelta(seconds=1)
    session.add(crashed)
    session.commit()
    await bot.restart()
    await _drain(bot)
    await bot.restart()  # a second restart finds nothing left to send
    await _drain(bot)
    for chat in reporters:
        await fake.wait_until(lambda chat=chat: any("31/12/2027" in m.text or "15/12/2027" in m.text  # type: ignore
                                                    for m in chat.messages), what="reminder")
    per_chat = Counter(int(c.params["chat_id"]) for c in fake.calls_to("sendMessage")
                       if str(c.params.get("text")).startswith("⏰"))
    assert per_chat == Counter({chat.user.id: 1 for chat in reporters})
    assert {r.status for r in _rows(session)} == {"sent"}


async def _standalone(settings: Settings, fake: FakeTelegram, clock: Clock, name: str,
                      ) -> tuple[OutboxSender, ExtBot[None], Runtime]:
    runtime = Runtime.create(settings)
    runtime.clock = clock
    telegram_bot: ExtBot[None] = ExtBot(TEST_TOKEN, base_url=f"{fake.base_url}/bot", rate_limiter=AIORateLimiter())
    await telegram_bot.initialize()
    return OutboxSender(telegram_bot, runtime, name=name, batch=1), telegram_bot, runtime


def _enqueue(session: Session, clock: Clock, count: int, *, first_chat: int = 9_100_001,
             one_chat: bool = False) -> list[str]:
    """`count` messages, each to a chat of its own, or all to one chat (then sent one after another)."""
    keys = []
    for number in range(count):
        key = f"test:{number}"
        outbox.enqueue(session, key=key, chat_id=first_chat + (0 if one_chat else number), text=f"Tin {key}",
                       now=clock())
        keys.append(key)
    session.commit()
    return keys


def _sent_per_key(fake: FakeTelegram) -> Counter[str]:
    return Counter(str(c.params.get("text")) for c in fake.calls_to("sendMessage") if c.status == 200)


async def test_two_senders_deliver_every_message_exactly_once(settings: Settings, fake: FakeTelegram,
                                                              session: Session) -> None:
    clock = Clock(2027, 6, 12, 9, 0)
    keys = _enqueue(session, clock, 20)
    first, bot_a, runtime_a = await _standalone(settings, fake, clock, "sender-a")
    second, bot_b, runtime_b = await _standalone(settings, fake, clock, "sender-b")
    try:
        await asyncio.gather(first.drain(), second.drain())
        await asyncio.gather(first.drain(), second.drain())
    finally:
        await first.stop()
        await second.stop()
        await bot_a.shutdown()
        await bot_b.shutdown()
        runtime_a.close()
        runtime_b.close()
    assert _sent_per_key(fake) == Counter({f"Tin {key}": 1 for key in keys})
    assert first.sent + second.sent == 20
    if outbox.is_postgresql(session):
        assert first.sent > 0 and second.sent > 0  # both worked, SKIP LOCKED kept them apart
    else:
        assert sorted((first.sent, second.sent)) == [0, 20]  # SQLite: one sender holds the lease
    assert {r.status for r in _rows(session)} == {"sent"}


async def test_flood_control_slows_the_sender_without_loss(settings: Settings, fake: FakeTelegram,
                                                           session: Session) -> None:
    clock = Clock(2027, 6, 12, 9, 0)
    # One chat: its messages go one after another, so the 429 on the first is known before any other
    # starts (to several chats, sends overlap and how many left before the 429 came back is timing).
    keys = _enqueue(session, clock, 3, one_chat=True)
    fake.fail_next("sendMessage", status=429, retry_after=1)
    sender, telegram_bot, runtime = await _standalone(settings, fake, clock, "sender")
    try:
        assert await sender.drain() == 0  # paused by the 429, nothing sent, nothing lost
        assert len(fake.calls_to("sendMessage")) == 1  # the limiter did not retry on its own
        rows = _rows(session)
        assert {r.status for r in rows} == {"pending"}
        assert outbox.as_utc(rows[0].next_attempt_at) == clock() + timedelta(seconds=1)
        clock.now += timedelta(seconds=1)
        assert await sender.drain() == 3
    finally:
        await sender.stop()
        await telegram_bot.shutdown()
        runtime.close()
    assert _sent_per_key(fake) == Counter({f"Tin {key}": 1 for key in keys})
    assert all(r.attempts == 1 for r in _rows(session))


async def test_blocked_user_is_marked_inactive_and_reported(bot: BotUnderTest, enroll: Callable[..., object],
                                                            session: Session, fake: FakeTelegram) -> None:
    clock = Clock(2027, 6, 12, 7, 0)
    bot.runtime.clock = clock
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[assignment]
    reporter: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Chị Hoa")  # type: ignore
    await supervisor.send("/period")
    await supervisor.tap("Báo cáo 6 tháng đầu năm 2027")
    fake.block_user(reporter.user.id)
    count = len(supervisor.messages)
    await _plan(bot)
    await _drain(bot)
    notice = await fake.wait_for_message(supervisor.user.id, count)
    assert "Chị Hoa" in notice.text and "đã chặn bot" in notice.text
    assert _user(session, reporter).active is False
    assert [r.status for r in _rows(session) if r.chat_id == reporter.user.id] == ["blocked"]
    clock.local(2027, 6, 15, 8, 0)
    await _plan(bot)
    await _drain(bot)
    assert not [r for r in _rows(session) if r.chat_id == reporter.user.id and r.status != "blocked"]
