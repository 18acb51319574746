"""The household register in chat: /household (search and history), /household_add (add or edit),
importing the review list (send a CSV/XLSX file), and /unreached ("no one left behind")."""

from __future__ import annotations

import html
import io

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.formatting import format_day
from bot.i18n import N_
from bot.parsing.matcher import matcher_for
from bot.parsing.numbers import ascii_int
from bot.parsing.text import fold
from bot.services.action_text import Localised, figures_line
from bot.services.actions import draft_from_action
from bot.services.erasure import household_name
from bot.services.households import (
    HouseholdImportError,
    ImportPreview,
    UnreadableFile,
    apply_import,
    can_see_household,
    classify,
    household_history,
    preview_import,
    search_households,
    unreached_households,
    upsert_household,
)
from bot.services.units import unit_kind, unit_label
from bot.xlsx import Column, Kind, Sheet, workbook_bytes
from db.models import Household
from db.queries import get_unit
from handlers.callbacks import ImportHouseholds, SkipImport, ViewHousehold, button, decode, read
from handlers.context import ChungTayContext
from handlers.household_erase import erase_markup

FIELD_LABELS = {
    "code": N_("household code"), "head_name": N_("head of household"), "village": N_("village"),
    "classification": N_("classification"), "year": N_("year"), "members": N_("members"), "notes": N_("notes"),
    "tags": N_("marks"), "unit_code": N_("unit code"),
}
MAX_FILE_BYTES = 5 * 1024 * 1024


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
        organisation = names.at(unit_kind(context.session, action.unit_id)).organisation(draft.organisation)
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
    household = context.session.get(Household, read(update, ViewHousehold).household_id)
    if household is None or not can_see_household(context.session, user=user, household=household):
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


async def receive_list(update: Update, context: ChungTayContext) -> None:
    """A CSV/XLSX review list sent to the bot: show the column mapping and the problems, then ask."""
    user = context.db_user
    message = update.effective_message
    if user is None or message is None or message.document is None:
        return
    t = context.t
    document = message.document
    name = document.file_name or ""
    if not name.lower().endswith((".csv", ".xlsx")) or (document.file_size or 0) > MAX_FILE_BYTES:
        await message.reply_text(t("To import the household list, send a CSV or XLSX file (at most 5 MB)."))
        return
    content = bytes(await (await document.get_file()).download_as_bytearray())
    unit = get_unit(context.session, unit_id=user.unit_id)
    assert unit is not None
    try:
        preview = preview_import(context.session, unit=unit, content=content, filename=name,
                                 catalogue=context.runtime.catalogue, default_year=context.today.year)
    except UnreadableFile:
        await message.reply_text(t("Sorry, this file cannot be read as an Excel (.xlsx) or CSV table. Please save it "
                                   "again as .xlsx or .csv and send it."))
        return
    except HouseholdImportError as error:
        await message.reply_text(t("Nothing was imported:") + "\n" + "\n".join(error.problems[:20]))
        return
    mapping = "\n".join(f"• {t(FIELD_LABELS[key])} ← “{header}”" for key, header in preview.mapping.items())
    if preview.problems:
        more = len(preview.problems) - 20
        problems = "\n".join(preview.problems[:20]) + (f"\n… (+{more})" if more > 0 else "")
        await message.reply_text(t("Columns found:") + "\n" + mapping + "\n\n"
                                 + t("Nothing was imported; please fix these rows and send the file again:")
                                 + "\n" + problems)
        return
    context.user_data["household_import"] = {"mapping": preview.mapping, "rows": preview.rows}  # type: ignore[index]
    keyboard = InlineKeyboardMarkup([[
        button("✅ " + t("Import {count} households").format(count=len(preview.rows)), ImportHouseholds()),
        button("❌ " + t("Cancel"), SkipImport())]])
    ready = t("{count} rows are ready to import into {unit}.").format(
        count=len(preview.rows), unit=unit_label(context.session, t, unit.id or 0))
    if preview.restoring:
        ready += "\n\n⚠️ " + _restoring_text(context, preview.restoring)
    await message.reply_text(t("Columns found:") + "\n" + mapping + "\n\n" + ready, reply_markup=keyboard)


