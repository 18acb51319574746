"""Operations end to end: `chungtay check` against the fake Bot API, GET /healthz of a bot running in
webhook mode, and the per-update log line (no personal data)."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator, Callable
from datetime import timedelta

import aiohttp
import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text
from sqlmodel import Session

from bot.cli import main
from bot.config import Settings
from bot.ops.log_format import JsonFormatter
from bot.sandbox.fake_api import FakeTelegram
from db.migrate import alembic_config
from db.models import DigestSchedule, OutboxMessage, utcnow
from db.queries import get_unit_by_code
from tests.conftest import TEST_TOKEN
from tests.support.harness import BotUnderTest, Chat


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _check(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, str]]:
    """Run `chungtay check` (in a thread: it runs its own event loop, while this one serves the fake API)."""
    code = await asyncio.to_thread(main, ["check"])
    lines = capsys.readouterr().out.strip().splitlines()
    return code, {line.split()[0]: line for line in lines}


async def test_check_prints_one_line_per_check_and_exits_0_1_or_2(
        database_url: str, fake: FakeTelegram, session: Session, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", fake.base_url)

    code, lines = await _check(capsys)
    assert code == 0, lines
    assert list(lines) == ["database", "outbox", "jobs", "bot-api"]
    assert "OK" in lines["database"] and "(newest)" in lines["database"]
    assert "nothing waiting" in lines["outbox"]
    assert "2 expected" in lines["jobs"]
    assert f"reachable, bot @{fake.bot_username}" in lines["bot-api"]
    assert fake.calls_to("getMe"), "the Bot API check asks the configured server"

    unit = get_unit_by_code(session, code="GL-KP")
    assert unit is not None
    session.add(DigestSchedule(unit_id=unit.id or 0))
    late = utcnow() - timedelta(minutes=20)
    session.add(OutboxMessage(key="k1", chat_id=1, text="Nhắc: hạn nộp báo cáo", next_attempt_at=late, created_at=late))
    session.commit()
    code, lines = await _check(capsys)
    assert code == 2 and "DEGRADED" in lines["outbox"] and "1 due, oldest waiting 20 min" in lines["outbox"]
    assert "3 expected (reminder planning, period-end digests, 1 weekly digest(s))" in lines["jobs"]
    assert "Nhắc" not in "\n".join(lines.values())

    fake.fail_next("getMe", status=401, description="Unauthorized")
    code, lines = await _check(capsys)
    assert code == 1 and "FAILING" in lines["bot-api"] and "rejected the token" in lines["bot-api"]

    session.execute(text("UPDATE alembic_version SET version_num = '0008'"))
    session.commit()
    code, lines = await _check(capsys)
    newest = ScriptDirectory.from_config(alembic_config(str(session.get_bind().url))).get_current_head()
    assert code == 1 and f"at 0008, newest is {newest}" in lines["database"]


@pytest.fixture
async def webhook_bot(settings: Settings, fake: FakeTelegram) -> AsyncIterator[BotUnderTest]:
    port, health_port = _free_port(), _free_port()
    webhook_settings = settings.model_copy(update={
        "webhook_url": f"http://127.0.0.1:{port}/telegram-hook", "webhook_listen": "127.0.0.1",
        "webhook_port": port, "webhook_secret_token": "s3cret", "health_port": health_port})
    running = BotUnderTest(webhook_settings, fake)
    await running.start()
    yield running
    await running.stop()
    running.close()


async def test_healthz_of_the_webhook_bot_sees_its_job_queue(webhook_bot: BotUnderTest, fake: FakeTelegram,
                                                            session: Session) -> None:
    url = f"http://127.0.0.1:{webhook_bot.settings.health_port}/healthz"

    async def healthz() -> tuple[int, dict[str, object]]:
        async with aiohttp.ClientSession() as http, http.get(url) as response:
            return response.status, await response.json()

    status, body = await healthz()
    assert status == 200 and body["status"] == "ok", body
    checks = {c["name"]: c for c in body["checks"]}  # type: ignore[union-attr,index]
    assert set(checks) == {"database", "outbox", "jobs", "bot-api"}
    assert "all scheduled" in checks["jobs"]["detail"]

    unit = get_unit_by_code(session, code="GL-KP")
    assert unit is not None
    session.add(DigestSchedule(unit_id=unit.id or 0))  # in the database, but the running bot never scheduled it
    session.commit()
    status, body = await healthz()
    checks = {c["name"]: c for c in body["checks"]}  # type: ignore[union-attr,index]
    assert status == 200 and body["status"] == "degraded"
    assert checks["jobs"]["status"] == "degraded" and f"not scheduled: digest:{unit.id}" in checks["jobs"]["detail"]

    fake.fail_next("getMe", status=401, description="Unauthorized")
    status, body = await healthz()
    assert status == 503 and body["status"] == "failing"


def _update_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "chungtay.updates"]


async def test_one_log_line_per_update_without_personal_data(
        enroll: Callable[..., object], bot: BotUnderTest, fake: FakeTelegram,
        caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    chat: Chat = await enroll(name="Ksor H'Lan Bí Mật")  # type: ignore[misc]
    caplog.clear()
    line = "quà tết 1 suất 500k cho Nguyễn Văn Riêng Tư"
    update_id = fake.inject_message(chat.user, line)
    await bot.settle(update_id)
    [record] = [r for r in _update_lines(caplog) if r.update_id == update_id]  # type: ignore[attr-defined]
    assert record.outcome == "ok" and record.update_kind == "message"  # type: ignore[attr-defined]
    assert record.handler == "log_form.quick_entry"  # type: ignore[attr-defined]
    assert isinstance(record.duration_ms, float)  # type: ignore[attr-defined]
    assert f"update {update_id} message handler=log_form.quick_entry outcome=ok" in record.getMessage()
    for private in ("Riêng Tư", "quà tết", "Bí Mật", str(chat.user.id)):
        assert private not in caplog.text

    fake.fail_next("sendMessage", status=502)
    await chat.send("/me")
    failed = _update_lines(caplog)[-1]
    assert (failed.outcome, failed.handler) == ("error", "onboarding.show_me")  # type: ignore[attr-defined]
    assert failed.levelno == logging.WARNING

    second = fake.inject_message(chat.user, line)
    again = {"update_id": second, "message": {"message_id": 1, "date": 0, "text": line,
                                              "chat": {"id": chat.user.id, "type": "private"},
                                              "from": chat.user.to_dict()}}
    fake.inject_raw_update(again)  # Telegram delivers the same update twice
    await bot.settle(second)
    duplicate = _update_lines(caplog)[-1]
    assert (duplicate.outcome, duplicate.handler) == ("ignored", "duplicate")  # type: ignore[attr-defined]
    assert "Riêng Tư" not in caplog.text and "Bí Mật" not in caplog.text


def test_json_log_lines_carry_the_update_fields() -> None:
    record = logging.LogRecord("chungtay.updates", logging.INFO, __file__, 1, "update %s", (7,), None)
    for key, value in {"update_id": 7, "update_kind": "callback_query", "handler": "history.undo",
                       "duration_ms": 12.5, "outcome": "ok"}.items():
        setattr(record, key, value)
    data = json.loads(JsonFormatter().format(record))
    assert data["message"] == "update 7" and data["level"] == "INFO" and data["logger"] == "chungtay.updates"
    assert (data["update_id"], data["handler"], data["duration_ms"], data["outcome"]) == (7, "history.undo", 12.5,
                                                                                           "ok")
    assert data["time"].endswith("+00:00")


@pytest.mark.parametrize(("field", "value", "fragment"), [
    ("log_format", "xml", "LOG_FORMAT"), ("health_port", 70000, "HEALTH_PORT")])
def test_operations_settings_are_checked(field: str, value: object, fragment: str) -> None:
    from bot.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match=fragment):
        load_settings(_env_file=None, **{field: value})
    assert load_settings(_env_file=None).log_format == "text"


def test_env_example_lists_the_operations_settings() -> None:
    from tests.support.databases import REPO

    example = (REPO / ".env.example").read_text(encoding="utf-8")
    for variable in ("LOG_FORMAT=", "HEALTH_PORT=", "HEALTH_LISTEN="):
        assert f"\n{variable}" in example


def test_check_without_a_database_file_fails_and_creates_none(tmp_path: object, monkeypatch: pytest.MonkeyPatch,
                                                               capsys: pytest.CaptureFixture[str]) -> None:
    from pathlib import Path

    missing = Path(str(tmp_path)) / "nowhere.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{missing}")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    assert main(["check"]) == 1
    out = capsys.readouterr().out
    assert f"no SQLite database at {missing}" in out and "outbox    FAILING   not checked" in out
    assert not missing.exists()
