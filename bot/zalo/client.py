"""A minimal client of the Zalo Bot API: POST JSON to `<base><token>/<method>`, answers
`{"ok", "result", "error_code", "description"}`.

Our own, over httpx, because the Zalo Bot Platform's contract is small and the only maintained clients
are unofficial personal-account libraries, which the platform does not allow for bots.
"""

from __future__ import annotations

import logging
from typing import Any

import httpx

log = logging.getLogger(__name__)
TEXT_LIMIT = 2000
"""sendMessage text and sendPhoto captions: 1-2000 characters."""


class ZaloApiError(Exception):
    """Zalo answered `ok: false` (or not JSON); `error_code` is Zalo's, e.g. 408 for an empty long poll."""

    def __init__(self, error_code: int, description: str) -> None:
        super().__init__(f"{error_code}: {description}")
        self.error_code = error_code
        self.description = description


class ZaloClient:
    """One bot's calls to the Zalo Bot API. The token is part of the URL, so URLs are never logged."""

    def __init__(self, token: str, *, base_url: str, timeout: float = 20.0) -> None:
        self._endpoint = f"{base_url.rstrip('/')}{token}"
        self._http = httpx.AsyncClient(timeout=timeout)

    async def call(self, method: str, payload: dict[str, Any] | None = None, *, timeout: float | None = None,
                   ) -> Any:
        """Call `method`, returning its result or raising ZaloApiError."""
        try:
            response = await self._http.post(f"{self._endpoint}/{method}", json=payload or {},
                                              timeout=timeout if timeout is not None else httpx.USE_CLIENT_DEFAULT)
        except httpx.TransportError as exc:  # the token is in the URL: name only the method
            raise ZaloApiError(503, f"{method}: network error ({type(exc).__name__})") from None
        try:
            body = response.json()
        except ValueError:
            raise ZaloApiError(response.status_code, f"{method}: answer is not JSON") from None
        if not isinstance(body, dict) or not body.get("ok"):
            code = body.get("error_code", response.status_code) if isinstance(body, dict) else response.status_code
            description = body.get("description", "") if isinstance(body, dict) else ""
            raise ZaloApiError(int(code), str(description))
        return body.get("result")

    async def get_me(self) -> dict[str, Any]:
        result = await self.call("getMe")
        return result if isinstance(result, dict) else {}

    async def get_update(self, *, timeout: int) -> dict[str, Any] | None:
        """One long poll: the next update, or None when none came within `timeout` seconds."""
        try:
            result = await self.call("getUpdates", {"timeout": str(timeout)}, timeout=timeout + 10)
        except ZaloApiError as exc:
            if exc.error_code == 408 or "timeout" in exc.description.lower():  # "Request timeout": none came
                return None
            raise
        return result if isinstance(result, dict) and result else None

    async def set_webhook(self, url: str, secret_token: str) -> None:
        await self.call("setWebhook", {"url": url, "secret_token": secret_token})

    async def delete_webhook(self) -> None:
        await self.call("deleteWebhook")

    async def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        result = await self.call("sendMessage", {"chat_id": chat_id, "text": text})
        return result if isinstance(result, dict) else {}

    async def send_photo(self, chat_id: str, photo_url: str, caption: str | None = None) -> dict[str, Any]:
        payload: dict[str, Any] = {"chat_id": chat_id, "photo": photo_url}
        if caption:
            payload["caption"] = caption
        result = await self.call("sendPhoto", payload)
        return result if isinstance(result, dict) else {}

    async def send_chat_action(self, chat_id: str, action: str = "typing") -> None:
        await self.call("sendChatAction", {"chat_id": chat_id, "action": action})

    async def close(self) -> None:
        await self._http.aclose()
