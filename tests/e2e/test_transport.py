"""Transport: webhook mode with Telegram's secret token, and Bot API errors (429, 5xx) survived.

The webhook tests go through the real webhook server (PTB's tornado server with our strict handler,
`bot/webhook.py`) on loopback: forged updates without the secret must change nothing, and bodies
that are not updates get 400, not 500."""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator, Callable
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlmodel import Session, select

from bot.config import Settings
from bot.domain.people.access import create_invite
from bot.sandbox.fake_api import FakeTelegram
from db.models import ActionStatus, AuditEntry, Role, SupportAction
from db.queries import get_unit_by_code
from tests.support.harness import BotUnderTest, Chat, new_user

SECRET = "s3cret-token_for-webhooks_0123456789-abcdef"  # 44 chars, like secrets.token_urlsafe(32)


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


async def _enroll(bot: BotUnderTest, session: Session, role: Role, unit_code: str) -> Chat:
    unit = get_unit_by_code(session, code=unit_code)
    assert unit is not None and unit.id is not None
    invite = create_invite(session, inviter=None, role=role, unit_id=unit.id, organisation_id=None,
                           ttl=timedelta(hours=1), now=bot.runtime.clock())
    chat = Chat(bot=bot, user=new_user())
    assert await chat.send(f"/start {invite.token}")
    return chat


def _forged_tap(chat: Chat, data: str, update_id: int) -> dict[str, Any]:
    """What an attacker who knows a supervisor's Telegram id (ids are not secret) would post."""
    return {"update_id": update_id, "callback_query": {
        "id": f"forged{update_id}", "from": chat.user.to_dict(), "chat_instance": "forged", "data": data,
        "message": {"message_id": chat.last.message_id, "date": 0, "text": chat.last.text,
                    "chat": {"id": chat.user.id, "type": "private"}}}}


async def test_forged_update_without_the_secret_changes_nothing(webhook_bot: BotUnderTest, session: Session,
                                                                fake: FakeTelegram) -> None:
    reporter = await _enroll(webhook_bot, session, Role.REPORTER, "GL-KP-IARSAI")
    supervisor = await _enroll(webhook_bot, session, Role.SUPERVISOR, "GL-KP")
    await reporter.send("gạo 45 hộ 5410kg")
    await reporter.tap("✅ Lưu")
    [action] = session.exec(select(SupportAction)).all()
    await supervisor.send("/history")
    audit_before = len(session.exec(select(AuditEntry)).all())
    messages_before = len(supervisor.messages)
    forged = _forged_tap(supervisor, f"hist:voidok:{action.id}", 900_001)
    async with aiohttp.ClientSession() as http:
        for headers in ({}, {"X-Telegram-Bot-Api-Secret-Token": ""},
                        {"X-Telegram-Bot-Api-Secret-Token": SECRET[:-1]},
                        {"X-Telegram-Bot-Api-Secret-Token": SECRET + "x"}):
            async with http.post(webhook_bot.settings.webhook_url, json=forged, headers=headers) as response:
                assert response.status == 403
    assert webhook_bot.application is not None
    await webhook_bot.application.update_queue.join()
    session.expire_all()
    assert session.get(SupportAction, action.id).status == ActionStatus.CURRENT  # type: ignore[union-attr]
    assert len(session.exec(select(AuditEntry)).all()) == audit_before
    assert len(supervisor.messages) == messages_before
    # The same tap delivered by Telegram (with the secret) does void it: the forgery was a real threat.
    await supervisor.tap_data(supervisor.last, f"hist:voidok:{action.id}")
    session.expire_all()
    assert session.get(SupportAction, action.id).status == ActionStatus.VOID  # type: ignore[union-attr]


@pytest.mark.parametrize("body", [b"{not json", b"\xff\xfe\x00", b"", b"[1, 2]", b"null", b'"update"', b"42",
                                  b'{"message": 1}', b'{"update_id": 5, "message": {"chat": 1}}'],
                         ids=["broken", "not-utf8", "empty", "array", "null", "string", "number", "no-update-id",
                              "bad-message"])
