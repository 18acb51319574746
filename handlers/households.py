"""The household register in chat: /household (search and history), /household_add (add or edit) and
/unreached ("no one left behind": handlers/unreached.py). Importing the review list (a CSV/XLSX file):
handlers/household_import.py."""

from __future__ import annotations

import html

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.domain.formatting import format_day
from bot.domain.households.erasure import household_name
from bot.domain.households.register import (
    classify,
    household_history,
    search_households,
    upsert_household,
)
from bot.domain.lookup import visible_household
from bot.domain.parsing.numbers import ascii_int
from bot.domain.records.action_text import Localised, figures_line
from bot.domain.records.draft import draft_from_action
from bot.presentation.callbacks import ViewHousehold, button, read
from db.models import Household
from db.queries import get_unit
from handlers.context import ChungTayContext
from handlers.household_erase import erase_markup


def _class_name(context: ChungTayContext, code: str) -> str:
    spec = next((b for b in context.runtime.catalogue.beneficiary_class if b.code == code), None)
    return (spec.name_vi if context.locale == "vi" else spec.name_en) if spec else code


def household_card(context: ChungTayContext, household: Household) -> str:
    """The household and everything it received, from every organisation, by date (HTML)."""
    t = context.t
    names = Localised(context.runtime.catalogue, t)
    head = " · ".join(p for p in (household.code, household.village) if p)
    lines = [f"<b>{html.escape(household_name(t, household))}</b> ({html.escape(head)})",
             t("{classification} ({year}), {members} member(s)").format(
                 classification=html.escape(_class_name(context, household.classification)), year=household.year,
                 members=household.members if household.members is not None else "?")]
    history = household_history(context.session, household=household)
    if not history:
        lines.append(t("Has not received any support yet."))
    for action in history:
        draft = draft_from_action(action, context.session)
        spec = context.runtime.catalogue.category_by_code(draft.category or "")
        what = f"{names.category(spec)}: {figures_line(names, spec, draft)}" if spec else "?"
        organisation = names.at_unit(get_unit(context.session, unit_id=action.unit_id)).organisation(draft.organisation)
        lines.append(html.escape(f"• {format_day(action.action_date, context.locale)} · {organisation} · {what}"))
    return "\n".join(lines)


async def find_household(update: Update, context: ChungTayContext) -> None:
    """/household <part of the name or the code>."""
    user = context.db_user
    message = update.effective_message
    if user is None or message is None:
        return
    t = context.t
    text = " ".join(context.args or []).strip()
    if not text:
        await message.reply_text(t("Type part of the head of household's name or the household code, "
                                   "e.g. /household nguyen van a"))
        return
    matches = search_households(context.session, user=user, text=text)
    if not matches:
        await message.reply_text(t("No household in your unit's register matches “{text}”.").format(text=text[:40]))
    elif len(matches) == 1:
        await message.reply_text(household_card(context, matches[0]), parse_mode=ParseMode.HTML,
                                 reply_markup=erase_markup(context, matches[0]))
    else:
        rows = [[button(" · ".join(p for p in (household_name(t, h), h.village, h.code) if p)[:60],
                        ViewHousehold(h.id or 0))] for h in matches]
        await message.reply_text(t("Several households match; choose one:"), reply_markup=InlineKeyboardMarkup(rows))


async def view_household(update: Update, context: ChungTayContext) -> None:
    query = update.callback_query
    user = context.db_user
    assert query is not None and user is not None
    household = visible_household(context.session, user=user, household_id=read(update, ViewHousehold).household_id)
    if household is None:
        await query.answer(context.t("You cannot see this household."), show_alert=True)
        return
    await query.answer()
    await query.edit_message_text(household_card(context, household), parse_mode=ParseMode.HTML,
                                  reply_markup=erase_markup(context, household))


async def add_household(update: Update, context: ChungTayContext) -> None:
    """/household_add code; head of household; village; classification; members — adds or edits."""
    user = context.db_user
    message = update.effective_message
    if user is None or message is None:
        return
    t = context.t
    raw = (message.text or "").partition(" ")[2]
    parts = [p.strip() for p in raw.split(";")]
    usage = t("Write: /household_add code; head of household; village; classification; members\n"
              "e.g. /household_add HN-07; Nguyễn Văn A; thôn 3; hộ nghèo; 5")
    if len(parts) < 4 or not parts[0] or not parts[1]:
        await message.reply_text(usage)
        return
    classification = classify(parts[3], context.runtime.catalogue)
    members_text = parts[4] if len(parts) > 4 else ""
    members = ascii_int(members_text, low=1, high=99)
    if classification is None or (members_text and members is None):
        await message.reply_text(t("I could not read the classification or the number of members.") + "\n" + usage)
        return
    unit = get_unit(context.session, unit_id=user.unit_id)
    assert unit is not None
    household, created, restored = upsert_household(
        context.session, user=user, unit=unit, code=parts[0][:64], head_name=parts[1][:200],
        village=parts[2][:200] or None, classification=classification, year=context.today.year,
        members=members)
    heading = t("Household added:") if created else t("Household updated:")
    if restored:
        heading = t("Household updated. Its personal details had been erased; the name you typed is stored "
                    "again.")
    await message.reply_text(heading + "\n" + household_card(context, household), parse_mode=ParseMode.HTML)
