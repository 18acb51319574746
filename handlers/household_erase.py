"""Erasing a household's personal details in chat: `/household_erase CODE`, or 🗑 on the /household card,
then ✅ / ❌. The rules (what is erased, what stays, who may) are in bot/domain/households/erasure.py."""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.domain.households.erasure import (
    ERASED_NAME,
    ErasureRefused,
    erasable_household,
    erase_household,
    households_by_code,
    records_naming,
)
from bot.domain.households.erasure_copies import ERASED_LABEL, ErasedNames, scrub_state
from bot.domain.permissions import Do, may
from bot.domain.units.tree import unit_label
from bot.i18n import get_translator
from bot.presentation import callbacks as cb
from db.models import Household
from handlers.common import answer_in_place
from handlers.context import ChungTayContext
from handlers.user_data import UserData


def erase_markup(context: ChungTayContext, household: Household) -> InlineKeyboardMarkup | None:
    """🗑 under the /household card, for the supervisors who may erase this household."""
    user = context.db_user
    if user is None or household.erased_at is not None or household.id is None \
            or not may(user, Do.ERASE_HOUSEHOLD, household, session=context.session):
        return None
    return InlineKeyboardMarkup([[cb.button("🗑 " + context.t("Erase personal details"), cb.EraseAsk(household.id))]])


def _refusal(context: ChungTayContext, reason: str) -> str:
    t = context.t
    if reason == "already_erased":
        return t("This household's personal details are already erased.")
    return t("Only a supervisor of the household's unit or a unit above it can erase its details.")


def _confirmation(context: ChungTayContext, household: Household) -> tuple[str, InlineKeyboardMarkup]:
    t = context.t
    records = len(records_naming(context.session, household=household))
    unit = unit_label(context.session, t, household.unit_id)
    text = "\n\n".join([
        t("Erase the personal details of household {code} ({unit}): <b>{name}</b>?").format(
            code=html.escape(household.code), unit=html.escape(unit), name=html.escape(household.head_name)),
        t("The head of household's name and the notes are erased, and so are the name, note, photo and "
          "location in the {count} record(s) that name this household. The records and their figures stay, "
          "and the household code stays. This cannot be undone.").format(count=records)])
    household_id = household.id or 0
    markup = InlineKeyboardMarkup([[
        cb.button("✅ " + t("Erase"), cb.EraseConfirm(household_id)),
        cb.button("❌ " + t("Cancel"), cb.EraseCancel(household_id))]])
    return text, markup


async def erase_command(update: Update, context: ChungTayContext) -> None:
    """/household_erase CODE: asks for confirmation (or which one, when units under yours share the code)."""
    user = context.db_user
    message = update.effective_message
    if user is None or message is None:
        return
    t = context.t  # supervisors and admins only: the gate has checked the role
    code = " ".join(context.args or []).strip()
    if not code:
        await message.reply_text(t("Write the household code, e.g. /household_erase HN-07"))
        return
    found = households_by_code(context.session, user=user, code=code)
    if not found:
        await message.reply_text(t("No household with code “{code}” in your unit's register.").format(
            code=code[:40]))
        return
    if all(h.erased_at is not None for h in found):
        await message.reply_text(_refusal(context, "already_erased"))
        return
    open_ones = [h for h in found if h.erased_at is None]
    if len(open_ones) == 1:
        text, markup = _confirmation(context, open_ones[0])
        await message.reply_text(text, reply_markup=markup, parse_mode=ParseMode.HTML)
        return
    rows = [[cb.button(f"{h.code} · {unit_label(context.session, t, h.unit_id)}"[:60], cb.EraseAsk(h.id or 0))]
            for h in open_ones]
    await message.reply_text(t("Several units have a household with this code; choose one:"),
                             reply_markup=InlineKeyboardMarkup(rows))


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
        await answer_in_place(update, context, t("Nothing was erased."))
        return
    try:
        if isinstance(pressed, cb.EraseAsk):
            household = erasable_household(context.session, user=user, household_id=household_id)
            await query.answer()
            text, markup = _confirmation(context, household)
            await answer_in_place(update, context, text, markup, fresh=True)
            return
        result = erase_household(context.session, user=user, household_id=household_id, now=context.runtime.clock())
    except ErasureRefused as refused:
        await query.answer(_refusal(context, refused.reason), show_alert=True)
        return
    if result.erased is not None:
        await _scrub_memory(context, result.erased)
    await query.answer(t("Erased."))
    unit = unit_label(context.session, t, result.unit_id)
    await answer_in_place(update, context, t(
        "Household {code} ({unit}): personal details erased. Its {count} record(s) keep their figures; where "
        "the name was shown, it now reads “{erased}”.").format(
            code=html.escape(result.code), unit=html.escape(unit), count=result.records, erased=t(ERASED_NAME)))

