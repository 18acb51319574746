"""Zalo as a second channel, end to end through the fake Zalo Bot API: a person joins by typing the
invite, a quick entry's card comes as text with numbered choices and "1" saves it, /totals answers,
repeated deliveries are handled once, long screens are split under Zalo's limit, and what Zalo cannot
carry yet is answered politely. With no Zalo token, Zalo stays off."""

from __future__ import annotations

import io
import re
import socket
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from bot.app import build_application
from bot.config import Settings
from bot.domain.people.access import create_invite
from bot.outbox_sender import plan_now, sender_of
from bot.sandbox.fake_api import FakeTelegram
from bot.sandbox.fake_api.zalo import TEXT_LIMIT, FakeZalo
from bot.zalo.outbound import ZaloRoutingRequest
from db.models import AuditEntry, Role, SupportAction, User
from db.models_channels import CHANNEL_ID_BASE, ChannelIdentity
from db.queries import get_unit_by_code
from tests.support.harness import BotUnderTest, Chat, new_user
from tests.support.zalo import ZaloChat, new_zalo_user_id, number_of, zalo_test_settings

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
ZALO_SECRET = "zalo-webhook-secret-for-tests"


@pytest.fixture
def zalo_settings(database_url: str, fake: FakeTelegram, fake_zalo: FakeZalo) -> Settings:
    return zalo_test_settings(database_url=database_url, fake=fake, fake_zalo=fake_zalo)


@pytest.fixture
async def zalo_bot(zalo_settings: Settings, fake: FakeTelegram) -> AsyncIterator[BotUnderTest]:
    running = BotUnderTest(zalo_settings, fake)
    await running.start()
    yield running
    await running.stop()
    running.close()


Enroll = Callable[..., Coroutine[Any, Any, ZaloChat]]


@pytest.fixture
def zalo_enroll(session: Session, zalo_bot: BotUnderTest, fake_zalo: FakeZalo) -> Enroll:
    """A Zalo user who joins by typing `/start <invite token>` as a message."""

    async def make(role: str = "reporter", unit_code: str = "GL-KP-IARSAI") -> ZaloChat:
        unit = get_unit_by_code(session, code=unit_code)
        assert unit is not None and unit.id is not None
        invite = create_invite(session, inviter=None, role=Role(role), unit_id=unit.id, organisation_id=None,
                               ttl=timedelta(hours=1), now=zalo_bot.runtime.clock())
        chat = ZaloChat(bot=zalo_bot, fake=fake_zalo, user_id=new_zalo_user_id(), name="Siu H'Nga")
        text = await chat.reply_text(f"/start {invite.token}")
        assert "Chào mừng" in text
        return chat
    return make


def _actions(session: Session) -> list[SupportAction]:
    session.expire_all()
    return list(session.exec(select(SupportAction)).all())


async def test_a_zalo_user_registers_by_typing_the_invite(zalo_enroll: Enroll, session: Session) -> None:
    chat = await zalo_enroll()
    session.expire_all()
    identity = session.exec(select(ChannelIdentity).where(ChannelIdentity.external_id == chat.user_id)).one()
    assert identity.channel == "zalo"
    user = session.exec(select(User).where(User.telegram_id == identity.internal_id)).one()
    assert user.telegram_id >= CHANNEL_ID_BASE and user.display_name == "Siu H'Nga"
    assert all("<b>" not in text and "</" not in text for text in chat.texts), "HTML is shown as plain text"


async def test_an_invite_link_pasted_on_zalo_registers(session: Session, zalo_bot: BotUnderTest,
                                                       fake_zalo: FakeZalo) -> None:
    unit = get_unit_by_code(session, code="GL-KP-CHUGU")
    assert unit is not None and unit.id is not None
    invite = create_invite(session, inviter=None, role=Role.REPORTER, unit_id=unit.id, organisation_id=None,
                           ttl=timedelta(hours=1), now=zalo_bot.runtime.clock())
    chat = ZaloChat(bot=zalo_bot, fake=fake_zalo, user_id=new_zalo_user_id())
    assert "Chào mừng" in await chat.reply_text(f"https://t.me/chungtay_bot?start={invite.token}")


async def test_stranger_on_zalo_is_told_politely(zalo_bot: BotUnderTest, fake_zalo: FakeZalo) -> None:
    chat = ZaloChat(bot=zalo_bot, fake=fake_zalo, user_id=new_zalo_user_id())
    assert "chưa được cấp quyền" in await chat.reply_text("/start")


