"""/invite: a supervisor picks role, unit (inside their own subtree) and organisation with buttons,
and gets a single-use deep link to pass to the colleague."""

from __future__ import annotations

import html
import warnings
from datetime import timedelta

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler
from telegram.warnings import PTBUserWarning

from bot.domain.formatting import format_local_datetime
from bot.domain.people.access import AccessDenied, create_invite
from bot.domain.permissions import Do, givable_roles, may
from bot.domain.records.action_text import Localised
from bot.domain.units.tree import unit_display
from bot.i18n import N_
from bot.presentation.callbacks import (
    InviteBrowse,
    InviteCancel,
    InviteOpenUnit,
    InviteOrganisation,
    InvitePage,
    InviteRole,
    InviteUnit,
    button,
    gone,
    on,
    read,
)
from db.models import Role, Unit
from db.queries import get_organisation, get_unit, list_organisations
from handlers import unit_list
from handlers.common import answer_in_place, cancel, role_name
from handlers.context import ChungTayContext
from handlers.unit_pickers import heading, picker

CHOOSE_ROLE, CHOOSE_UNIT, CHOOSE_ORGANISATION = range(3)
UNIT_LIST = "inv"  # the kind of the unit picker's list (handlers/unit_list.py)


def _cancel_row(context: ChungTayContext) -> list[InlineKeyboardButton]:
    return [button("❌ " + context.t("Cancel"), InviteCancel())]


async def begin(update: Update, context: ChungTayContext) -> int:
    user = context.db_user
    message = update.effective_message
    if user is None or message is None:
        return ConversationHandler.END
    roles = givable_roles(user)  # the gate lets only supervisors and admins in (handlers/registry.py)
    context.user_data.pop("invite", None)  # type: ignore[union-attr]
    unit_list.forget(context, UNIT_LIST)
    keyboard = [[button(role_name(context.t, role), InviteRole(role.value))]
                for role in roles]
    await message.reply_text(context.t("Invite a new user. Choose their role:"),
                             reply_markup=InlineKeyboardMarkup([*keyboard, _cancel_row(context)]))
    return CHOOSE_ROLE


async def pick_role(update: Update, context: ChungTayContext) -> int:
    user = context.db_user
    assert user is not None
    role_code = read(update, InviteRole).role
    if role_code not in {r.value for r in givable_roles(user)}:
        await gone(update, context)
        return CHOOSE_ROLE
    await _answer(update)
    context.user_data["invite"] = {"role": role_code}  # type: ignore[index]
    own_unit = get_unit(context.session, unit_id=user.unit_id)
    assert own_unit is not None
    unit_list.reset(context, UNIT_LIST)
    await _show_units(update, context, own_unit, page=0)
    return CHOOSE_UNIT


async def _show_units(update: Update, context: ChungTayContext, unit: Unit, page: int, fresh: bool = False) -> None:
    """Show `unit` (to choose it) and its children (to choose or to open), ten a page with 🔎
    (handlers/unit_pickers.py)."""
    t = context.t
    assert unit.id is not None
    unit_id = unit.id
    lines, listed = picker(context, UNIT_LIST, unit, page=page, choose=lambda child: InviteUnit(child.id or 0),
                           open_unit=lambda child: InviteOpenUnit(child.id or 0),
                           turn=lambda number: InvitePage(unit_id, number))
    rows = [[button("✅ " + unit_display(t, unit), InviteUnit(unit_id))], *listed]
    user = context.db_user
    if user is not None and unit.id != user.unit_id and unit.parent_id is not None:
        rows.append([button("⬆ " + t("Up"), InviteOpenUnit(unit.parent_id))])
    rows.append(_cancel_row(context))
    await answer_in_place(update, context, heading(t("Choose the unit of the new user (✅ to choose, › to open):"),
                                                   lines), InlineKeyboardMarkup(rows), fresh=fresh)


async def _show_searched(update: Update, context: ChungTayContext, fresh: bool) -> None:
    """The picker again after 🔎 or ✖ (handlers/unit_list.py), on the unit it was showing."""
    listed = unit_list.state(context, UNIT_LIST)
    unit = _allowed_unit(context, listed.get("root") or 0)
    if unit is None:
        await answer_in_place(update, context, html.escape(context.t("This button is out of date; nothing was "
                                                                     "changed.")), fresh=fresh)
        return
    await _show_units(update, context, unit, unit_list.page_number(listed), fresh)


unit_list.register(UNIT_LIST, roles=unit_list.MANAGERS, show=_show_searched,
                   refusal=N_("Only supervisors and administrators can invite new users."))


async def _answer(update: Update) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()


