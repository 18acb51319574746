"""/dashboard: the 📊 button that opens the supervisors' dashboard (a Telegram Mini App, bot/web/).

The gate lets only supervisors and administrators here, in private chat (handlers/registry.py). The
reply carries an inline `web_app` button, and the chat's menu button becomes the same page, so it stays
one tap away. Telegram signs the user into the page (initData); the page itself checks nothing else.
"""

from __future__ import annotations

import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, MenuButtonWebApp, Update, WebAppInfo
from telegram.error import TelegramError

from handlers.context import ChungTayContext

log = logging.getLogger(__name__)


async def open_dashboard(update: Update, context: ChungTayContext) -> None:
    t, message, chat = context.t, update.effective_message, update.effective_chat
    url = context.runtime.settings.dashboard_url
    if message is None or chat is None:
        return
    if not url:
        await message.reply_text(t("The dashboard is not switched on for this bot yet. Ask the operator to set "
                                   "DASHBOARD_URL; meanwhile /status and /totals show the same figures."))
        return
    label = t("📊 Dashboard")
    await message.reply_text(
        t("The whole picture of the units under yours: who has reported, the figures month by month, and the "
          "records waiting for an answer. Tap the button (it is also in the menu beside the text box)."),
        reply_markup=InlineKeyboardMarkup([[InlineKeyboardButton(label, web_app=WebAppInfo(url))]]))
    try:
        await context.bot.set_chat_menu_button(chat_id=chat.id, menu_button=MenuButtonWebApp(label, WebAppInfo(url)))
    except TelegramError as error:  # the inline button above works without it
        log.warning("could not set the dashboard menu button: %s", error)
