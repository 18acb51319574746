"""/unreached ("no one left behind"): registered poor and near-poor households with no support this year.

For a unit without units under it, the households themselves (the first fifty, all of them in the Excel
file). For a unit with units under it (a province's communes), a list of those units with how many of
their households are still waiting, the most first, ten a page with 🔎 (handlers/unit_list.py); a unit
of the list shows its own households. The workbook always has every household of the reader's unit.
"""

from __future__ import annotations

import html
from datetime import date

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.domain.catalogue.file import CategorySpec
from bot.domain.formatting import format_number
from bot.domain.households.erasure import household_name
from bot.domain.households.register import unreached_households
from bot.domain.parsing.matcher import matcher_for
from bot.domain.parsing.text import fold
from bot.domain.permissions import Do, may
from bot.domain.records.action_text import Localised
from bot.domain.reports.export_files import unreached_workbook
from bot.domain.reports.sentences import has_children
from bot.domain.units.list_views import unreached_entries
from bot.domain.units.lists import Order, entry_line, unit_page
from bot.domain.units.tree import unit_display
from bot.i18n import N_
from bot.presentation.callbacks import UnitListPage, UnreachedUnit, button, read
from db.models import Household, Unit
from db.queries import get_unit
from handlers import unit_list
from handlers.background import send_file_later
from handlers.common import answer_in_place
from handlers.context import ChungTayContext

UNIT_LIST = "unr"  # the kind of /unreached's list of units (handlers/unit_list.py)
SHOWN = 50


def _class_name(context: ChungTayContext, code: str) -> str:
    spec = next((b for b in context.runtime.catalogue.beneficiary_class if b.code == code), None)
    return (spec.name_vi if context.locale == "vi" else spec.name_en) if spec else code


def _year_start(context: ChungTayContext) -> date:
    return context.today.replace(month=1, day=1)


def _category(context: ChungTayContext, code: object) -> CategorySpec | None:
    return context.runtime.catalogue.category_by_code(code) if isinstance(code, str) else None


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
    households = unreached_households(context.session, unit=unit, start=_year_start(context), end=today,
                                      category_code=category.code if category else None)
    if has_children(context.session, unit=unit):
        unit_list.reset(context, UNIT_LIST, category=category.code if category else None)
        await show_units(update, context, True)
    else:
        await message.reply_text("\n".join(_household_lines(context, unit, households, category)),
                                 parse_mode=ParseMode.HTML)
    if households and update.effective_chat is not None:
        classes = {h.classification: _class_name(context, h.classification) for h in households}
        send_file_later(context, chat_id=update.effective_chat.id,
                        build=lambda session: unreached_workbook(session, t, households, classes),
                        filename=f"chua-duoc-ho-tro-{today.isoformat()}.xlsx")


def _heading(context: ChungTayContext, unit: Unit, count: int, category: CategorySpec | None) -> str:
    t = context.t
    if category is None:
        heading = t("Year {year}, {unit}: {count} registered poor or near-poor household(s) have received no "
                    "support at all.")
    else:
        heading = t("Year {year}, {unit}: {count} registered poor or near-poor household(s) have received no "
                    "{category}.")
    names = Localised(context.runtime.catalogue, t)
    return heading.format(year=context.today.year, unit=html.escape(unit_display(t, unit)), count=count,
                          category=html.escape(names.category(category).lower()) if category else "")


def _household_lines(context: ChungTayContext, unit: Unit, households: list[Household],
                     category: CategorySpec | None) -> list[str]:
    """The heading and the first SHOWN households (names: the reader's own subtree only)."""
    t = context.t
    lines = [_heading(context, unit, len(households), category)]
    for household in households[:SHOWN]:
        mark = " 🏚" if "unsafe_housing" in (household.tags or []) else ""
        lines.append(html.escape(f"• {household_name(t, household)} ({household.code}"
                                 f"{', ' + household.village if household.village else ''}){mark}"))
    if len(households) > SHOWN:
        lines.append(t("… and {count} more in the Excel file.").format(count=len(households) - SHOWN))
    return lines


async def show_units(update: Update, context: ChungTayContext, fresh: bool) -> None:
    """The units under the reader's with their households still waiting, the most first."""
    t, user = context.t, context.db_user
    unit = get_unit(context.session, unit_id=user.unit_id) if user else None
    if unit is None:
        return
    listed = unit_list.state(context, UNIT_LIST)
    category = _category(context, listed.get("category"))
    entries = unreached_entries(context.session, unit=unit, start=_year_start(context), end=context.today,
                                category_code=category.code if category else None)
    locale = t.locale
    page = unit_page(t, entries, order=Order.COUNT, page=unit_list.page_number(listed),
                     query=unit_list.query_of(listed),
                     counted=lambda some, total: t("{units} with households not yet supported ({count} households)")
                     .format(units=format_number(some, locale), count=format_number(total, locale)))
    listed["page"] = page.page

    def households(count: int) -> str:
        return t("{count} households").format(count=format_number(count, locale))

    lines = [_heading(context, unit, sum(entry.count for entry in entries), category),
             *unit_list.page_lines(context, page, lambda e: entry_line(t, e, Order.COUNT, counted=households))]
    rows = unit_list.page_rows(context, page, UNIT_LIST, item=lambda entry: button(
        f"{unit_display(t, entry.unit)} · {format_number(entry.count, locale)}", UnreachedUnit(entry.unit.id or 0))
        if entry.count else None)
    await answer_in_place(update, context, "\n".join(lines), InlineKeyboardMarkup(rows) if rows else None,
                          fresh=fresh)


async def show_unit(update: Update, context: ChungTayContext) -> None:
    """A unit of the list: its households still waiting (refused outside the reader's own subtree)."""
    query, user = update.callback_query, context.db_user
    if query is None or user is None:
        return
    pressed = read(update, UnreachedUnit)
    unit = get_unit(context.session, unit_id=pressed.unit_id)
    if unit is None or not may(user, Do.WORK_IN_UNIT, unit, session=context.session):
        await query.answer(context.t("You can see the households of your own unit and the units under it only."),
                           show_alert=True)
        return
    await query.answer()
    listed = unit_list.state(context, UNIT_LIST)
    category = _category(context, listed.get("category"))
    households = unreached_households(context.session, unit=unit, start=_year_start(context), end=context.today,
                                      category_code=category.code if category else None)
    rows = [[button("↩️ " + context.t("Back to the list"), UnitListPage(UNIT_LIST, unit_list.page_number(listed)))]]
    await answer_in_place(update, context, "\n".join(_household_lines(context, unit, households, category)),
                          InlineKeyboardMarkup(rows))


unit_list.register(UNIT_LIST, roles=unit_list.MEMBERS, show=show_units,
                   refusal=N_("You can see the households of your own unit and the units under it only."))
