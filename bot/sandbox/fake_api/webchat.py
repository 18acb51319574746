"""The sandbox's control API behind the web chat page: personas, sending as a persona, taps, locations,
photos, the chat log and files.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from aiohttp import web

from bot.sandbox.fake_api.controls import _ControlsMixin
from bot.sandbox.fake_api.models import (
    SANDBOX_POLL_SECONDS,
    WEBCHAT_HTML,
    FakeUser,
)
from bot.sandbox.fake_api.zalo import FakeZalo, ZaloSent
from bot.web.initdata import sign

ZALO = "zalo"


class _WebChatMixin(_ControlsMixin):
    """The /sandbox/api/* endpoints and the page itself."""

    zalo: FakeZalo | None = None

    # ------------------------------------------------------------------ Zalo personas

    def attach_zalo(self, zalo: FakeZalo) -> None:
        """Personas whose channel is Zalo talk through `zalo`: what they type goes to it, what the bot sends
        them there shows in this page's chat log like a Telegram message (text only, no buttons)."""
        self.zalo = zalo
        zalo.on_sent = self._zalo_sent

    def _zalo_persona(self, user_id: Any) -> dict[str, Any] | None:
        persona = next((p for p in self.personas if str(p.get("id")) == str(user_id)), None)
        return persona if persona is not None and persona.get("channel") == ZALO and self.zalo else None

    def _zalo_sent(self, zalo_id: str, sent: ZaloSent) -> None:
        persona = next((p for p in self.personas if p.get("channel") == ZALO and p.get("zalo_id") == zalo_id), None)
        if persona is None:
            return
        chat_id = int(persona["id"])
        self._append_log(chat_id, {"from": "bot", "message_id": self._next_message_id(chat_id), "text": sent.text,
                                   "buttons": [], "kind": "photo" if sent.photo else "text",
                                   "download_url": sent.photo})

    def _zalo_input(self, persona: dict[str, Any], text: str, event: str = "message.text.received") -> str:
        """The persona types `text` on Zalo (or sends what Zalo calls `event`); logged for the page."""
        assert self.zalo is not None
        chat_id = int(persona["id"])
        self._append_log(chat_id, {"from": "user", "message_id": self._next_message_id(chat_id), "text": text,
                                   "kind": "text"})
        zalo_id = str(persona["zalo_id"])
        if event == "message.text.received":
            return self.zalo.inject_text(zalo_id, text, name=str(persona.get("first_name") or ""))
        return self.zalo.inject_event(zalo_id, event)

    # ------------------------------------------------------------------ sandbox control API

    def _persona_user(self, user_id: Any) -> FakeUser:
        for persona in self.personas:
            if str(persona.get("id")) == str(user_id):
                return FakeUser(
                    id=int(persona["id"]),
                    first_name=str(persona.get("first_name") or persona.get("label") or persona["id"]),
                    last_name=persona.get("last_name"),
                    username=persona.get("username"),
                    language_code=persona.get("language_code", "vi"),
                )
        raise web.HTTPNotFound(
            text=json.dumps({"error": f"unknown persona {user_id}"}), content_type="application/json"
        )

    @staticmethod
    async def _json_body(request: web.Request) -> dict[str, Any]:
        try:
            body = await request.json()
        except ValueError:
            raise web.HTTPBadRequest(
                text='{"error": "JSON body expected"}', content_type="application/json"
            ) from None
        if not isinstance(body, dict):
            raise web.HTTPBadRequest(
                text='{"error": "JSON object expected"}', content_type="application/json"
            )
        return body

    async def _sb_index(self, request: web.Request) -> web.StreamResponse:
        return web.Response(body=WEBCHAT_HTML.read_bytes(), content_type="text/html", charset="utf-8")

    async def _sb_webapp(self, request: web.Request) -> web.StreamResponse:
        """The initData Telegram would hand a Mini App opened by this persona, signed with the bot's token,
        as the real Telegram does (the dashboard checks it exactly as it checks Telegram's)."""
        user = self._persona_user(request.query.get("user_id"))
        if not self.webapp_token:
            raise web.HTTPNotFound(text='{"error": "no Mini App here"}', content_type="application/json")
        profile: dict[str, Any] = {"id": user.id, "first_name": user.first_name,
                                   "language_code": user.language_code or "vi"}
        signed = sign(self.webapp_token, user=profile, auth_date=datetime.now(UTC))
        return web.json_response({"init_data": signed})

    async def _sb_personas(self, request: web.Request) -> web.StreamResponse:
        return web.json_response(self.personas)

    async def _sb_send(self, request: web.Request) -> web.StreamResponse:
        body = await self._json_body(request)
        text = str(body.get("text") or "")
        if not text.strip():
            raise web.HTTPBadRequest(text='{"error": "empty text"}', content_type="application/json")
        zalo_persona = self._zalo_persona(body.get("user_id"))
        if zalo_persona is not None:
            return web.json_response({"delivery": self._zalo_input(zalo_persona, text)})
        update_id = self.inject_message(self._persona_user(body.get("user_id")), text)
        return web.json_response({"update_id": update_id})

    async def _sb_tap(self, request: web.Request) -> web.StreamResponse:
        body = await self._json_body(request)
        user = self._persona_user(body.get("user_id"))
        message = self.find_message(user.id, int(body.get("message_id") or 0))
        if message is None:
            raise web.HTTPNotFound(text='{"error": "unknown message"}', content_type="application/json")
        return web.json_response(
            {"update_id": self.inject_callback(user, message, str(body.get("data") or ""))}
        )

    async def _sb_location(self, request: web.Request) -> web.StreamResponse:
        body = await self._json_body(request)
        zalo_persona = self._zalo_persona(body.get("user_id"))
        if zalo_persona is not None:  # Zalo's bots receive no locations: the bot hears "unsupported"
            delivery = self._zalo_input(zalo_persona, "📍", "message.unsupported.received")
            return web.json_response({"delivery": delivery})
        user = self._persona_user(body.get("user_id"))
        update_id = self.inject_location(user, float(body["latitude"]), float(body["longitude"]))
        return web.json_response({"update_id": update_id})

    async def _sb_photo(self, request: web.Request) -> web.StreamResponse:
        zalo_persona = self._zalo_persona(request.query.get("user_id"))
        if zalo_persona is not None:
            await request.read()
            return web.json_response({"delivery": self._zalo_input(zalo_persona, "📷", "message.image.received")})
        user = self._persona_user(request.query.get("user_id"))
        content = await request.read()
        if not content:
            raise web.HTTPBadRequest(text='{"error": "empty photo"}', content_type="application/json")
        update_id = self.inject_photo(user, content, request.query.get("caption") or None)
        return web.json_response({"update_id": update_id})

    def _items_since(self, chat_id: int, since: int) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        for item in reversed(self._log):
            if item["seq"] <= since:
                break
            if item["chat_id"] == chat_id:
                items.append(item)
        items.reverse()
        return items

    async def _sb_messages(self, request: web.Request) -> web.StreamResponse:
        """Chat log since a cursor; long-polls (up to 25 s) when there is nothing new."""
        try:
            chat_id = int(request.query["chat_id"])
            since = int(request.query.get("since", "0"))
            wait = min(float(request.query.get("wait", SANDBOX_POLL_SECONDS)), SANDBOX_POLL_SECONDS)
        except (KeyError, ValueError):
            raise web.HTTPBadRequest(text='{"error": "chat_id and since must be integers"}') from None
        await self.message_events.wait_for(
            lambda: self._stopping or bool(self._items_since(chat_id, since)), wait
        )
        items = self._items_since(chat_id, since)
        cursor = self._log[-1]["seq"] if self._log else 0
        return web.json_response({"cursor": max(cursor, since), "items": items})

    async def _sb_file(self, request: web.Request) -> web.StreamResponse:
        stored = self._files.get(request.match_info["file_id"])
        if stored is None:
            raise web.HTTPNotFound()
        headers = {}
        if stored.file_name:
            disposition = "attachment" if not (stored.mime_type or "").startswith("image/") else "inline"
            headers["Content-Disposition"] = f"{disposition}; filename*=UTF-8''{quote(stored.file_name)}"
        return web.Response(
            body=stored.content, content_type=stored.mime_type or "application/octet-stream", headers=headers
        )
