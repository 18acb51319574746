"""Drive the running bot as a Zalo user would, through the fake Zalo Bot API (bot/sandbox/fake_api/zalo.py).

Synchronisation as for Telegram, without sleeps: an update counts as handled once the bot's poller has
come back to the fake for the next one (so it has queued or answered this one) and PTB's update queue has
finished with it.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from typing import Any

from bot.config import Settings, load_settings
from bot.sandbox.fake_api import FakeTelegram
from bot.sandbox.fake_api.zalo import FakeZalo
from tests.conftest import TEST_TOKEN
from tests.support.harness import BotUnderTest

_zalo_ids = itertools.count(8_800_000_001)

ZALO_TOKEN = "1234567890:zalo-test-secret"


def zalo_test_settings(*, database_url: str, fake: FakeTelegram, fake_zalo: FakeZalo, **extra: Any) -> Settings:
    """A bot on both channels: Telegram through `fake`, Zalo through `fake_zalo`."""
    return load_settings(_env_file=None, telegram_bot_token=TEST_TOKEN, telegram_api_base_url=fake.base_url,
                         database_url=database_url, zalo_bot_token=ZALO_TOKEN, zalo_api_base_url=fake_zalo.base_url,
                         **extra)


def number_of(option: str, text: str) -> str:
    """The number the screen `text` gives the choice whose label contains `option`."""
    found = re.search(rf"^(\d+)\. [^\n]*{re.escape(option)}", text, re.MULTILINE)
    assert found, f"no numbered choice {option!r} in {text!r}"
    return found.group(1)


@dataclass
class ZaloChat:
    """A private Zalo chat between one fake Zalo user and the bot."""

    bot: BotUnderTest
    fake: FakeZalo
    user_id: str
    name: str = "Cán bộ Zalo"

    @property
    def texts(self) -> list[str]:
        return self.fake.texts(self.user_id)

    async def _handled(self, key: str) -> list[str]:
        count = len(self.texts)
        await self.fake.wait_consumed(key)
        application = self.bot.application
        assert application is not None
        await application.update_queue.join()
        await application.background_idle()
        return self.texts[count:]

    async def send(self, text: str) -> list[str]:
        """Type `text`; returns what the bot sent back (one text per Zalo message)."""
        return await self._handled(self.fake.inject_text(self.user_id, text, name=self.name))

    async def reply_text(self, text: str) -> str:
        return "\n".join(await self.send(text))

    async def send_event(self, event: str) -> list[str]:
        """Send something that is not text (a sticker, a photo, a voice note or a file)."""
        return await self._handled(self.fake.inject_event(self.user_id, event))

    async def redelivered(self) -> list[str]:
        """Zalo delivers this user's last update again."""
        return await self._handled(self.fake.redeliver_last(self.user_id))


def new_zalo_user_id() -> str:
    return str(next(_zalo_ids))