async def test_quick_entry_card_as_numbered_text_and_1_saves(zalo_enroll: Enroll, session: Session) -> None:
    chat = await zalo_enroll()
    [card] = await chat.send("gạo 45 hộ 5410kg")
    assert "5.410 kg" in card and "Trả lời 1–" in card
    number = number_of("Lưu", card)
    saved = await chat.reply_text(number)
    [action] = _actions(session)
    assert action.households == 45
    assert f"Đã lưu, số bản ghi #{action.id}." in saved


async def test_a_typed_choice_survives_a_restart(zalo_enroll: Enroll, zalo_bot: BotUnderTest,
                                                 session: Session) -> None:
    """A deploy between the card and the person's "1": the new process still knows what "1" means."""
    chat = await zalo_enroll()
    [card] = await chat.send("gạo 45 hộ 5410kg")
    await zalo_bot.restart()
    assert "Đã lưu" in await chat.reply_text(number_of("Lưu", card))
    assert len(_actions(session)) == 1


async def test_the_option_words_work_like_its_number(zalo_enroll: Enroll, session: Session) -> None:
    chat = await zalo_enroll()
    await chat.send("gạo 10 hộ 300kg")
    assert "Đã lưu" in await chat.reply_text("lưu")
    assert len(_actions(session)) == 1


async def test_choices_are_offered_in_the_persons_language(zalo_enroll: Enroll) -> None:
    chat = await zalo_enroll()
    [languages] = await chat.send("/language")
    await chat.send(number_of("English", languages))
    [card] = await chat.send("gạo 45 hộ 5410kg")
    assert "Reply 1–2 (the number or the option's words)." in card and "Or type: ❌" in card


async def test_a_correction_where_a_typed_number_is_the_answer(zalo_enroll: Enroll, session: Session) -> None:
    """✏️ → the field → "Số hộ? Nhập số." under ⏭/❌ buttons: "50" (or "1") is the figure, not a choice."""
    chat = await zalo_enroll()
    [card] = await chat.send("gạo 45 hộ 5410kg")
    [fields] = await chat.send(number_of("Sửa", card))
    [question] = await chat.send(number_of("Số hộ", fields))
    assert "Nhập số" in question and "Hoặc gõ:" in question and "Trả lời 1" not in question
    [card] = await chat.send("50")
    assert "50 hộ" in card
    await chat.send("lưu")
    [action] = _actions(session)
    assert action.households == 50


async def test_totals_are_answered_and_a_file_is_explained(zalo_enroll: Enroll) -> None:
    chat = await zalo_enroll()
    await chat.send("gạo 45 hộ 5410kg")
    await chat.send("1")
    [totals] = await chat.send("/totals")
    assert "Hỗ trợ gạo cho 45 hộ với 5.410 kg" in totals and "Trả lời 1–" in totals
    replies = await chat.send(number_of("Tệp Excel", totals))
    assert any("chưa gửi được qua Zalo" in reply for reply in replies)


async def test_a_repeated_delivery_is_handled_once(zalo_enroll: Enroll, session: Session) -> None:
    chat = await zalo_enroll()
    await chat.send("gạo 45 hộ 5410kg")
    await chat.send("1")
    assert len(_actions(session)) == 1
    assert await chat.redelivered() == []
    assert len(_actions(session)) == 1


async def test_a_reminder_reaches_zalo_and_is_answered_there(zalo_enroll: Enroll, zalo_bot: BotUnderTest) -> None:
    """A reporting period made on Zalo, the outbox's reminder delivered to Zalo with its button as a
    numbered choice, and the figures submitted by typing that number."""
    clock = _Clock(datetime(2027, 6, 1, 9, 0, tzinfo=TZ))
    zalo_bot.runtime.clock = clock
    supervisor = await zalo_enroll(role="supervisor", unit_code="GL-KP")
    reporter = await zalo_enroll(role="reporter", unit_code="GL-KP-IARSAI")
    await reporter.send("gạo 45 hộ 5410kg")
    await reporter.send("lưu")
    [periods] = await supervisor.send("/period")
    assert "Đã tạo kỳ báo cáo" in await supervisor.reply_text(number_of("6 tháng đầu năm 2027", periods))
    clock.now = datetime(2027, 6, 12, 6, 30, tzinfo=TZ)
    application = zalo_bot.application
    assert application is not None
    before = len(reporter.texts)
    assert await plan_now(application) >= 1
    await sender_of(application).drain()
    [reminder] = [text for text in reporter.texts[before:] if "còn 3 ngày" in text]
    [confirm] = await reporter.send(number_of("Chốt số liệu", reminder))
    assert "45 hộ" in confirm and "5.410 kg" in confirm
    assert "Đã chốt số liệu" in await reporter.reply_text(number_of("Chốt số liệu", confirm))


