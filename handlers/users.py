"""/users and /invites: the people and open invites of a supervisor's subtree, with buttons to deactivate,
reactivate, change role or unit, and revoke invites. The rules are in bot/domain/people/directory.py and
bot/domain/people/invites.py; this module only reads the press, calls one service and draws the answer.

Every button carries what it needs (the person, the page), so nothing waits in user_data and an old
message still works, or politely refuses when the rights behind it are gone.
"""

from __future__ import annotations

import html
import logging

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import TelegramError

from bot.domain.formatting import format_local_datetime
from bot.domain.people import directory as people
from bot.domain.people import invites as invite_service
from bot.domain.people.access import AccessDenied
from bot.domain.permissions import Do, may
from bot.domain.records.action_text import Localised
from bot.domain.units.tree import unit_display
from bot.i18n import N_, Translator
from bot.presentation import callbacks as cb
from db.models import Role, Unit, User
from db.queries import get_organisation, get_unit
from handlers import unit_list
from handlers.common import answer_in_place, describe_user, role_name
from handlers.context import ChungTayContext
from handlers.menu import publish_user_commands
from handlers.unit_pickers import heading, picker

log = logging.getLogger(__name__)

PEOPLE_PER_PAGE = 8
UNIT_LIST = "usr"  # the kind of the unit picker's list (handlers/unit_list.py)

Rows = list[list[InlineKeyboardButton]]


# ------------------------------------------------------------------ commands

def _manager(context: ChungTayContext) -> User | None:
    user = context.db_user
    return user if may(user, Do.SUPERVISE) else None


async def show_users(update: Update, context: ChungTayContext) -> None:
    """/users (supervisors and admins in a private chat: the gate has checked both)."""
    text, rows = _people_page(context, page=0)
    await answer_in_place(update, context, text, InlineKeyboardMarkup(rows) if rows else None, fresh=True)


async def show_invites(update: Update, context: ChungTayContext) -> None:
    """/invites (supervisors and admins in a private chat: the gate has checked both)."""
    text, rows = _invites_page(context)
    await answer_in_place(update, context, text, InlineKeyboardMarkup(rows) if rows else None, fresh=True)


# ------------------------------------------------------------------ pages

def _last_seen(context: ChungTayContext, user: User) -> str:
    if user.last_seen_at is None:
        return context.t("never")
    return format_local_datetime(user.last_seen_at, context.runtime.settings.tz, context.locale)


def _status(t: Translator, user: User) -> str:
    if user.active:
        return ""
    if user.deactivated_reason == people.BLOCKED:
        return " · ⛔ " + t("has blocked the bot")
    return " · 🚫 " + t("deactivated")


