"""/digest on demand, /digest_schedule, and building the scheduled and period-end digests.

When they run is decided in bot/jobs.py (one weekly job per schedule, one repeating period-end check,
a catch-up run for a digest missed while the bot was down); `claim` makes sure no digest goes out twice.
Content is built in `bot.services.digests`.

Scheduled and period-end digests are not sent from here: each reader's parts (text, XLSX, chart, then
the open double-count questions) are built first, then the claim and the outbox rows are committed in
one transaction (`outbox.enqueue_claimed`), and the outbox sender delivers them in order, retrying
what fails. Only /digest, the answer to the reader's own command, is sent directly.
"""

from __future__ import annotations

import logging
from functools import partial

from sqlmodel import Session
from telegram import Update
from telegram.constants import ParseMode

from bot.i18n import get_translator
from bot.jobs import schedule_digest
from bot.outbox_sender import send_part
from bot.parsing.text import fold
from bot.runtime import Runtime
from bot.services.action_text import Localised
from bot.services.digests import (
    Digest,
    build_digest,
    claim,
    claim_closing_digest,
    closing_text,
    digest_period,
    due_closing_digests,
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
from bot.services.lookup import with_originals
from bot.services.outbox import DOCUMENT, PHOTO, Delivery, Part, enqueue_claimed
from bot.services.periods import Period, covering
from bot.services.questions import find_period
from db.models import ReportingPeriod, Unit, User
from db.queries import get_unit, get_user_by_telegram_id
from handlers.background import in_worker, run_later
from handlers.context import ChungTayContext
from handlers.duplicates import duplicate_question
from handlers.render import to_html

log = logging.getLogger(__name__)
SUSPECTS_IN_DIGEST = 5  # the rest are one /suspects away


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
        parts = [Part(text=to_html(digest.text), parse_mode=ParseMode.HTML),
                 Part(kind=DOCUMENT, payload=digest.workbook, filename=digest.filename),
                 Part(kind=PHOTO, payload=digest.chart)]
        for suspect, original in with_originals(session, suspects):
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
    schedule_digest(context.application, schedule)
    await message.reply_text(t("Digest: {when}.").format(when=schedule_text(names, schedule))
                             + "\n" + closing_text(names, schedule))