async def test_a_question_from_a_telegram_supervisor_is_answered_on_zalo(
        zalo_enroll: Enroll, zalo_bot: BotUnderTest, session: Session) -> None:
    """The ❓ loop across channels: a supervisor on Telegram asks about a Zalo officer's record; the card
    reaches Zalo through the outbox; the typed reply reaches the supervisor on Telegram."""
    author = await zalo_enroll(role="reporter", unit_code="GL-KP-IARSAI")
    await author.send("gạo 45 hộ 5410kg")
    await author.send("lưu")
    [record] = _actions(session)
    unit = get_unit_by_code(session, code="GL-KP")
    assert unit is not None and unit.id is not None
    invite = create_invite(session, inviter=None, role=Role.SUPERVISOR, unit_id=unit.id, organisation_id=None,
                           ttl=timedelta(hours=1), now=zalo_bot.runtime.clock())
    supervisor = Chat(bot=zalo_bot, user=new_user("Phòng LĐTBXH"))
    await supervisor.send(f"/start {invite.token}")
    await supervisor.send("/history")
    await supervisor.tap(f"❓ #{record.id}")
    before = len(author.texts)  # the outbox may send the card as soon as the question is saved
    assert "Đã gửi câu hỏi" in await supervisor.reply_text("Sao 45 hộ mà 5.410 kg?")
    application = zalo_bot.application
    assert application is not None
    await sender_of(application).drain()
    [card] = author.texts[before:]
    assert "Sao 45 hộ mà 5.410 kg?" in card and f"#{record.id}" in card
    assert "Nhập câu trả lời" in await author.reply_text(number_of("Trả lời", card))
    assert "đã gửi câu trả lời" in (await author.reply_text("Đúng, 45 hộ nhận 5.410 kg gạo cứu đói.")).lower()
    await sender_of(application).drain()
    assert "Đúng, 45 hộ nhận 5.410 kg gạo cứu đói." in supervisor.last.text


async def test_a_short_answer_to_a_choice_is_sent_as_a_message(zalo_enroll: Enroll, session: Session) -> None:
    """Telegram shows some answers to a tap as a toast; Zalo has none, so the text comes as a message."""
    author = await zalo_enroll(role="reporter", unit_code="GL-KP-IARSAI")
    await author.send("gạo 45 hộ 5410kg")
    await author.send("lưu")
    [record] = _actions(session)
    supervisor = await zalo_enroll(role="supervisor", unit_code="GL-KP")
    [history] = await supervisor.send("/history")
    await supervisor.send(number_of(f"❓ #{record.id}", history))
    assert "Đã gửi câu hỏi" in await supervisor.reply_text("Sao 45 hộ mà 5.410 kg?")
    [history] = await supervisor.send("/history")
    assert "đang chờ trả lời" in await supervisor.reply_text(number_of(f"❓ #{record.id}", history))


async def test_a_long_screen_is_split_at_line_ends(zalo_enroll: Enroll, zalo_bot: BotUnderTest,
                                                  session: Session) -> None:
    chat = await zalo_enroll()
    internal = session.exec(select(ChannelIdentity).where(ChannelIdentity.external_id == chat.user_id)).one()
    lines = [f"Dòng {n:03d}: " + "x" * 40 for n in range(50)]  # 50 lines of 50 characters: 2,549 in all
    assert zalo_bot.application is not None
    before = len(chat.texts)
    await zalo_bot.application.bot.send_message(chat_id=internal.internal_id, text="\n".join(lines))
    parts = chat.texts[before:]
    assert len(parts) == 2 and all(len(part) <= TEXT_LIMIT for part in parts)
    assert "\n".join(parts) == "\n".join(lines)


async def test_unsupported_messages_get_a_polite_answer(zalo_enroll: Enroll) -> None:
    chat = await zalo_enroll()
    for event in ("message.unsupported.received", "message.sticker.received"):
        [reply] = await chat.send_event(event)
        assert "chưa hỗ trợ" in reply and "/help" in reply


