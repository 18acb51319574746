"""/digest on demand, /digest_schedule, and the scheduled digests (PTB's JobQueue).

Schedules live in the database (`digest_schedule`); at start-up `schedule_digests` (called from the
application's post_init) re-creates one job per enabled schedule with a fixed name and id
("digest:<unit id>"), so a restart replaces jobs instead of adding them. APScheduler's default
misfire grace of one second would drop a run that is a little late, so jobs get `misfire_grace_time`
of hours. A run missed while the bot was down is sent once at start-up (`missed_run`), and
`claim` makes sure no digest goes out twice. Content is built in `bot.services.digests`.

Scheduled and period-end digests are not sent from here: each reader's parts (text, XLSX, chart, then
the open double-count questions) are built first, then the claim and the outbox rows are committed in
one transaction (`outbox.enqueue_claimed`), and the outbox sender delivers them in order, retrying
what fails. Only /digest, the answer to the reader's own command, is sent directly.

Period-end digests need no job per period: one repeating job with a fixed id (CLOSING_JOB) asks the
service every few minutes which are due (`due_closing_digests`, on the runtime's clock) and claims each
before sending. Polling instead of one job per due date means nothing to re-create or cancel when a
period or a unit's digest time changes, and a digest missed while the bot was down goes out at the first
check after the restart.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import time
from functools import partial
from typing import Any
from weakref import WeakKeyDictionary

from sqlmodel import Session
from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, ContextTypes

from bot.i18n import get_translator
from bot.jobs import replace_repeating_job
from bot.outbox_sender import notify_outbox, send_part
from bot.parsing.text import fold
from bot.runtime import Runtime
from bot.services.action_text import Localised
from bot.services.digests import (
    GRACE,
    Digest,
    build_digest,
    claim,
    claim_closing_digest,
    closing_text,
    digest_period,
    due_closing_digests,
    enabled_schedules,
    missed_run,
    parse_closing_switch,
    parse_schedule,
    recently_claimed,
    recipients,
    schedule_of,
    schedule_text,
    set_closing_digest,
    set_schedule,
)
from bot.services.duplicates import unresolved_in
from bot.services.outbox import DOCUMENT, PHOTO, Delivery, Part, enqueue_claimed
from bot.services.periods import Period, covering
from bot.services.questions import find_period
from db.models import DigestSchedule, ReportingPeriod, SupportAction, Unit, User
from db.queries import get_unit, get_user_by_telegram_id
from handlers.background import in_worker, run_later
from handlers.context import ChungTayContext
from handlers.duplicates import duplicate_question

log = logging.getLogger(__name__)
SUSPECTS_IN_DIGEST = 5  # the rest are one /suspects away
MISFIRE_GRACE_SECONDS = int(GRACE.total_seconds())
CLOSING_JOB = "digest:period-end"
CLOSING_INTERVAL_SECONDS = 300
# The first check waits a minute after start-up rather than a second: it is not urgent (the digest is
# due at a time of day, not a second), and it keeps the check out of the busy start-up moment.
CLOSING_FIRST_SECONDS = 60
_CLOSING_LOCKS: WeakKeyDictionary[Application[Any, Any, Any, Any, Any, Any], asyncio.Lock] = WeakKeyDictionary()


def job_name(unit_id: int) -> str:
    return f"digest:{unit_id}"


def digest_deliveries(runtime: Runtime, session: Session, *, unit: Unit, period: Period, users: list[User],
                      key: str, reporting_period: ReportingPeriod | None = None) -> list[Delivery]:
    """Each reader's parts in the order they must arrive: the text, the XLSX, the chart, then a question
    per open double count (with its two buttons). With `reporting_period` it is that period's period-end
    digest. `key` prefixes the outbox keys (`<key>:<user id>:<part>`).

    Built once per language and unit of the reader (what decides the words and which names the detail
    sheet may show), not once per reader: a unit's officers usually share both.
    """
    built: dict[tuple[str, int], Digest] = {}
    suspects = unresolved_in(session, unit=unit)[:SUSPECTS_IN_DIGEST]
    deliveries: list[Delivery] = []
    for user in users:
        names = Localised(runtime.catalogue, get_translator(user.locale))
        cache_key = (names.t.locale, user.unit_id)
        if cache_key not in built:
            built[cache_key] = build_digest(session, names=names, unit=unit, period=period, viewer=user,
                                            tz=runtime.settings.tz, now=runtime.clock(),
                                            reporting_period=reporting_period)
        digest = built[cache_key]
        parts = [Part(text=digest.text, parse_mode=ParseMode.HTML),
                 Part(kind=DOCUMENT, payload=digest.workbook, filename=digest.filename),
                 Part(kind=PHOTO, payload=digest.chart)]
        for suspect in suspects:
            original = session.get(SupportAction, suspect.duplicate_of_id)
            if original is not None:
                text, keyboard = duplicate_question(names, session, action=suspect, original=original)
                parts.append(Part(text=text, parse_mode=ParseMode.HTML, reply_markup=keyboard.to_dict()))
        deliveries.append(Delivery(key=f"{key}:{user.id}", chat_id=user.telegram_id, user_id=user.id, parts=parts,
                                   purpose="closing-digest" if reporting_period is not None else "digest"))
    return deliveries


def enqueue_scheduled_digest(runtime: Runtime, *, unit_id: int) -> bool:
    """Build every supervisor's digest of the unit, then claim the schedule and queue the digests in one
    transaction (never twice, never half). True when this call queued them."""
    now = runtime.clock()
    with runtime.session_factory() as session:
        schedule = schedule_of(session, unit_id=unit_id)
        unit = get_unit(session, unit_id=unit_id)
        if schedule is None or not schedule.enabled or unit is None:
            return False
        if recently_claimed(schedule, now=now):
            log.info("digest for unit %s already sent; skipped", unit_id)
            return False
        schedule_id = schedule.id or 0
        deliveries = digest_deliveries(runtime, session, unit=unit, users=list(recipients(session, unit=unit)),
                                       period=digest_period(schedule, now=now, tz=runtime.settings.tz),
                                       key=f"digest:{unit_id}:{now:%Y%m%dT%H%M%S}")
        if not enqueue_claimed(session, claim=lambda s: claim(s, schedule_id=schedule_id, now=now, commit=False),
                               deliveries=deliveries, now=now):
            log.info("digest for unit %s already sent; skipped", unit_id)
            return False
    log.info("digest for unit %s queued for %s supervisor(s)", unit_id, len(deliveries))
    return True


async def run_scheduled_digest(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Job callback: queue the unit's digest (built in a worker thread, the charts take a moment) and wake
    the outbox sender."""
    job = context.job
    assert job is not None
    runtime: Runtime = context.application.runtime  # type: ignore[attr-defined]
    if await asyncio.to_thread(enqueue_scheduled_digest, runtime, unit_id=int(str(job.data))):
        notify_outbox(context.application)


