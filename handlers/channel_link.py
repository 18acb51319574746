"""/zalo: a one-time code that lets a registered user use the bot on Zalo as themselves; /kenh: where
the messages the bot sends on its own go for a person on both channels."""

from __future__ import annotations

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.domain.people.channel_links import choose_route, create_code, current_route, linked_account
from bot.i18n import N_
from bot.presentation.callbacks import SetRoute, button, read
from handlers.context import ChungTayContext


async def make_code(update: Update, context: ChungTayContext) -> None:
    user = context.db_user
    if update.effective_message is None or user is None:
        return
    t = context.t
    if not context.runtime.settings.zalo_enabled:
        await update.effective_message.reply_text(t("This bot is not set up on Zalo."))
        return
    code = create_code(context.session, user=user, now=context.runtime.clock())
    await update.effective_message.reply_text(
        t("To use Chung Tay on Zalo as yourself (same role and unit), open the bot on Zalo and send:\n"
          "<code>/link {code}</code>\nThe code works once, for 15 minutes.").format(code=code),
        parse_mode=ParseMode.HTML)


ROUTE_NAMES = {
    "last": N_("The channel I used last"),
    "telegram": N_("Always Telegram"),
    "zalo": N_("Always Zalo"),
}
ROUTE_DONE = {
    "last": N_("Done: reminders and digests will go to the channel you used last."),
    "telegram": N_("Done: reminders and digests will always go to Telegram, wherever you write."),
    "zalo": N_("Done: reminders and digests will always go to Zalo, wherever you write."),
}


async def choose_channel(update: Update, context: ChungTayContext) -> None:
    """/kenh: where reminders and digests go for a person on both channels."""
    user = context.db_user
    if update.effective_message is None or user is None:
        return
    t = context.t
    identity = linked_account(context.session, user=user)
    if identity is None:
        await update.effective_message.reply_text(
            t("Reminders and digests come here: you have not linked a Zalo account. To use the bot on Zalo "
              "too, send /zalo on Telegram and follow the steps; then /kenh lets you choose."))
        return
    current = current_route(identity)
    keyboard = InlineKeyboardMarkup([
        [button(("• " if route == current else "") + t(name), SetRoute(route))]
        for route, name in ROUTE_NAMES.items()
    ])
    await update.effective_message.reply_text(
        t("Where should reminders, digests and other messages the bot sends on its own go?\n"
          "Now: {current}.").format(current=t(ROUTE_NAMES[current])), reply_markup=keyboard)


async def set_channel(update: Update, context: ChungTayContext) -> None:
    query = update.callback_query
    user = context.db_user
    if query is None or user is None:
        return
    route = read(update, SetRoute).route
    t = context.t
    await query.answer()
    identity = linked_account(context.session, user=user)
    if identity is None:
        await query.edit_message_text(t("You have not linked a Zalo account. Send /zalo on Telegram first."))
        return
    choose_route(context.session, identity=identity, route=route)
    context.app.forget_routes()
    await query.edit_message_text(t(ROUTE_DONE[route]))
