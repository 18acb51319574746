"""The health checks behind `chungtay check` and `GET /healthz`.

Each check gives one line: a name, a status and a short detail with no personal data. The statuses:
- ok: nothing to do;
- degraded: the bot answers, but something needs a look (the outbox is falling behind, a scheduled
  job is missing from the running bot);
- failing: the bot cannot work (database unreachable or not at the newest migration, Bot API
  unreachable or the token rejected).

`chungtay check` runs in its own process, so it cannot see the bot's JobQueue: it lists the jobs the
database says should exist. Inside the bot (`/healthz`) the same check compares them with the JobQueue.
"""

from __future__ import annotations

import asyncio
import enum
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, func, text
from sqlalchemy.engine import URL, make_url
from sqlmodel import Session, col, select
from telegram import Bot
from telegram.error import InvalidToken, TelegramError

from bot.config import Settings
from db.migrate import alembic_config
from db.models import DigestSchedule, OutboxMessage
from db.session import make_engine

OUTBOX_DEGRADED_AFTER = timedelta(minutes=15)
BOT_API_TIMEOUT_SECONDS = 15.0
# Names of the jobs the running bot keeps (bot/jobs.py: PLAN_JOB, CLOSING_JOB and
# digest_job_name); repeated here so a check process needs neither the handlers nor a JobQueue.
PLAN_JOB = "reminders:plan"
CLOSING_JOB = "digest:period-end"
DIGEST_JOB_PREFIX = "digest:"


class Status(enum.StrEnum):
    OK = "ok"
    DEGRADED = "degraded"
    FAILING = "failing"


EXIT_CODES = {Status.OK: 0, Status.FAILING: 1, Status.DEGRADED: 2}


@dataclass(frozen=True)
class CheckResult:
    name: str
    status: Status
    detail: str

    def line(self) -> str:
        return f"{self.name:<9} {self.status.value.upper():<9} {self.detail}"

    def as_dict(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status.value, "detail": self.detail}


def overall(results: Iterable[CheckResult]) -> Status:
    statuses = {result.status for result in results}
    if Status.FAILING in statuses:
        return Status.FAILING
    return Status.DEGRADED if Status.DEGRADED in statuses else Status.OK


def describe(url: URL) -> str:
    """Which database, for the operator: the SQLite file or host:port/name (never the password)."""
    if url.get_backend_name() == "sqlite":
        return f"SQLite {url.database or ':memory:'}"
    return f"PostgreSQL {url.host or 'localhost'}:{url.port or 5432}/{url.database or ''}"


def sqlite_file_missing(url: URL) -> bool:
    """A SQLite URL whose file does not exist (connecting would create an empty one)."""
    database = url.database
    return url.get_backend_name() == "sqlite" and bool(database) and database != ":memory:" \
        and not Path(str(database)).is_file()


def _no_sqlite_file(url: URL) -> CheckResult:
    return CheckResult("database", Status.FAILING, f"no SQLite database at {url.database} "
                       "(check DATABASE_URL; chungtay migrate creates the database)")


def check_database(engine: Engine) -> CheckResult:
    """Reachable, and at the newest migration (the bot migrates at start: behind means it has not started
    with this code, or its migration failed). The detail names the database checked."""
    heads = set(ScriptDirectory.from_config(alembic_config(str(engine.url))).get_heads())
    where = describe(engine.url)
    if sqlite_file_missing(engine.url):
        return _no_sqlite_file(engine.url)
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
            current = set(MigrationContext.configure(connection).get_current_heads())
    except Exception as exc:  # any driver error means the same thing to the operator
        return CheckResult("database", Status.FAILING, f"{where}: unreachable ({type(exc).__name__})")
    if current != heads:
        shown = ", ".join(sorted(current)) or "no schema"
        return CheckResult("database", Status.FAILING,
                           f"{where}: at {shown}, newest is {', '.join(sorted(heads))} (run: chungtay migrate)")
    return CheckResult("database", Status.OK, f"{where}: reachable, schema at {', '.join(sorted(heads))} (newest)")


def _as_utc(moment: datetime, like: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=like.tzinfo)


