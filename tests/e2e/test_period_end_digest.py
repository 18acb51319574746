"""The period-end digest end to end, on a clock the test moves (no sleeping): it reaches the supervisors of
the period's unit the day after the due date at the unit's digest time, about exactly that period (its dates,
who submitted on time, late or not at all); it goes out once whatever runs again, restarts or a second bot
process; a unit can switch it off and on; and periods that closed long ago are never sent."""

from __future__ import annotations

import asyncio
import io
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from openpyxl import load_workbook
from sqlmodel import Session, select
from telegram.ext import AIORateLimiter, ExtBot

from bot.config import Settings
from bot.digest_outbox import enqueue_closing_digests
from bot.jobs import CLOSING_INTERVAL_SECONDS, CLOSING_JOB, PLAN_JOB, run_closing_digests
from bot.outbox_sender import OutboxSender, sender_of
from bot.runtime import Runtime
from bot.sandbox.fake_api import FakeTelegram, SentMessage
from db.models import Category, Organisation, ReportingPeriod, SupportAction, Unit, User
from tests.conftest import TEST_TOKEN
from tests.support.harness import BotUnderTest, Chat

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CLOSING_ON = ("Bản tin cuối kỳ: đang bật, gửi lúc {time} ngày sau hạn nộp của mỗi kỳ báo cáo "
              "(gõ “/digest_schedule cuối kỳ tắt” để tắt).")
CLOSING_OFF = "Bản tin cuối kỳ: đang tắt (gõ “/digest_schedule cuối kỳ bật” để bật lại)."


class Clock:
    """The time the bot sees (aware UTC); tests move it in local wall-clock time instead of sleeping."""

    def __init__(self, year: int, month: int, day: int, hour: int, minute: int) -> None:
        self.now = self._utc(year, month, day, hour, minute)

    def __call__(self) -> datetime:
        return self.now

    def local(self, year: int, month: int, day: int, hour: int, minute: int) -> None:
        self.now = self._utc(year, month, day, hour, minute)

    @staticmethod
    def _utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
        return datetime(year, month, day, hour, minute, tzinfo=TZ).astimezone(UTC)


def _unit(session: Session, code: str) -> Unit:
    return session.exec(select(Unit).where(Unit.code == code)).one()


def _periods(session: Session) -> dict[str, ReportingPeriod]:
    session.expire_all()
    return {p.name: p for p in session.exec(select(ReportingPeriod)).all()}


def _as_utc(moment: datetime | None) -> datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def _log_rice(session: Session, *, chat: Chat, day: date, households: int, kg: int) -> None:
    """A record of the chat's unit, stored the way a saved form stores it (the rollup follows the session)."""
    author = session.exec(select(User).where(User.telegram_id == chat.user.id)).one()
    rice = session.exec(select(Category).where(Category.code == "rice")).one()
    org = session.exec(select(Organisation).order_by(Organisation.id)).first()  # type: ignore[arg-type]
    assert rice.id and org and org.id and author.id
    session.add(SupportAction(unit_id=author.unit_id, organisation_id=org.id, category_id=rice.id, action_date=day,
                              households=households, quantity=Decimal(kg), quantity_unit="kg",
                              value_dong=81_150_000, author_id=author.id))
    session.commit()


def _digests(chat: Chat) -> list[SentMessage]:
    """The digest messages of a chat: reminders and notices from the outbox (its own jobs run meanwhile) are
    plain texts, a digest is a "📌"/"📰" text with a workbook and a chart."""
    return [m for m in chat.messages if m.kind in ("document", "photo") or m.text.startswith(("📌", "📰"))]


def _counts(*chats: Chat) -> dict[int, int]:
    return {chat.user.id: len(_digests(chat)) for chat in chats}


def _new(chat: Chat, counts: dict[int, int]) -> list[SentMessage]:
    return _digests(chat)[counts[chat.user.id]:]