async def test_zalo_is_off_without_a_token(settings: Settings) -> None:
    application = build_application(settings)
    assert application.zalo is None
    assert not isinstance(application.bot.request, ZaloRoutingRequest)
    assert not settings.zalo_enabled


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
async def zalo_webhook_bot(zalo_settings: Settings, fake: FakeTelegram) -> AsyncIterator[BotUnderTest]:
    port = _free_port()
    settings = zalo_settings.model_copy(update={
        "zalo_webhook_url": f"http://127.0.0.1:{port}/zalo-hook", "webhook_listen": "127.0.0.1",
        "zalo_webhook_port": port, "zalo_webhook_secret": ZALO_SECRET})
    running = BotUnderTest(settings, fake)
    await running.start()
    yield running
    await running.stop()
    running.close()


async def test_webhook_mode_takes_updates_and_refuses_forgeries(zalo_webhook_bot: BotUnderTest,
                                                                fake_zalo: FakeZalo) -> None:
    settings = zalo_webhook_bot.settings
    assert fake_zalo.webhook == {"url": settings.zalo_webhook_url, "secret_token": ZALO_SECRET}
    chat = ZaloChat(bot=zalo_webhook_bot, fake=fake_zalo, user_id=new_zalo_user_id())
    assert "chưa được cấp quyền" in await chat.reply_text("/start")
    forged = {"event_name": "message.text.received", "message": {
        "message_id": "x1", "from": {"id": chat.user_id}, "chat": {"id": chat.user_id, "chat_type": "PRIVATE"},
        "date": 0, "text": "/start"}}
    async with aiohttp.ClientSession() as client:
        for headers in ({}, {"X-Bot-Api-Secret-Token": "wrong-secret"}):
            async with client.post(settings.zalo_webhook_url, json=forged, headers=headers) as response:
                assert response.status == 403
        secret = {"X-Bot-Api-Secret-Token": ZALO_SECRET, "Content-Type": "application/json"}
        async with client.post(settings.zalo_webhook_url, data=b"x" * (1024 * 1024 + 1), headers=secret) as response:
            assert response.status == 413
        async with client.post(settings.zalo_webhook_url, data=b"[1, 2]", headers=secret) as response:
            assert response.status == 400
    assert zalo_webhook_bot.application is not None
    await zalo_webhook_bot.application.update_queue.join()
    assert len(chat.texts) == 1, "nothing forged or malformed reached the bot"


@pytest.fixture
async def zalo_web_bot(zalo_settings: Settings, fake: FakeTelegram) -> AsyncIterator[BotUnderTest]:
    """The bot with its web server on (DASHBOARD_URL), so files go to Zalo by link; its clock can be moved."""
    port = _free_port()
    settings = zalo_settings.model_copy(update={
        "dashboard_url": f"http://127.0.0.1:{port}/", "dashboard_port": port, "dashboard_listen": "127.0.0.1"})
    running = BotUnderTest(settings, fake)
    running.runtime.clock = _Clock(datetime.now(TZ))
    await running.start()
    yield running
    await running.stop()
    running.close()


async def _web_chat(bot: BotUnderTest, fake_zalo: FakeZalo, session: Session, role: Role, unit_code: str) -> ZaloChat:
    unit = get_unit_by_code(session, code=unit_code)
    assert unit is not None and unit.id is not None
    invite = create_invite(session, inviter=None, role=role, unit_id=unit.id, organisation_id=None,
                           ttl=timedelta(hours=1), now=bot.runtime.clock())
    chat = ZaloChat(bot=bot, fake=fake_zalo, user_id=new_zalo_user_id())
    assert "Chào mừng" in await chat.reply_text(f"/start {invite.token}")
    return chat


LINK = re.compile(r"http://127\.0\.0\.1:\d+/files/[A-Za-z0-9_-]{40,}")


async def test_a_file_goes_by_a_link_that_is_audited_and_expires(
        zalo_web_bot: BotUnderTest, fake_zalo: FakeZalo, session: Session) -> None:
    """With the bot's web server on, the Excel file comes as a link: it serves the workbook, is audited,
    and stops working after 24 hours."""
    chat = await _web_chat(zalo_web_bot, fake_zalo, session, Role.REPORTER, "GL-KP-IARSAI")
    await chat.send("gạo 45 hộ 5410kg")
    await chat.send("lưu")
    [totals] = await chat.send("/totals")
    text = "\n".join(await chat.send(number_of("Tệp Excel", totals)))
    found = LINK.search(text)
    assert found and "24 giờ" in text, text
    async with aiohttp.ClientSession() as client:
        async with client.get(found.group(0)) as response:
            assert response.status == 200
            assert ".xlsx" in response.headers["Content-Disposition"]
            workbook = load_workbook(io.BytesIO(await response.read()))
            assert workbook.sheetnames
        session.expire_all()
        actions = [a.action for a in session.exec(select(AuditEntry).where(AuditEntry.entity == "file_link"))]
        assert actions == ["file_link.create", "file_link.open"]
        clock = zalo_web_bot.runtime.clock
        assert isinstance(clock, _Clock)
        clock.now += timedelta(hours=24, minutes=1)
        async with client.get(found.group(0)) as response:
            assert response.status == 404
        async with client.get(found.group(0)[:-4] + "AAAA") as response:
            assert response.status == 404