def check_outbox(session: Session, *, now: datetime) -> CheckResult:
    """How many messages are due and how long the oldest has waited. Rows held back by flood control
    are not due yet; rows whose sender died (claim expired) are."""
    due = ((col(OutboxMessage.status) == "pending")
           | ((col(OutboxMessage.status) == "sending") & (col(OutboxMessage.claimed_until) < now)))
    count, oldest = session.exec(select(func.count(col(OutboxMessage.id)), func.min(OutboxMessage.next_attempt_at))
                                 .where(due).where(col(OutboxMessage.next_attempt_at) <= now)).one()
    if not count or oldest is None:
        return CheckResult("outbox", Status.OK, "nothing waiting")
    age = now - _as_utc(oldest, now)
    minutes = int(age.total_seconds() // 60)
    detail = f"{count} due, oldest waiting {minutes} min"
    if age > OUTBOX_DEGRADED_AFTER:
        limit = int(OUTBOX_DEGRADED_AFTER.total_seconds() // 60)
        return CheckResult("outbox", Status.DEGRADED, f"{detail} (more than {limit} min: is the bot sending?)")
    return CheckResult("outbox", Status.OK, detail)


def expected_jobs(session: Session) -> list[str]:
    """The repeating jobs a running bot must have: reminder planning, the period-end check, and one weekly
    digest per enabled schedule."""
    units = session.exec(select(DigestSchedule.unit_id).where(col(DigestSchedule.enabled).is_(True))
                         .order_by(col(DigestSchedule.unit_id))).all()
    return [PLAN_JOB, CLOSING_JOB, *(f"{DIGEST_JOB_PREFIX}{unit_id}" for unit_id in units)]


def check_jobs(session: Session, *, scheduled: Sequence[str] | None) -> CheckResult:
    """`scheduled`: the JobQueue's job names when run inside the bot, None from a separate process."""
    expected = expected_jobs(session)
    weekly = len(expected) - 2
    summary = f"{len(expected)} expected (reminder planning, period-end digests, {weekly} weekly digest(s))"
    if scheduled is None:
        return CheckResult("jobs", Status.OK, f"{summary}; the running bot's queue is checked by /healthz")
    missing = [name for name in expected if name not in set(scheduled)]
    if missing:
        return CheckResult("jobs", Status.DEGRADED, f"{summary}; not scheduled: {', '.join(missing)}")
    return CheckResult("jobs", Status.OK, f"{summary}; all scheduled")


async def check_bot_api(get_me: Callable[[], Awaitable[Any]], *, sandbox: bool = False) -> CheckResult:
    """getMe against the configured Bot API server; `get_me` returns the bot's User."""
    if sandbox:
        return CheckResult("bot-api", Status.OK, "sandbox (no token): no Bot API to check")
    try:
        me = await asyncio.wait_for(get_me(), BOT_API_TIMEOUT_SECONDS)
    except InvalidToken:
        return CheckResult("bot-api", Status.FAILING, "the Bot API rejected the token")
    except (TelegramError, TimeoutError, OSError) as exc:
        return CheckResult("bot-api", Status.FAILING, f"unreachable ({type(exc).__name__})")
    return CheckResult("bot-api", Status.OK, f"reachable, bot @{getattr(me, 'username', '?')}")


def database_checks(engine: Engine, *, now: datetime, scheduled: Sequence[str] | None) -> list[CheckResult]:
    """Database, then outbox and jobs (which need the database: not checked when it fails)."""
    database = check_database(engine)
    if database.status is not Status.OK:
        skipped = "not checked: the database check failed"
        return [database, CheckResult("outbox", Status.FAILING, skipped), CheckResult("jobs", Status.FAILING, skipped)]
    with Session(engine) as session:
        return [database, check_outbox(session, now=now), check_jobs(session, scheduled=scheduled)]


def run_checks(settings: Settings, *, now: datetime) -> list[CheckResult]:
    """Everything `chungtay check` reports, from a process of its own, on DATABASE_URL's database (the real
    bot's). Without a token the bot runs the sandbox, on a database of its own: the line says so."""
    url = make_url(settings.database_url)
    if sqlite_file_missing(url):  # not even an engine: it would create the file
        skipped = "not checked: the database check failed"
        results = [_no_sqlite_file(url), CheckResult("outbox", Status.FAILING, skipped),
                   CheckResult("jobs", Status.FAILING, skipped)]
    else:
        engine = make_engine(settings.database_url)
        try:
            results = database_checks(engine, now=now, scheduled=None)
        finally:
            engine.dispose()
    if settings.is_sandbox:
        database = results[0]
        note = (f" [DATABASE_URL, the real bot's; the sandbox (no TELEGRAM_BOT_TOKEN) uses "
                f"{describe(make_url(settings.sandbox_database_url))}]")
        results[0] = CheckResult(database.name, database.status, database.detail + note)

    async def get_me() -> Any:
        bot = Bot(settings.telegram_bot_token, base_url=f"{settings.telegram_api_base_url}/bot")
        try:
            return await bot.get_me()
        finally:
            await bot.shutdown()

    results.append(asyncio.run(check_bot_api(get_me, sandbox=settings.is_sandbox)))
    return results