def _allowed_unit(context: ChungTayContext, unit_id: int) -> Unit | None:
    """The unit named by a button, only if the inviter manages it (buttons can be forged)."""
    user = context.db_user
    unit = get_unit(context.session, unit_id=unit_id)
    if unit is None or not may(user, Do.MANAGE_UNIT, unit, session=context.session):
        return None
    return unit


async def browse_units(update: Update, context: ChungTayContext) -> int:
    pressed = read(update, InviteBrowse)
    unit = _allowed_unit(context, pressed.unit_id)
    if unit is None:
        await gone(update, context)
        return CHOOSE_UNIT
    await _answer(update)
    page = pressed.page if isinstance(pressed, InvitePage) else 0
    await _show_units(update, context, unit, page)
    return CHOOSE_UNIT


async def pick_unit(update: Update, context: ChungTayContext) -> int:
    unit = _allowed_unit(context, read(update, InviteUnit).unit_id)
    if unit is None:
        await gone(update, context)
        return CHOOSE_UNIT
    await _answer(update)
    context.user_data["invite"]["unit_id"] = unit.id  # type: ignore[index]
    t = context.t
    names = Localised(context.runtime.catalogue, t).at(unit.kind)  # "UBND phường" for a ward
    organisations = list_organisations(context.session)
    rows = [[button(names.organisation(o.code), InviteOrganisation(o.id))] for o in organisations]
    rows.append([button(t("No organisation"), InviteOrganisation(None))])
    rows.append(_cancel_row(context))
    assert update.callback_query is not None
    await update.callback_query.edit_message_text(t("Which organisation does the new user work for?"),
                                                  reply_markup=InlineKeyboardMarkup(rows))
    return CHOOSE_ORGANISATION


async def pick_organisation(update: Update, context: ChungTayContext) -> int:
    query = update.callback_query
    user = context.db_user
    assert query is not None and user is not None
    choice = read(update, InviteOrganisation).organisation_id
    draft = context.user_data.get("invite") or {}  # type: ignore[union-attr]
    organisation = get_organisation(context.session, organisation_id=choice) if choice is not None else None
    if "unit_id" not in draft or (choice is not None and organisation is None):
        await gone(update, context)
        return CHOOSE_ORGANISATION
    await query.answer()
    settings = context.runtime.settings
    t = context.t
    try:
        invite = create_invite(context.session, inviter=user, role=Role(draft["role"]), unit_id=draft["unit_id"],
                               organisation_id=organisation.id if organisation else None,
                               ttl=timedelta(hours=settings.invite_ttl_hours), now=context.runtime.clock())
    except AccessDenied:
        await query.edit_message_text(t("You cannot invite for that unit."))
        return ConversationHandler.END
    context.user_data.pop("invite", None)  # type: ignore[union-attr]
    unit_list.forget(context, UNIT_LIST)
    link = f"https://t.me/{context.bot.username}?start={invite.token}"
    unit = get_unit(context.session, unit_id=invite.unit_id)
    assert unit is not None
    org_name = (Localised(context.runtime.catalogue, t).at_unit(unit).organisation(organisation.code)
                if organisation else t("none"))
    text = t("Invite created: {role}, {unit}, organisation: {organisation}.\n"
             "Send this link to your colleague. It works once and expires at {expires}:\n{link}").format(
        role=role_name(t, invite.role), unit=html.escape(unit_display(t, unit)),
        organisation=html.escape(org_name),
        expires=format_local_datetime(invite.expires_at, settings.tz, context.locale), link=link)
    await query.edit_message_text(text, reply_markup=InlineKeyboardMarkup(
        [[InlineKeyboardButton(t("Open the invite"), url=link)]]))
    return ConversationHandler.END


def build_invite_conversation() -> ConversationHandler:
    cancel_button = CallbackQueryHandler(cancel, pattern=on(InviteCancel))
    with warnings.catch_warnings():
        # One form per user and chat is what we want, so PTB's per_message hint does not apply.
        warnings.filterwarnings("ignore", message=".*per_message.*", category=PTBUserWarning)
        return _conversation(cancel_button)


def _conversation(cancel_button: CallbackQueryHandler) -> ConversationHandler:
    return ConversationHandler(
        entry_points=[CommandHandler("invite", begin)],
        states={
            CHOOSE_ROLE: [CallbackQueryHandler(pick_role, pattern=on(InviteRole))],
            CHOOSE_UNIT: [CallbackQueryHandler(browse_units, pattern=on(InviteOpenUnit, InvitePage)),
                          CallbackQueryHandler(pick_unit, pattern=on(InviteUnit))],
            CHOOSE_ORGANISATION: [CallbackQueryHandler(pick_organisation, pattern=on(InviteOrganisation))],
        },
        fallbacks=[cancel_button, CommandHandler("cancel", cancel), CommandHandler("invite", begin)],
        name="invite",
        persistent=True,
        allow_reentry=True,
    )