async def test_a_body_that_is_not_an_update_gets_400_with_the_right_secret(
        webhook_bot: BotUnderTest, fake: FakeTelegram, body: bytes, caplog: pytest.LogCaptureFixture) -> None:
    headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
    async with aiohttp.ClientSession() as http:
        async with http.post(webhook_bot.settings.webhook_url, data=body, headers=headers) as response:
            assert response.status == 400
        async with http.post(webhook_bot.settings.webhook_url, data=body,
                             headers={"Content-Type": "application/json"}) as response:
            assert response.status == 403, "without the secret nothing is even parsed"
    assert "Traceback" not in caplog.text
    chat = Chat(bot=webhook_bot, user=new_user())
    assert "chưa được cấp quyền" in await chat.reply_text("/start"), "the bot keeps serving real updates"


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


async def _raw_post(url: str, headers: dict[str, str], body: bytes) -> bytes:
    """Send the request line, the headers and `body` (perhaps much less than Content-Length says), then read
    what the server answers without sending more. A server that waits for the rest of the body answers
    nothing: the read times out and the test fails."""
    host_port = url.split("//", 1)[1].split("/", 1)[0]
    host, port = host_port.split(":")
    path = "/" + url.split("//", 1)[1].split("/", 1)[1]
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        writer.write(f"POST {path} HTTP/1.1\r\nHost: {host_port}\r\n{head}\r\n".encode() + body)
        await writer.drain()
        return await asyncio.wait_for(reader.read(65536), timeout=10)
    finally:
        writer.close()


async def test_a_request_without_the_secret_is_refused_before_its_body_is_read(
        webhook_bot: BotUnderTest, fake: FakeTelegram) -> None:
    """80 MB announced, a few bytes sent, no secret: 403 at once, not a wait for (and buffering of) the body."""
    answer = await _raw_post(webhook_bot.settings.webhook_url,
                             {"Content-Type": "application/json", "Content-Length": "80000000"}, b'{"update_id"')
    assert answer.startswith(b"HTTP/1.1 403"), answer[:80]


async def test_a_body_over_one_megabyte_is_refused_even_with_the_secret(
        webhook_bot: BotUnderTest, fake: FakeTelegram) -> None:
    announced = await _raw_post(webhook_bot.settings.webhook_url,
                                {"Content-Type": "application/json", "X-Telegram-Bot-Api-Secret-Token": SECRET,
                                 "Content-Length": str(2 * 1024 * 1024)}, b'{"update_id": 1')
    assert announced.startswith(b"HTTP/1.1 413"), announced[:80]
    # A chunked body announces no length: it is cut off once past 1 MB, never handled as an update.
    update = {"update_id": 777_001, "message": {
        "message_id": 1, "date": 0, "chat": {"id": 43, "type": "private"},
        "from": {"id": 43, "is_bot": False, "first_name": "X"}, "text": "/start " + "x" * (1024 * 1024 + 10)}}

    async def chunks() -> AsyncIterator[bytes]:
        body = json.dumps(update).encode()
        for start in range(0, len(body), 64 * 1024):
            yield body[start:start + 64 * 1024]

    async with aiohttp.ClientSession() as http:
        try:
            async with http.post(webhook_bot.settings.webhook_url, data=chunks(),
                                 headers={"Content-Type": "application/json",
                                          "X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
                assert response.status in (400, 413)
        except aiohttp.ClientError:
            pass  # the server closed the connection mid-body: also a refusal
    # Just under the cap is still served: the cap is not a reason to refuse real updates.
    small = dict(update, update_id=777_002)
    small["message"] = dict(update["message"], text="/start",  # type: ignore[arg-type]
                            entities=[{"type": "bot_command", "offset": 0, "length": 6}])
    async with aiohttp.ClientSession() as http, http.post(webhook_bot.settings.webhook_url, json=small,
                         headers={"X-Telegram-Bot-Api-Secret-Token": SECRET}) as response:
        assert response.status == 200
    reply = await fake.wait_for_message(43, 0)
    assert "chưa được cấp quyền" in reply.text
    assert webhook_bot.application is not None
    await webhook_bot.application.update_queue.join()
    assert len(fake.messages[43]) == 1, "the oversized update was never handled"
