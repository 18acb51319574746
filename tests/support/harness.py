"""Drive the real Application over HTTP through the in-repo fake Bot API.

A test talks to the bot only as a Telegram user would: `await chat.send("/start …")`,
`await chat.tap("Tiếng Việt")`, then asserts on the replies. Synchronisation is event-based:
an update counts as handled when the bot has confirmed it to the fake server (polling offset moved
past it) and PTB's update queue has finished processing it — no sleeps.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any

from bot.app import (
    ChungTayApplication,
    build_application,
    start_polling_in_loop,
    start_webhook_in_loop,
    stop_in_loop,
)
from bot.config import Settings
from bot.runtime import Runtime
from bot.sandbox.fake_api import FakeTelegram, FakeUser, SentMessage

_user_ids = itertools.count(5_000_001)


class BotUnderTest:
    """One running Chung Tay Application (polling the fake server); can be restarted on the same DB."""

    def __init__(self, settings: Settings, fake: FakeTelegram) -> None:
        self.settings = settings
        self.fake = fake
        self.runtime = Runtime.create(settings)
        self.application: ChungTayApplication | None = None

    async def start(self) -> None:
        self.application = build_application(self.settings, self.runtime)
        if self.settings.uses_webhook:
            await start_webhook_in_loop(self.application, self.settings)
        else:
            await start_polling_in_loop(self.application)

    async def stop(self) -> None:
        app = self.application
        if app is None:
            return
        self.application = None
        await stop_in_loop(app)

    async def restart(self) -> None:
        """A new Application on the same database, as after a crash or a deploy."""
        await self.stop()
        await self.start()

    async def settle(self, update_id: int) -> None:
        """Return once the bot has received and completely handled `update_id`."""
        await self.fake.wait_consumed(update_id)
        assert self.application is not None
        await self.application.update_queue.join()
        await self.application.background_idle()  # e.g. an import the update started

    def close(self) -> None:
        self.runtime.close()


@dataclass
class Chat:
    """A private chat between one fake Telegram user and the bot."""

    bot: BotUnderTest
    user: FakeUser
    seen_edits: dict[int, int] = field(default_factory=dict)

    @property
    def fake(self) -> FakeTelegram:
        return self.bot.fake

    @property
    def messages(self) -> list[SentMessage]:
        return self.fake.messages.get(self.user.id, [])

    @property
    def last(self) -> SentMessage:
        message = self.fake.last_message(self.user.id)
        assert message is not None, "the bot has not written to this chat"
        return message

    async def _handled(self, update_id: int) -> list[SentMessage]:
        """Messages that are new or were edited while the update was handled."""
        before = {m.message_id: m.edits for m in self.messages}
        count = len(self.messages)
        await self.bot.settle(update_id)
        changed = [m for m in self.messages[:count] if m.edits != before.get(m.message_id)]
        return changed + self.messages[count:]

    async def send(self, text: str, **kwargs: Any) -> list[SentMessage]:
        update_id = self.fake.inject_message(self.user, text, **kwargs)
        return await self._handled(update_id)

    async def edit(self, text: str, *, message_id: int | None = None) -> list[SentMessage]:
        """Edit one of the user's own sent messages (the newest by default), as Telegram's "Edit" does:
        the bot receives an ``edited_message`` update."""
        target = message_id if message_id is not None else self.fake.last_user_message_id(self.user.id)
        assert target is not None, "the user has not sent anything to edit"
        return await self._handled(self.fake.inject_edited_message(self.user, target, text))

    async def reply_text(self, text: str) -> str:
        """Send and return the text of the bot's replies, joined (handy for asserting)."""
        return "\n".join(m.text for m in await self.send(text))

    async def tap(self, button_text: str, *, message: SentMessage | None = None) -> list[SentMessage]:
        """Tap the inline button whose text equals (or else starts with) `button_text`, on the newest
        message that has it."""
        candidates = [message] if message else list(reversed(self.messages))
        for candidate in candidates:
            for button in candidate.buttons():
                if button.get("callback_data") and (button["text"] == button_text):
                    return await self._tap(candidate, button["callback_data"])
        for candidate in candidates:
            for button in candidate.buttons():
                if button.get("callback_data") and button["text"].startswith(button_text):
                    return await self._tap(candidate, button["callback_data"])
        shown = [b["text"] for m in candidates[:3] for b in m.buttons()]
        raise AssertionError(f"no button {button_text!r}; recent buttons: {shown}")

    async def tap_data(self, message: SentMessage, data: str) -> list[SentMessage]:
        """Press a button by its raw callback data (e.g. to forge one in a permissions test)."""
        return await self._tap(message, data)

    async def _tap(self, message: SentMessage, data: str) -> list[SentMessage]:
        update_id = self.fake.inject_callback(self.user, message, data)
        return await self._handled(update_id)


def new_user(first_name: str = "Cán bộ", *, language_code: str | None = "vi", user_id: int | None = None,
             ) -> FakeUser:
    return FakeUser(id=user_id or next(_user_ids), first_name=first_name, language_code=language_code)


@dataclass
class GroupChat:
    """A group chat the bot is a member of; any fake user may write into it or press a button there."""

    bot: BotUnderTest
    chat_id: int = -100_555
    title: str = "Nhóm cán bộ xã"

    @property
    def fake(self) -> FakeTelegram:
        return self.bot.fake

    @property
    def messages(self) -> list[SentMessage]:
        return self.fake.messages.get(self.chat_id, [])

    async def _handled(self, update_id: int) -> list[SentMessage]:
        count = len(self.messages)
        await self.bot.settle(update_id)
        return self.messages[count:]

    async def send(self, user: FakeUser, text: str) -> list[SentMessage]:
        """`user` writes `text` into the group; returns what the bot posted to the group in answer."""
        return await self._handled(self.fake.inject_message(user, text, chat_id=self.chat_id, chat_type="group",
                                                            chat_title=self.title))

    async def send_document(self, user: FakeUser, content: bytes, file_name: str) -> list[SentMessage]:
        return await self._handled(self.fake.inject_document(user, content, file_name, chat_id=self.chat_id,
                                                             chat_type="group", chat_title=self.title))

    async def tap_data(self, user: FakeUser, message: SentMessage, data: str) -> list[SentMessage]:
        """`user` presses a button with callback `data` under `message` (one of the group's messages)."""
        return await self._handled(self.fake.inject_callback(user, message, data))
