"""Self-check of the fake Bot API, driven by a real PTB ``Bot`` over HTTP.

The e2e suite trusts this fake to behave like Telegram, so these tests pin the
behaviours the bot relies on (shapes, error texts, long polling, webhook).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
import pytest_asyncio
from aiohttp import web
from telegram import Bot, BotCommand, InlineKeyboardButton, InlineKeyboardMarkup, Message
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter, TelegramError

from bot.sandbox.fake_api import FakeTelegram, FakeUser, parse_html

ALICE = FakeUser(id=1001, first_name="Hạnh", username="hanh")


@pytest_asyncio.fixture
async def fake() -> AsyncIterator[FakeTelegram]:
    server = FakeTelegram()
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


@pytest_asyncio.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[Bot]:
    async with Bot(
        token="123:ABC", base_url=f"{fake.base_url}/bot", base_file_url=f"{fake.base_url}/file/bot"
    ) as tg_bot:
        yield tg_bot


def _keyboard() -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton("Đồng ý", callback_data="ok:1")],
            [InlineKeyboardButton("Mời", url="https://t.me/ChungTayBot?start=abc")],
        ]
    )


@pytest.mark.asyncio
async def test_get_me(bot: Bot, fake: FakeTelegram) -> None:
    me = await bot.get_me()
    assert me.is_bot and me.username == "ChungTayBot" and me.id == 7000000001
    assert fake.calls_to("getme")[0].method == "getMe"


@pytest.mark.asyncio
async def test_send_message_html_and_keyboard(bot: Bot, fake: FakeTelegram) -> None:
    msg = await bot.send_message(
        ALICE.id, "<b>Xin chào</b> &lt;bạn&gt; &amp; cả nhà", parse_mode="HTML", reply_markup=_keyboard()
    )
    sent = fake.last_message(ALICE.id)
    assert sent is not None
    assert sent.text == "Xin chào <bạn> & cả nhà"
    assert sent.raw_text.startswith("<b>")
    assert msg.message_id == sent.message_id and msg.chat.id == ALICE.id
    assert msg.reply_markup == _keyboard()
    assert [b["text"] for b in sent.buttons()] == ["Đồng ý", "Mời"]
    assert sent.button("Đồng").get("callback_data") == "ok:1"
    params = fake.calls_to("sendMessage")[0].params
    assert params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == "ok:1"
    second = await bot.send_message(ALICE.id, "hai")
    assert second.message_id == msg.message_id + 1


@pytest.mark.asyncio
async def test_send_message_errors(bot: Bot, fake: FakeTelegram) -> None:
    with pytest.raises(BadRequest, match=r"(?i)can't parse entities"):
        await bot.send_message(ALICE.id, "a < b", parse_mode="HTML")
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(ALICE.id, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)BUTTON_DATA_INVALID"):
        await bot.send_message(
            ALICE.id,
            "x",
            reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton("b", callback_data="d" * 65)]]),
        )
    fake.block_user(ALICE.id)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(ALICE.id, "hi")
    assert fake.calls_to("sendMessage")[-1].status == 403


def test_parse_html_entities() -> None:
    text, entities = parse_html('<a href="https://x.y">link</a> <i>n</i>')
    assert text == "link n"
    assert entities == [("a", 0, 4), ("i", 5, 6)]


@pytest.mark.asyncio
async def test_edit_message_text_and_not_modified(bot: Bot, fake: FakeTelegram) -> None:
    msg = await bot.send_message(ALICE.id, "Bước 1", reply_markup=_keyboard())
    edited = await bot.edit_message_text(
        "Bước 2", chat_id=ALICE.id, message_id=msg.message_id, reply_markup=_keyboard()
    )
    assert isinstance(edited, type(msg)) and edited.text == "Bước 2"
    sent = fake.last_message(ALICE.id)
    assert sent is not None and sent.text == "Bước 2" and sent.edits == 1 and sent.buttons()
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "Bước 2", chat_id=ALICE.id, message_id=msg.message_id, reply_markup=_keyboard()
        )
    # Omitting reply_markup removes the keyboard, as on Telegram.
    await bot.edit_message_text("Bước 2", chat_id=ALICE.id, message_id=msg.message_id)
    assert sent.buttons() == [] and sent.edits == 2
    with pytest.raises(BadRequest, match=r"(?i)message to edit not found"):
        await bot.edit_message_text("x", chat_id=ALICE.id, message_id=999)
    await bot.edit_message_reply_markup(chat_id=ALICE.id, message_id=msg.message_id, reply_markup=_keyboard())
    assert len(sent.buttons()) == 2
    assert await bot.delete_message(ALICE.id, msg.message_id)
    assert sent.deleted


@pytest.mark.asyncio
async def test_get_updates_long_poll_and_offset(bot: Bot, fake: FakeTelegram) -> None:
    update_id = fake.inject_message(ALICE, "/start TOKEN42")
    updates = await bot.get_updates(timeout=5)
    assert [u.update_id for u in updates] == [update_id]
    message = updates[0].message
    assert message is not None and message.text == "/start TOKEN42"
    assert message.entities[0].type == "bot_command" and message.entities[0].length == len("/start")
    assert message.from_user is not None and message.from_user.id == ALICE.id
    consumed = asyncio.create_task(fake.wait_consumed(update_id, timeout=5))
    assert await bot.get_updates(offset=update_id + 1, timeout=0) == ()
    await consumed
    # A long poll returns as soon as an update is injected.
    waiting = asyncio.create_task(bot.get_updates(offset=update_id + 1, timeout=20))
    await fake.wait_until(lambda: len(fake.calls_to("getUpdates")) == 3, what="third getUpdates")
    second = fake.inject_message(ALICE, "/help@ChungTayBot", chat_id=-100, chat_type="group", chat_title="Xã")
    got = await asyncio.wait_for(waiting, 5)
    assert got[0].update_id == second and got[0].effective_chat is not None
    assert got[0].effective_chat.type == "group"
    assert got[0].message is not None and got[0].message.entities[0].length == len("/help@ChungTayBot")


@pytest.mark.asyncio
async def test_wait_consumed_times_out_clearly(fake: FakeTelegram) -> None:
    update_id = fake.inject_location(ALICE, 13.98, 108.0)
    with pytest.raises(TimeoutError, match=f"update {update_id} not acknowledged"):
        await fake.wait_consumed(update_id, timeout=0.05)


@pytest.mark.asyncio
async def test_callback_injection_and_answer(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(ALICE.id, "Chọn", reply_markup=_keyboard())
    sent = fake.last_message(ALICE.id)
    assert sent is not None
    update_id = fake.inject_callback(ALICE, sent, "ok:1")
    (update,) = await bot.get_updates()
    assert update.update_id == update_id
    query = update.callback_query
    assert query is not None and query.data == "ok:1"
    assert isinstance(query.message, Message) and query.message.message_id == sent.message_id
    assert query.message.reply_markup == _keyboard()
    assert await query.answer("Đã nhận")
    with pytest.raises(BadRequest, match=r"(?i)query is too old"):
        await query.answer()
    assert fake.callback_answers[0]["text"] == "Đã nhận"


@pytest.mark.asyncio
async def test_expired_queries_and_unanswered_taps(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(ALICE.id, "Chọn", reply_markup=_keyboard())
    sent = fake.last_message(ALICE.id)
    assert sent is not None
    fake.inject_callback(ALICE, sent, "ok:1")
    fake.inject_callback(ALICE, sent, "ok:1")
    first, second = (u.callback_query for u in await bot.get_updates())
    assert first is not None and second is not None
    assert fake.unanswered_queries() == [first.id, second.id]
    fake.expire_next_queries()
    with pytest.raises(BadRequest, match=r"(?i)query is too old and response timeout expired or query id is invalid"):
        await first.answer()
    assert await second.answer()
    assert fake.unanswered_queries() == [first.id]


@pytest.mark.asyncio
async def test_send_document_and_download(bot: Bot, fake: FakeTelegram) -> None:
    payload = b"PK\x03\x04 fake xlsx bytes"
    msg = await bot.send_document(ALICE.id, payload, filename="bao_cao.xlsx", caption="Báo cáo")
    assert msg.document is not None and msg.document.file_name == "bao_cao.xlsx"
    sent = fake.last_message(ALICE.id)
    assert sent is not None and sent.kind == "document" and sent.file_bytes == payload
    assert sent.caption == "Báo cáo" and sent.file_name == "bao_cao.xlsx"
    tg_file = await bot.get_file(msg.document.file_id)
    assert bytes(await tg_file.download_as_bytearray()) == payload
    again = await bot.send_document(ALICE.id, msg.document.file_id)
    assert again.document is not None and again.document.file_id == msg.document.file_id
    photo = await bot.send_photo(
        ALICE.id, b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x10\x00\x00\x00\x08"
    )
    assert photo.photo[-1].width == 16 and photo.photo[-1].height == 8


@pytest.mark.asyncio
async def test_inject_photo_downloadable(bot: Bot, fake: FakeTelegram) -> None:
    fake.inject_photo(ALICE, b"jpegbytes", caption="ảnh")
    (update,) = await bot.get_updates()
    assert update.message is not None and update.message.caption == "ảnh"
    tg_file = await update.message.photo[-1].get_file()
    assert bytes(await tg_file.download_as_bytearray()) == b"jpegbytes"


@pytest.mark.asyncio
async def test_fail_next(bot: Bot, fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", status=429, retry_after=7)
    with pytest.raises(RetryAfter) as excinfo:
        await bot.send_message(ALICE.id, "hi")
    retry_after = excinfo.value.retry_after
    assert (retry_after.total_seconds() if isinstance(retry_after, timedelta) else retry_after) == 7
    fake.fail_next("sendMessage", status=502, times=2)
    for _ in range(2):
        with pytest.raises(NetworkError):
            await bot.send_message(ALICE.id, "hi")
    fake.fail_next("getMe", status=500)
    with pytest.raises(TelegramError):
        await bot.get_me()
    await bot.send_message(ALICE.id, "hi")
    assert [c.status for c in fake.calls_to("sendMessage")] == [429, 502, 502, 200]
    assert len(fake.messages[ALICE.id]) == 1


@pytest.mark.asyncio
async def test_opt_in_flood_control_answers_429_above_the_rate(bot: Bot, fake: FakeTelegram) -> None:
    await bot.send_message(ALICE.id, "before")  # off by default
    fake.limit_rate(2)
    await bot.send_message(ALICE.id, "1")
    await bot.send_message(ALICE.id, "2")
    with pytest.raises(RetryAfter) as excinfo:
        await bot.send_message(ALICE.id, "3")
    retry_after = excinfo.value.retry_after
    assert (retry_after.total_seconds() if isinstance(retry_after, timedelta) else retry_after) == 1
    assert fake.rate_limited == 1
    fake.limit_rate(None)
    await bot.send_message(ALICE.id, "after")
    assert [m.text for m in fake.messages[ALICE.id]] == ["before", "1", "2", "after"]


@pytest.mark.asyncio
async def test_commands_per_language(bot: Bot, fake: FakeTelegram) -> None:
    await bot.set_my_commands([BotCommand("start", "Bắt đầu")], language_code="vi")
    await bot.set_my_commands([BotCommand("help", "Help")])
    vi = await bot.get_my_commands(language_code="vi")
    assert [c.command for c in vi] == ["start"]
    assert [c.command for c in await bot.get_my_commands()] == ["help"]
    await bot.delete_my_commands(language_code="vi")
    assert await bot.get_my_commands(language_code="vi") == ()


@pytest.mark.asyncio
async def test_unknown_method_and_bad_token(fake: FakeTelegram) -> None:
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{fake.base_url}/bot123:ABC/fooBar") as resp:
            assert resp.status == 404
            assert (await resp.json())["description"] == "Not Found: method not found"
        async with http.get(f"{fake.base_url}/botnotatoken/getMe") as resp:
            assert resp.status == 401
        async with http.post(f"{fake.base_url}/bot1:x/SENDMESSAGE", json={"chat_id": 5, "text": ""}) as resp:
            body = await resp.json()
            assert resp.status == 400 and body["description"] == "Bad Request: message text is empty"


@pytest.mark.asyncio
async def test_webhook_delivery_with_secret_and_retry(bot: Bot, fake: FakeTelegram) -> None:
    received: list[tuple[str | None, dict[str, Any]]] = []
    first = True

    async def hook(request: web.Request) -> web.Response:
        nonlocal first
        if first:  # the first delivery fails; the fake must retry the same update
            first = False
            return web.Response(status=500)
        received.append((request.headers.get("X-Telegram-Bot-Api-Secret-Token"), await request.json()))
        return web.Response(text="ok")

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        await bot.set_webhook(f"http://127.0.0.1:{port}/hook", secret_token="s3cret")
        ids = [fake.inject_message(ALICE, "một"), fake.inject_message(ALICE, "hai")]
        for update_id in ids:
            await fake.wait_consumed(update_id, timeout=10)
        assert [(s, u["update_id"]) for s, u in received] == [("s3cret", ids[0]), ("s3cret", ids[1])]
        info = await bot.get_webhook_info()
        assert info.url.endswith("/hook") and info.pending_update_count == 0
        assert info.last_error_message is not None
        with pytest.raises(TelegramError, match="webhook is active"):
            await bot.get_updates()
        await bot.delete_webhook(drop_pending_updates=True)
        assert (await bot.get_webhook_info()).url == ""
    finally:
        await runner.cleanup()


@pytest.mark.asyncio
async def test_wait_for_message(bot: Bot, fake: FakeTelegram) -> None:
    waiter = asyncio.create_task(fake.wait_for_message(ALICE.id, after_count=0, timeout=5))
    await bot.send_message(ALICE.id, "xin chào")
    assert (await waiter).text == "xin chào"
    with pytest.raises(TimeoutError, match="message #2"):
        await fake.wait_for_message(ALICE.id, after_count=1, timeout=0.05)


@pytest.mark.asyncio
async def test_control_api(bot: Bot, fake: FakeTelegram) -> None:
    fake.personas = [
        {
            "id": ALICE.id,
            "first_name": "Hạnh",
            "label": "Cán bộ xã",
            "language_code": "vi",
            "invite_start": None,
        }
    ]
    base = fake.base_url
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/") as resp:
            assert resp.status == 200 and 'id="persona"' in await resp.text()
        async with http.get(f"{base}/sandbox/api/personas") as resp:
            assert (await resp.json())[0]["label"] == "Cán bộ xã"
        async with http.post(
            f"{base}/sandbox/api/send", json={"user_id": ALICE.id, "text": "/start"}
        ) as resp:
            update_id = (await resp.json())["update_id"]
        (update,) = await bot.get_updates()
        assert update.update_id == update_id and update.message is not None
        assert update.message.from_user is not None and update.message.from_user.first_name == "Hạnh"
        msg = await bot.send_message(ALICE.id, "<i>Chào</i>", parse_mode="HTML", reply_markup=_keyboard())
        async with http.get(f"{base}/sandbox/api/messages", params={"chat_id": ALICE.id, "since": 0}) as resp:
            data = await resp.json()
        assert [(i["from"], i["text"]) for i in data["items"]] == [("user", "/start"), ("bot", "Chào")]
        assert data["items"][1]["buttons"][0][0] == {"text": "Đồng ý", "data": "ok:1"}
        assert data["items"][1]["buttons"][1][0]["url"].endswith("start=abc")
        cursor = data["cursor"]
        # Long poll: wakes up when the bot edits the message.
        poll = asyncio.create_task(
            http.get(f"{base}/sandbox/api/messages", params={"chat_id": ALICE.id, "since": cursor})
        )
        await bot.edit_message_text("Chào lại", chat_id=ALICE.id, message_id=msg.message_id)
        async with await asyncio.wait_for(poll, 10) as resp:
            data = await resp.json()
        assert [(i["message_id"], i["text"]) for i in data["items"]] == [(msg.message_id, "Chào lại")]
        async with http.post(
            f"{base}/sandbox/api/tap",
            json={"user_id": ALICE.id, "message_id": msg.message_id, "data": "ok:1"},
        ) as resp:
            assert resp.status == 200
        doc = await bot.send_document(ALICE.id, b"abc", filename="x.xlsx")
        assert doc.document is not None
        async with http.get(f"{base}/sandbox/api/file/{doc.document.file_id}") as resp:
            assert await resp.read() == b"abc"
        async with http.post(f"{base}/sandbox/api/send", json={"user_id": 42, "text": "x"}) as resp:
            assert resp.status == 404
    assert json.dumps(fake.personas)  # personas stay JSON-serialisable
