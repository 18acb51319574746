"""Telegram Mini App initData: the signature Telegram documents, the age limit, and the settings."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl

import pytest

from bot.config import ConfigError, load_settings
from bot.web.initdata import InvalidInitData, sign, validate

TOKEN = "123456789:TEST-token-for-the-fake-api"
NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


def test_the_signature_follows_telegrams_recipe() -> None:
    """Computed independently: secret = HMAC_SHA256(key="WebAppData", token); hash over the sorted lines."""
    signed = sign(TOKEN, user={"id": 42}, auth_date=NOW, extra={"query_id": "AAE"})
    fields = dict(parse_qsl(signed))
    received = fields.pop("hash")
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    check = "\n".join(f"{k}={fields[k]}" for k in sorted(fields))
    assert received == hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    assert validate(signed, token=TOKEN, now=NOW).telegram_id == 42


@pytest.mark.parametrize("forge", [
    lambda s: s.replace("%22id%22%3A42", "%22id%22%3A43"),  # another user
    lambda s: s + "&extra=1",  # a field added after signing
    lambda s: s.split("&hash=")[0],  # no hash
    lambda s: "",
    lambda s: "%%%",
])
def test_changed_or_missing_data_is_refused(forge: object) -> None:
    signed = sign(TOKEN, user={"id": 42}, auth_date=NOW)
    with pytest.raises(InvalidInitData):
        validate(forge(signed), token=TOKEN, now=NOW)  # type: ignore[operator]


def test_another_bots_token_and_old_data_are_refused() -> None:
    with pytest.raises(InvalidInitData, match="signature"):
        validate(sign("987654321:OTHER-token", user={"id": 42}, auth_date=NOW), token=TOKEN, now=NOW)
    old = sign(TOKEN, user={"id": 42}, auth_date=NOW - timedelta(hours=1, seconds=1))
    with pytest.raises(InvalidInitData, match="expired"):
        validate(old, token=TOKEN, now=NOW)
    assert validate(sign(TOKEN, user={"id": 42}, auth_date=NOW - timedelta(minutes=59)), token=TOKEN, now=NOW)


def test_dashboard_url_is_https_or_local() -> None:
    assert load_settings(_env_file=None, dashboard_url="https://bot.example.vn/dash").dashboard_url == \
        "https://bot.example.vn/dash/"
    assert load_settings(_env_file=None, dashboard_url="http://127.0.0.1:8081").dashboard_enabled
    assert not load_settings(_env_file=None).dashboard_enabled
    with pytest.raises(ConfigError, match="DASHBOARD_URL"):
        load_settings(_env_file=None, dashboard_url="http://bot.example.vn/")
