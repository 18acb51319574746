"""/zalo: a one-time code that lets a registered user use the bot on Zalo as themselves."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode

from bot.domain.services.channel_links import create_code
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
