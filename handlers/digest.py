"""/digest on demand and /digest_schedule.

Each update calls one service of `bot.domain.reports.digest_requests` (the content is built in
`bot.domain.reports.digests`); the scheduled and period-end digests are queued by
bot/digest_outbox.py when the jobs of bot/jobs.py run. Only /digest, the answer to the reader's own
command, is sent directly: the same parts as the queued ones (`digest_copies.digest_deliveries`), drawn
and sent the same way (bot/presentation/sending.py). A changed schedule re-creates its job through the
hook the wiring registered (bot/presentation/hooks.py).
"""

from __future__ import annotations

from sqlmodel import Session
from telegram import Update

from bot.domain.outbox.queue import Delivery
from bot.domain.reports.digest_requests import digest_schedule_request, on_demand_digest
from bot.domain.screen import screen_of
from bot.presentation.hooks import schedule_digest
from bot.presentation.render import reply
from bot.presentation.sending import edit_into, send_part
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
    runtime, words, today = context.runtime, " ".join(context.args or []), context.today
    status = await reply(message, screen_of(context.t("Preparing the digest…")))
    bot, chat_id = context.bot, status.chat_id
    unit_id, telegram_id = user.unit_id, user.telegram_id

    def build(session: Session) -> Delivery:
        return on_demand_digest(session, telegram_id=telegram_id, unit_id=unit_id, words=words, today=today,
                                catalogue=runtime.catalogue, tz=runtime.settings.tz, now=runtime.clock())

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
    answer = digest_schedule_request(context.session, viewer=user, words=" ".join(context.args or []),
                                     catalogue=context.runtime.catalogue, t=context.t)
    if answer.changed is not None:
        schedule_digest(context.application, answer.changed)
    await reply(message, answer.screen)
