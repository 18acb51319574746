"""Telegram Mini App `initData`: checking its signature, and signing it (the sandbox and tests).

Telegram hands the page a query string (user, auth_date, hash, …) signed with the bot's token: the
secret key is HMAC-SHA256 of the token with the key "WebAppData", and `hash` is HMAC-SHA256 of the
"data-check-string" (every other field as key=value, sorted by key, joined by newlines) with that
secret. Only the bot (and Telegram) can make it, so a valid `initData` proves which Telegram user
opened the page. An old one is refused (MAX_AGE): a leaked URL must not work forever.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from urllib.parse import parse_qsl, urlencode

MAX_AGE = timedelta(hours=1)
FUTURE_SLACK = timedelta(minutes=5)  # clocks differ a little between Telegram and us


class InvalidInitData(Exception):
    """The initData is missing, malformed, forged or too old; `reason` says which (for the log)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class WebAppUser:
    telegram_id: int
    language_code: str | None


def _secret(token: str) -> bytes:
    return hmac.new(b"WebAppData", token.encode(), hashlib.sha256).digest()


def _check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{key}={fields[key]}" for key in sorted(fields))


def sign(token: str, *, user: dict[str, object], auth_date: datetime, extra: dict[str, str] | None = None) -> str:
    """initData as Telegram would make it for `user` (the sandbox's fake Telegram and the tests)."""
    fields = {"user": json.dumps(user, separators=(",", ":"), ensure_ascii=False),
              "auth_date": str(int(auth_date.timestamp())), **(extra or {})}
    fields["hash"] = hmac.new(_secret(token), _check_string(fields).encode(), hashlib.sha256).hexdigest()
    return urlencode(fields)


def validate(init_data: str, *, token: str, now: datetime, max_age: timedelta = MAX_AGE) -> WebAppUser:
    """The user `init_data` was signed for; raises InvalidInitData otherwise."""
    if not init_data or not token:
        raise InvalidInitData("missing")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise InvalidInitData("malformed") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise InvalidInitData("malformed")
    received = fields.pop("hash", "")
    expected = hmac.new(_secret(token), _check_string(fields).encode(), hashlib.sha256).hexdigest()
    if not hmac.compare_digest(received.encode(), expected.encode()):
        raise InvalidInitData("signature")
    try:
        signed_at = datetime.fromtimestamp(int(fields["auth_date"]), tz=now.tzinfo)
        user = json.loads(fields["user"])
        telegram_id = int(user["id"])
    except (KeyError, ValueError, TypeError):
        raise InvalidInitData("malformed") from None
    if signed_at < now - max_age or signed_at > now + FUTURE_SLACK:
        raise InvalidInitData("expired")
    language = user.get("language_code")
    return WebAppUser(telegram_id=telegram_id, language_code=language if isinstance(language, str) else None)
