"""Zalo updates as PTB updates, for a Zalo person known by their internal id.

A typed line that answers the chat's last screen ("2", or the option's words) becomes the button press
it stands for (a CallbackQuery with that button's data); any other line is a text message, a leading
"/word" marked as a command as Telegram does. Zalo may deliver an update again (`event_name` +
`message_id` repeat): it is handled once. Photos, stickers, voice notes and files are not handled yet:
the person is told so, politely, with what to do instead.
"""

from __future__ import annotations

import re
import time
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

from bot.zalo.screens import Choice, match_choice
from bot.zalo.state import QUERY_PREFIX, Screen, ZaloState

TEXT_EVENT = "message.text.received"
INVITE_LINK = re.compile(r"^\s*https?://t\.me/[A-Za-z0-9_]+\?start=([A-Za-z0-9_-]+)\s*$")
"""An invite is a Telegram link; on Zalo it cannot be opened, so the link pasted as a message counts as
typing `/start <token>`."""
LINK_COMMAND = re.compile(r"^\s*/link\s+([A-Za-z0-9]{4,16})\s*$", re.IGNORECASE)
RECENT_KEPT = 4096


@dataclass(frozen=True)
class Inbound:
    """What to do with one Zalo update: feed `update` to the Application, or tell `chat_id` it is not
    supported (`unsupported`), or nothing (a repeat, a group, something malformed)."""

    update: dict[str, Any] | None = None
    chat_id: int | None = None
    unsupported: bool = False
    link_code: str | None = None  # "/link CODE": link this account to a user (handled by the channel)


class ZaloInbound:
    def __init__(self, state: ZaloState, *, locale: str) -> None:
        self.state = state
        self.locale = locale
        self._recent: OrderedDict[tuple[str, str], None] = OrderedDict()

    def _remember(self, key: tuple[str, str]) -> None:
        """Recorded once the update is converted: one that failed (the database away) is taken again when
        Zalo delivers it again."""
        if key[1]:  # without a message id, two messages cannot be told apart from one repeated
            self._recent[key] = None
            if len(self._recent) > RECENT_KEPT:
                self._recent.popitem(last=False)

    def convert(self, raw: Any) -> Inbound:
        inbound, key = self._convert(raw)
        if key is not None:
            self._remember(key)
        return inbound

    def _choice(self, person: int, text: str) -> tuple[Screen | None, Choice | None]:
        """The screen and choice a typed line answers: the conversation's screen first; else a screen that
        arrived unasked, by its words, or by its number once no typed answer is awaited (a digit under
        "How many persons?" is that answer, never the unasked screen's choice)."""
        screen = self.state.screen(person)
        choice = match_choice(text, screen.choices) if screen is not None else None
        if choice is not None:
            return screen, choice
        unasked = self.state.unasked(person)
        if unasked is None:
            return None, None
        if self.state.awaits_typing(person) and text.strip().rstrip(".").isdigit():
            return None, None
        return unasked, match_choice(text, unasked.choices)

    def _convert(self, raw: Any) -> tuple[Inbound, tuple[str, str] | None]:
        if not isinstance(raw, dict):
            return Inbound(), None
        event = str(raw.get("event_name") or "")
        message = raw.get("message")
        if not isinstance(message, dict):
            return Inbound(), None
        sender = message.get("from") or {}
        chat = message.get("chat") or {}
        sender_id = str(sender.get("id") or "")
        if not sender_id or str(chat.get("chat_type", "PRIVATE")).upper() != "PRIVATE":
            return Inbound(), None  # bots cannot be in Zalo groups; nothing else is answered
        key = (event, str(message.get("message_id") or ""))
        if key in self._recent:
            return Inbound(), None
        person = self.state.internal_id(sender_id)
        text = message.get("text")
        if event != TEXT_EVENT or not isinstance(text, str) or not text.strip():
            return Inbound(chat_id=person, unsupported=True), key
        linking = LINK_COMMAND.match(text)
        if linking:
            return Inbound(chat_id=person, link_code=linking.group(1)), key
        pasted = INVITE_LINK.match(text)
        if pasted:
            text = f"/start {pasted.group(1)}"
        self.state.note_use(person)
        name = str(sender.get("display_name") or sender.get("name") or "Zalo")
        user = {"id": self.state.acting_id(person), "is_bot": False, "first_name": name, "language_code": self.locale}
        date = int(message.get("date") or time.time() * 1000) // 1000
        update_id = self.state.next_update_id()
        screen, choice = self._choice(person, text)
        if screen is not None and choice is not None:
            shown = {"message_id": screen.message_id, "date": date, "chat": {"id": person, "type": "private"},
                     "text": screen.text, "reply_markup": screen.markup}
            return Inbound(update={"update_id": update_id, "callback_query": {
                "id": f"{QUERY_PREFIX}{person}:{update_id}", "from": user, "chat_instance": str(person),
                "data": choice.data, "message": shown}}), key
        incoming: dict[str, Any] = {"message_id": self.state.next_message_id(), "date": date, "from": user,
                                    "chat": {"id": person, "type": "private", "first_name": user["first_name"]},
                                    "text": text}
        if text.startswith("/"):
            incoming["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return Inbound(update={"update_id": update_id, "message": incoming}), key
