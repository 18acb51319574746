"""Settings: defaults, normalisation, and one clear line for each malformed variable."""

from __future__ import annotations

import subprocess
import sys

import pytest

from bot.config import ConfigError, load_settings
from tests.support.databases import REPO


def test_defaults_run_the_sandbox_on_sqlite() -> None:
    settings = load_settings(_env_file=None)
    assert settings.is_sandbox and settings.is_sqlite and not settings.uses_webhook
    assert settings.timezone == "Asia/Ho_Chi_Minh" and settings.default_locale == "vi"
    assert settings.telegram_api_base_url.startswith("https://")


def test_postgres_urls_are_normalised_to_psycopg() -> None:
    settings = load_settings(_env_file=None, database_url="postgres://u:p@db/chungtay")
    assert settings.database_url == "postgresql+psycopg://u:p@db/chungtay"


@pytest.mark.parametrize(("field", "value", "fragment"), [
    ("telegram_bot_token", "not-a-token", "TELEGRAM_BOT_TOKEN"),
    ("database_url", "mysql://x", "DATABASE_URL"),
    ("timezone", "Mars/Olympus", "TIMEZONE"),
    ("default_locale", "fr", "DEFAULT_LOCALE"),
    ("webhook_url", "ftp://example", "WEBHOOK_URL"),
    ("webhook_secret_token", "has spaces", "WEBHOOK_SECRET_TOKEN"),
    ("webhook_secret_token", "a" * 31, "WEBHOOK_SECRET_TOKEN"),
    ("webhook_secret_token", "a" * 40 + "!", "WEBHOOK_SECRET_TOKEN"),
    ("webhook_secret_token", "a" * 257, "WEBHOOK_SECRET_TOKEN"),
])
def test_malformed_setting_is_one_line_naming_the_variable(field: str, value: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None, **{field: value})
    message = str(caught.value)
    assert fragment in message and "\n" not in message


def test_start_up_with_a_bad_setting_stops_with_one_line(tmp_path: object) -> None:
    result = subprocess.run([sys.executable, "-m", "bot"], cwd=REPO, capture_output=True, text=True, timeout=60,
                            env={"PATH": "/usr/bin:/bin", "TIMEZONE": "Nowhere/Land"})
    assert result.returncode == 2
    assert result.stderr.strip().count("\n") == 0
    assert "TIMEZONE" in result.stderr


GOOD_SECRET = "Zr3hX_o2-kq9VbT1mWc7yLs0aPd4nEfGuJ8iKx5tQwY"  # secrets.token_urlsafe(32) shape: 43 chars


def test_a_webhook_without_a_secret_is_refused_naming_the_variable() -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None, webhook_url="https://bot.example.org/hook")
    message = str(caught.value)
    assert "WEBHOOK_SECRET_TOKEN" in message and "\n" not in message
    assert "at least 32 characters" in message and "secrets.token_urlsafe(32)" in message
    assert GOOD_SECRET not in message


def test_a_secret_is_optional_only_without_a_webhook_and_shown_nowhere() -> None:
    assert load_settings(_env_file=None).webhook_secret_token == ""
    settings = load_settings(_env_file=None, webhook_url="https://bot.example.org/hook",
                             webhook_secret_token=GOOD_SECRET)
    assert settings.uses_webhook and settings.webhook_secret_token == GOOD_SECRET
    assert load_settings(_env_file=None, webhook_secret_token="a" * 256).webhook_secret_token == "a" * 256
    with pytest.raises(ConfigError) as caught:
        load_settings(_env_file=None, webhook_url="https://bot.example.org/hook", webhook_secret_token="x" * 20)
    assert "x" * 20 not in str(caught.value), "the rejected secret is not echoed into logs"


def test_start_up_in_webhook_mode_without_a_secret_is_refused(tmp_path: object) -> None:
    env = {"PATH": "/usr/bin:/bin", "TELEGRAM_BOT_TOKEN": "123456789:TEST-token-for-the-fake-api",
           "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9", "WEBHOOK_URL": "https://bot.example.org/hook",
           "WEBHOOK_LISTEN": "127.0.0.1", "DATABASE_URL": "sqlite:///nonexistent-dir/never-created.sqlite3"}
    result = subprocess.run([sys.executable, "-m", "bot"], cwd=REPO, capture_output=True, text=True, timeout=60,
                            env=env)
    assert result.returncode == 2
    assert result.stdout == "" and result.stderr.strip().count("\n") == 0
    assert "WEBHOOK_SECRET_TOKEN" in result.stderr and "secrets.token_urlsafe(32)" in result.stderr
    assert "Traceback" not in result.stderr

def test_env_example_lists_every_setting_and_loads() -> None:
    """`.env.example` is where a newcomer learns the settings: every field is there, and the file as shipped
    (copied to .env) loads."""
    from bot.config import Settings

    example = REPO / ".env.example"
    names = {line.split("=", 1)[0] for line in example.read_text(encoding="utf-8").splitlines()
             if line and not line.startswith("#") and "=" in line}
    settings = {field.upper() for field in Settings.model_fields}
    assert settings <= names
    assert names - settings == {"POSTGRES_PASSWORD"}, "only compose.yaml's database password is not a bot setting"
    assert load_settings(_env_file=example).is_sandbox
