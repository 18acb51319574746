"""/users and /invites: the people and open invites of a supervisor's subtree, with buttons to deactivate,
reactivate, change role or unit, and revoke invites. The rules are in bot/domain/people/directory.py and
bot/domain/people/invites.py, the screens in bot/domain/people/screens.py; this module only reads the
press, calls one service and draws the answer.

Every button carries what it needs (the person, the page), so nothing waits in user_data and an old
message still works, or politely refuses when the rights behind it are gone.
"""

from __future__ import annotations

import logging

from telegram import Update
from telegram.error import TelegramError

from bot.domain.people import directory as people
from bot.domain.people import screens
from bot.domain.people.access import AccessDenied
from bot.domain.permissions import Do, may
from bot.domain.screen import Screen, screen_of
from bot.i18n import N_
from bot.presentation import callbacks as cb
from db.models import User
from handlers import unit_list
from handlers.common import answer_in_place, names_of
from handlers.context import ChungTayContext
from handlers.menu import publish_user_commands

log = logging.getLogger(__name__)

UNIT_LIST = screens.UNIT_LIST


def _manager(context: ChungTayContext) -> screens.Manager | None:
    user = context.db_user
    if not may(user, Do.SUPERVISE):
        return None
    assert user is not None
    return screens.Manager(user, names_of(context), context.runtime.settings.tz, context.runtime.clock())


# ------------------------------------------------------------------ commands

async def show_users(update: Update, context: ChungTayContext) -> None:
    """/users (supervisors and admins in a private chat: the gate has checked both)."""
    manager = _manager(context)
    assert manager is not None
    await answer_in_place(update, context, screens.people_screen(context.session, manager, page=0), fresh=True)


async def show_invites(update: Update, context: ChungTayContext) -> None:
    """/invites (supervisors and admins in a private chat: the gate has checked both)."""
    manager = _manager(context)
    assert manager is not None
    await answer_in_place(update, context, screens.invites_screen(context.session, manager), fresh=True)


# ------------------------------------------------------------------ the unit picker


def _unit_menu(context: ChungTayContext, manager: screens.Manager, *, person_id: int, unit_id: int | None,
               page: int) -> Screen:
    """The unit picker; its page and search are kept per user (handlers/unit_list.py) for ◀ ▶ 🔎."""
    listed = unit_list.state(context, UNIT_LIST)
    screen, shown = screens.unit_menu_screen(context.session, manager, person_id=person_id, unit_id=unit_id,
                                             page=page, searched=(listed.get("root"), unit_list.query_of(listed)))
    if listed.get("root") != shown:
        listed = unit_list.reset(context, UNIT_LIST, root=shown)
    listed["person"] = person_id
    if screen.units is not None:
        listed["page"] = screen.units.page
    return screen


async def _show_searched(update: Update, context: ChungTayContext, fresh: bool) -> None:
    """The unit picker again after 🔎 or ✖ (handlers/unit_list.py), for the same person and unit."""
    manager, listed = _manager(context), unit_list.state(context, UNIT_LIST)
    try:
        if manager is None:
            raise AccessDenied("not a manager")
        screen = _unit_menu(context, manager, person_id=listed.get("person") or 0, unit_id=listed.get("root") or 0,
                            page=unit_list.page_number(listed))
    except AccessDenied:
        await answer_in_place(update, context, screen_of(context.t("You cannot change this person.")), fresh=fresh)
        return
    await answer_in_place(update, context, screen, fresh=fresh)


unit_list.register(UNIT_LIST, roles=unit_list.MANAGERS, show=_show_searched,
                   refusal=N_("Only supervisors and administrators can manage people."))


# ------------------------------------------------------------------ buttons

async def on_button(update: Update, context: ChungTayContext) -> None:
    """Every button of /users and /invites. A press the user may not (or no longer) make gets an alert:
    the gate lets every button through, so the role is checked here, and each service checks the rights
    over the very person, invite or unit."""
    query = update.callback_query
    assert query is not None
    t = context.t
    pressed = cb.read(update, cb.PeopleButton)
    manager = _manager(context)
    if manager is None:
        await query.answer(t("Only supervisors and administrators can manage people."), show_alert=True)
        return
    try:
        screen = _answer(context, manager, pressed)
    except AccessDenied:
        await query.answer(t("You cannot change this person."), show_alert=True)
        return
    await query.answer()
    await answer_in_place(update, context, screen)
    if isinstance(pressed, cb.PeopleSetRole):
        await _refresh_menu(context, pressed.user_id)


def _answer(context: ChungTayContext, manager: screens.Manager, pressed: cb.PeopleButton) -> Screen:
    """What a press shows; AccessDenied when the rights behind it are missing."""
    session = context.session
    if isinstance(pressed, cb.PeopleList):
        return screens.people_screen(session, manager, page=pressed.page)
    if isinstance(pressed, cb.PeopleRevokeInvite):
        return screens.revoke_screen(session, manager, invite_id=pressed.invite_id)
    if isinstance(pressed, cb.PeoplePerson):
        return screens.open_person_screen(session, manager, person_id=pressed.user_id, page=pressed.page)
    if isinstance(pressed, cb.PeopleAskDeactivate):
        return screens.ask_deactivate_screen(session, manager, person_id=pressed.user_id, page=pressed.page)
    if isinstance(pressed, cb.PeopleDeactivate):
        return screens.deactivate_screen(session, manager, person_id=pressed.user_id, page=pressed.page)
    if isinstance(pressed, cb.PeopleReactivate):
        return screens.reactivate_screen(session, manager, person_id=pressed.user_id, page=pressed.page)
    if isinstance(pressed, cb.PeopleRoleMenu):
        return screens.role_menu_screen(session, manager, person_id=pressed.user_id, page=pressed.page)
    if isinstance(pressed, cb.PeopleSetRole):
        return screens.set_role_screen(session, manager, person_id=pressed.user_id, role=pressed.role,
                                       page=pressed.page)
    if isinstance(pressed, cb.PeopleUnitMenu):
        return _unit_menu(context, manager, person_id=pressed.user_id, unit_id=pressed.unit_id, page=pressed.page)
    if isinstance(pressed, cb.PeopleSetUnit):
        return screens.set_unit_screen(session, manager, person_id=pressed.user_id, unit_id=pressed.unit_id)
    raise AccessDenied("unknown button")


async def _refresh_menu(context: ChungTayContext, user_id: int) -> None:
    """After a role change the person's command menu follows their new role (best effort: they may have
    blocked the bot)."""
    user = context.db_user
    person: User | None = None
    try:
        person = people.managed_person(context.session, actor=user, target_id=user_id) if user else None
    except AccessDenied:
        return
    if person is None:
        return
    try:
        await publish_user_commands(context.bot, chat_id=person.telegram_id, user=person)
    except TelegramError as error:
        log.info("could not refresh the menu of user %s: %s", user_id, type(error).__name__)