def _by_hand(bot: BotUnderTest) -> None:
    """Pause the scheduler's own runs of the period-end check and of reminder planning (both repeating jobs
    of the running bot), so what is sent depends on the test's clock moves only. `Job.run` still runs them."""
    assert bot.application is not None and bot.application.job_queue is not None
    for name in (CLOSING_JOB, PLAN_JOB):
        [job] = bot.application.job_queue.get_jobs_by_name(name)
        job.enabled = False


async def _run(bot: BotUnderTest) -> int:
    """What the repeating job runs, awaited (it waits for a run already in progress), then the outbox
    sender's round: the digests go out through the outbox."""
    assert bot.application is not None
    queued = await run_closing_digests(bot.application)
    await sender_of(bot.application).drain()
    return queued


async def test_period_end_digest_goes_out_once_to_the_periods_supervisors_about_that_period(
        bot: BotUnderTest, enroll: Callable[..., Awaitable[Chat]], session: Session) -> None:
    clock = Clock(2027, 6, 1, 9, 0)
    bot.runtime.clock = clock
    _by_hand(bot)
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="A")
    admin: Chat = await enroll(role="admin", unit_code="GL-KP", name="B")
    commune_head: Chat = await enroll(role="supervisor", unit_code="GL-KP-IARSAI", name="C")
    province: Chat = await enroll(role="supervisor", unit_code="GL", name="D")
    ia_rsai: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="E")
    chu_gu: Chat = await enroll(role="reporter", unit_code="GL-KP-CHUGU", name="F")
    _log_rice(session, chat=ia_rsai, day=date(2027, 3, 10), households=45, kg=5410)
    _log_rice(session, chat=ia_rsai, day=date(2027, 7, 2), households=9, kg=900)  # after the period: not in it

    await supervisor.send("/period")
    await supervisor.tap("Báo cáo 6 tháng đầu năm 2027")
    [reply] = await supervisor.send("/digest_schedule thứ 2 8:00")
    assert reply.text.splitlines() == ["Bản tin: Thứ 2 hằng tuần lúc 08:00.", CLOSING_ON.format(time="08:00")]

    clock.local(2027, 6, 10, 9, 0)  # Ia Rsai submits on time
    await ia_rsai.send("/submit")
    await ia_rsai.tap("✅ Chốt số liệu")
    assert "Đã chốt số liệu" in ia_rsai.last.text
    clock.local(2027, 6, 16, 6, 0)  # Chư Gu the morning after the due date: late
    await chu_gu.send("/submit")
    await chu_gu.tap("✅ Chốt số liệu")
    assert "muộn" in chu_gu.last.text
    # The unit's next period is now its newest one; the period-end digest must still be about the first.
    await supervisor.send("/period Quý III/2027; 1/7/2027; 30/9/2027; 10/10/2027")
    assert "Đã tạo kỳ báo cáo" in supervisor.last.text

    everyone = (supervisor, admin, commune_head, province, ia_rsai, chu_gu)
    before = _counts(*everyone)
    clock.local(2027, 6, 15, 22, 0)  # the due day itself belongs to the communes
    assert await _run(bot) == 0
    clock.local(2027, 6, 16, 7, 59)  # the day after, before the unit's digest time
    assert await _run(bot) == 0
    assert _counts(*everyone) == before

    clock.local(2027, 6, 16, 8, 0)
    assert await _run(bot) == 1
    for chat in (supervisor, admin):
        text, document, photo = _new(chat, before)
        assert text.text.startswith("📌 Bản tin cuối kỳ: Báo cáo 6 tháng đầu năm 2027, hạn nộp 15/6/2027")
        assert "6 tháng đầu năm 2027, huyện Krông Pa" in text.text
        assert "45 hộ" in text.text and "5.410 kg" in text.text and "900 kg" not in text.text
        assert "Phải báo cáo 14 · đã nộp 2 · đúng hạn 1 · muộn 1 · chưa nộp 12" in text.text
        assert "Nộp đúng hạn: xã Ia Rsai" in text.text and "Nộp muộn: xã Chư Gu" in text.text
        lines = text.text.splitlines()
        # The units ranked for the reader: not submitted first (ten shown, the rest in the workbook).
        assert "14 xã, thị trấn: 1 đã nộp, 12 chưa, 1 trễ hạn" in lines
        assert "• xã Chư Drăng: chưa có số liệu — ❌ chưa nộp" in lines
        assert "… và 4 đơn vị khác trong tệp Excel." in lines
        assert not any(line.startswith("• xã Ia Rsai") for line in lines)
        assert "Quý III/2027" not in text.text
        assert document.file_name == "ban-tin-gl-kp-20270101-20270630.xlsx" and document.file_bytes
        detail = load_workbook(io.BytesIO(document.file_bytes))["Chi tiết"]
        assert [row[6] for row in detail.iter_rows(min_row=2, values_only=True)] == [45]
        assert photo.file_bytes is not None and photo.file_bytes.startswith(b"\x89PNG")
    for chat in (commune_head, province, ia_rsai, chu_gu):
        assert _new(chat, before) == []
    assert _as_utc(_periods(session)["Báo cáo 6 tháng đầu năm 2027"].closing_digest_sent_at) == clock()

    # Never twice: the next check, a check after a restart, the job itself.
    after = _counts(*everyone)
    clock.local(2027, 6, 16, 8, 5)
    assert await _run(bot) == 0
    await bot.restart()
    app = bot.application
    assert app is not None and app.job_queue is not None
    [job] = app.job_queue.get_jobs_by_name(CLOSING_JOB)  # one job, re-created with its fixed id
    _by_hand(bot)
    assert job.job.id == CLOSING_JOB and job.job.coalesce and job.job.misfire_grace_time >= CLOSING_INTERVAL_SECONDS
    clock.local(2027, 6, 17, 9, 0)
    await job.run(app)
    await sender_of(app).drain()
    assert await _run(bot) == 0
    assert _counts(*everyone) == after


