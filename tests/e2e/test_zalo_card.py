"""A Zalo person cannot send the bot a photo or a location yet, so the card offers neither to them (nor does
its "which field?" list), while a Telegram person's card still does. The handler asks the Application
whether the chat takes attachments; the domain names no channel."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import Session

from bot.config import Settings, load_settings
from bot.domain.services.access import create_invite
from bot.sandbox.fake_api import FakeTelegram
from bot.sandbox.fake_api.zalo import FakeZalo
from db.models import Role
from db.queries import get_unit_by_code
from tests.conftest import TEST_TOKEN
from tests.support.harness import BotUnderTest, Chat, new_user
from tests.support.zalo import ZaloChat, new_zalo_user_id

ZALO_TOKEN = "1234567890:zalo-test-secret"
ATTACH_HINT = "Có thể gửi kèm ảnh hoặc vị trí."


@pytest.fixture
async def fake_zalo() -> AsyncIterator[FakeZalo]:
    server = FakeZalo()
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
async def zalo_bot(database_url: str, fake: FakeTelegram, fake_zalo: FakeZalo) -> AsyncIterator[BotUnderTest]:
    settings: Settings = load_settings(_env_file=None, telegram_bot_token=TEST_TOKEN,
                                       telegram_api_base_url=fake.base_url, database_url=database_url,
                                       zalo_bot_token=ZALO_TOKEN, zalo_api_base_url=fake_zalo.base_url)
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


def _number_of(option: str, text: str) -> str:
    found = re.search(rf"^(\d+)\. [^\n]*{re.escape(option)}", text, re.MULTILINE)
    assert found, f"no numbered choice {option!r} in {text!r}"
    return found.group(1)


async def test_the_card_offers_photo_and_location_only_where_they_can_be_sent(
        session: Session, zalo_bot: BotUnderTest, fake_zalo: FakeZalo) -> None:
    zalo = ZaloChat(bot=zalo_bot, fake=fake_zalo, user_id=new_zalo_user_id())
    assert "Chào mừng" in await zalo.reply_text(_invite(session, zalo_bot))
    [card] = await zalo.send("gạo 45 hộ 5410kg")
    assert "Anh/chị kiểm tra số liệu rồi bấm ✅ Lưu." in card and ATTACH_HINT not in card
    fields = await zalo.reply_text(_number_of("Sửa", card))
    assert "Ghi chú" in fields and "Ảnh" not in fields and "Vị trí" not in fields

    telegram = Chat(bot=zalo_bot, user=new_user("Cán bộ Telegram"))
    await telegram.send(_invite(session, zalo_bot))
    await telegram.send("gạo 45 hộ 5410kg")
    assert ATTACH_HINT in telegram.last.text
    await telegram.tap("✏️ Sửa")
    labels = [button["text"] for row in telegram.last.reply_markup["inline_keyboard"] for button in row]
    assert "Ảnh" in labels and "Vị trí" in labels
