"""A sandbox persona chats through Zalo: the sandbox runs the fake Zalo Bot API beside the fake Telegram
one, with Zalo pointed at it; the web chat's API sends what the Zalo persona types to the fake Zalo, and
shows what the bot sends there in the persona's chat log. The "no foreign users" check accepts the Zalo
persona and still refuses a Zalo stranger."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import aiohttp
import pytest
from sqlmodel import Session, select

from bot.config import Settings, load_settings
from bot.sandbox.fake_api import FakeTelegram
from bot.sandbox.fake_api.zalo import FakeZalo
from bot.sandbox.runner import SANDBOX_ZALO_TOKEN, foreign_users, sandbox_overrides, seed_sandbox
from db.models import Role, SupportAction, User
from db.models_channels import CHANNEL_ID_BASE, internal_id_for
from db.queries import get_unit_by_code
from tests.support.harness import BotUnderTest


@pytest.fixture
async def fake_zalo() -> AsyncIterator[FakeZalo]:
    server = FakeZalo(bot_id=SANDBOX_ZALO_TOKEN.split(":")[0])
    await server.start()
    yield server
    await server.stop()


@pytest.fixture
def sandbox_settings(database_url: str, fake: FakeTelegram, fake_zalo: FakeZalo) -> Settings:
    base = load_settings(_env_file=None, sandbox_database_url=database_url,
                         zalo_bot_token="1234567890:a-real-zalo-token", zalo_webhook_url="https://example.org/z",
                         zalo_webhook_secret="a-real-webhook-secret")
    return base.model_copy(update=sandbox_overrides(base, fake.base_url, fake_zalo.base_url))


@pytest.fixture
async def sandbox_bot(sandbox_settings: Settings, fake: FakeTelegram) -> AsyncIterator[BotUnderTest]:
    running = BotUnderTest(sandbox_settings, fake)
    await running.start()
    yield running
    await running.stop()
    running.close()


class _WebChat:
    """The web chat page's calls to the sandbox API, for one persona."""

    def __init__(self, fake: FakeTelegram, fake_zalo: FakeZalo, bot: BotUnderTest, persona: dict[str, Any]) -> None:
        self.fake, self.fake_zalo, self.bot, self.persona = fake, fake_zalo, bot, persona
        self.cursor = 0

    async def _post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        async with aiohttp.ClientSession() as client, client.post(f"{self.fake.base_url}{path}", json=body) as answer:
            assert answer.status == 200, await answer.text()
            result: dict[str, Any] = await answer.json()
            return result

    async def _new_items(self) -> list[dict[str, Any]]:
        url = f"{self.fake.base_url}/sandbox/api/messages"
        params = {"chat_id": str(self.persona["id"]), "since": str(self.cursor), "wait": "0"}
        async with aiohttp.ClientSession() as client, client.get(url, params=params) as answer:
            data = await answer.json()
        self.cursor = int(data["cursor"])
        return list(data["items"])

    async def send(self, text: str) -> list[dict[str, Any]]:
        """Type `text` in the page; returns the log items it then shows (the typed text and the answers)."""
        answer = await self._post("/sandbox/api/send", {"user_id": self.persona["id"], "text": text})
        await self.fake_zalo.wait_consumed(str(answer["delivery"]))
        application = self.bot.application
        assert application is not None
        await application.update_queue.join()
        await application.background_idle()
        return await self._new_items()


async def test_a_zalo_persona_logs_and_saves_through_the_fake_zalo(
        sandbox_bot: BotUnderTest, sandbox_settings: Settings, session: Session, fake: FakeTelegram,
        fake_zalo: FakeZalo) -> None:
    assert sandbox_settings.zalo_enabled and sandbox_settings.zalo_api_base_url == fake_zalo.base_url
    assert not sandbox_settings.zalo_uses_webhook, "the real Zalo webhook of .env is not used"
    personas = seed_sandbox(session, sandbox_settings, now=sandbox_bot.runtime.clock())
    fake.personas = personas
    fake.attach_zalo(fake_zalo)
    [persona] = [p for p in personas if p["channel"] == "zalo"]
    assert {p["channel"] for p in personas if p is not persona} == {"telegram"}
    assert isinstance(persona["id"], str), "above 2**53: a string, which the page's JavaScript keeps exact"
    assert int(persona["id"]) >= CHANNEL_ID_BASE and "Hoa Thám" in str(persona["label"])

    chat = _WebChat(fake, fake_zalo, sandbox_bot, persona)
    typed, card = await chat.send("gạo 12 hộ 1500kg")
    assert (typed["from"], typed["text"]) == ("user", "gạo 12 hộ 1500kg")
    assert card["from"] == "bot" and "1.500 kg" in card["text"] and "Trả lời 1–" in card["text"]
    assert card["buttons"] == [] and fake.calls_to("sendMessage") == [], "nothing of it went to Telegram"
    assert fake_zalo.texts(str(persona["zalo_id"]))[-1] == card["text"]
    answers = "\n".join(item["text"] for item in await chat.send("lưu") if item["from"] == "bot")
    session.expire_all()
    [action] = session.exec(select(SupportAction)).all()
    assert f"Đã lưu, số bản ghi #{action.id}." in answers and action.households == 12
    user = session.exec(select(User).where(User.telegram_id == int(str(persona["id"])))).one()
    assert action.author_id == user.id and action.unit_id == user.unit_id and user.display_name == persona["first_name"]

    photo = await chat._post(f"/sandbox/api/photo?user_id={persona['id']}", {})
    await fake_zalo.wait_consumed(str(photo["delivery"]))
    assert "chưa hỗ trợ" in fake_zalo.texts(str(persona["zalo_id"]))[-1]


async def test_the_foreign_users_check_accepts_the_zalo_persona_only(
        database_url: str, settings: Settings, session: Session) -> None:
    seed_sandbox(session, settings, now=datetime.now(UTC))
    assert foreign_users(database_url) == 0
    unit = get_unit_by_code(session, code="06073")
    assert unit is not None and unit.id is not None
    stranger = internal_id_for(session, channel="zalo", external_id="7999999999")
    session.add(User(telegram_id=stranger, display_name="Người lạ", role=Role.REPORTER, unit_id=unit.id))
    session.commit()
    assert foreign_users(database_url) == 1
