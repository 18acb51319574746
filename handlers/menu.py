"""Command menus (`set_my_commands`) per language and per role, generated from handlers/registry.py.

Strangers see the default menu (Vietnamese, or English when their Telegram is English). Once
registered, each private chat gets its own menu in the language the user chose and for their role,
so a reporter is not shown /invite.
"""

from __future__ import annotations

from telegram import Bot, BotCommand, BotCommandScopeChat

from bot.i18n import get_translator
from db.models import User
from handlers.registry import STRANGER, Audience, menu_entries


def commands_for(audience: Audience, locale: str) -> list[BotCommand]:
    """The menu of one audience (a role, or STRANGER) in one language, from the command table."""
    t = get_translator(locale)
    return [BotCommand(name, t(description)) for name, description in menu_entries(audience)]


async def publish_default_commands(bot: Bot) -> None:
    """Menus for people not yet registered: Vietnamese by default, English for English clients."""
    await bot.set_my_commands(commands_for(STRANGER, "vi"))
    await bot.set_my_commands(commands_for(STRANGER, "en"), language_code="en")


async def publish_user_commands(bot: Bot, *, chat_id: int, user: User) -> None:
    """The menu of one registered user's private chat, in their language and for their role."""
    await bot.set_my_commands(commands_for(user.role, user.locale), scope=BotCommandScopeChat(chat_id))
