"""Command menus (`set_my_commands`) per language and per role.

Strangers see the default menu (Vietnamese, or English when their Telegram is English). Once
registered, each private chat gets its own menu in the language the user chose and for their role,
so a reporter is not shown /invite.
"""

from __future__ import annotations

from dataclasses import dataclass

from telegram import Bot, BotCommand, BotCommandScopeChat, KeyboardButton, ReplyKeyboardMarkup

from bot.i18n import N_, get_translator
from db.models import Role, User

STRANGER = "stranger"


@dataclass(frozen=True)
class MenuCommand:
    command: str
    description: str  # msgid, translated per menu
    audience: frozenset[str]


_EVERYONE = frozenset({STRANGER, Role.REPORTER, Role.SUPERVISOR, Role.ADMIN})
_MEMBERS = frozenset({Role.REPORTER, Role.SUPERVISOR, Role.ADMIN})
_MANAGERS = frozenset({Role.SUPERVISOR, Role.ADMIN})

COMMANDS: tuple[MenuCommand, ...] = (
    MenuCommand("start", N_("Start / open an invite"), frozenset({STRANGER})),
    MenuCommand("help", N_("What the bot can do"), _EVERYONE),
    MenuCommand("log", N_("Log support given"), _MEMBERS),
    MenuCommand("history", N_("Recent entries: correct or void"), _MEMBERS),
    MenuCommand("undo", N_("Void your last entry"), _MEMBERS),
    MenuCommand("totals", N_("Totals for a unit and period"), _MEMBERS),
    MenuCommand("export", N_("Figures as an Excel file"), _MEMBERS),
    MenuCommand("report", N_("Draft report (DOCX)"), _MEMBERS),
    MenuCommand("digest", N_("Digest of the units under yours, now"), _MANAGERS),
    MenuCommand("digest_schedule", N_("When the digest is sent"), _MANAGERS),
    MenuCommand("submit", N_("Submit the figures of a reporting period"), _MEMBERS),
    MenuCommand("period", N_("Reporting periods and deadlines"), _MANAGERS),
    MenuCommand("status", N_("Who has reported, on time or late"), _MANAGERS),
    MenuCommand("target", N_("Set a target"), _MANAGERS),
    MenuCommand("reopen", N_("Reopen a unit's submission"), _MANAGERS),
    MenuCommand("household", N_("Find a household and what it received"), _MEMBERS),
    MenuCommand("unreached", N_("Households not yet supported"), _MEMBERS),
    MenuCommand("suspects", N_("Possible double counts"), _MANAGERS),
    MenuCommand("me", N_("Your role, unit and organisation"), _MEMBERS),
    MenuCommand("invite", N_("Invite a colleague"), _MANAGERS),
    MenuCommand("users", N_("People of your units"), _MANAGERS),
    MenuCommand("invites", N_("Open invites: revoke"), _MANAGERS),
    MenuCommand("language", N_("Language: Tiếng Việt / English"), _MEMBERS),
    MenuCommand("cancel", N_("Cancel what you are doing"), _MEMBERS),
)


def commands_for(audience: str, locale: str) -> list[BotCommand]:
    t = get_translator(locale)
    return [BotCommand(c.command, t(c.description)) for c in COMMANDS if audience in c.audience]


async def publish_default_commands(bot: Bot) -> None:
    """Menus for people not yet registered: Vietnamese by default, English for English clients."""
    await bot.set_my_commands(commands_for(STRANGER, "vi"))
    await bot.set_my_commands(commands_for(STRANGER, "en"), language_code="en")


async def publish_user_commands(bot: Bot, *, chat_id: int, user: User) -> None:
    """The menu of one registered user's private chat, in their language and for their role."""
    await bot.set_my_commands(commands_for(user.role, user.locale), scope=BotCommandScopeChat(chat_id))


def main_menu_keyboard(locale: str) -> ReplyKeyboardMarkup:
    """The buttons under the text box of a registered user: the everyday actions, one tap away."""
    t = get_translator(locale)
    return ReplyKeyboardMarkup([[KeyboardButton("📝 " + t("Log support")), KeyboardButton("📜 " + t("History")),
                                 KeyboardButton("📊 " + t("Totals"))]],
                               resize_keyboard=True, is_persistent=True)
