"""/digest on demand, /digest_schedule, and the scheduled digests (PTB's JobQueue).

Schedules live in the database (`digest_schedule`); at start-up `schedule_digests` (called from the
application's post_init) re-creates one job per enabled schedule with a fixed name and id
("digest:<unit id>"), so a restart replaces jobs instead of adding them. APScheduler's default
misfire grace of one second would drop a run that is a little late, so jobs get `misfire_grace_time`
of hours. A run missed while the bot was down is sent once at start-up (`missed_run`), and
`claim` makes sure no digest goes out twice. Content is built in `bot.services.digests`.
"""

from __future__ import annotations

import io
import logging
from datetime import datetime, time
from typing import Any

from telegram import Bot, Update
from telegram.constants import ParseMode
from telegram.error import TelegramError
from telegram.ext import Application, ContextTypes

from bot.i18n import get_translator
from bot.parsing.text import fold
from bot.runtime import Runtime
from bot.services.action_text import Localised
from bot.services.digests import (
    GRACE,
    Digest,
    build_digest,
    claim,
    digest_period,
    enabled_schedules,
    missed_run,
    parse_schedule,
    recipients,
    schedule_of,
    schedule_text,
    set_schedule,
)
from bot.services.duplicates import unresolved_in
from bot.services.periods import Period
from bot.services.questions import find_period
from db.models import DigestSchedule, Role, SupportAction, Unit, User
from db.queries import get_unit
from handlers.context import ChungTayContext
from handlers.duplicates import duplicate_question

log = logging.getLogger(__name__)
SUSPECTS_IN_DIGEST = 5  # the rest are one /suspects away
MISFIRE_GRACE_SECONDS = int(GRACE.total_seconds())


def job_name(unit_id: int) -> str:
    return f"digest:{unit_id}"


async def send_digest(bot: Bot, runtime: Runtime, *, session: Any, unit: Unit, period: Period,
                      users: list[User]) -> int:
    """Send the digest to each user in their language; returns how many received it.

    Built once per language and unit of the reader (what decides the words and which names the detail
    sheet may show), not once per reader: a unit's officers usually share both.
    """
    sent = 0
    built: dict[tuple[str, int], Digest] = {}
    for user in users:
        names = Localised(runtime.catalogue, get_translator(user.locale))
        key = (names.t.locale, user.unit_id)
        if key not in built:
            built[key] = build_digest(session, names=names, unit=unit, period=period, viewer=user,
                                      tz=runtime.settings.tz)
        digest = built[key]
        try:
            await bot.send_message(user.telegram_id, digest.text, parse_mode=ParseMode.HTML)
            await bot.send_document(user.telegram_id, io.BytesIO(digest.workbook), filename=digest.filename)
            await bot.send_photo(user.telegram_id, io.BytesIO(digest.chart))
            for suspect in unresolved_in(session, unit=unit)[:SUSPECTS_IN_DIGEST]:
                original = session.get(SupportAction, suspect.duplicate_of_id)
                if original is not None:
                    text, keyboard = duplicate_question(names, session, action=suspect, original=original)
                    await bot.send_message(user.telegram_id, text, reply_markup=keyboard, parse_mode=ParseMode.HTML)
            sent += 1
        except TelegramError as error:  # one blocked chat must not stop the others
            log.warning("digest for unit %s not delivered to user %s: %s", unit.id, user.id, type(error).__name__)
    return sent


async def run_scheduled_digest(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Job callback: claim the schedule (never twice), then send to every supervisor of the unit."""
    job = context.job
    assert job is not None
    unit_id = int(str(job.data))
    runtime: Runtime = context.application.runtime  # type: ignore[attr-defined]
    with runtime.session_factory() as session:
        schedule = schedule_of(session, unit_id=unit_id)
        unit = get_unit(session, unit_id=unit_id)
        if schedule is None or not schedule.enabled or unit is None:
            return
        if not claim(session, schedule_id=schedule.id or 0):
            log.info("digest for unit %s already sent; skipped", unit_id)
            return
        period = digest_period(schedule, tz=runtime.settings.tz)
        sent = await send_digest(context.bot, runtime, session=session, unit=unit, period=period,
                                 users=list(recipients(session, unit=unit)))
        log.info("digest for unit %s sent to %s supervisor(s)", unit_id, sent)


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


async def schedule_digests(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """At start-up: one job per enabled schedule, and a catch-up run for a digest missed while down."""
    runtime: Runtime = application.runtime  # type: ignore[attr-defined]
    queue = application.job_queue
    if queue is None:
        return
    now = datetime.now(runtime.settings.tz)
    with runtime.session_factory() as session:
        for schedule in enabled_schedules(session):
            add_job(application, schedule)
            if missed_run(schedule, now=now, tz=runtime.settings.tz):
                queue.run_once(run_scheduled_digest, when=1, name=job_name(schedule.unit_id) + ":catch-up",
                               data=schedule.unit_id, job_kwargs={"misfire_grace_time": MISFIRE_GRACE_SECONDS})


def _is_supervisor(user: User | None) -> bool:
    return user is not None and user.role in (Role.SUPERVISOR, Role.ADMIN)


async def digest(update: Update, context: ChungTayContext) -> None:
    """/digest [period]: the own unit's digest now, to the one who asked."""
    user, message = context.db_user, update.effective_message
    if user is None or message is None:
        return
    if not _is_supervisor(user):
        await message.reply_text(context.t("Digests are for supervising units. Use /totals for your figures."))
        return
    unit = get_unit(context.session, unit_id=user.unit_id)
    assert unit is not None
    tz = context.runtime.settings.tz
    period, _ = find_period(fold(" ".join(context.args or [])), today=datetime.now(tz).date())
    period = period or digest_period(schedule_of(context.session, unit_id=unit.id or 0), tz=tz)
    await send_digest(context.bot, context.runtime, session=context.session, unit=unit, period=period, users=[user])


async def digest_schedule(update: Update, context: ChungTayContext) -> None:
    """/digest_schedule [thứ 2 7:30 | tắt]: show or set when the own unit receives its digest."""
    user, message = context.db_user, update.effective_message
    if user is None or message is None:
        return
    t = context.t
    if not _is_supervisor(user):
        await message.reply_text(t("Digests are for supervising units. Use /totals for your figures."))
        return
    names = Localised(context.runtime.catalogue, t)
    text = fold(" ".join(context.args or []))
    if not text:
        current = schedule_of(context.session, unit_id=user.unit_id)
        await message.reply_text(t("Digest: {when}. Change it like “/digest_schedule thứ 2 7:30”, or "
                                   "“/digest_schedule tắt” to stop it.").format(when=schedule_text(names, current)))
        return
    unit = get_unit(context.session, unit_id=user.unit_id)
    assert unit is not None
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
    await message.reply_text(t("Digest: {when}.").format(when=schedule_text(names, schedule)))
