"""Transport: webhook mode with Telegram's secret token, and Bot API errors (429, 5xx) survived."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Callable

import aiohttp
import pytest

from bot.config import Settings
from bot.sandbox.fake_api import FakeTelegram
from tests.support.harness import BotUnderTest, Chat, new_user

SECRET = "s3cret-token_for-webhooks"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
async def webhook_bot(settings: Settings, fake: FakeTelegram) -> AsyncIterator[BotUnderTest]:
    port = _free_port()
    webhook_settings = settings.model_copy(update={
        "webhook_url": f"http://127.0.0.1:{port}/telegram-hook", "webhook_listen": "127.0.0.1",
        "webhook_port": port, "webhook_secret_token": SECRET})
    running = BotUnderTest(webhook_settings, fake)
    await running.start()
    yield running
    await running.stop()
    running.close()


async def test_webhook_mode_answers_and_checks_the_secret(webhook_bot: BotUnderTest, fake: FakeTelegram) -> None:
    registration = fake.calls_to("setWebhook")[-1].params
    assert registration["url"] == webhook_bot.settings.webhook_url
    assert registration["secret_token"] == SECRET
    chat = Chat(bot=webhook_bot, user=new_user())
    assert "chưa được cấp quyền" in await chat.reply_text("/start")
    update = {"update_id": 999_999, "message": {
        "message_id": 1, "date": 0, "chat": {"id": 42, "type": "private"}, "from": {"id": 42, "is_bot": False,
                                                                                   "first_name": "X"},
        "text": "/start"}}
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"}):
            async with http.post(webhook_bot.settings.webhook_url, json=update, headers=headers) as response:
                assert response.status == 403
    assert 42 not in fake.messages


async def test_too_many_requests_is_retried_after_retry_after(stranger: Chat, fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", status=429, retry_after=1)
    replies = await stranger.send("/start")
    assert len(replies) == 1 and "chưa được cấp quyền" in replies[0].text
    attempts = fake.calls_to("sendMessage")
    assert len(attempts) == 2
    assert attempts[1].at - attempts[0].at >= 1.0, "the retry must wait retry_after seconds"


async def test_server_error_while_replying_is_logged_without_personal_data(
        enroll: Callable[..., object], fake: FakeTelegram, caplog: pytest.LogCaptureFixture) -> None:
    chat: Chat = await enroll(name="Nguyễn Văn Bí Mật")  # type: ignore[misc]
    fake.fail_next("sendMessage", status=502)
    replies = await chat.send("/me")
    assert [m.text for m in replies] == ["Xin lỗi, hệ thống đang gặp sự cố. Anh/chị vui lòng thử lại sau ít phút."]
    assert "error while handling update" in caplog.text
    assert "Bí Mật" not in caplog.text
    assert "Nguyễn Văn Bí Mật" in (await chat.reply_text("/me"))
