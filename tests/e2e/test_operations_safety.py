"""Operations as a careless operator or a newcomer meets them, end to end through the real entry points
(`python -m bot`, `chungtay …` in a subprocess): the sandbox never seeds the production database, compose
logs JSON, files holding personal data are private, and every CLI failure is one line and a non-zero exit."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import sys
from pathlib import Path

from alembic.script import ScriptDirectory
from sqlmodel import Session, select

from db.migrate import alembic_config
from db.models import Role, User
from db.queries import get_unit_by_code
from db.session import make_engine
from tests.support.databases import REPO, DatabaseFactory


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(**values: str) -> dict[str, str]:
    """A clean environment: nothing of the test runner's leaks into the child (no token: the sandbox)."""
    # the sandbox's dashboard would take SANDBOX_PORT + 1, which another process may hold: a port of its own
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LOG_LEVEL": "WARNING",
            "DASHBOARD_PORT": str(_free_port()), **values}


def _users(database_url: str) -> list[int]:
    engine = make_engine(database_url)
    try:
        with Session(engine) as session:
            return sorted(user.telegram_id for user in session.exec(select(User)).all())
    finally:
        engine.dispose()


async def _run_sandbox_until_served(cwd: Path, env: dict[str, str], until: str = "open http://",
                                    ) -> tuple[int | None, str]:
    """Start `python -m bot` without a token; return (exit code, or None once a line holds `until`; output)."""
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=cwd, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    assert process.stdout is not None
    output: list[str] = []
    try:
        async with asyncio.timeout(60):
            while True:
                line = (await process.stdout.readline()).decode()
                if not line:
                    return await process.wait(), "".join(output)
                output.append(line)
                if until in line:
                    return None, "".join(output)
    finally:
        if process.returncode is None:
            process.terminate()
            await process.wait()


def _real_user(session: Session) -> int:
    """Register a real person (a Telegram id far from the sandbox's) in the database."""
    unit = get_unit_by_code(session, code="GL-KP-IARSAI")
    assert unit is not None and unit.id is not None
    session.add(User(telegram_id=812_345_678, display_name="Cán bộ thật", role=Role.REPORTER, unit_id=unit.id))
    session.commit()
    return 812_345_678


async def test_the_sandbox_ignores_database_url_from_env_and_keeps_to_its_own_database(
        database_url: str, session: Session, tmp_path: Path) -> None:
    """`cp .env.example .env`, DATABASE_URL set for the real bot, then `make run` without a token."""
    real = _real_user(session)
    (tmp_path / ".env").write_text(f"TELEGRAM_BOT_TOKEN=\nDATABASE_URL={database_url}\n", encoding="utf-8")
    sandbox_db = f"sqlite:///{tmp_path / 'own' / 'sandbox.sqlite3'}"
    code, output = await _run_sandbox_until_served(tmp_path, _env(SANDBOX_PORT=str(_free_port()),
                                                                  SANDBOX_DATABASE_URL=sandbox_db))
    assert code is None, output
    assert _users(database_url) == [real], "no sample people in the production database"
    assert 1000 in _users(sandbox_db), "the sample administrator is in the sandbox's own database"


async def test_the_sandbox_refuses_a_database_that_holds_real_users(
        database_url: str, session: Session, tmp_path: Path) -> None:
    real = _real_user(session)
    code, output = await _run_sandbox_until_served(tmp_path, _env(SANDBOX_PORT=str(_free_port()),
                                                                  SANDBOX_DATABASE_URL=database_url))
    assert code == 2, output
    assert output.strip().count("\n") == 0 and "Traceback" not in output, output
    assert "holds 1 user(s) who are not sandbox sample people" in output and "SANDBOX_DATABASE_URL" in output
    assert _users(database_url) == [real], "nothing seeded"


def _compose_environment(env_file: Path) -> dict[str, str]:
    """The bot container's environment as `docker compose` builds it after `cp .env.example .env`: the
    env_file's values, overridden by compose.yaml's `environment:` with `${VAR:-default}` filled from it."""
    import re

    from dotenv import dotenv_values

    dotenv = {key: value or "" for key, value in dotenv_values(env_file).items()}
    compose = (REPO / "compose.yaml").read_text(encoding="utf-8")
    bot_service = compose.split("\n  bot:\n", 1)[1]
    block = bot_service.split("    environment:\n", 1)[1].split("\n    ports:", 1)[0]

    def fill(value: str) -> str:
        def one(match: re.Match[str]) -> str:
            name, operator, default = match.group(1), match.group(2) or "", match.group(3) or ""
            current = dotenv.get(name, os.environ.get(name, ""))
            if operator == ":-":
                return current or default
            return current
        return re.sub(r"\$\{(\w+)(:-|:\?)?([^}]*)\}", one, value).strip().strip('"')

    environment = dict(dotenv)
    for line in block.splitlines():
        if ":" in line and not line.strip().startswith("#"):
            key, value = line.strip().split(":", 1)
            environment[key] = fill(value)
    return environment


async def test_compose_logs_json_after_copying_the_example_env(tmp_path: Path) -> None:
    env_file = tmp_path / ".env"
    env_file.write_text((REPO / ".env.example").read_text(encoding="utf-8"), encoding="utf-8")
    container = _compose_environment(env_file)
    assert container["LOG_FORMAT"] == "json"
    # The entry point with that setting writes JSON lines (the sandbox here: the example has no token).
    code, output = await _run_sandbox_until_served(tmp_path, _env(
        LOG_FORMAT=container["LOG_FORMAT"], LOG_LEVEL="INFO", SANDBOX_PORT=str(_free_port()),
        SANDBOX_DATABASE_URL=f"sqlite:///{tmp_path / 'sandbox.sqlite3'}"))
    assert code is None, output
    logged = [line for line in output.splitlines() if not line.startswith("Chung Tay sandbox:")]
    assert logged and all(json.loads(line)["level"] for line in logged), output


async def test_operators_see_which_migrations_ran_and_the_job_names(
        database_factory: DatabaseFactory, tmp_path: Path) -> None:
    newest = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    with database_factory.empty() as url:
        env = _env(LOG_LEVEL="INFO", SANDBOX_PORT=str(_free_port()), SANDBOX_DATABASE_URL=url)
        code, first = await _run_sandbox_until_served(tmp_path, env, until="executed successfully")
        assert code is None, first
        code, second = await _run_sandbox_until_served(tmp_path, dict(env, SANDBOX_PORT=str(_free_port())))
        assert code is None, second
    assert "Running ‹…›" not in first and "‹…›" not in first, first
    migrated = [line for line in first.splitlines() if "migrat" in line]
    assert len(migrated) == 1, first
    assert f"database migrated from an empty database to {newest}" in migrated[0] and "0001, 0002" in migrated[0]
    assert 'Running job "reminders:plan" (scheduled at ' in first
    assert next(line for line in second.splitlines() if "migrat" in line).endswith(
        f"database schema at {newest} (newest): no migration to run")
