"""The gate that runs before every other handler, generated from the command table.

It is the one place that decides whether an update may reach a handler at all:

- **Group chats**: the bot posts no household data, no figures and no files there. Any command
  (also /start with an invite, whose token is then left unused) and any main-menu button text gets
  one polite line pointing to the private chat; a button press gets a short callback answer; anything
  else (chatter, documents, photos) gets nothing. No handler runs, so no handler can leak.
- **Private chats**: people not registered may use only the commands open to strangers (/start);
  anything else gets the "no access yet" explanation. A registered person who is no longer active
  (removed, or blocked the bot) gets the same refusal for everything but /start (a new invite, or
  "welcome back"): /help included, so they are not shown what they can no longer use. A registered
  user whose role may not use a command gets that command's polite refusal from the table, and a
  command that is not in the table gets a pointer to /help. A button press is checked the same way:
  every button's action declares its audience (bot/presentation/callbacks), and a press by someone
  outside it (an old message after a change of role, or a forged tap) gets a polite answer and changes
  nothing. Both checks are `may(person, Do.USE, audience)` (bot/domain/permissions.py).
"""

from __future__ import annotations

from telegram import LinkPreviewOptions, Message, Update
from telegram.constants import ChatType
from telegram.ext import ApplicationHandlerStop

from bot.domain.people.directory import note_activity
from bot.domain.permissions import Do, audience_of, may
from bot.i18n import N_, Translator
from bot.presentation.callbacks import decode
from handlers import history, log_form, totals
from handlers.common import inactive_text, no_access_text
from handlers.context import ChungTayContext
from handlers.registry import STRANGER, commands_by_name

BUTTON_REFUSAL = N_("Sorry, this button is for supervising units.")


def command_name(text: str | None, bot_username: str | None) -> str | None:
    """The command a message starts with (lower case, without the slash), or None when the text is no
    command or is addressed to another bot (`/help@OtherBot`)."""
    if not text or not text.startswith("/"):
        return None
    word = text.split(maxsplit=1)[0][1:]
    name, _, addressee = word.partition("@")
    if addressee and (bot_username is None or addressee.lower() != bot_username.lower()):
        return None
    return name.lower() or None


def private_chat_link(bot_username: str | None) -> str:
    return f"https://t.me/{bot_username}" if bot_username else "https://t.me/"


def group_pointer_text(t: Translator, bot_username: str | None) -> str:
    """The one line the bot ever posts in a group."""
    return t("Sorry, I do not answer in group chats, so that names and figures stay private. "
             "Please write to me in a private chat: {link}").format(link=private_chat_link(bot_username))


def _is_menu_button(message: Message) -> bool:
    return (message.text or "").startswith((log_form.MENU_LOG_EMOJI, history.MENU_EMOJI, totals.MENU_EMOJI))


async def gate(update: Update, context: ChungTayContext) -> None:
    """Let the update through (return) or answer it here and stop every later handler."""
    if update.effective_user is None:
        raise ApplicationHandlerStop
    typed = update.message or update.edited_message  # not the bot's own message under a pressed button
    name = command_name(typed.text if typed else None, context.bot.username)
    command = commands_by_name().get(name) if name else None
    chat = update.effective_chat
    if chat is not None and chat.type != ChatType.PRIVATE:
        if command is not None and not command.private_only:
            return
        await _answer_in_group(update, context, is_command=name is not None)
        raise ApplicationHandlerStop
    user = context.db_user
    audience = audience_of(user)
    if user is not None and user.active:
        note_activity(context.session, user=user, now=context.runtime.clock())
    elif user is not None and name != "start":
        await _refuse_inactive(update, context)
        raise ApplicationHandlerStop
    if command is not None:
        if may(user, Do.USE, command.roles):
            return
    elif audience != STRANGER:
        if update.callback_query is not None and not _may_press(update, context):
            await update.callback_query.answer(context.t(BUTTON_REFUSAL), show_alert=True)
            raise ApplicationHandlerStop
        if name is not None and update.message is not None:
            await update.message.reply_text(context.t("Sorry, I do not know the command /{command}. "
                                                      "/help lists what I can do.").format(command=name[:32]))
            raise ApplicationHandlerStop
        return  # not a command (a button, text, a file…): the handlers decide
    if audience == STRANGER:
        if update.callback_query is not None:
            await update.callback_query.answer(context.t("You do not have access yet."), show_alert=True)
        elif update.effective_message is not None:
            await update.effective_message.reply_text(
                no_access_text(context.t) if user is None else inactive_text(context.t, user))
    elif command is not None and update.effective_message is not None:
        await update.effective_message.reply_text(context.t(command.refusal))
    raise ApplicationHandlerStop


def _may_press(update: Update, context: ChungTayContext) -> bool:
    """The pressed button's audience includes the person (data no action reads is left to the handlers,
    which answer it as out of date)."""
    pressed = decode(update.callback_query.data if update.callback_query else None)
    return pressed is None or may(context.db_user, Do.USE, pressed.AUDIENCE)


async def _refuse_inactive(update: Update, context: ChungTayContext) -> None:
    """The one answer a known but inactive person gets, whatever they send or press."""
    user = context.db_user
    assert user is not None
    if update.callback_query is not None:
        await update.callback_query.answer(context.t("You do not have access yet."), show_alert=True)
    elif update.message is not None:  # an edit of an old message gets nothing, as for strangers
        await update.message.reply_text(inactive_text(context.t, user))


async def _answer_in_group(update: Update, context: ChungTayContext, *, is_command: bool) -> None:
    t = context.t
    if update.callback_query is not None:
        await update.callback_query.answer(t("Please use the bot in a private chat."))
        return
    message = update.message  # never answer an edit: the pointer was given for the original
    if message is not None and (is_command or _is_menu_button(message)):
        await message.reply_text(group_pointer_text(t, context.bot.username),
                                 link_preview_options=LinkPreviewOptions(is_disabled=True))
