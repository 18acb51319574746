"""PTB persistence in the project's database, so a half-filled form survives a restart.

Why not PicklePersistence: a pickle file lives on one machine and in one process. Rows in
`bot_state` live in the same database as everything else (SQLite or PostgreSQL), are backed up with
it, and are seen by the next process: after a crash, a deploy, or on another host sharing the
PostgreSQL database. A ConversationHandler is persisted when it has a `name` and `persistent=True`;
its state per conversation key is one row, and so is each user's `user_data` and each chat's
`chat_data` (bot_data and callback_data are not stored: `store_data` turns them off).

Rules for handlers (the data is stored as JSON, like PTB's DictPersistence):
- `user_data` is a `handlers.user_data.UserData` (a dict with typed accessors); a typed value in it (the
  /log form's state) is written as its `to_json()` and read back by `UserData.from_json`.
- Otherwise `user_data`/`chat_data` hold only JSON types: dict with str keys, list, str, int, float, bool,
  None. Tuples come back as lists; a Decimal must be stored as str by the caller (`str(quantity)`).
  Top-level keys that look like integers come back as int (as in DictPersistence).
- Conversation states are ints or strs; None (ConversationHandler.END) deletes the row.

Semantics mirror DictPersistence: everything is loaded once at start-up (`get_*`), a value is only
written when it differs from the last one written (kept in a cache), and `refresh_*` do nothing —
a running process does not re-read rows written by another one. With polling there is only ever one
process reading updates; run several webhook workers only behind sticky routing per user.
Each write is its own short transaction (db/state_store.py, an atomic upsert) done right away, so
`flush` has nothing left to do.

When things are written (a crash may come at any moment, so "every `update_interval` seconds", PTB's
default, would lose up to a second of answers the user has already seen):
- the logging form writes its draft and its new conversation state together, in one transaction,
  BEFORE the message showing the new step is sent (`write_step`, called from
  `ChungTayApplication.checkpoint`): what the user sees is always in the database;
- every update ends with `Application.update_persistence()` (ChungTayApplication.process_update), so
  the other conversations' states and user data are written before the next update is taken;
- PTB's own periodic run and the one at shutdown then find nothing new (values are compared first).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, MutableMapping
from copy import deepcopy
from typing import Any, TypeVar

from sqlalchemy.pool import SingletonThreadPool, StaticPool
from sqlmodel import Session
from telegram.ext import BasePersistence, PersistenceInput

from db import state_store
from db.session import SessionFactory
from handlers.user_data import UserData

T = TypeVar("T")
# PTB's own aliases (telegram.ext._utils.types), restated to keep off a private module.
ConversationKey = tuple[int | str, ...]
ConversationDict = MutableMapping[ConversationKey, object]
CDCData = tuple[list[tuple[str, float, dict[str, Any]]], dict[str, str]]

USER_DATA = "user_data"
CHAT_DATA = "chat_data"
BOT_DATA = "bot_data"
CALLBACK_DATA = "callback_data"
CONVERSATION = "conversation"
NO_KEY = json.dumps(None)  # the key of the single bot_data / callback_data row


def _typed_to_json(value: Any) -> Any:
    """A typed value kept in user_data (the /log form's `FormState`) is written as its `to_json()`."""
    to_json = getattr(value, "to_json", None)
    if callable(to_json):
        return to_json()
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _to_json(value: Any, what: str) -> Any:
    """`value` as it will come back from the database; a clear error if it is not JSON."""
    try:
        return json.loads(json.dumps(value, default=_typed_to_json))
    except (TypeError, ValueError) as exc:
        raise TypeError(f"{what} must hold only JSON types (store a Decimal as str): {exc}") from exc


def _decode_data(data: dict[str, Any]) -> dict[Any, Any]:
    """Top-level keys that were ints come back as ints (DictPersistence does the same)."""
    decoded: dict[Any, Any] = {}
    for key, value in data.items():
        number = int(key) if key.lstrip("-").isdigit() else None
        decoded[number if number is not None and str(number) == key else key] = value
    return decoded


class DatabasePersistence(BasePersistence[UserData, dict[Any, Any], dict[Any, Any]]):
    """BasePersistence storing user/chat data and conversation states in the `bot_state` table."""

    __slots__ = ("_bot_data", "_callback_data", "_chat_data", "_conversations", "_lock", "_session_factory",
                 "_threaded", "_user_data")

    def __init__(self, session_factory: SessionFactory, update_interval: float = 1.0) -> None:
        super().__init__(store_data=PersistenceInput(bot_data=False, chat_data=True, user_data=True,
                                                     callback_data=False),
                         update_interval=update_interval)
        self._session_factory = session_factory
        # Blocking database calls go to a worker thread, except for in-memory SQLite, whose pools
        # give each thread its own connection (SingletonThreadPool) or share one (StaticPool).
        self._threaded = not isinstance(session_factory.engine.pool, SingletonThreadPool | StaticPool)
        self._lock = asyncio.Lock()  # one write at a time: SQLite has a single writer anyway
        # What the database holds, as far as this process knows (compared before every write).
        self._user_data: dict[int, UserData] = {}
        self._chat_data: dict[int, dict[Any, Any]] = {}
        self._bot_data: dict[Any, Any] | None = None
        self._callback_data: CDCData | None = None
        self._conversations: dict[str, dict[ConversationKey, object]] = {}

    # ------------------------------------------------------------------ database access

    async def _run(self, function: Callable[..., T], **kwargs: Any) -> T:
        """Run one state_store function in its own session (and thread, when that is safe)."""
        def call() -> T:
            with self._session_factory() as session:
                return function(session, **kwargs)

        async with self._lock:
            if self._threaded:
                return await asyncio.to_thread(call)
            return call()

    async def _load(self, kind: str, name: str = "") -> dict[str, Any]:
        return await self._run(state_store.load_all, kind=kind, name=name)

    async def _write(self, kind: str, key: str, data: Any, name: str = "") -> None:
        await self._run(state_store.upsert, kind=kind, name=name, key=key, data=data)

    async def _delete(self, kind: str, key: str, name: str = "") -> None:
        await self._run(state_store.delete, kind=kind, name=name, key=key)

    # ------------------------------------------------------------------ loading (start-up)

    async def get_user_data(self) -> dict[int, UserData]:
        rows = await self._load(USER_DATA)
        self._user_data = {int(json.loads(key)): UserData.from_json(_decode_data(data)) for key, data in rows.items()}
        return deepcopy(self._user_data)

    async def get_chat_data(self) -> dict[int, dict[Any, Any]]:
        rows = await self._load(CHAT_DATA)
        self._chat_data = {int(json.loads(key)): _decode_data(data) for key, data in rows.items()}
        return deepcopy(self._chat_data)

    async def get_bot_data(self) -> dict[Any, Any]:
        rows = await self._load(BOT_DATA)
        self._bot_data = _decode_data(rows.get(NO_KEY) or {})
        return deepcopy(self._bot_data)

    async def get_callback_data(self) -> CDCData | None:
        rows = await self._load(CALLBACK_DATA)
        stored = rows.get(NO_KEY)
        if stored is None:
            self._callback_data = None
            return None
        entries, mapping = stored
        self._callback_data = ([(one, float(two), three) for one, two, three in entries], mapping)
        return deepcopy(self._callback_data)

    async def get_conversations(self, name: str) -> ConversationDict:
        rows = await self._load(CONVERSATION, name)
        states: dict[ConversationKey, object] = {tuple(json.loads(key)): state for key, state in rows.items()}
        self._conversations[name] = states
        return dict(states)

    # ------------------------------------------------------------------ writing (every update_interval)

    async def update_conversation(self, name: str, key: ConversationKey, new_state: object | None) -> None:
        states = self._conversations.setdefault(name, {})
        if states.get(key) == new_state:
            return
        encoded_key = json.dumps(list(key))
        if new_state is None:
            await self._delete(CONVERSATION, encoded_key, name)
            states.pop(key, None)
            return
        if not isinstance(new_state, int | str):
            raise TypeError(f"conversation {name!r}: state {new_state!r} must be an int or a str")
        await self._write(CONVERSATION, encoded_key, new_state, name)
        states[key] = new_state

    async def update_user_data(self, user_id: int, data: UserData) -> None:
        if self._user_data.get(user_id) == data:
            return
        await self._write(USER_DATA, json.dumps(user_id), _to_json(data, "user_data"))
        self._user_data[user_id] = UserData(deepcopy(data))

    async def update_chat_data(self, chat_id: int, data: dict[Any, Any]) -> None:
        if self._chat_data.get(chat_id) == data:
            return
        await self._write(CHAT_DATA, json.dumps(chat_id), _to_json(data, "chat_data"))
        self._chat_data[chat_id] = deepcopy(data)

    async def update_bot_data(self, data: dict[Any, Any]) -> None:
        if self._bot_data == data:
            return
        await self._write(BOT_DATA, NO_KEY, _to_json(data, "bot_data"))
        self._bot_data = deepcopy(data)

    async def update_callback_data(self, data: CDCData) -> None:
        if self._callback_data == data:
            return
        await self._write(CALLBACK_DATA, NO_KEY, _to_json([data[0], data[1]], "callback_data"))
        self._callback_data = deepcopy(data)

    async def drop_chat_data(self, chat_id: int) -> None:
        await self._delete(CHAT_DATA, json.dumps(chat_id))
        self._chat_data.pop(chat_id, None)

    async def drop_user_data(self, user_id: int) -> None:
        await self._delete(USER_DATA, json.dumps(user_id))
        self._user_data.pop(user_id, None)

    # ------------------------------------------------------------------ a form step, written at once

    async def write_step(self, *, user_id: int | None, user_data: dict[Any, Any] | None,
                         chat_id: int | None, chat_data: dict[Any, Any] | None,
                         conversation: tuple[str, ConversationKey, object | None] | None,
                         session: Session | None = None) -> None:
        """Write what one update changed (the user's and chat's data, one conversation's new state) in ONE
        transaction, now, before the reply that shows the new step goes out (ChungTayApplication.checkpoint).
        Only what differs from the last write is written; the caches are updated only after the commit,
        so a failed write is retried by the next one. The later periodic `update_*` calls then find
        nothing new.

        `session`: the update's own session. The step is then written with it, on the event loop like the
        rest of the update's database work, and committed with whatever the update has pending: no second
        session, connection and worker thread for every step of every form (they cost about as much CPU
        as the rest of a form step's database work)."""
        upserts: list[tuple[str, str, str, Any]] = []
        deletes: list[tuple[str, str, str]] = []
        if user_id is not None and user_data is not None and self._user_data.get(user_id) != user_data:
            upserts.append((USER_DATA, "", json.dumps(user_id), _to_json(user_data, "user_data")))
        if chat_id is not None and chat_data is not None and self._chat_data.get(chat_id) != chat_data:
            upserts.append((CHAT_DATA, "", json.dumps(chat_id), _to_json(chat_data, "chat_data")))
        if conversation is not None:
            name, key, state = conversation
            if self._conversations.setdefault(name, {}).get(key) != state:
                if state is None:
                    deletes.append((CONVERSATION, name, json.dumps(list(key))))
                elif isinstance(state, int | str):
                    upserts.append((CONVERSATION, name, json.dumps(list(key)), state))
                else:
                    raise TypeError(f"conversation {name!r}: state {state!r} must be an int or a str")
        if not upserts and not deletes:
            return
        if session is not None:
            state_store.write_together(session, upserts=upserts, deletes=deletes)
        else:
            await self._run(state_store.write_together, upserts=upserts, deletes=deletes)
        if user_id is not None and user_data is not None:
            self._user_data[user_id] = UserData(deepcopy(user_data))
        if chat_id is not None and chat_data is not None:
            self._chat_data[chat_id] = deepcopy(chat_data)
        if conversation is not None:
            name, key, state = conversation
            if state is None:
                self._conversations[name].pop(key, None)
            else:
                self._conversations[name][key] = state

    def last_written_user_data(self, user_id: int) -> UserData:
        """A copy of the user's data as the database holds it (used to undo an update that failed half-way)."""
        return UserData(deepcopy(self._user_data.get(user_id, {})))

    def last_written_chat_data(self, chat_id: int) -> dict[Any, Any]:
        return deepcopy(self._chat_data.get(chat_id, {}))

    # ------------------------------------------------------------------ no-ops (see the module notes)

    async def refresh_user_data(self, user_id: int, user_data: UserData) -> None:
        """Nothing to do: this process's user_data is the current one."""

    async def refresh_chat_data(self, chat_id: int, chat_data: dict[Any, Any]) -> None:
        """Nothing to do: this process's chat_data is the current one."""

    async def refresh_bot_data(self, bot_data: dict[Any, Any]) -> None:
        """Nothing to do: bot_data is not stored."""

    async def flush(self) -> None:
        """Nothing to do: every change was written when `update_*` was called."""
