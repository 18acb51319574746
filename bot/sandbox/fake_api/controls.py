"""Test controls of the fake Bot API: failures to inject, users who blocked the bot, and updates
(messages, photos, documents, locations, button taps) as if a user had sent them.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from typing import Any

from bot.sandbox.fake_api.core import _FakeCore
from bot.sandbox.fake_api.models import (
    _COMMAND_RE,
    _STATUS_TEXT,
    QUERY_TOO_OLD,
    FakeUser,
    SentMessage,
    _Failure,
)
from bot.sandbox.fake_api.parsing import (
    _png_size,
    _utf16_len,
)


class _ControlsMixin(_FakeCore):
    """Fault and update injection, used by tests and by the web chat."""

    # ------------------------------------------------------------------ fault injection

    def fail_next(
        self,
        method: str,
        *,
        status: int,
        retry_after: int | None = None,
        times: int = 1,
        description: str | None = None,
    ) -> None:
        """Make the next ``times`` calls of ``method`` fail like Telegram would."""
        if description is None:
            if status == 429:
                description = f"Too Many Requests: retry after {retry_after or 1}"
                retry_after = retry_after or 1
            else:
                description = _STATUS_TEXT.get(status, "Internal Server Error")
        queue = self._failures.setdefault(method.lower(), deque())
        queue.extend(_Failure(status, description, retry_after) for _ in range(times))

    def callback_answers_in(self, chat_id: int) -> list[dict[str, Any]]:
        """The answers to button presses made in ``chat_id``, oldest first (toasts and alerts)."""
        return [a for a in self.callback_answers if self._callback_chats.get(str(a["callback_query_id"])) == chat_id]

    def expire_next_queries(self, times: int = 1) -> None:
        """The next ``times`` answerCallbackQuery calls fail as after a restart: the tap is older than
        Telegram's answer timeout (the bot must still do what was asked)."""
        self.fail_next("answerCallbackQuery", status=400, description=QUERY_TOO_OLD, times=times)

    def unanswered_queries(self) -> list[str]:
        """Ids of the button taps the bot never answered (the user's phone would still spin)."""
        return [query_id for query_id, answered in self._callbacks.items() if not answered]

    def hold_answers(self, method: str) -> None:
        """Calls of ``method`` take effect at once (a message is shown) but are answered only after
        ``release_answers``: the bot is caught "just sending", the moment a crash test kills it."""
        self._held.setdefault(method.lower(), asyncio.Event())

    def release_answers(self, method: str) -> None:
        held = self._held.pop(method.lower(), None)
        if held is not None:
            held.set()

    def block_user(self, chat_id: int) -> None:
        """Every send* to ``chat_id`` answers 403 blocked, like a user who blocked the bot."""
        self._blocked.add(chat_id)

    def unblock_user(self, chat_id: int) -> None:
        """Undo ``block_user``: the user came back."""
        self._blocked.discard(chat_id)

    # ------------------------------------------------------------------ update injection

    def inject_raw_update(self, update: dict[str, Any]) -> int:
        """Queue an update as-is (assigning ``update_id`` if missing); returns its id."""
        if "update_id" not in update:
            update = {"update_id": next(self._update_ids), **update}
        self._pending.append(update)
        self.message_events.notify()
        return int(update["update_id"])

    def _remember_chat(
        self, user: FakeUser, chat_id: int, chat_type: str, title: str | None
    ) -> dict[str, Any]:
        if chat_type == "private":
            chat = {k: v for k, v in user.to_dict().items() if k in ("first_name", "last_name", "username")}
            chat.update(id=chat_id, type="private")
        else:
            chat = {"id": chat_id, "type": chat_type, "title": title or f"Group {chat_id}"}
        self._chats[chat_id] = chat
        return chat

    def _user_message(
        self,
        user: FakeUser,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        chat_title: str | None = None,
        reply_to_message_id: int | None = None,
        **content: Any,
    ) -> int:
        """Build, remember and queue a message update from ``user``."""
        cid = user.id if chat_id is None else chat_id
        chat = self._remember_chat(user, cid, chat_type, chat_title)
        message: dict[str, Any] = {
            "message_id": self._next_message_id(cid),
            "from": user.to_dict(),
            "chat": chat,
            "date": int(time.time()),
            **content,
        }
        if reply_to_message_id is not None:
            replied = self._message_json_by_id(cid, reply_to_message_id)
            if replied is not None:
                message["reply_to_message"] = replied
        self._user_messages[(cid, message["message_id"])] = message
        text = content.get("text") or content.get("caption") or ""
        item: dict[str, Any] = {
            "from": "user",
            "message_id": message["message_id"],
            "text": text,
            "kind": "text",
        }
        if "location" in content:
            loc = content["location"]
            item["text"] = f"📍 {loc['latitude']:.5f}, {loc['longitude']:.5f}"
        if "photo" in content:
            item.update(kind="photo", download_url=f"/sandbox/api/file/{content['photo'][-1]['file_id']}")
        self._append_log(cid, item)
        return self.inject_raw_update({"message": message})

    def inject_message(
        self,
        user: FakeUser,
        text: str,
        *,
        chat_id: int | None = None,
        chat_type: str = "private",
        chat_title: str | None = None,
        reply_to_message_id: int | None = None,
    ) -> int:
        """Queue a text message; a leading ``/command`` gets a bot_command entity like Telegram."""
        content: dict[str, Any] = {"text": text}
        match = _COMMAND_RE.match(text)
        if match:
            content["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(match.group(0))}]
        return self._user_message(
            user,
            chat_id=chat_id,
            chat_type=chat_type,
            chat_title=chat_title,
            reply_to_message_id=reply_to_message_id,
            **content,
        )

    def inject_edited_message(self, user: FakeUser, message_id: int, text: str, *, chat_id: int | None = None) -> int:
        """Queue an ``edited_message``: ``user`` changed the text of their own earlier message ``message_id``.
        Like Telegram, the update carries the whole message again (same id and date) with the new text and
        an ``edit_date``."""
        cid = user.id if chat_id is None else chat_id
        original = self._user_messages.get((cid, message_id))
        if original is None or "text" not in original:
            raise KeyError(f"no text message {message_id} from the user in chat {cid}")
        edited: dict[str, Any] = {k: v for k, v in original.items() if k != "entities"}
        edited.update(text=text, edit_date=int(time.time()))
        match = _COMMAND_RE.match(text)
        if match:
            edited["entities"] = [{"type": "bot_command", "offset": 0, "length": _utf16_len(match.group(0))}]
        self._user_messages[(cid, message_id)] = edited
        self._append_log(cid, {"from": "user", "message_id": message_id, "text": text, "kind": "text",
                               "edited": True})
        return self.inject_raw_update({"edited_message": edited})

    def last_user_message_id(self, chat_id: int) -> int | None:
        """Id of the newest message the user sent into ``chat_id`` (what a test edits)."""
        ids = [message_id for (cid, message_id) in self._user_messages if cid == chat_id]
        return max(ids) if ids else None

    def inject_location(self, user: FakeUser, latitude: float, longitude: float) -> int:
        """Queue a location message (what a "share location" button produces)."""
        return self._user_message(user, location={"latitude": latitude, "longitude": longitude})

    def inject_photo(self, user: FakeUser, content: bytes, caption: str | None = None) -> int:
        """Queue a photo message; its bytes are stored so getFile + download works."""
        stored = self._store_file(content, "photos", "jpg", None, "image/jpeg")
        width, height = _png_size(content)
        extra: dict[str, Any] = {"photo": [self._photo_size(stored, width, height)]}
        if caption is not None:
            extra["caption"] = caption
        return self._user_message(user, **extra)

    def inject_document(self, user: FakeUser, content: bytes, file_name: str, *, caption: str | None = None,
                        mime_type: str = "application/octet-stream", chat_id: int | None = None,
                        chat_type: str = "private", chat_title: str | None = None) -> int:
        """Queue a document message (e.g. a CSV/XLSX list); its bytes are stored for getFile. Like
        ``inject_message``, ``chat_id``/``chat_type`` send it into a group instead of the private chat."""
        ext = file_name.rsplit(".", 1)[-1] if "." in file_name else "bin"
        stored = self._store_file(content, "documents", ext, file_name, mime_type)
        extra: dict[str, Any] = {"document": {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
                                              "file_name": file_name, "mime_type": mime_type,
                                              "file_size": len(content)}}
        if caption is not None:
            extra["caption"] = caption
        return self._user_message(user, chat_id=chat_id, chat_type=chat_type, chat_title=chat_title, **extra)

    def inject_callback(self, user: FakeUser, message: SentMessage, data: str) -> int:
        """Queue a button tap on ``message`` (the bot's message, as Telegram would include it)."""
        query_id = f"{self.bot_id}{next(self._callback_ids):08d}"
        self._callbacks[query_id] = False
        self._callback_chats[query_id] = message.chat_id
        label = next((b.get("text") for b in message.buttons() if b.get("callback_data") == data), data)
        tap = {"from": "user", "message_id": message.message_id, "text": str(label), "kind": "tap"}
        self._append_log(message.chat_id, tap)
        return self.inject_raw_update(
            {
                "callback_query": {
                    "id": query_id,
                    "from": user.to_dict(),
                    "message": self._message_json(message),
                    "chat_instance": f"ci{message.chat_id}",
                    "data": data,
                }
            }
        )
