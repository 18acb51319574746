"""Handlers reach the wiring only through the hooks it registers at start (bot/presentation/hooks.py): a
question queued by a handler wakes the sender at once, with nobody draining the outbox, and a changed
digest schedule re-creates its unit's weekly job."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, select

from bot.jobs import digest_job_name
from bot.sandbox.fake_api import FakeTelegram
from db.models import ActionStatus, SupportAction
from db.queries import get_unit_by_code
from tests.support.harness import BotUnderTest, Chat

WAKE_TIMEOUT = 10.0
"""Well under the sender's idle wake-up (IDLE_SECONDS, 30 s): only a wake brings the card in time."""


async def test_a_question_asked_in_the_chat_goes_out_without_waiting_for_the_idle_sender(
        enroll: Callable[..., object], session: Session, bot: BotUnderTest, fake: FakeTelegram) -> None:
    author: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Ksor H'Lan")  # type: ignore[assignment]
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Phòng LĐTBXH")  # type: ignore
    await author.send("gạo 45 hộ 5410kg")
    await author.tap("✅ Lưu")
    record = session.exec(select(SupportAction).where(SupportAction.status == ActionStatus.CURRENT)).one()
    await supervisor.send("/history")
    await supervisor.tap(f"❓ #{record.id}")
    before = len(author.messages)
    assert f"#{record.id}" in await supervisor.reply_text("Sao 45 hộ mà 5.410 kg?")
    card = await fake.wait_for_message(author.user.id, before, timeout=WAKE_TIMEOUT)
    assert "Sao 45 hộ mà 5.410 kg?" in card.text
    assert [b["text"] for b in card.buttons()] == ["✏️ Sửa bản ghi", "✅ Số liệu đúng", "✍️ Trả lời"]


async def test_a_new_digest_schedule_creates_its_weekly_job(enroll: Callable[..., object], session: Session,
                                                            bot: BotUnderTest) -> None:
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Phòng LĐTBXH")  # type: ignore
    unit = get_unit_by_code(session, code="GL-KP")
    assert unit is not None and unit.id is not None
    app = bot.application
    assert app is not None and app.job_queue is not None
    assert not app.job_queue.get_jobs_by_name(digest_job_name(unit.id))
    await supervisor.send("/digest_schedule thứ 2 7:30")
    [job] = app.job_queue.get_jobs_by_name(digest_job_name(unit.id))
    assert "day_of_week='mon', hour='7', minute='30'" in str(job.job.trigger)
    await supervisor.send("/digest_schedule tắt")
    assert not app.job_queue.get_jobs_by_name(digest_job_name(unit.id))
