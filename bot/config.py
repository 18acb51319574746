"""The one configuration object of Chung Tay.

Everything the bot needs from its environment is read here, once, by pydantic-settings from the
process environment or a `.env` file. Anything malformed stops start-up with one clear line
(see `load_settings`), so an operator never has to read a traceback to find a typo.
"""

from __future__ import annotations

import re
from functools import cached_property
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, ValidationError, ValidationInfo, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parent.parent
SUPPORTED_LOCALES = ("vi", "en")
_TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{3,}$")
_ZALO_TOKEN_PATTERN = re.compile(r"^\d{3,}:[A-Za-z0-9_-]{3,}$")
WEBHOOK_SECRET_MIN_LENGTH = 32
_SECRET_HINT = (f"use at least {WEBHOOK_SECRET_MIN_LENGTH} characters of A-Z, a-z, 0-9, _ and -, e.g. from "
                "python -c \"import secrets; print(secrets.token_urlsafe(32))\"")


class ConfigError(Exception):
    """A setting is missing or malformed; the message is one line meant for the operator."""


class Settings(BaseSettings):
    """Settings from the environment (or `.env`); field names match the variables, case-insensitive."""

    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    telegram_bot_token: str = Field(default="", description="empty: run the local sandbox")
    telegram_api_base_url: str = Field(default="https://api.telegram.org")
    database_url: str = Field(default=f"sqlite:///{REPO_ROOT / 'data' / 'chungtay.sqlite3'}")
    # The sandbox's own database; DATABASE_URL is never used by the sandbox (bot/sandbox/runner.py).
    sandbox_database_url: str = Field(default=f"sqlite:///{REPO_ROOT / 'data' / 'sandbox.sqlite3'}")
    timezone: str = Field(default="Asia/Ho_Chi_Minh")
    default_locale: str = Field(default="vi")
    webhook_url: str = Field(default="")
    webhook_listen: str = Field(default="0.0.0.0")
    webhook_port: int = Field(default=8443, ge=1, le=65535)
    # validated even when left at its default: an empty secret is refused once WEBHOOK_URL is set
    webhook_secret_token: str = Field(default="", validate_default=True)
    sandbox_port: int = Field(default=8080, ge=1, le=65535)
    invite_ttl_hours: int = Field(default=72, ge=1, le=24 * 90)
    log_level: str = Field(default="INFO")
    # Operations: log line format, and the optional GET /healthz listener (bot/ops/healthz.py; 0 = off).
    log_format: Literal["text", "json"] = Field(default="text")
    health_port: int = Field(default=0, ge=0, le=65535)
    health_listen: str = Field(default="127.0.0.1")
    # The supervisors' dashboard (bot/web/): the public URL the 📊 button opens (empty = off), and where
    # the bot process serves it (behind the same reverse proxy as the webhook).
    dashboard_url: str = Field(default="")
    dashboard_listen: str = Field(default="127.0.0.1")
    dashboard_port: int = Field(default=8081, ge=1, le=65535)
    # first wait before retrying a database that is down at start-up; doubles per try, at most 60 s
    database_retry_base_seconds: float = Field(default=1.0, gt=0, le=60)
    # Zalo as a second channel (bot/zalo/): off while the token is empty. Polling unless a webhook URL is set.
    zalo_bot_token: str = Field(default="")
    zalo_api_base_url: str = Field(default="https://bot-api.zaloplatforms.com/bot")
    zalo_webhook_url: str = Field(default="")
    zalo_webhook_secret: str = Field(default="", validate_default=True)
    zalo_webhook_port: int = Field(default=8444, ge=0, le=65535)  # on WEBHOOK_LISTEN; 0 = any free port (tests)
    # Zalo publishes no rate limit: the outbox sends at most this many Zalo messages a second (and one a
    # second per chat), paced and paused apart from Telegram's.
    zalo_messages_per_second: float = Field(default=5.0, gt=0, le=30)

    @field_validator("database_url", "sandbox_database_url", "log_format", mode="before")
    @classmethod
    def _empty_means_default(cls, value: object, info: ValidationInfo) -> object:
        """`NAME=` (as `.env.example` ships them) means the default: compose.yaml then fills its own value
        (`${LOG_FORMAT:-json}`), and the bot falls back to the same default as when the line is absent."""
        if isinstance(value, str) and not value.strip() and info.field_name is not None:
            return cls.model_fields[info.field_name].default
        return value

    @field_validator("telegram_bot_token")
    @classmethod
    def _token_shape(cls, value: str) -> str:
        value = value.strip()
        if value and not _TOKEN_PATTERN.match(value):
            raise ValueError("expected the form 123456789:ABC-def from @BotFather")
        return value

    @field_validator("zalo_bot_token")
    @classmethod
    def _zalo_token_shape(cls, value: str) -> str:
        value = value.strip()
        if value and not _ZALO_TOKEN_PATTERN.match(value):
            raise ValueError("expected the form bot_id:secret, as the Zalo Bot Manager gives it")
        return value

    @field_validator("zalo_webhook_secret")
    @classmethod
    def _zalo_secret_shape(cls, value: str, info: ValidationInfo) -> str:
        """Zalo sends the secret back in X-Bot-Api-Secret-Token; it is the only proof a webhook call comes
        from Zalo, so a webhook needs one, of the 8-256 characters the platform accepts."""
        value = value.strip()
        if not value:
            if info.data.get("zalo_webhook_url"):
                raise ValueError("required when ZALO_WEBHOOK_URL is set (8-256 characters)")
            return value
        if not 8 <= len(value) <= 256 or not re.fullmatch(r"[A-Za-z0-9_-]+", value):
            raise ValueError("use 8-256 characters of A-Z, a-z, 0-9, _ and -")
        return value

    @field_validator("telegram_api_base_url", "webhook_url", "zalo_api_base_url", "zalo_webhook_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        value = value.strip().rstrip("/")
        if value and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value

    @field_validator("dashboard_url")
    @classmethod
    def _dashboard_url(cls, value: str) -> str:
        """Telegram opens Mini Apps only over HTTPS; plain HTTP is allowed for the local machine alone
        (the sandbox and tests), where no network sees the signed initData."""
        value = value.strip()
        if not value:
            return value
        if not value.endswith("/"):
            value += "/"
        if value.startswith("https://") or re.match(r"^http://(127\.0\.0\.1|localhost)(:\d+)?/", value):
            return value
        raise ValueError("must be an https:// URL (or http://127.0.0.1… for local testing)")

    @field_validator("database_url", "sandbox_database_url")
    @classmethod
    def _database_url(cls, value: str) -> str:
        value = value.strip()
        if value.startswith("postgres://"):
            value = "postgresql://" + value.removeprefix("postgres://")
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value.removeprefix("postgresql://")
        if not value.startswith(("sqlite://", "postgresql+psycopg://")):
            raise ValueError("must be a sqlite:/// path or a postgresql:// URL")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}") from exc
        return value

    @field_validator("default_locale")
    @classmethod
    def _supported_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("webhook_secret_token")
    @classmethod
    def _secret_shape(cls, value: str, info: ValidationInfo) -> str:
        """Telegram ids are not secret, so a webhook that accepts any POST lets anyone forge updates as
        any user (a supervisor voiding records). The secret is the only proof a call comes from Telegram:
        required with a webhook, long enough not to be guessed, and in Telegram's alphabet (1-256 of
        A-Z a-z 0-9 _ -) so that setWebhook accepts it."""
        value = value.strip()
        if not value:
            if info.data.get("webhook_url"):
                raise ValueError(f"required when WEBHOOK_URL is set; {_SECRET_HINT}")
            return value
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", value):
            raise ValueError(f"only A-Z, a-z, 0-9, _ and - are allowed, at most 256 (Telegram's rule); {_SECRET_HINT}")
        if len(value) < WEBHOOK_SECRET_MIN_LENGTH:
            raise ValueError(f"too short to be secret; {_SECRET_HINT}")
        return value

    @cached_property
    def tz(self) -> ZoneInfo:
        """The local time zone used for display and schedules (data is stored in UTC)."""
        return ZoneInfo(self.timezone)

    @property
    def is_sandbox(self) -> bool:
        """No token: run against the in-repo fake Bot API so anyone can try the bot."""
        return not self.telegram_bot_token

    @property
    def uses_webhook(self) -> bool:
        return bool(self.webhook_url)

    @property
    def zalo_enabled(self) -> bool:
        """Zalo runs beside Telegram only when a Zalo token is configured."""
        return bool(self.zalo_bot_token)

    @property
    def zalo_uses_webhook(self) -> bool:
        return bool(self.zalo_webhook_url)

    @property
    def dashboard_enabled(self) -> bool:
        return bool(self.dashboard_url)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def load_settings(**overrides: object) -> Settings:
    """Read settings, turning pydantic's report into one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']).upper() or 'settings'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ConfigError(f"Invalid configuration: {problems}") from None
