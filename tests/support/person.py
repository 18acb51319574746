"""One way to drive a person, whichever channel they are on, so a journey is written once and run on both.

A `Person` types text, chooses an option by its label (a tap on Telegram; on Zalo the number the latest
numbered screen gives that option, or its words when it is listed after "Hoặc gõ:"), reads what the bot
sent, and collects the files it received (a document on Telegram; on Zalo a link to the bot's web
server, fetched the way the person's phone would open it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol

import aiohttp

from bot.sandbox.fake_api import SentMessage
from tests.support.harness import Chat
from tests.support.zalo import ZaloChat

FILE_LINK = re.compile(r"https?://[^\s]+/files/[A-Za-z0-9_-]{40,}")
_CHOICES_PROMPT = ("Trả lời 1", "Reply 1")
_WORDS_PROMPT = ("Hoặc gõ:", "Or type:", "Trả lời bằng chữ:", "Reply with the words:")


class Person(Protocol):
    """What a journey needs from a person on any channel."""

    channel: str

    @property
    def texts(self) -> list[str]:
        """Every text the bot has sent this person so far, oldest first (a screen edited in place on
        Telegram counts once, with its current text)."""

    @property
    def last_text(self) -> str:
        """The newest text the bot sent this person."""

    async def send(self, text: str) -> list[str]:
        """Type `text`; the texts of the bot's replies (new or changed messages)."""

    async def choose(self, label: str) -> list[str]:
        """Pick the option labelled `label` (its emoji aside) on the newest screen offering it, or else the
        first option whose label contains `label`."""

    async def files(self) -> list[bytes]:
        """The content of every file the bot has sent this person, oldest first."""

    async def pictures(self) -> list[bytes]:
        """The content of every picture (a chart) the bot has sent this person, oldest first."""


@dataclass
class TelegramPerson:
    """A `Person` over the harness' Telegram chat: options are inline buttons, files are documents."""

    chat: Chat
    channel: str = "telegram"

    @property
    def texts(self) -> list[str]:
        return [message.text for message in self.chat.messages]

    @property
    def last_text(self) -> str:
        return self.chat.last.text

    async def send(self, text: str) -> list[str]:
        return _texts(await self.chat.send(text))

    async def choose(self, label: str) -> list[str]:
        for message in reversed(self.chat.messages):
            labels = [str(b["text"]) for b in message.buttons() if b.get("callback_data")]
            exact = [text for text in labels if label in (text, _bare(text))]
            for text in exact or [text for text in labels if label in text]:
                return _texts(await self.chat.tap(text, message=message))
        raise AssertionError(f"no button {label!r} in {self.texts[-3:]!r}")

    async def files(self) -> list[bytes]:
        return [m.file_bytes for m in self.chat.messages if m.kind == "document" and m.file_bytes]

    async def pictures(self) -> list[bytes]:
        return [m.file_bytes for m in self.chat.messages if m.kind == "photo" and m.file_bytes]


@dataclass
class ZaloPerson:
    """A `Person` over the fake Zalo Bot API: options are numbered lines, files are links."""

    chat: ZaloChat
    channel: str = "zalo"

    @property
    def texts(self) -> list[str]:
        return self.chat.texts

    @property
    def last_text(self) -> str:
        assert self.chat.texts, "the bot has not written to this chat"
        return self.chat.texts[-1]

    async def send(self, text: str) -> list[str]:
        return await self.chat.send(text)

    async def choose(self, label: str) -> list[str]:
        """The bot takes a digit as a choice on the newest screen that had numbered choices, so the label
        is looked for there only; a control (skip, cancel) is typed as its words."""
        for text in reversed(self.texts):
            numbered = any(prompt in text for prompt in _CHOICES_PROMPT)
            words = next((line for line in text.splitlines() if line.startswith(_WORDS_PROMPT)), None)
            if words and label in words:
                return await self.send(label)
            if numbered:
                lines = re.findall(r"^(\d+)\. (.*)$", text, re.MULTILINE)
                exact = [number for number, shown in lines if label in (shown, _bare(shown))]
                found = exact or [number for number, shown in lines if label in shown]
                assert found, f"no numbered choice {label!r} on the screen {text!r}"
                return await self.send(found[0])
        raise AssertionError(f"no screen with choices in {self.texts[-3:]!r}")

    async def files(self) -> list[bytes]:
        return await _download([link for text in self.texts for link in FILE_LINK.findall(text)])

    async def pictures(self) -> list[bytes]:
        """Zalo shows a photo sent by URL; the phone fetches it from the bot's web server."""
        sent = self.chat.fake.sent.get(self.chat.user_id, [])
        return await _download([item.photo for item in sent if item.photo])


async def _download(links: list[str]) -> list[bytes]:
    contents = []
    async with aiohttp.ClientSession() as client:
        for link in links:
            async with client.get(link) as response:
                assert response.status == 200, link
                contents.append(await response.read())
    return contents


def _bare(label: str) -> str:
    """A label without its leading emoji: "✅ Lưu" and "Lưu" are the same choice."""
    return re.sub(r"^[^\w]+", "", label).strip()


def _texts(messages: list[SentMessage]) -> list[str]:
    return [message.text for message in messages]
