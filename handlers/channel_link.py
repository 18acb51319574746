"""/zalo: a one-time code that lets a registered user use the bot on Zalo as themselves; /kenh: where
the messages the bot sends on its own go for a person on both channels. The screens come from
bot/domain/people/channel_screens.py."""

from __future__ import annotations

from telegram import Update

from bot.domain.people.channel_screens import channel_screen, link_code_screen, set_channel_screen
from bot.presentation.callbacks import SetRoute, read
from bot.presentation.render import edit, reply
from handlers.context import ChungTayContext


async def make_code(update: Update, context: ChungTayContext) -> None:
    user = context.db_user
    if update.effective_message is None or user is None:
        return
    await reply(update.effective_message, link_code_screen(context.session, viewer=user, t=context.t,
                                                            now=context.runtime.clock(),
                                                            zalo_enabled=context.runtime.settings.zalo_enabled))


async def choose_channel(update: Update, context: ChungTayContext) -> None:
    """/kenh: where reminders and digests go for a person on both channels."""
    user = context.db_user
    if update.effective_message is None or user is None:
        return
    await reply(update.effective_message, channel_screen(context.session, viewer=user, t=context.t))


async def set_channel(update: Update, context: ChungTayContext) -> None:
    query = update.callback_query
    user = context.db_user
    if query is None or user is None:
        return
    route = read(update, SetRoute).route
    await query.answer()
    screen, chosen = set_channel_screen(context.session, viewer=user, t=context.t, route=route)
    if chosen:
        context.app.forget_routes()
    await edit(query, screen)
