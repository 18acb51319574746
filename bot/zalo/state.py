"""What the Zalo channel remembers between an outgoing screen and the person's typed answer.

The last screen with choices in each chat (so "2" means its second button), kept in the database as
well, so that a typed choice survives a restart or deploy; the people's ids in both directions (the
database holds them; memory saves a query a message); the counters that number messages and updates.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import select

from bot.domain.people import channel_links
from bot.zalo.screens import Choice, choices_from_markup, numbered
from db.models import User
from db.models_channels import (
    CHANNEL_ID_BASE,
    clear_preferred_for,
    external_id_for,
    internal_id_for,
    load_screen,
    preferred_accounts,
    set_preferred,
    store_screen,
)
from db.session import SessionFactory

CHANNEL = "zalo"
QUERY_PREFIX = "zalo:"
"""Callback query ids made from typed choices start with this, so answering one never reaches Telegram."""


@dataclass
class Screen:
    """The last screen with choices in a chat: the message PTB believes carries the buttons."""

    message_id: int
    text: str
    markup: dict[str, Any]
    choices: list[Choice]


@dataclass
class ZaloState:
    session_factory: SessionFactory
    _screens: dict[int, Screen | None] = field(default_factory=dict)
    _unasked: dict[int, Screen] = field(default_factory=dict)  # in memory: a restart forgets them
    _external: dict[int, str] = field(default_factory=dict)
    _internal: dict[str, int] = field(default_factory=dict)
    _acting: dict[int, int] = field(default_factory=dict)
    _preferred: dict[int, int] | None = None  # Telegram id -> linked account that takes what is sent
    _message_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(int(time.time())))
    _update_ids: itertools.count[int] = field(default_factory=lambda: itertools.count(CHANNEL_ID_BASE))

    def internal_id(self, external_id: str) -> int:
        """The numeric id the bot uses for a Zalo person (made on first sight, stored)."""
        known = self._internal.get(external_id)
        if known is None:
            with self.session_factory() as session:
                known = internal_id_for(session, channel=CHANNEL, external_id=external_id)
            self._remember(known, external_id)
        return known

    def external_id(self, internal_id: int) -> str | None:
        """The Zalo id to send to, or None when the id is not a Zalo person's."""
        known = self._external.get(internal_id)
        if known is None:
            with self.session_factory() as session:
                found = external_id_for(session, internal_id=internal_id)
            if found is None or found[0] != CHANNEL:
                return None
            known = found[1]
            self._remember(internal_id, known)
        return known

    def _remember(self, internal_id: int, external_id: str) -> None:
        self._internal[external_id] = internal_id
        self._external[internal_id] = external_id

    def screen(self, chat_id: int) -> Screen | None:
        """The chat's last screen with choices (read from the database once per process)."""
        if chat_id not in self._screens:
            with self.session_factory() as session:
                stored = load_screen(session, internal_id=chat_id)
            self._screens[chat_id] = _parse_screen(stored)
        return self._screens[chat_id]

    def set_screen(self, chat_id: int, screen: Screen | None) -> None:
        """Remember (None: forget) the chat's last screen, in memory and in the database."""
        self._screens[chat_id] = screen
        stored = None if screen is None else json.dumps(
            {"message_id": screen.message_id, "text": screen.text, "markup": screen.markup}, ensure_ascii=False)
        with self.session_factory() as session:
            store_screen(session, internal_id=chat_id, screen=stored)

    def unasked(self, chat_id: int) -> Screen | None:
        """A screen that arrived unasked while the person was answering a typed question: its choices are
        kept apart from the conversation's, so the person's digit stays the answer to that question."""
        return self._unasked.get(chat_id)

    def awaits_typing(self, chat_id: int) -> bool:
        """The conversation waits for a typed answer: its latest screen with choices offers none by number
        (only skip or cancel, under "How many persons? Type a number."), so a digit is that answer."""
        current = self.screen(chat_id)
        return current is not None and not numbered(current.choices)

    def set_unasked(self, chat_id: int, screen: Screen | None) -> None:
        if screen is None:
            self._unasked.pop(chat_id, None)
        else:
            self._unasked[chat_id] = screen

    def acting_id(self, internal_id: int) -> int:
        """The user id the bot acts as for this account: a linked user's Telegram id, or the account's own."""
        known = self._acting.get(internal_id)
        if known is None:
            with self.session_factory() as session:
                known = channel_links.acting_id(session, internal_id=internal_id)
            self._acting[internal_id] = known
        return known

    def _preferences(self) -> dict[int, int]:
        if self._preferred is None:
            with self.session_factory() as session:
                self._preferred = preferred_accounts(session)
        return self._preferred

    def redirect(self, telegram_id: int) -> int | None:
        """The linked account to send to instead of `telegram_id`, when its person last wrote there."""
        return self._preferences().get(telegram_id)

    def note_use(self, internal_id: int) -> None:
        """A linked person wrote on this account: what is sent to them goes here from now on."""
        acting = self.acting_id(internal_id)
        if acting != internal_id and self._preferences().get(acting) != internal_id:
            with self.session_factory() as session:
                taken = set_preferred(session, internal_id=internal_id, preferred=True)
            if taken:  # not when the person pinned their messages to Telegram
                self._preferences()[acting] = internal_id

    def note_telegram_use(self, telegram_id: int, user_id: int | None) -> None:
        """The person wrote on Telegram: sending goes back to Telegram (a database write only when it was
        elsewhere)."""
        if telegram_id in self._preferences() and user_id is not None:
            with self.session_factory() as session:
                if clear_preferred_for(session, user_id=user_id):
                    self._preferences().pop(telegram_id, None)

    def forget_preferences(self) -> None:
        """The person chose a channel (/kenh): read where each person's messages go again."""
        self._preferred = None

    def forget_acting(self, internal_id: int) -> None:
        self._acting.pop(internal_id, None)

    def locale_of(self, internal_id: int, default: str) -> str:
        """The language the person chose (/language), read at each screen since they may change it."""
        acting = self.acting_id(internal_id)
        with self.session_factory() as session:
            locale = session.exec(select(User.locale).where(User.telegram_id == acting)).first()
        return locale or default

    def next_message_id(self) -> int:
        return next(self._message_ids)

    def next_update_id(self) -> int:
        return next(self._update_ids)


def _parse_screen(stored: str | None) -> Screen | None:
    if not stored:
        return None
    try:
        data = json.loads(stored)
        markup = data["markup"]
        return Screen(int(data["message_id"]), str(data["text"]), markup, choices_from_markup(markup))
    except (ValueError, KeyError, TypeError):
        return None
