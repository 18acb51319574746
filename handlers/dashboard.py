"""/dashboard: the 📊 button that opens the supervisors' dashboard (a Telegram Mini App, bot/web/).

The gate lets only supervisors and administrators here, in private chat (handlers/registry.py). The
reply carries an inline `web_app` button (bot/domain/dashboard/screen.py), and the chat's menu button
becomes the same page, so it stays one tap away. Telegram signs the user into the page (initData); the
page itself checks nothing else.
"""

from __future__ import annotations

import logging

from telegram import MenuButtonWebApp, Update, WebAppInfo
from telegram.error import TelegramError

from bot.domain.dashboard.screen import dashboard_label, dashboard_screen
from bot.presentation.render import reply
from handlers.context import ChungTayContext

log = logging.getLogger(__name__)


async def open_dashboard(update: Update, context: ChungTayContext) -> None:
    t, message, chat = context.t, update.effective_message, update.effective_chat
    url = context.runtime.settings.dashboard_url
    if message is None or chat is None:
        return
    await reply(message, dashboard_screen(t, url=url))
    if not url:
        return
    try:
        await context.bot.set_chat_menu_button(chat_id=chat.id,
                                               menu_button=MenuButtonWebApp(dashboard_label(t), WebAppInfo(url)))
    except TelegramError as error:  # the inline button above works without it
        log.warning("could not set the dashboard menu button: %s", error)
