"""The Bot API methods the fake answers (getUpdates, sendMessage, editMessageText, answerCallbackQuery,
setWebhook, ...), with Telegram's shapes and error texts.
"""

from __future__ import annotations

import itertools
import json
import mimetypes
import re
from pathlib import Path
from typing import Any

from bot.sandbox.fake_api.core import _FakeCore
from bot.sandbox.fake_api.models import (
    _BLOCKED,
    _NOT_MODIFIED,
    MAX_CAPTION_LEN,
    MAX_TEXT_LEN,
    SentMessage,
    TelegramApiError,
    Upload,
)
from bot.sandbox.fake_api.parsing import (
    _as_bool,
    _as_int,
    _check_markup,
    _render,
    _utf16_len,
)


class _BotApiMixin(_FakeCore):
    """One `_m_<method>` coroutine per Bot API method; `FakeTelegram.__init__` maps the names to them."""

    # ------------------------------------------------------------------ Bot API: handlers
    # Each handler takes the decoded params and returns the ``result`` value,
    # or raises TelegramApiError.

    async def _m_getMe(self, params: dict[str, Any]) -> Any:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    async def _m_getUpdates(self, params: dict[str, Any]) -> Any:
        if self._webhook.get("url"):
            raise TelegramApiError(
                409,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = _as_int(params, "offset", 0) or 0
        limit = max(1, min(100, _as_int(params, "limit", 100) or 100))
        timeout = max(0, _as_int(params, "timeout", 0) or 0)
        if offset < 0:
            keep = list(self._pending)[offset:]
            offset = int(keep[0]["update_id"]) if keep else self._confirmed_below
        if offset > 0:
            self._confirm_below(offset)
        if timeout:
            await self.message_events.wait_for(lambda: bool(self._pending) or self._stopping, timeout)
        return list(itertools.islice(self._pending, limit)) if not self._stopping else []

    def _confirm_below(self, offset: int) -> None:
        """An offset confirms (and forgets) every update with a lower id."""
        while self._pending and int(self._pending[0]["update_id"]) < offset:
            self._pending.popleft()
        if offset > self._confirmed_below:
            self._confirmed_below = offset
            self.message_events.notify()

    def _target(self, params: dict[str, Any]) -> int:
        chat_id = _as_int(params, "chat_id")
        if chat_id is None:
            raise TelegramApiError(400, "Bad Request: chat_id is empty")
        return chat_id

    def _check_send_allowed(self, chat_id: int) -> None:
        if chat_id in self._blocked:
            raise TelegramApiError(403, _BLOCKED)
        self._check_rate()

    def _new_sent(self, chat_id: int, **kwargs: Any) -> SentMessage:
        sent = SentMessage(chat_id=chat_id, message_id=self._next_message_id(chat_id), **kwargs)
        self.messages.setdefault(chat_id, []).append(sent)
        self._log_bot_message(sent)
        return sent

    async def _m_sendMessage(self, params: dict[str, Any]) -> Any:
        chat_id = self._target(params)
        self._check_send_allowed(chat_id)
        raw = str(params.get("text") or "")
        parse_mode = params.get("parse_mode") or None
        text, entities = _render(raw, parse_mode)
        if not text.strip():
            raise TelegramApiError(400, "Bad Request: message text is empty")
        if _utf16_len(text) > MAX_TEXT_LEN:
            raise TelegramApiError(400, "Bad Request: message is too long")
        markup = _check_markup(params.get("reply_markup"))
        sent = self._new_sent(
            chat_id, text=text, raw_text=raw, parse_mode=parse_mode, reply_markup=markup, kind="text",
            caption=None, file_name=None, file_bytes=None, entities=entities,
        )  # fmt: skip
        return self._message_json(sent)

    async def _send_file(self, params: dict[str, Any], kind: str) -> Any:
        chat_id = self._target(params)
        self._check_send_allowed(chat_id)
        raw_caption = params.get("caption")
        parse_mode = params.get("parse_mode") or None
        caption: str | None = None
        if raw_caption:
            caption = _render(str(raw_caption), parse_mode)[0]
            if _utf16_len(caption) > MAX_CAPTION_LEN:
                raise TelegramApiError(400, "Bad Request: message caption is too long")
        value = params.get(kind)
        if isinstance(value, Upload):
            content = value.content
            folder, default_ext = ("photos", "jpg") if kind == "photo" else ("documents", "bin")
            name = value.filename if kind == "document" else None
            ext = (
                (Path(value.filename or "").suffix.lstrip(".") or default_ext)
                if kind == "document"
                else "jpg"
            )
            mime = value.content_type if value.content_type != "application/octet-stream" else None
            mime = (
                mime
                or (mimetypes.guess_type(name or "")[0] if name else None)
                or ("image/jpeg" if kind == "photo" else "application/octet-stream")
            )
            stored = self._store_file(content, folder, ext, name, mime)
        elif isinstance(value, str) and value in self._files:
            stored = self._files[value]
        else:
            raise TelegramApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")
        markup = _check_markup(params.get("reply_markup"))
        sent = self._new_sent(
            chat_id, text=caption or "", raw_text=str(raw_caption or ""), parse_mode=parse_mode,
            reply_markup=markup, kind=kind, caption=caption, file_name=stored.file_name,
            file_bytes=stored.content, file_id=stored.file_id,
        )  # fmt: skip
        return self._message_json(sent)

    async def _m_sendDocument(self, params: dict[str, Any]) -> Any:
        return await self._send_file(params, "document")

    async def _m_sendPhoto(self, params: dict[str, Any]) -> Any:
        return await self._send_file(params, "photo")

    def _editable(self, params: dict[str, Any]) -> SentMessage:
        if params.get("inline_message_id"):
            raise TelegramApiError(400, "Bad Request: inline messages are not supported by FakeTelegram")
        chat_id = self._target(params)
        sent = self.find_message(chat_id, _as_int(params, "message_id") or 0)
        if sent is None or sent.deleted:
            raise TelegramApiError(400, "Bad Request: message to edit not found")
        return sent

    def _apply_edit(self, sent: SentMessage, changed: bool) -> Any:
        if not changed:
            raise TelegramApiError(400, _NOT_MODIFIED)
        sent.edits += 1
        self._log_bot_message(sent)
        return self._message_json(sent)

    async def _m_editMessageText(self, params: dict[str, Any]) -> Any:
        sent = self._editable(params)
        if sent.kind != "text":
            raise TelegramApiError(400, "Bad Request: there is no text in the message to edit")
        raw = str(params.get("text") or "")
        parse_mode = params.get("parse_mode") or None
        text, entities = _render(raw, parse_mode)
        if not text.strip():
            raise TelegramApiError(400, "Bad Request: message text is empty")
        if _utf16_len(text) > MAX_TEXT_LEN:
            raise TelegramApiError(400, "Bad Request: message is too long")
        # Like Telegram: omitting reply_markup on an edit removes the inline keyboard.
        markup = _check_markup(params.get("reply_markup"))
        changed = (text, entities, markup) != (sent.text, sent.entities, sent.reply_markup)
        if changed:
            sent.text, sent.raw_text, sent.parse_mode, sent.entities = text, raw, parse_mode, entities
            sent.reply_markup = markup
        return self._apply_edit(sent, changed)

    async def _m_editMessageReplyMarkup(self, params: dict[str, Any]) -> Any:
        sent = self._editable(params)
        markup = _check_markup(params.get("reply_markup"))
        changed = markup != sent.reply_markup
        sent.reply_markup = markup
        return self._apply_edit(sent, changed)

    async def _m_editMessageCaption(self, params: dict[str, Any]) -> Any:
        sent = self._editable(params)
        if sent.kind == "text":
            raise TelegramApiError(400, "Bad Request: there is no caption in the message to edit")
        raw = str(params.get("caption") or "")
        parse_mode = params.get("parse_mode") or None
        caption = _render(raw, parse_mode)[0] if raw else None
        markup = _check_markup(params.get("reply_markup"))
        changed = (caption, markup) != (sent.caption, sent.reply_markup)
        if changed:
            sent.caption, sent.text, sent.raw_text, sent.parse_mode = caption, caption or "", raw, parse_mode
            sent.reply_markup = markup
        return self._apply_edit(sent, changed)

    async def _m_deleteMessage(self, params: dict[str, Any]) -> Any:
        chat_id = self._target(params)
        message_id = _as_int(params, "message_id") or 0
        sent = self.find_message(chat_id, message_id)
        if sent is not None and not sent.deleted:
            sent.deleted = True
        elif self._user_messages.pop((chat_id, message_id), None) is None:
            raise TelegramApiError(400, "Bad Request: message to delete not found")
        self._append_log(chat_id, {"from": "bot", "message_id": message_id, "kind": "deleted", "text": ""})
        return True

    async def _m_answerCallbackQuery(self, params: dict[str, Any]) -> Any:
        query_id = str(params.get("callback_query_id") or "")
        if self._callbacks.get(query_id, True):
            raise TelegramApiError(
                400, "Bad Request: query is too old and response timeout expired or query ID is invalid"
            )
        self._callbacks[query_id] = True
        answer = {k: params.get(k) for k in ("callback_query_id", "text", "show_alert", "url")}
        self.callback_answers.append(answer)
        if params.get("text"):
            chat = self._callback_chats.get(query_id)
            if chat is not None:
                self._append_log(
                    chat, {"from": "bot", "message_id": None, "kind": "toast", "text": str(params["text"])}
                )
        return True

    async def _m_sendChatAction(self, params: dict[str, Any]) -> Any:
        chat_id = self._target(params)
        self._check_send_allowed(chat_id)
        self.chat_actions.append((chat_id, str(params.get("action") or "")))
        return True

    async def _m_getFile(self, params: dict[str, Any]) -> Any:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise TelegramApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
            "file_path": stored.file_path,
        }

    @staticmethod
    def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
        scope = params.get("scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(params.get("language_code") or "")

    async def _m_setMyCommands(self, params: dict[str, Any]) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise TelegramApiError(400, "Bad Request: can't parse commands JSON object")
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise TelegramApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise TelegramApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = commands
        return True

    async def _m_getMyCommands(self, params: dict[str, Any]) -> Any:
        return self.commands.get(self._commands_key(params), [])

    async def _m_deleteMyCommands(self, params: dict[str, Any]) -> Any:
        self.commands.pop(self._commands_key(params), None)
        return True

    async def _m_setChatMenuButton(self, params: dict[str, Any]) -> Any:
        self.menu_buttons[_as_int(params, "chat_id")] = params.get("menu_button") or {"type": "default"}
        return True

    async def _m_getChatMenuButton(self, params: dict[str, Any]) -> Any:
        return self.menu_buttons.get(_as_int(params, "chat_id"), {"type": "commands"})

    async def _m_setMyDescription(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_setMyShortDescription(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_setMyName(self, params: dict[str, Any]) -> Any:
        return True

    def _drop_pending(self) -> None:
        self._dropped.update(int(u["update_id"]) for u in self._pending)
        self._pending.clear()
        self.message_events.notify()

    async def _m_setWebhook(self, params: dict[str, Any]) -> Any:
        url = str(params.get("url") or "")
        if not url:
            return await self._m_deleteWebhook(params)
        if not url.startswith(("http://", "https://")):
            raise TelegramApiError(400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
        if _as_bool(params, "drop_pending_updates"):
            self._drop_pending()
        self._webhook = {
            "url": url,
            "secret_token": params.get("secret_token") or None,
            "max_connections": _as_int(params, "max_connections", 40),
            "allowed_updates": params.get("allowed_updates"),
        }
        self.message_events.notify()
        return True

    async def _m_deleteWebhook(self, params: dict[str, Any]) -> Any:
        if _as_bool(params, "drop_pending_updates"):
            self._drop_pending()
        self._webhook = {}
        self.message_events.notify()
        return True

    async def _m_getWebhookInfo(self, params: dict[str, Any]) -> Any:
        info: dict[str, Any] = {
            "url": self._webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._pending),
        }
        if self._webhook.get("url"):
            info["max_connections"] = self._webhook.get("max_connections") or 40
            if self._webhook.get("allowed_updates") is not None:
                info["allowed_updates"] = self._webhook["allowed_updates"]
            if self._webhook.get("last_error_date"):
                info["last_error_date"] = self._webhook["last_error_date"]
                info["last_error_message"] = self._webhook["last_error_message"]
        return info

    async def _m_close(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_logOut(self, params: dict[str, Any]) -> Any:
        return True

    async def _m_getChat(self, params: dict[str, Any]) -> Any:
        chat = self._chat_json(self._target(params))
        # ChatFullInfo fields PTB 22 requires.
        chat.update(
            accent_color_id=0,
            max_reaction_count=11,
            accepted_gift_types={
                "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                "premium_subscription": False, "gifts_from_channels": False,
            },
        )  # fmt: skip
        return chat