def add_job(application: Application[Any, Any, Any, Any, Any, Any], schedule: DigestSchedule) -> None:
    """(Re)create the schedule's job: fixed name and id, generous misfire grace, runs coalesced."""
    queue = application.job_queue
    if queue is None:
        log.warning("no job queue: scheduled digests are off")
        return
    name = job_name(schedule.unit_id)
    for job in queue.get_jobs_by_name(name):
        job.schedule_removal()
    if not schedule.enabled:
        return
    tz = application.runtime.settings.tz  # type: ignore[attr-defined]
    hour, minute = (int(part) for part in schedule.at_time.split(":"))
    queue.run_daily(run_scheduled_digest, time=time(hour, minute, tzinfo=tz), days=(schedule.weekday % 7,),
                    name=name, data=schedule.unit_id,
                    job_kwargs={"id": name, "replace_existing": True, "misfire_grace_time": MISFIRE_GRACE_SECONDS,
                                "coalesce": True})


def enqueue_closing_digests(runtime: Runtime) -> int:
    """Queue every period-end digest due now (runtime clock) that this process manages to claim; returns
    how many periods it queued. Another process, or an earlier run, that claimed a period first wins.

    Each period's digests are built, then claimed and queued in one transaction; the outbox sends them."""
    now = runtime.clock()
    done = 0
    with runtime.session_factory() as session:
        for reporting_period in due_closing_digests(session, now=now, tz=runtime.settings.tz):
            period_id, unit_id = reporting_period.id or 0, reporting_period.unit_id
            unit = get_unit(session, unit_id=unit_id)
            if unit is None:
                continue
            deliveries = digest_deliveries(runtime, session, unit=unit,
                                           period=covering(reporting_period.start, reporting_period.end),
                                           users=list(recipients(session, unit=unit)), key=f"closing:{period_id}",
                                           reporting_period=reporting_period)
            if not enqueue_claimed(session, deliveries=deliveries, now=now,
                                   claim=partial(claim_closing_digest, period_id=period_id, now=now, commit=False)):
                log.info("period-end digest of period %s already sent; skipped", period_id)
                continue
            log.info("period-end digest of period %s (unit %s) queued for %s supervisor(s)", period_id, unit_id,
                     len(deliveries))
            done += 1
    return done