async def test_a_unit_that_switched_it_off_gets_none_until_it_switches_it_on(
        bot: BotUnderTest, enroll: Callable[..., Awaitable[Chat]], session: Session) -> None:
    clock = Clock(2027, 6, 1, 9, 0)
    bot.runtime.clock = clock
    _by_hand(bot)
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP")
    await supervisor.send("/period")
    await supervisor.tap("Báo cáo 6 tháng đầu năm 2027")
    [reply] = await supervisor.send("/digest_schedule")
    assert reply.text.splitlines()[1] == CLOSING_ON.format(time="07:30")  # on by default
    [reply] = await supervisor.send("/digest_schedule cuối kỳ tắt")
    assert reply.text == CLOSING_OFF
    [reply] = await supervisor.send("/digest_schedule")
    assert reply.text.splitlines()[1] == CLOSING_OFF
    assert "chưa đặt lịch" in reply.text.splitlines()[0]  # switching it did not start a weekly digest
    app = bot.application
    assert app is not None and app.job_queue is not None
    assert not app.job_queue.get_jobs_by_name(f"digest:{_unit(session, 'GL-KP').id}")

    before = _counts(supervisor)
    clock.local(2027, 6, 16, 9, 0)
    assert await _run(bot) == 0
    assert _counts(supervisor) == before
    assert _periods(session)["Báo cáo 6 tháng đầu năm 2027"].closing_digest_sent_at is None

    [reply] = await supervisor.send("/digest_schedule cuoi ky")  # neither on nor off: explained, nothing changed
    assert "“/digest_schedule cuối kỳ tắt”" in reply.text and "“/digest_schedule cuối kỳ bật”" in reply.text
    [reply] = await supervisor.send("/digest_schedule cuoi ky bat")  # without diacritics
    assert reply.text == CLOSING_ON.format(time="07:30")
    clock.local(2027, 6, 16, 9, 5)
    assert await _run(bot) == 1
    new = _new(supervisor, before)
    assert len(new) == 3 and new[0].text.startswith("📌 Bản tin cuối kỳ: Báo cáo 6 tháng đầu năm 2027")


