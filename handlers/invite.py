"""/invite: a supervisor picks role, unit (inside their own subtree) and organisation with buttons,
and gets a single-use deep link to pass to the colleague."""

from __future__ import annotations

import warnings
from datetime import timedelta

from telegram import Update
from telegram.ext import CallbackQueryHandler, CommandHandler, ConversationHandler
from telegram.warnings import PTBUserWarning

from bot.domain.people.access import AccessDenied
from bot.domain.people.invite_screens import (
    UNIT_LIST,
    allowed_unit,
    created_screen,
    known_organisation,
    offered_role,
    organisations_screen,
    roles_screen,
    units_screen,
)
from bot.domain.screen import screen_of
from bot.i18n import N_
from bot.presentation.callbacks import (
    InviteBrowse,
    InviteCancel,
    InviteOpenUnit,
    InviteOrganisation,
    InvitePage,
    InviteRole,
    InviteUnit,
    gone,
    on,
    read,
)
from bot.presentation.render import edit, reply
from db.models import Unit
from handlers import unit_list
from handlers.common import answer_in_place, cancel, names_of
from handlers.context import ChungTayContext

CHOOSE_ROLE, CHOOSE_UNIT, CHOOSE_ORGANISATION = range(3)


async def begin(update: Update, context: ChungTayContext) -> int:
    user = context.db_user
    message = update.effective_message
    if user is None or message is None:
        return ConversationHandler.END
    context.user_data.pop("invite", None)  # type: ignore[union-attr]
    unit_list.forget(context, UNIT_LIST)
    # the gate lets only supervisors and admins in (handlers/registry.py)
    await reply(message, roles_screen(t=context.t, inviter=user))
    return CHOOSE_ROLE


async def pick_role(update: Update, context: ChungTayContext) -> int:
    user = context.db_user
    assert user is not None
    role_code = read(update, InviteRole).role
    own_unit = allowed_unit(context.session, inviter=user, unit_id=None)
    if not offered_role(user, role_code) or own_unit is None:
        await gone(update, context)
        return CHOOSE_ROLE
    await _answer(update)
    context.user_data["invite"] = {"role": role_code}  # type: ignore[index]
    unit_list.reset(context, UNIT_LIST)
    await _show_units(update, context, own_unit, page=0)
    return CHOOSE_UNIT


async def _show_units(update: Update, context: ChungTayContext, unit: Unit, page: int, fresh: bool = False) -> None:
    """Show `unit` (to choose it) and its children (to choose or to open), ten a page with 🔎; the page and
    the search are kept per user (handlers/unit_list.py) while the list stays on `unit`."""
    user = context.db_user
    assert user is not None
    listed = unit_list.state(context, UNIT_LIST)
    if listed.get("root") != unit.id:
        listed = unit_list.reset(context, UNIT_LIST, root=unit.id)
    screen = units_screen(context.session, t=context.t, inviter=user, unit=unit, page=page,
                          query=unit_list.query_of(listed))
    if screen.units is not None:
        listed["page"] = screen.units.page
    await answer_in_place(update, context, screen, fresh=fresh)


async def _show_searched(update: Update, context: ChungTayContext, fresh: bool) -> None:
    """The picker again after 🔎 or ✖ (handlers/unit_list.py), on the unit it was showing."""
    listed = unit_list.state(context, UNIT_LIST)
    unit = allowed_unit(context.session, inviter=context.db_user, unit_id=listed.get("root") or 0)
    if unit is None:
        await answer_in_place(update, context, screen_of(context.t("This button is out of date; nothing was "
                                                                   "changed.")), fresh=fresh)
        return
    await _show_units(update, context, unit, unit_list.page_number(listed), fresh)


unit_list.register(UNIT_LIST, roles=unit_list.MANAGERS, show=_show_searched,
                   refusal=N_("Only supervisors and administrators can invite new users."))


async def _answer(update: Update) -> None:
    if update.callback_query is not None:
        await update.callback_query.answer()


async def browse_units(update: Update, context: ChungTayContext) -> int:
    pressed = read(update, InviteBrowse)
    unit = allowed_unit(context.session, inviter=context.db_user, unit_id=pressed.unit_id)
    if unit is None:
        await gone(update, context)
        return CHOOSE_UNIT
    await _answer(update)
    page = pressed.page if isinstance(pressed, InvitePage) else 0
    await _show_units(update, context, unit, page)
    return CHOOSE_UNIT


async def pick_unit(update: Update, context: ChungTayContext) -> int:
    unit = allowed_unit(context.session, inviter=context.db_user, unit_id=read(update, InviteUnit).unit_id)
    if unit is None:
        await gone(update, context)
        return CHOOSE_UNIT
    await _answer(update)
    context.user_data["invite"]["unit_id"] = unit.id  # type: ignore[index]
    assert update.callback_query is not None
    await edit(update.callback_query, organisations_screen(context.session, names=names_of(context), unit=unit))
    return CHOOSE_ORGANISATION


async def pick_organisation(update: Update, context: ChungTayContext) -> int:
    query = update.callback_query
    user = context.db_user
    assert query is not None and user is not None
    choice = read(update, InviteOrganisation).organisation_id
    draft = context.user_data.get("invite") or {}  # type: ignore[union-attr]
    if "unit_id" not in draft or not known_organisation(context.session, choice):
        await gone(update, context)
        return CHOOSE_ORGANISATION
    await query.answer()
    settings = context.runtime.settings
    try:
        screen = created_screen(context.session, names=names_of(context), inviter=user, role=draft["role"],
                                unit_id=draft["unit_id"], organisation_id=choice,
                                ttl=timedelta(hours=settings.invite_ttl_hours), now=context.runtime.clock(),
                                tz=settings.tz, bot_username=context.bot.username)
    except AccessDenied:
        await edit(query, screen_of(context.t("You cannot invite for that unit.")))
        return ConversationHandler.END
    context.user_data.pop("invite", None)  # type: ignore[union-attr]
    unit_list.forget(context, UNIT_LIST)
    await edit(query, screen)
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
