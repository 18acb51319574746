"""A household list checked but never confirmed holds names: after a day it is purged by the hourly job
(wired in the JobQueue with the other jobs), and its ✅ no longer imports it, even before the job ran."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from sqlmodel import Session, select

from bot.jobs import PURGE_JOB, run_upload_purge
from bot.sandbox.fake_api import FakeTelegram
from db.models import Household, HouseholdUpload
from tests.support.files import xlsx_bytes
from tests.support.harness import BotUnderTest, Chat

ROWS = [["Mã hộ", "Họ tên chủ hộ", "Thôn", "Phân loại", "Số nhân khẩu"],
        ["HN-01", "Nguyễn Văn Khải", "Thôn 1", "Hộ nghèo", "5"]]


def _staged(session: Session) -> list[HouseholdUpload]:
    session.expire_all()
    staged = list(session.exec(select(HouseholdUpload)).all())
    session.commit()
    return staged


async def test_a_list_left_waiting_is_purged_after_a_day_by_the_job(
        enroll: Callable[..., object], fake: FakeTelegram, bot: BotUnderTest, session: Session) -> None:
    assert bot.application is not None and bot.application.job_queue is not None
    assert bot.application.job_queue.get_jobs_by_name(PURGE_JOB), "the purge runs in the bot's JobQueue"
    commune: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    await bot.settle(fake.inject_document(commune.user, xlsx_bytes(ROWS), "ho-ngheo.xlsx"))
    assert "1 dòng sẵn sàng" in commune.last.text and len(_staged(session)) == 1
    started = bot.runtime.clock()
    bot.runtime.clock = lambda: started + timedelta(hours=23)
    assert await run_upload_purge(bot.application) == 0 and len(_staged(session)) == 1  # still within the day
    bot.runtime.clock = lambda: started + timedelta(hours=25)
    assert await run_upload_purge(bot.application) == 1
    assert _staged(session) == []  # no other upload was needed to clear it


async def test_an_expired_list_is_not_imported_even_before_the_purge(
        enroll: Callable[..., object], fake: FakeTelegram, bot: BotUnderTest, session: Session) -> None:
    commune: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    await bot.settle(fake.inject_document(commune.user, xlsx_bytes(ROWS), "ho-ngheo.xlsx"))
    preview = commune.last
    started = bot.runtime.clock()
    bot.runtime.clock = lambda: started + timedelta(hours=25)
    await commune.tap("✅ Nhập 1 hộ", message=preview)
    session.expire_all()
    assert session.exec(select(Household)).all() == []
    assert _staged(session) == []
    assert "không còn chờ nhập" in commune.last.text
