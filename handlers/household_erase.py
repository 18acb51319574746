"""Erasing a household's personal details in chat: `/household_erase CODE`, or 🗑 on the /household card,
then ✅ / ❌. The rules (what is erased, what stays, who may) are in bot/domain/households/erasure.py."""

from __future__ import annotations

from telegram import Update

from bot.domain.households.erase_screens import ask_erase_screen, erase_command_screen, erase_screen, refusal
from bot.domain.households.erasure import ErasureRefused
from bot.domain.households.erasure_copies import ERASED_LABEL, ErasedNames, scrub_state
from bot.domain.screen import screen_of
from bot.i18n import get_translator
from bot.presentation import callbacks as cb
from bot.presentation.render import reply
from handlers.common import answer_in_place
from handlers.context import ChungTayContext
from handlers.user_data import UserData


async def erase_command(update: Update, context: ChungTayContext) -> None:
    """/household_erase CODE: asks for confirmation (or which one, when units under yours share the code)."""
    user = context.db_user
    message = update.effective_message
    if user is None or message is None:
        return  # supervisors and admins only: the gate has checked the role
    code = " ".join(context.args or []).strip()
    await reply(message, erase_command_screen(context.session, viewer=user, t=context.t, code=code))


async def _scrub_memory(context: ChungTayContext, erased: ErasedNames) -> None:
    """The user and chat data PTB keeps in memory lose the name too (the rows were scrubbed in the
    erasure's transaction), and are written back now, before the next update can save an old draft."""
    label = get_translator("vi")(ERASED_LABEL)
    application = context.application
    users: list[int] = []
    chats: list[int] = []
    for store, changed in ((application.user_data, users), (application.chat_data, chats)):
        for key, data in list(store.items()):
            # A user's typed values (the open form) are scrubbed as their JSON, then read back typed.
            plain = data.to_json() if isinstance(data, UserData) else dict(data)
            new, touched = scrub_state(plain, erased, label)
            if touched:
                data.clear()
                data.update(UserData.from_json(new) if isinstance(data, UserData) else new)
                changed.append(key)
    if users or chats:
        application.mark_data_for_update_persistence(chat_ids=chats, user_ids=users)
        await application.update_persistence()


async def on_button(update: Update, context: ChungTayContext) -> None:
    """🗑 (ask), ✅ (erase) and ❌ (keep) of the confirmation."""
    query = update.callback_query
    user = context.db_user
    assert query is not None and user is not None
    t = context.t
    pressed = cb.read(update, cb.EraseButton)
    household_id = pressed.household_id
    if isinstance(pressed, cb.EraseCancel):
        await query.answer()
        await answer_in_place(update, context, screen_of(t("Nothing was erased.")))
        return
    try:
        if isinstance(pressed, cb.EraseAsk):
            question = ask_erase_screen(context.session, t=t, viewer=user, household_id=household_id)
            await query.answer()
            await answer_in_place(update, context, question, fresh=True)
            return
        erased, screen = erase_screen(context.session, t=t, viewer=user, household_id=household_id,
                                      now=context.runtime.clock())
    except ErasureRefused as refused:
        await query.answer(refusal(t, refused.reason), show_alert=True)
        return
    if erased is not None:
        await _scrub_memory(context, erased)
    await query.answer(t("Erased."))
    await answer_in_place(update, context, screen)