async def run_closing_digests(application: Application[Any, Any, Any, Any, Any, Any]) -> int:
    """What the repeating job runs (tests call it too): queue the due period-end digests, wake the outbox
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


def add_closing_job(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """The one repeating period-end check: fixed name and id (a restart replaces it), runs coalesced."""
    replace_repeating_job(application, _closing_job, name=CLOSING_JOB, interval=CLOSING_INTERVAL_SECONDS,
                          first=CLOSING_FIRST_SECONDS)


async def schedule_digests(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """At start-up: one job per enabled schedule, a catch-up run for a digest missed while down, and the
    period-end check."""
    runtime: Runtime = application.runtime  # type: ignore[attr-defined]
    queue = application.job_queue
    if queue is None:
        return
    add_closing_job(application)
    now = runtime.clock()
    with runtime.session_factory() as session:
        for schedule in enabled_schedules(session):
            add_job(application, schedule)
            if missed_run(schedule, now=now, tz=runtime.settings.tz):
                queue.run_once(run_scheduled_digest, when=1, name=job_name(schedule.unit_id) + ":catch-up",
                               data=schedule.unit_id, job_kwargs={"misfire_grace_time": MISFIRE_GRACE_SECONDS})


async def digest(update: Update, context: ChungTayContext) -> None:
    """/digest [period]: the own unit's digest now, to the one who asked (supervisors: see the registry).

    A district's digest (text, XLSX, chart) takes seconds to build: the handler answers with a status
    message at once and the digest is built in a worker thread with its own session (handlers/background.py),
    then edited into the status message (the text) and followed by its files."""
    user, message = context.db_user, update.effective_message
    if user is None or message is None:
        return
    unit = get_unit(context.session, unit_id=user.unit_id)
    assert unit is not None
    tz = context.runtime.settings.tz
    period, _ = find_period(fold(" ".join(context.args or [])), today=context.today)
    period = period or digest_period(schedule_of(context.session, unit_id=unit.id or 0), now=context.runtime.clock(),
                                     tz=tz)
    status = await message.reply_text(context.t("Preparing the digest…"))
    runtime, bot, chat_id = context.runtime, context.bot, status.chat_id
    unit_id, telegram_id = unit.id or 0, user.telegram_id

    def build(session: Session) -> Delivery:
        reader, own = get_user_by_telegram_id(session, telegram_id=telegram_id), get_unit(session, unit_id=unit_id)
        if reader is None or own is None:
            raise LookupError("the reader or the unit of the digest is gone")
        [delivery] = digest_deliveries(runtime, session, unit=own, period=period, users=[reader], key="on-demand")
        return delivery

    async def send() -> None:
        delivery = await in_worker(runtime, build)
        first, *rest = delivery.parts  # the reply to the reader's own command: sent directly, not queued
        await bot.edit_message_text(first.text, chat_id=chat_id, message_id=status.message_id,
                                    parse_mode=first.parse_mode)
        for part in rest:
            await send_part(bot, chat_id, part)

    run_later(context, chat_id=chat_id, name="digest-on-demand", work=send)


async def digest_schedule(update: Update, context: ChungTayContext) -> None:
    """/digest_schedule [thứ 2 7:30 | tắt]: show or set when the own unit receives its digest."""
    user, message = context.db_user, update.effective_message
    if user is None or message is None:
        return
    t = context.t
    names = Localised(context.runtime.catalogue, t)
    text = fold(" ".join(context.args or []))
    if not text:
        current = schedule_of(context.session, unit_id=user.unit_id)
        await message.reply_text(t("Digest: {when}. Change it like “/digest_schedule thứ 2 7:30”, or "
                                   "“/digest_schedule tắt” to stop it.").format(when=schedule_text(names, current))
                                 + "\n" + closing_text(names, current))
        return
    unit = get_unit(context.session, unit_id=user.unit_id)
    assert unit is not None
    about_closing, switch = parse_closing_switch(text)
    if about_closing:
        if switch is None:
            await message.reply_text(t("Write “/digest_schedule cuối kỳ tắt” to stop the period-end digest, or "
                                       "“/digest_schedule cuối kỳ bật” to have it again."))
            return
        schedule = set_closing_digest(context.session, unit=unit, user=user, enabled=switch)
        await message.reply_text(closing_text(names, schedule))
        return
    if text in ("tat", "off", "dung", "stop"):
        schedule = set_schedule(context.session, unit=unit, user=user, weekday=None, at=None)
    else:
        parsed = parse_schedule(text)
        if parsed is None:
            await message.reply_text(t("I could not read that. Write a weekday and a time, e.g. "
                                       "“/digest_schedule thứ 2 7:30”."))
            return
        schedule = set_schedule(context.session, unit=unit, user=user, weekday=parsed[0], at=parsed[1])
    add_job(context.application, schedule)
    await message.reply_text(t("Digest: {when}.").format(when=schedule_text(names, schedule))
                             + "\n" + closing_text(names, schedule))