async def confirm_import(update: Update, context: ChungTayContext) -> None:
    query = update.callback_query
    user = context.db_user
    assert query is not None and user is not None
    await query.answer()
    pending = context.user_data.pop("household_import", None)  # type: ignore[union-attr]
    if isinstance(decode(query.data), SkipImport) or not pending:
        await query.edit_message_text(context.t("Cancelled."))
        return
    outcome = apply_import(context.session, preview=ImportPreview(**pending), user=user)
    text = context.t("Imported: {created} new households, {updated} updated.").format(
        created=outcome.created, updated=outcome.updated)
    if outcome.restored:
        text += "\n\n⚠️ " + _restoring_text(context, outcome.restored)
    await query.edit_message_text(text)


def _restoring_text(context: ChungTayContext, codes: list[str]) -> str:
    """Re-importing a household whose details were erased stores its name again: say so, by code."""
    shown = ", ".join(codes[:20]) + (f" … (+{len(codes) - 20})" if len(codes) > 20 else "")
    return context.t("The personal details of {count} household(s) in this file had been erased: {codes}. "
                     "Importing stores their names and notes again from the file.").format(
                         count=len(codes), codes=shown)


async def show_unreached(update: Update, context: ChungTayContext) -> None:
    """/unreached [category]: registered poor and near-poor households with no support this year."""
    user = context.db_user
    message = update.effective_message
    if user is None or message is None:
        return
    t = context.t
    words = fold(" ".join(context.args or []))
    category = None
    if words:
        matcher = matcher_for(context.runtime.catalogue)
        typed = " ".join(context.args or [])
        category = context.runtime.catalogue.category_by_code(matcher.exact(typed, matcher.categories) or "")
        if category is None:
            await message.reply_text(t("Unknown kind of support “{text}”.").format(text=words[:40]))
            return
    today = context.today
    unit = get_unit(context.session, unit_id=user.unit_id)
    assert unit is not None
    households = unreached_households(context.session, unit=unit, start=today.replace(month=1, day=1), end=today,
                                      category_code=category.code if category else None)
    names = Localised(context.runtime.catalogue, t)
    scope = unit_label(context.session, t, unit.id or 0)
    if category is None:
        heading = t("Year {year}, {unit}: {count} registered poor or near-poor household(s) have received no "
                    "support at all.")
    else:
        heading = t("Year {year}, {unit}: {count} registered poor or near-poor household(s) have received no "
                    "{category}.")
    lines = [heading.format(year=today.year, unit=html.escape(scope), count=len(households),
                            category=html.escape(names.category(category).lower()) if category else "")]
    for household in households[:50]:
        mark = " 🏚" if "unsafe_housing" in (household.tags or []) else ""
        lines.append(html.escape(f"• {household_name(t, household)} ({household.code}"
                                 f"{', ' + household.village if household.village else ''}){mark}"))
    if len(households) > 50:
        lines.append(t("… and {count} more in the Excel file.").format(count=len(households) - 50))
    await message.reply_text("\n".join(lines), parse_mode=ParseMode.HTML)
    if households:
        await message.reply_document(io.BytesIO(unreached_workbook(context, households)),
                                     filename=f"chua-duoc-ho-tro-{today.isoformat()}.xlsx")


def unreached_workbook(context: ChungTayContext, households: list[Household]) -> bytes:
    """An XLSX of the households left behind (the user is entitled to their names: own subtree)."""
    t = context.t
    columns = [Column(t(header)) for header in (N_("Unit"), N_("household code"), N_("head of household"),
                                                N_("village"), N_("classification"))]
    values: list[list[object]] = [
        [unit_label(context.session, t, h.unit_id) for h in households], [h.code for h in households],
        [household_name(t, h) for h in households], [h.village for h in households],
        [_class_name(context, h.classification) for h in households], [h.members for h in households]]
    return workbook_bytes([Sheet(title=t("Not reached"), columns=[*columns, Column(t("members"), Kind.NUMBER)],
                                 values=values)])