async def test_old_periods_are_never_sent_and_one_missed_while_down_goes_out_after_the_restart(
        bot: BotUnderTest, enroll: Callable[..., Awaitable[Chat]], session: Session) -> None:
    clock = Clock(2027, 6, 1, 9, 0)
    bot.runtime.clock = clock
    _by_hand(bot)
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP")
    for line in ("Quý I/2027; 1/1/2027; 31/3/2027; 10/4/2027",  # long closed when the feature arrives
                 "Đợt 1; 1/5/2027; 20/5/2027; 1/6/2027",  # eight days old at the restart below
                 "Tháng 5/2027; 1/5/2027; 31/5/2027; 2/6/2027"):  # seven days old: still sent
        await supervisor.send(f"/period {line}")
        assert "Đã tạo kỳ báo cáo" in supervisor.last.text
    # The bot is down from before 2/6 07:30 until 9/6 in the morning.
    await bot.stop()
    clock.local(2027, 6, 9, 9, 0)
    await bot.start()
    _by_hand(bot)
    app = bot.application
    assert app is not None and app.job_queue is not None
    [job] = app.job_queue.get_jobs_by_name(CLOSING_JOB)
    before = _counts(supervisor)
    await job.run(app)  # the job's first check after the restart
    await sender_of(app).drain()
    text, document, _photo = _new(supervisor, before)
    assert text.text.startswith("📌 Bản tin cuối kỳ: Tháng 5/2027, hạn nộp 2/6/2027")
    assert "tháng 5/2027, huyện Krông Pa" in text.text
    assert document.file_name == "ban-tin-gl-kp-20270501-20270531.xlsx"
    clock.local(2027, 6, 20, 9, 0)
    assert await _run(bot) == 0
    assert len(_new(supervisor, before)) == 3
    sent = {name: p.closing_digest_sent_at is not None for name, p in _periods(session).items()}
    assert sent == {"Quý I/2027": False, "Đợt 1": False, "Tháng 5/2027": True}


async def test_two_bot_processes_send_it_once(bot: BotUnderTest, enroll: Callable[..., Awaitable[Chat]],
                                             settings: Settings, fake: FakeTelegram) -> None:
    clock = Clock(2027, 6, 1, 9, 0)
    bot.runtime.clock = clock
    _by_hand(bot)
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="A")
    admin: Chat = await enroll(role="admin", unit_code="GL-KP", name="B")
    await supervisor.send("/period")
    await supervisor.tap("Báo cáo 6 tháng đầu năm 2027")
    before = _counts(supervisor, admin)
    clock.local(2027, 6, 16, 7, 30)
    processes: list[tuple[ExtBot[None], Runtime]] = []
    for _ in range(2):
        runtime = Runtime.create(settings)
        runtime.clock = clock
        telegram_bot: ExtBot[None] = ExtBot(TEST_TOKEN, base_url=f"{fake.base_url}/bot",
                                            rate_limiter=AIORateLimiter())
        await telegram_bot.initialize()
        processes.append((telegram_bot, runtime))
    senders = [OutboxSender(b, r, name=f"process-{n}") for n, (b, r) in enumerate(processes)]
    try:
        results = await asyncio.gather(*(asyncio.to_thread(enqueue_closing_digests, r) for _, r in processes))
        results += await asyncio.gather(*(asyncio.to_thread(enqueue_closing_digests, r) for _, r in processes))
        await asyncio.gather(*(sender.drain() for sender in senders))
        await asyncio.gather(*(sender.drain() for sender in senders))
    finally:
        for sender in senders:
            await sender.stop()
        for telegram_bot, runtime in processes:
            await telegram_bot.shutdown()
            runtime.close()
    assert sorted(results) == [0, 0, 0, 1]
    for chat in (supervisor, admin):
        new = _new(chat, before)
        assert len(new) == 3 and new[0].text.startswith("📌 Bản tin cuối kỳ: Báo cáo 6 tháng đầu năm 2027")
