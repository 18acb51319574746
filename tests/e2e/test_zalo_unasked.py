"""A screen that arrives unasked (through the outbox) while a Zalo person is answering a typed question: the
person's digit stays the answer to that question, as it would on Telegram, and the unasked screen is
answered by its words. With no question pending, an unasked screen's digit still picks its choice (the
reminder in tests/e2e/test_zalo.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.config import Settings
from bot.domain.people.access import create_invite
from bot.outbox_sender import sender_of
from bot.sandbox.fake_api import FakeTelegram
from bot.sandbox.fake_api.zalo import FakeZalo
from db.models import Role, SupportAction
from db.queries import get_unit_by_code
from tests.support.harness import BotUnderTest, Chat, new_user
from tests.support.zalo import ZaloChat, new_zalo_user_id, zalo_test_settings


@pytest.fixture
async def zalo_bot(database_url: str, fake: FakeTelegram, fake_zalo: FakeZalo) -> AsyncIterator[BotUnderTest]:
    settings: Settings = zalo_test_settings(database_url=database_url, fake=fake, fake_zalo=fake_zalo)
    running = BotUnderTest(settings, fake)
    await running.start()
    yield running
    await running.stop()
    running.close()


def _invite(session: Session, bot: BotUnderTest, role: Role, unit_code: str) -> str:
    unit = get_unit_by_code(session, code=unit_code)
    assert unit is not None and unit.id is not None
    invite = create_invite(session, inviter=None, role=role, unit_id=unit.id, organisation_id=None,
                           ttl=timedelta(hours=1), now=bot.runtime.clock())
    return f"/start {invite.token}"


async def test_a_question_card_arriving_mid_form_leaves_the_digit_to_the_form(
        session: Session, zalo_bot: BotUnderTest, fake_zalo: FakeZalo) -> None:
    author = ZaloChat(bot=zalo_bot, fake=fake_zalo, user_id=new_zalo_user_id(), name="Siu H'Nga")
    assert "Chào mừng" in await author.reply_text(_invite(session, zalo_bot, Role.REPORTER, "GL-KP-IARSAI"))
    await author.send("gạo 45 hộ 5410kg")
    await author.send("lưu")
    [record] = session.exec(select(SupportAction)).all()
    supervisor = Chat(bot=zalo_bot, user=new_user("Phòng LĐTBXH"))
    await supervisor.send(_invite(session, zalo_bot, Role.SUPERVISOR, "GL-KP"))
    await supervisor.send("/history")
    await supervisor.tap(f"❓ #{record.id}")

    await author.send("/log")
    await author.send("Hỗ trợ gạo")
    await author.send("5410")
    assert (await author.reply_text("45")).startswith("Số khẩu")
    before = len(author.texts)  # the outbox may send the card as soon as the question is saved
    await supervisor.send("Sao 45 hộ mà 5.410 kg?")
    application = zalo_bot.application
    assert application is not None
    await sender_of(application).drain()
    [card] = author.texts[before:]
    assert "Sao 45 hộ mà 5.410 kg?" in card
    assert "Trả lời bằng chữ: Sửa bản ghi / Số liệu đúng / Trả lời" in card and "\n1. " not in card

    answered = await author.reply_text("1")  # one person, as on Telegram: not the card's first choice
    assert not answered.startswith("Số khẩu") and "Sửa" not in answered.splitlines()[0]
    while "Lưu" not in author.texts[-1]:
        screen = author.texts[-1]
        assert len(author.texts) < before + 12, author.texts[before:]
        if "Nhập số tiền" in screen:
            await author.send("81,15tr")
        elif "Hôm nay" in screen:
            await author.send("Hôm nay")
        else:
            await author.send("1")
    assert "1 khẩu" in author.texts[-1]
    await author.send("lưu")
    session.expire_all()
    saved = [a for a in session.exec(select(SupportAction)).all() if a.id != record.id]
    assert [a.persons for a in saved] == [1]

    # The card is still answered, by its words (accents optional), and the reply reaches the supervisor.
    assert "Nhập câu trả lời" in await author.reply_text("tra loi")
    assert "đã gửi câu trả lời" in (await author.reply_text("Đúng, 45 hộ nhận 5.410 kg gạo.")).lower()
    await sender_of(application).drain()
    assert "Đúng, 45 hộ nhận 5.410 kg gạo." in supervisor.last.text
