"""With HTML the wiring's default parse mode, a Zalo chat still gets plain words: the renderer escapes a "<",
">" or "&", and the Zalo request layer (bot/zalo/outbound.py) turns the HTML back into what was written."""

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
from tests.support.harness import BotUnderTest
from tests.support.zalo import ZaloChat, new_zalo_user_id, zalo_test_settings


@pytest.fixture
async def zalo_bot(database_url: str, fake: FakeTelegram, fake_zalo: FakeZalo) -> AsyncIterator[BotUnderTest]:
    settings: Settings = zalo_test_settings(database_url=database_url, fake=fake, fake_zalo=fake_zalo)
    running = BotUnderTest(settings, fake)
    await running.start()
    yield running
    await running.stop()
    running.close()


async def test_a_zalo_reply_with_markup_characters_reads_as_typed(session: Session, zalo_bot: BotUnderTest,
                                                                  fake_zalo: FakeZalo) -> None:
    unit = get_unit_by_code(session, code="GL-KP-IARSAI")
    assert unit is not None and unit.id is not None
    invite = create_invite(session, inviter=None, role=Role.REPORTER, unit_id=unit.id, organisation_id=None,
                           ttl=timedelta(hours=1), now=zalo_bot.runtime.clock())
    chat = ZaloChat(bot=zalo_bot, fake=fake_zalo, user_id=new_zalo_user_id())
    assert "Chào mừng" in await chat.reply_text(f"/start {invite.token}")
    assert await chat.send("/x<b>&y") == [
        "Xin lỗi, bot không có lệnh /x<b>&y. Gõ /help để xem các việc bot làm được."]
