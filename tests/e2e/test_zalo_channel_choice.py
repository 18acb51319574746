"""/kenh: a person on both channels chooses where what the bot sends on its own goes — the channel they
used last (the default), always Telegram or always Zalo — on either channel (buttons on Telegram, a
numbered list on Zalo). A pinned channel keeps the outbox's messages whatever channel the person writes
on; a person with no linked Zalo account is told how to link one."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.config import Settings
from bot.domain.outbox.queue import enqueue
from bot.domain.people.access import create_invite
from bot.outbox_sender import sender_of
from bot.sandbox.fake_api import FakeTelegram
from bot.sandbox.fake_api.zalo import FakeZalo
from db.models import Role
from db.models_channels import ChannelIdentity
from db.queries import get_unit_by_code
from tests.support.harness import BotUnderTest, Chat, new_user
from tests.support.zalo import ZaloChat, new_zalo_user_id, number_of, zalo_test_settings


@pytest.fixture
async def both(database_url: str, fake: FakeTelegram, fake_zalo: FakeZalo) -> AsyncIterator[BotUnderTest]:
    settings: Settings = zalo_test_settings(database_url=database_url, fake=fake, fake_zalo=fake_zalo)
    running = BotUnderTest(settings, fake)
    await running.start()
    yield running
    await running.stop()
    running.close()


async def _outbox(bot: BotUnderTest, session: Session, telegram_id: int, text: str) -> None:
    """A message the bot sends on its own (as reminders and digests are), addressed to the Telegram id."""
    enqueue(session, key=f"test:{text}", chat_id=telegram_id, text=text, now=bot.runtime.clock())
    session.commit()
    assert bot.application is not None
    await sender_of(bot.application).drain()


async def test_a_pinned_channel_keeps_the_messages_wherever_the_person_writes(
        both: BotUnderTest, fake_zalo: FakeZalo, session: Session) -> None:
    unit = get_unit_by_code(session, code="GL-KP-IARSAI")
    assert unit is not None and unit.id is not None
    invite = create_invite(session, inviter=None, role=Role.REPORTER, unit_id=unit.id, organisation_id=None,
                           ttl=timedelta(hours=1), now=both.runtime.clock())
    telegram = Chat(bot=both, user=new_user("Rơ Mah Hyên"))
    await telegram.send(f"/start {invite.token}")
    # Not linked yet: a polite line on how to link, no buttons.
    [unlinked] = await telegram.send("/kenh")
    assert "chưa liên kết tài khoản Zalo" in unlinked.text and "/zalo" in unlinked.text
    assert unlinked.buttons() == []
    [reply] = await telegram.send("/zalo")
    code = re.search(r"/link ([A-Z0-9]{8})", reply.text)
    assert code, reply.text
    zalo = ZaloChat(bot=both, fake=fake_zalo, user_id=new_zalo_user_id())
    assert "Rơ Mah Hyên" in await zalo.reply_text(f"/link {code.group(1)}")

    # The default follows the channel used last: the person wrote on Zalo last.
    await zalo.send("/me")
    await _outbox(both, session, telegram.user.id, "Nhắc hạn một")
    assert zalo.texts[-1] == "Nhắc hạn một"

    # "Always Telegram", chosen on Telegram; writing on Zalo afterwards does not move the messages.
    [menu] = await telegram.send("/kenh")
    assert "Hiện tại: Kênh dùng gần nhất" in menu.text
    assert [b["text"] for b in menu.buttons()] == ["• Kênh dùng gần nhất", "Luôn Telegram", "Luôn Zalo"]
    [done] = await telegram.tap("Luôn Telegram")
    assert "luôn gửi qua Telegram" in done.text
    me = await zalo.reply_text("/me")
    assert "Rơ Mah Hyên" in me
    zalo_before = len(zalo.texts)
    await _outbox(both, session, telegram.user.id, "Nhắc hạn hai")
    assert telegram.last.text == "Nhắc hạn hai" and len(zalo.texts) == zalo_before

    # Back to the default, chosen on Zalo by number: the next Zalo message takes them there again.
    menu_text = await zalo.reply_text("/kenh")
    assert "Hiện tại: Luôn Telegram" in menu_text
    assert "kênh anh/chị dùng gần nhất" in await zalo.reply_text(number_of("Kênh dùng gần nhất", menu_text))
    await zalo.send("/me")
    await _outbox(both, session, telegram.user.id, "Nhắc hạn ba")
    assert zalo.texts[-1] == "Nhắc hạn ba"

    # "Always Zalo": writing on Telegram no longer brings them back there.
    menu_text = await zalo.reply_text("/kenh")
    assert "luôn gửi qua Zalo" in await zalo.reply_text(number_of("Luôn Zalo", menu_text))
    await telegram.send("/me")
    telegram_before = len(telegram.messages)
    await _outbox(both, session, telegram.user.id, "Nhắc hạn bốn")
    assert zalo.texts[-1] == "Nhắc hạn bốn" and len(telegram.messages) == telegram_before
    session.expire_all()
    identity = session.exec(select(ChannelIdentity).where(ChannelIdentity.external_id == zalo.user_id)).one()
    assert identity.route == "zalo" and identity.preferred


async def test_a_zalo_only_person_is_told_how_linking_works(
        both: BotUnderTest, fake_zalo: FakeZalo, session: Session) -> None:
    unit = get_unit_by_code(session, code="GL-KP-IARSAI")
    assert unit is not None and unit.id is not None
    invite = create_invite(session, inviter=None, role=Role.REPORTER, unit_id=unit.id, organisation_id=None,
                           ttl=timedelta(hours=1), now=both.runtime.clock())
    zalo = ZaloChat(bot=both, fake=fake_zalo, user_id=new_zalo_user_id())
    assert "Chào mừng" in await zalo.reply_text(f"/start {invite.token}")
    text = await zalo.reply_text("/kenh")
    assert "chưa liên kết tài khoản Zalo" in text and "/zalo" in text and "1." not in text