async def test_a_digest_with_its_files_reaches_a_zalo_supervisor(
        zalo_web_bot: BotUnderTest, fake_zalo: FakeZalo, session: Session) -> None:
    reporter = await _web_chat(zalo_web_bot, fake_zalo, session, Role.REPORTER, "GL-KP-IARSAI")
    await reporter.send("gạo 45 hộ 5410kg")
    await reporter.send("lưu")
    supervisor = await _web_chat(zalo_web_bot, fake_zalo, session, Role.SUPERVISOR, "GL-KP")
    replies = await supervisor.send("/digest")
    text = "\n".join(replies)
    assert "huyện Krông Pa" in text
    charts = [sent.photo for sent in fake_zalo.sent[supervisor.user_id] if sent.photo and LINK.match(sent.photo)]
    documents = LINK.findall(text)
    assert charts and documents, text  # the chart as a photo by link, the workbook as a link
    links = documents + charts
    async with aiohttp.ClientSession() as client:
        for link in links:
            async with client.get(link) as response:
                assert response.status == 200 and len(await response.read()) > 100


async def test_a_telegram_user_links_zalo_and_is_the_same_person_there(
        zalo_bot: BotUnderTest, fake_zalo: FakeZalo, session: Session) -> None:
    """/zalo on Telegram gives a one-time code; "/link CODE" on Zalo makes that Zalo account act as the
    same user: same role and unit, records authored by them. A code works once, and not after 15 minutes."""
    unit = get_unit_by_code(session, code="GL-KP-IARSAI")
    assert unit is not None and unit.id is not None
    invite = create_invite(session, inviter=None, role=Role.REPORTER, unit_id=unit.id, organisation_id=None,
                           ttl=timedelta(hours=1), now=zalo_bot.runtime.clock())
    telegram = Chat(bot=zalo_bot, user=new_user("Ksor H'Lan"))
    await telegram.send(f"/start {invite.token}")
    [reply] = await telegram.send("/zalo")
    code = re.search(r"/link ([A-Z0-9]{8})", reply.text)
    assert code, reply.text
    zalo = ZaloChat(bot=zalo_bot, fake=fake_zalo, user_id=new_zalo_user_id())
    assert "chưa được cấp quyền" in await zalo.reply_text("/me")
    assert "Ksor H'Lan" in await zalo.reply_text(f"/link {code.group(1).lower()}")
    me = await zalo.reply_text("/me")
    assert "Ksor H'Lan" in me and "xã Ia Rsai" in me
    await zalo.send("gạo 45 hộ 5410kg")
    await zalo.send("lưu")
    [record] = _actions(session)
    session.expire_all()
    author = session.exec(select(User).where(User.telegram_id == telegram.user.id)).one()
    assert record.author_id == author.id
    # What the bot sends on its own follows the channel the person used last.
    application = zalo_bot.application
    assert application is not None
    telegram_before, zalo_before = len(telegram.messages), len(zalo.texts)
    await application.bot.send_message(chat_id=telegram.user.id, text="Nhắc việc: chốt số liệu")
    assert zalo.texts[zalo_before:] == ["Nhắc việc: chốt số liệu"] and len(telegram.messages) == telegram_before
    await telegram.send("/me")  # back on Telegram
    await application.bot.send_message(chat_id=telegram.user.id, text="Nhắc việc lần hai")
    assert telegram.last.text == "Nhắc việc lần hai" and len(zalo.texts) == zalo_before + 1
    other = ZaloChat(bot=zalo_bot, fake=fake_zalo, user_id=new_zalo_user_id())
    assert "không hợp lệ" in await other.reply_text(f"/link {code.group(1)}")  # used once already
    [reply] = await telegram.send("/zalo")
    late = re.search(r"/link ([A-Z0-9]{8})", reply.text)
    assert late
    clock = _Clock(datetime.now(TZ) + timedelta(minutes=16))
    zalo_bot.runtime.clock = clock
    assert "hết hạn" in await other.reply_text(f"/link {late.group(1)}")
