"""A Zalo person cannot send the bot a photo or a location yet, so the card offers neither to them (nor does
its "which field?" list), while a Telegram person's card still does. The handler asks the Application
whether the chat takes attachments; the domain names no channel."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import Session

from bot.config import Settings
from bot.domain.people.access import create_invite
from bot.sandbox.fake_api import FakeTelegram
from bot.sandbox.fake_api.zalo import FakeZalo
from db.models import Role
from db.queries import get_unit_by_code
from tests.support.harness import BotUnderTest, Chat, new_user
from tests.support.zalo import ZaloChat, new_zalo_user_id, number_of, zalo_test_settings

ATTACH_HINT = "Có thể gửi kèm ảnh hoặc vị trí."


@pytest.fixture
async def zalo_bot(database_url: str, fake: FakeTelegram, fake_zalo: FakeZalo) -> AsyncIterator[BotUnderTest]:
    settings: Settings = zalo_test_settings(database_url=database_url, fake=fake, fake_zalo=fake_zalo)
    running = BotUnderTest(settings, fake)
    await running.start()
    yield running
    await running.stop()
    running.close()


def _invite(session: Session, bot: BotUnderTest) -> str:
    unit = get_unit_by_code(session, code="GL-KP-IARSAI")
    assert unit is not None and unit.id is not None
    invite = create_invite(session, inviter=None, role=Role.REPORTER, unit_id=unit.id, organisation_id=None,
                           ttl=timedelta(hours=1), now=bot.runtime.clock())
    return f"/start {invite.token}"


async def test_the_card_offers_photo_and_location_only_where_they_can_be_sent(
        session: Session, zalo_bot: BotUnderTest, fake_zalo: FakeZalo) -> None:
    zalo = ZaloChat(bot=zalo_bot, fake=fake_zalo, user_id=new_zalo_user_id())
    assert "Chào mừng" in await zalo.reply_text(_invite(session, zalo_bot))
    [card] = await zalo.send("gạo 45 hộ 5410kg")
    assert "Anh/chị kiểm tra số liệu rồi bấm ✅ Lưu." in card and ATTACH_HINT not in card
    fields = await zalo.reply_text(number_of("Sửa", card))
    assert "Ghi chú" in fields and "Ảnh" not in fields and "Vị trí" not in fields

    telegram = Chat(bot=zalo_bot, user=new_user("Cán bộ Telegram"))
    await telegram.send(_invite(session, zalo_bot))
    await telegram.send("gạo 45 hộ 5410kg")
    assert ATTACH_HINT in telegram.last.text
    await telegram.tap("✏️ Sửa")
    labels = [button["text"] for row in telegram.last.reply_markup["inline_keyboard"] for button in row]
    assert "Ảnh" in labels and "Vị trí" in labels
