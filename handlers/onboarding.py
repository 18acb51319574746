"""/start (with or without an invite), /help, /me and /language.

They run in private chats only: the gate (handlers/gate.py) answers every command in a group with a
pointer to the private chat, so a welcome, the help or an invite's redemption never happen there."""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.domain.people.access import RedeemOutcome, redeem_invite, set_locale
from bot.domain.people.directory import welcome_back
from bot.i18n import Translator
from bot.presentation.callbacks import SetLanguage, button, read
from db.models import User
from bot.domain.people.describe import describe_person
from handlers.common import inactive_text, names_of, no_access_text
from handlers.context import ChungTayContext
from handlers.menu import main_menu_keyboard, publish_user_commands
from handlers.registry import audience_of, help_lines

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


def help_text(t: Translator, user: User | None) -> str:
    """What this person can do, by role, from the command table (strangers only learn how to get access)."""
    if user is None:
        return no_access_text(t)
    lines = [t("<b>Chung Tay</b> — recording support for poor households."), ""]
    return "\n".join(lines + help_lines(t, audience_of(user)))


def describe_user(context: ChungTayContext, user: User, *, with_unit: bool = True) -> tuple[str, str, str]:
    role, unit, organisation = describe_person(context.session, names_of(context), user, with_unit=with_unit)
    return role, html.escape(unit), html.escape(organisation)


async def start(update: Update, context: ChungTayContext) -> None:
    message = update.effective_message
    tg_user = update.effective_user
    if message is None or tg_user is None:
        return
    t = context.t
    returning = context.db_user
    if returning is not None and welcome_back(context.session, user=returning, now=context.runtime.clock()):
        context.forget_user()  # they had blocked the bot and are back: active again
        if message.chat.type == "private" and context.db_user is not None:
            await publish_user_commands(context.bot, chat_id=message.chat_id, user=context.db_user)
    if not context.args:
        user = context.db_user
        if user is None or not user.active:
            await message.reply_text(no_access_text(t) if user is None else inactive_text(t, user))
            return
        await message.reply_text(
            t("Hello {name}! Good to see you again.").format(name=html.escape(user.display_name))
            + "\n\n" + help_text(t, user), parse_mode=ParseMode.HTML, reply_markup=main_menu_keyboard(user.locale))
        return
    result = redeem_invite(context.session, token=context.args[0][:64], telegram_id=tg_user.id,
                           display_name=tg_user.full_name, locale=context.locale,
                           now=context.runtime.clock())
    context.forget_user()
    t = context.t
    if result.outcome is RedeemOutcome.REGISTERED and result.user is not None:
        role, unit, organisation = describe_user(context, result.user)
        text = t("Welcome, {name}! You are registered as {role} of {unit} (organisation: {organisation}).").format(
            name=html.escape(result.user.display_name), role=role, unit=unit, organisation=organisation)
        await message.reply_text(text + "\n\n" + help_text(t, result.user), parse_mode=ParseMode.HTML,
                                 reply_markup=main_menu_keyboard(result.user.locale))
        await publish_user_commands(context.bot, chat_id=message.chat_id, user=result.user)
        return
    if result.outcome is RedeemOutcome.ALREADY_REGISTERED:
        await message.reply_text(t("You are already registered; this invite was not used.") + "\n\n"
                                 + help_text(t, result.user), parse_mode=ParseMode.HTML)
        return
    reason = {
        RedeemOutcome.UNKNOWN: t("This invite link is not valid."),
        RedeemOutcome.USED: t("This invite link has already been used."),
        RedeemOutcome.EXPIRED: t("This invite link has expired."),
        RedeemOutcome.REVOKED: t("This invite link has been withdrawn by the person who created it."),
        RedeemOutcome.MAKER_GONE: t("This invite link no longer works: the person who made it no longer has "
                                    "the right to invite for this role and unit."),
        RedeemOutcome.CLOSED_ABOVE: t("Your access was closed at a higher level than this invite's; only that "
                                      "level can open it again."),
    }[result.outcome]
    await message.reply_text(reason + " " + t("Please ask the person who invited you for a new link."))


async def show_help(update: Update, context: ChungTayContext) -> None:
    if update.effective_message is not None:
        await update.effective_message.reply_text(help_text(context.t, context.db_user), parse_mode=ParseMode.HTML)


async def show_me(update: Update, context: ChungTayContext) -> None:
    user = context.db_user
    if update.effective_message is None or user is None:
        return
    t = context.t
    role, unit, organisation = describe_user(context, user)
    text = "\n".join([
        t("<b>Your account</b>"),
        t("Name: {name}").format(name=html.escape(user.display_name)),
        t("Role: {role}").format(role=role),
        t("Unit: {unit}").format(unit=unit),
        t("Organisation: {organisation}").format(organisation=organisation),
        t("Language: {language}").format(language=LANGUAGE_NAMES[user.locale]),
    ])
    await update.effective_message.reply_text(text, parse_mode=ParseMode.HTML)


async def choose_language(update: Update, context: ChungTayContext) -> None:
    if update.effective_message is None:
        return
    keyboard = InlineKeyboardMarkup([[
        button(name, SetLanguage(code))
        for code, name in LANGUAGE_NAMES.items()
    ]])
    await update.effective_message.reply_text(context.t("Choose your language:"), reply_markup=keyboard)


async def set_language(update: Update, context: ChungTayContext) -> None:
    query = update.callback_query
    user = context.db_user
    if query is None or user is None:
        return
    code = read(update, SetLanguage).code
    set_locale(context.session, user=user, locale=code)
    context.forget_user()
    t = context.t
    await query.answer()
    await query.edit_message_text(t("Language set to {language}.").format(language=LANGUAGE_NAMES[code]))
    if query.message is not None and query.message.chat.type == "private":
        await publish_user_commands(context.bot, chat_id=query.message.chat.id, user=user)
