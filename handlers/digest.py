"""/digest on demand and /digest_schedule.

Content is built in `bot.domain.reports.digests`; the scheduled and period-end digests are queued by
bot/digest_outbox.py when the jobs of bot/jobs.py run. Only /digest, the answer to the reader's own
command, is sent directly: the same parts as the queued ones (`digest_copies.digest_deliveries`), drawn
and sent the same way (bot/presentation/sending.py). A changed schedule re-creates its job through the
hook the wiring registered (bot/presentation/hooks.py).
"""

from __future__ import annotations

from sqlmodel import Session
from telegram import Update

from bot.domain.outbox.queue import Delivery
from bot.domain.parsing.text import fold
from bot.domain.records.action_text import Localised
from bot.domain.reports.digest_copies import digest_deliveries
from bot.domain.reports.digests import (
    closing_text,
    digest_period,
    parse_closing_switch,
    parse_schedule,
    schedule_of,
    schedule_text,
    set_closing_digest,
    set_schedule,
)
from bot.domain.totals.questions import find_period
from bot.presentation.hooks import schedule_digest
from bot.presentation.sending import edit_into, send_part
from db.queries import get_unit, get_user_by_telegram_id
from handlers.background import in_worker, run_later
from handlers.context import ChungTayContext


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
        [delivery] = digest_deliveries(session, catalogue=runtime.catalogue, unit=own, period=period, users=[reader],
                                       tz=runtime.settings.tz, now=runtime.clock(), key="on-demand")
        return delivery

    async def send() -> None:
        delivery = await in_worker(runtime, build)
        first, *rest = delivery.parts  # the reply to the reader's own command: sent directly, not queued
        await edit_into(bot, chat_id, status.message_id, first)
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
