"""Every scheduled job of the bot, created in one place (PTB's JobQueue, which wraps the one APScheduler
scheduler: never start a second).

`schedule_jobs` runs once at start-up (the application's post_init) and creates, from our tables:
- the reminder planning job (PLAN_JOB, every PLAN_INTERVAL_SECONDS), which plans deadline reminders into
  the outbox and wakes the outbox sender;
- the period-end digest check (CLOSING_JOB, every few minutes). Period-end digests need no job per
  period: the check asks which are due (on the runtime's clock) and claims each before queueing it, so
  nothing has to be re-created or cancelled when a period or a unit's digest time changes, and a digest
  missed while the bot was down goes out at the first check after the restart;
- the purge of staged household lists (PURGE_JOB, hourly): a list checked but never confirmed holds names
  and is deleted once it is older than a day (bot/domain/households/imports.py);
- one weekly job per enabled digest schedule (`digest_job_name(unit id)`), plus a one-off catch-up run
  for a digest missed while the bot was down (the claim makes sure none goes out twice).
/digest_schedule calls `schedule_digest` to re-create its unit's job after a change.

Every job has a fixed name and APScheduler id, so a restart or a second call replaces it instead of adding
another; runs that pile up while the bot is busy are coalesced into one, and a run that is late (by up to
one interval, or hours for digests) still runs: APScheduler's default misfire grace of one second would
silently drop it.

What the jobs do is elsewhere: reminders in bot/domain/periods/reminders.py (planned by bot/outbox_sender.py),
digests built in bot/domain/reports/digests.py and queued by bot/digest_outbox.py, delivered by the outbox.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from datetime import time
from typing import Any
from weakref import WeakKeyDictionary

from telegram.ext import Application, ContextTypes

from bot.digest_outbox import enqueue_closing_digests, enqueue_scheduled_digest
from bot.domain.households.imports import purge_expired_uploads
from bot.domain.reports.digests import GRACE, enabled_schedules, missed_run
from bot.outbox_sender import notify_outbox, plan_now
from bot.presentation.hooks import hooks_of
from bot.runtime import Runtime
from db.models import DigestSchedule

log = logging.getLogger(__name__)

AnyApplication = Application[Any, Any, Any, Any, Any, Any]

PLAN_JOB = "reminders:plan"
PLAN_INTERVAL_SECONDS = 300
CLOSING_JOB = "digest:period-end"
CLOSING_INTERVAL_SECONDS = 300
# The first check waits a minute after start-up rather than a second: it is not urgent (the digest is
# due at a time of day, not a second), and it keeps the check out of the busy start-up moment.
CLOSING_FIRST_SECONDS = 60
PURGE_JOB = "households:purge-staged"
PURGE_INTERVAL_SECONDS = 3600
PURGE_FIRST_SECONDS = 30
MISFIRE_GRACE_SECONDS = int(GRACE.total_seconds())
_CLOSING_LOCKS: WeakKeyDictionary[AnyApplication, asyncio.Lock] = WeakKeyDictionary()


def digest_job_name(unit_id: int) -> str:
    return f"digest:{unit_id}"


async def schedule_jobs(application: AnyApplication) -> None:
    """At start-up: every job, re-created from the database (see the module docstring)."""
    runtime: Runtime = application.runtime  # type: ignore[attr-defined]
    hooks_of(application).schedule_digest = lambda schedule: schedule_digest(application, schedule)  # /digest_schedule
    queue = application.job_queue
    if queue is None:
        log.warning("no job queue: reminders and digests are off")
        return
    replace_repeating_job(application, _plan_job, name=PLAN_JOB, interval=PLAN_INTERVAL_SECONDS, first=1)
    replace_repeating_job(application, _closing_job, name=CLOSING_JOB, interval=CLOSING_INTERVAL_SECONDS,
                          first=CLOSING_FIRST_SECONDS)
    replace_repeating_job(application, _purge_job, name=PURGE_JOB, interval=PURGE_INTERVAL_SECONDS,
                          first=PURGE_FIRST_SECONDS)
    now = runtime.clock()
    with runtime.session_factory() as session:
        for schedule in enabled_schedules(session):
            schedule_digest(application, schedule)
            if missed_run(schedule, now=now, tz=runtime.settings.tz):
                queue.run_once(_digest_job, when=1, name=digest_job_name(schedule.unit_id) + ":catch-up",
                               data=schedule.unit_id, job_kwargs={"misfire_grace_time": MISFIRE_GRACE_SECONDS})


def replace_repeating_job(application: AnyApplication,
                          callback: Callable[[ContextTypes.DEFAULT_TYPE], Coroutine[Any, Any, None]], *, name: str,
                          interval: float, first: float) -> bool:
    """Run `callback` every `interval` seconds from `first` seconds on, as the only job called `name`.

    False (and a warning) when the application has no job queue (PTB installed without the extra).
    """
    queue = application.job_queue
    if queue is None:
        log.warning("no job queue: job %s does not run", name)
        return False
    for job in queue.get_jobs_by_name(name):
        job.schedule_removal()
    queue.run_repeating(callback, interval=interval, first=first, name=name,
                        job_kwargs={"id": name, "replace_existing": True, "coalesce": True,
                                    "misfire_grace_time": int(interval)})
    return True


def schedule_digest(application: AnyApplication, schedule: DigestSchedule) -> None:
    """(Re)create the weekly job of a unit's digest schedule (none when it is switched off): fixed name
    and id, generous misfire grace, runs coalesced."""
    queue = application.job_queue
    if queue is None:
        log.warning("no job queue: scheduled digests are off")
        return
    name = digest_job_name(schedule.unit_id)
    for job in queue.get_jobs_by_name(name):
        job.schedule_removal()
    if not schedule.enabled:
        return
    tz = application.runtime.settings.tz  # type: ignore[attr-defined]
    hour, minute = (int(part) for part in schedule.at_time.split(":"))
    queue.run_daily(_digest_job, time=time(hour, minute, tzinfo=tz), days=(schedule.weekday % 7,),
                    name=name, data=schedule.unit_id,
                    job_kwargs={"id": name, "replace_existing": True, "misfire_grace_time": MISFIRE_GRACE_SECONDS,
                                "coalesce": True})


# ------------------------------------------------------------------ what the jobs run

async def _plan_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    added = await plan_now(context.application)
    if added:
        log.info("reminders: %s message(s) planned", added)


async def _digest_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Queue the unit's digest (built in a worker thread, the charts take a moment) and wake the outbox
    sender."""
    job = context.job
    assert job is not None
    runtime: Runtime = context.application.runtime  # type: ignore[attr-defined]
    if await asyncio.to_thread(enqueue_scheduled_digest, runtime, unit_id=int(str(job.data))):
        notify_outbox(context.application)


async def run_closing_digests(application: AnyApplication) -> int:
    """What the period-end job runs (tests call it too): queue the due period-end digests, wake the outbox
    sender. One run at a time per Application, so a caller returns only after any run already in progress
    has finished queueing."""
    lock = _CLOSING_LOCKS.setdefault(application, asyncio.Lock())
    async with lock:
        done = await asyncio.to_thread(enqueue_closing_digests, application.runtime)  # type: ignore[attr-defined]
    if done:
        notify_outbox(application)
    return done


async def _closing_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_closing_digests(context.application)


async def run_upload_purge(application: AnyApplication) -> int:
    """What the purge job runs (tests call it too): delete the staged household lists older than a day."""
    runtime: Runtime = application.runtime  # type: ignore[attr-defined]

    def purge() -> int:
        with runtime.session_factory() as session:
            return purge_expired_uploads(session, now=runtime.clock())

    purged = await asyncio.to_thread(purge)
    if purged:
        log.info("staged household lists: %s expired list(s) deleted", purged)
    return purged


async def _purge_job(context: ContextTypes.DEFAULT_TYPE) -> None:
    await run_upload_purge(context.application)
