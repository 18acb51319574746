"""/start (with or without an invite), /help, /me and /language.

They run in private chats only: the gate (handlers/gate.py) answers every command in a group with a
pointer to the private chat, so a welcome, the help or an invite's redemption never happen there. The
screens come from bot/domain/people/welcome.py; the command table (handlers/registry.py) says what each
person may use."""

from __future__ import annotations

from telegram import Update

from bot.domain.people.access import RedeemOutcome, set_locale
from bot.domain.people.directory import welcome_back
from bot.domain.people.welcome import (
    Commands,
    help_screen,
    join_screen,
    language_screen,
    language_set_screen,
    me_screen,
    start_screen,
)
from bot.presentation.callbacks import SetLanguage, read
from bot.presentation.render import edit, reply
from handlers.common import names_of
from handlers.context import ChungTayContext
from handlers.menu import publish_user_commands
from handlers.registry import audience_of, help_lines


def _commands(context: ChungTayContext) -> Commands:
    """The /help lines of a person, in the reader's language, from the command table."""
    return lambda user: help_lines(context.t, audience_of(user))


async def start(update: Update, context: ChungTayContext) -> None:
    message = update.effective_message
    tg_user = update.effective_user
    if message is None or tg_user is None:
        return
    returning = context.db_user
    if returning is not None and welcome_back(context.session, user=returning, now=context.runtime.clock()):
        context.forget_user()  # they had blocked the bot and are back: active again
        if message.chat.type == "private" and context.db_user is not None:
            await publish_user_commands(context.bot, chat_id=message.chat_id, user=context.db_user)
    if not context.args:
        await reply(message, start_screen(t=context.t, viewer=context.db_user, commands=_commands(context)))
        return
    result, screen = join_screen(context.session, names=names_of(context), token=context.args[0][:64],
                                 telegram_id=tg_user.id, display_name=tg_user.full_name,
                                 now=context.runtime.clock(), commands=_commands(context))
    context.forget_user()
    await reply(message, screen)
    if result.outcome is RedeemOutcome.REGISTERED and result.user is not None:
        await publish_user_commands(context.bot, chat_id=message.chat_id, user=result.user)


async def show_help(update: Update, context: ChungTayContext) -> None:
    if update.effective_message is not None:
        await reply(update.effective_message, help_screen(t=context.t, viewer=context.db_user,
                                                          commands=_commands(context)))


async def show_me(update: Update, context: ChungTayContext) -> None:
    user = context.db_user
    if update.effective_message is None or user is None:
        return
    await reply(update.effective_message, me_screen(context.session, viewer=user, names=names_of(context)))


async def choose_language(update: Update, context: ChungTayContext) -> None:
    if update.effective_message is None:
        return
    await reply(update.effective_message, language_screen(context.t))


async def set_language(update: Update, context: ChungTayContext) -> None:
    query = update.callback_query
    user = context.db_user
    if query is None or user is None:
        return
    code = read(update, SetLanguage).code
    set_locale(context.session, user=user, locale=code)
    context.forget_user()
    await query.answer()
    await edit(query, language_set_screen(context.t, code))
    if query.message is not None and query.message.chat.type == "private":
        await publish_user_commands(context.bot, chat_id=query.message.chat.id, user=user)