def _people_page(context: ChungTayContext, *, page: int) -> tuple[str, Rows]:
    actor = _manager(context)
    assert actor is not None
    t = context.t
    root = people.managed_root(context.session, actor=actor)
    count, page_people = people.people_of(context.session, root=root, offset=page * PEOPLE_PER_PAGE,
                                          limit=PEOPLE_PER_PAGE)
    pages = max(1, (count + PEOPLE_PER_PAGE - 1) // PEOPLE_PER_PAGE)
    lines = [t("<b>People of {unit}</b> ({count}) — page {page}/{pages}").format(
        unit=html.escape(unit_display(t, root)), count=count, page=page + 1, pages=pages)]
    rows: Rows = []
    for number, person in enumerate(page_people, start=page * PEOPLE_PER_PAGE + 1):
        role, unit, organisation = describe_user(context, person, with_unit=False)  # the unit is beside it
        lines.append(t("{number}. <b>{name}</b> — {role}, {unit}, {organisation} · last active {seen}").format(
            number=number, name=html.escape(person.display_name), role=role, unit=unit, organisation=organisation,
            seen=_last_seen(context, person)) + html.escape(_status(t, person)))
        if may(actor, Do.MANAGE_PERSON, person, session=context.session):
            rows.append([cb.button(f"⚙️ {number}. {person.display_name}"[:60], cb.PeoplePerson(person.id or 0, page))])
    nav = []
    if page > 0:
        nav.append(cb.button("‹ " + t("Previous"), cb.PeopleList(page - 1)))
    if page + 1 < pages:
        nav.append(cb.button(t("Next") + " ›", cb.PeopleList(page + 1)))
    if nav:
        rows.append(nav)
    lines.append("")
    lines.append(t("⚙️ opens a person: deactivate or reactivate, change role or unit. /invites lists open invites."))
    return "\n".join(lines), rows


def _person_card(context: ChungTayContext, person: User, *, page: int, note: str = "") -> tuple[str, Rows]:
    t = context.t
    role, unit, organisation = describe_user(context, person)
    lines = [note, ""] if note else []
    lines += [f"<b>{html.escape(person.display_name)}</b>",
              t("Role: {role}").format(role=role), t("Unit: {unit}").format(unit=unit),
              t("Organisation: {organisation}").format(organisation=organisation),
              t("Last active: {moment}").format(moment=_last_seen(context, person))]
    if person.active:
        lines.append(t("Status: active"))
    elif person.deactivated_reason == people.BLOCKED:
        lines.append(t("Status: has blocked the bot (active again when they send /start)"))
    else:
        lines.append(t("Status: deactivated (needs a new invite, or ✅ Reactivate)"))
    pid = person.id or 0
    actor = _manager(context)
    reopen = may(actor, Do.UNDO_REMOVAL, person, session=context.session)
    if not reopen:
        lines.append(t("Closed by a higher level: only that level (or the operator) can reopen this account."))
    toggle = (cb.button("🚫 " + t("Deactivate"), cb.PeopleAskDeactivate(pid, page)) if person.active or
              person.deactivated_reason == people.BLOCKED else
              cb.button("✅ " + t("Reactivate"), cb.PeopleReactivate(pid, page)) if reopen else None)
    rows: Rows = [[toggle]] if toggle is not None else []
    rows += [
             [cb.button("🎭 " + t("Change role"), cb.PeopleRoleMenu(pid, page)),
              cb.button("🏢 " + t("Change unit"), cb.PeopleUnitMenu(pid, None, 0))],
             [cb.button("↩ " + t("Back to the list"), cb.PeopleList(page))]]
    return "\n".join(lines), rows


def _invites_page(context: ChungTayContext, note: str = "") -> tuple[str, Rows]:
    actor = _manager(context)
    assert actor is not None
    t, tz = context.t, context.runtime.settings.tz
    found = invite_service.open_invites(context.session, actor=actor, now=context.runtime.clock())
    lines = [note, ""] if note else []
    if not found:
        lines.append(t("No open invites in your units. /invite creates one."))
        return "\n".join(lines), []
    lines.append(t("<b>Open invites</b> (unused and not expired): ❌ revokes a link at once."))
    rows: Rows = []
    for number, (invite, creator) in enumerate(found, start=1):
        unit = get_unit(context.session, unit_id=invite.unit_id)
        organisation = (get_organisation(context.session, organisation_id=invite.organisation_id)
                        if invite.organisation_id else None)
        org_text = (Localised(context.runtime.catalogue, t).at(unit.kind if unit else None)  # the unit is beside it
                    .organisation(organisation.code) if organisation else t("none"))
        unit_text = unit_display(t, unit) if unit else "?"
        lines.append(t("{number}. {role}, {unit}, {organisation} · by {creator} · expires {expires}").format(
            number=number, role=role_name(t, invite.role), unit=html.escape(unit_text),
            organisation=html.escape(org_text), creator=html.escape(creator or t("the operator")),
            expires=format_local_datetime(invite.expires_at, tz, context.locale)))
        rows.append([cb.button(f"❌ {number}. {unit_text}"[:60], cb.PeopleRevokeInvite(invite.id or 0))])
    return "\n".join(lines), rows


def _role_menu(context: ChungTayContext, person: User, *, page: int) -> tuple[str, Rows]:
    actor = _manager(context)
    assert actor is not None
    t = context.t
    rows: Rows = [[cb.button(("• " if role == person.role else "") + role_name(t, role),
                             cb.PeopleSetRole(person.id or 0, role.value, page))]
                  for role in people.roles_for(context.session, actor=actor, target=person)]
    rows.append([cb.button("↩ " + t("Back"), cb.PeoplePerson(person.id or 0, page))])
    return t("New role for {name}:").format(name=html.escape(person.display_name)), rows


def _unit_menu(context: ChungTayContext, person: User, unit: Unit, *, child_page: int) -> tuple[str, Rows]:
    """`unit` (to choose it) and its children (to choose or to open), inside the actor's subtree only, ten
    a page with 🔎 (handlers/unit_pickers.py)."""
    actor = _manager(context)
    assert actor is not None
    t, pid, unit_id = context.t, person.id or 0, unit.id or 0
    lines, listed = picker(context, UNIT_LIST, unit, page=child_page,
                           choose=lambda child: cb.PeopleSetUnit(pid, child.id or 0),
                           open_unit=lambda child: cb.PeopleUnitMenu(pid, child.id or 0, 0),
                           turn=lambda number: cb.PeopleUnitMenu(pid, unit_id, number))
    unit_list.state(context, UNIT_LIST)["person"] = pid
    rows: Rows = [[cb.button("✅ " + unit_display(t, unit), cb.PeopleSetUnit(pid, unit_id))], *listed]
    if unit.id != actor.unit_id and unit.parent_id is not None:
        rows.append([cb.button("⬆ " + t("Up"), cb.PeopleUnitMenu(pid, unit.parent_id, 0))])
    rows.append([cb.button("↩ " + t("Back"), cb.PeoplePerson(pid, 0))])
    return heading(t("New unit for {name} (✅ to choose, › to open):").format(name=person.display_name), lines), rows


async def _show_searched(update: Update, context: ChungTayContext, fresh: bool) -> None:
    """The unit picker again after 🔎 or ✖ (handlers/unit_list.py), for the same person and unit."""
    actor, listed = _manager(context), unit_list.state(context, UNIT_LIST)
    try:
        if actor is None:
            raise AccessDenied("not a manager")
        person = people.managed_person(context.session, actor=actor, target_id=listed.get("person") or 0)
        unit = get_unit(context.session, unit_id=listed.get("root") or 0)
        if unit is None or not may(actor, Do.MANAGE_UNIT, unit, session=context.session):
            raise AccessDenied("unit outside the actor's subtree")
    except AccessDenied:
        await answer_in_place(update, context, html.escape(context.t("You cannot change this person.")), fresh=fresh)
        return
    text, rows = _unit_menu(context, person, unit, child_page=unit_list.page_number(listed))
    await answer_in_place(update, context, text, InlineKeyboardMarkup(rows), fresh=fresh)


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
    if _manager(context) is None:
        await query.answer(t("Only supervisors and administrators can manage people."), show_alert=True)
        return
    try:
        text, rows = _answer(context, pressed)
    except AccessDenied:
        await query.answer(t("You cannot change this person."), show_alert=True)
        return
    await query.answer()
    await answer_in_place(update, context, text, InlineKeyboardMarkup(rows) if rows else None)
    if isinstance(pressed, cb.PeopleSetRole):
        await _refresh_menu(context, pressed.user_id)


def _answer(context: ChungTayContext, pressed: cb.PeopleButton) -> tuple[str, Rows]:
    """What a press shows; AccessDenied when the rights behind it are missing."""
    actor = _manager(context)
    assert actor is not None
    t, session, now = context.t, context.session, context.runtime.clock()
    if isinstance(pressed, cb.PeopleList):
        return _people_page(context, page=pressed.page)
    if isinstance(pressed, cb.PeopleRevokeInvite):
        invite_service.revoke_invite(session, actor=actor, invite_id=pressed.invite_id, now=now)
        return _invites_page(context, note="✅ " + t("Invite revoked: the link no longer works."))
    assert isinstance(pressed, cb.PeoplePersonButton)
    person = people.managed_person(session, actor=actor, target_id=pressed.user_id)
    pid = person.id or 0
    name = html.escape(person.display_name)
    if isinstance(pressed, cb.PeoplePerson):
        return _person_card(context, person, page=pressed.page)
    if isinstance(pressed, cb.PeopleAskDeactivate):
        return t("Deactivate {name}? They lose access at once and their queued messages are dropped; their "
                 "records stay. To come back they need a new invite (or ✅ Reactivate here).").format(name=name), [
            [cb.button("🚫 " + t("Yes, deactivate"), cb.PeopleDeactivate(pid, pressed.page)),
             cb.button(t("No"), cb.PeoplePerson(pid, pressed.page))]]
    if isinstance(pressed, cb.PeopleDeactivate):
        change = people.deactivate(session, actor=actor, target_id=pid, now=now)
        return _person_card(context, change.user, page=pressed.page,
                            note="✅ " + t("{name} is deactivated.").format(name=name) + _revoked_note(t, change))
    if isinstance(pressed, cb.PeopleReactivate):
        person = people.reactivate(session, actor=actor, target_id=pid, now=now)
        return _person_card(context, person, page=pressed.page,
                            note="✅ " + t("{name} is active again.").format(name=name))
    if isinstance(pressed, cb.PeopleRoleMenu):
        return _role_menu(context, person, page=pressed.page)
    if isinstance(pressed, cb.PeopleSetRole):
        change = people.change_role(session, actor=actor, target_id=pid, role=Role(pressed.role), now=now)
        return _person_card(context, change.user, page=pressed.page,
                            note="✅ " + t("Role changed.") + _revoked_note(t, change))
    if isinstance(pressed, cb.PeopleUnitMenu | cb.PeopleSetUnit):
        root = people.managed_root(session, actor=actor)
        unit = get_unit(session, unit_id=pressed.unit_id) if pressed.unit_id else root  # None: the actor's unit
        if unit is None or not may(actor, Do.MANAGE_UNIT, unit, session=session):
            raise AccessDenied("unit outside the actor's subtree")
        if isinstance(pressed, cb.PeopleUnitMenu):
            return _unit_menu(context, person, unit, child_page=pressed.page)
        change = people.change_unit(session, actor=actor, target_id=pid, unit_id=unit.id or 0, now=now)
        return _person_card(context, change.user, page=0, note="✅ " + t("Unit changed.") + _revoked_note(t, change))
    raise AccessDenied("unknown button")


def _revoked_note(t: Translator, change: people.PersonChange) -> str:
    """How many of the person's unused invites the change revoked (none: nothing to say)."""
    if not change.revoked_invites:
        return ""
    return " " + t.ngettext("{count} unused invite they made was revoked.",
                            "{count} unused invites they made were revoked.",
                            change.revoked_invites).format(count=change.revoked_invites)


async def _refresh_menu(context: ChungTayContext, user_id: int) -> None:
    """After a role change the person's command menu follows their new role (best effort: they may have
    blocked the bot)."""
    actor = _manager(context)
    person = people.managed_person(context.session, actor=actor, target_id=user_id) if actor else None
    if person is None:
        return
    try:
        await publish_user_commands(context.bot, chat_id=person.telegram_id, user=person)
    except TelegramError as error:
        log.info("could not refresh the menu of user %s: %s", user_id, type(error).__name__)
