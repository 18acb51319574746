"""/users and /invites as screens: the people and open invites of a manager's subtree, a person's card,
and the menus to deactivate, reactivate, change role or unit, and revoke invites.

The rules are in bot/domain/people/directory.py and bot/domain/people/invites.py; each function here
makes one change (or none) and returns what the manager sees next. Every button carries what it needs
(the person, the page), so an old message still works, or politely refuses (AccessDenied) when the
rights behind it are gone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.domain.formatting import format_local_datetime
from bot.domain.people import directory as people
from bot.domain.people import invites as invite_service
from bot.domain.people.access import AccessDenied
from bot.domain.people.describe import describe_person, role_name
from bot.domain.permissions import Do, may
from bot.domain.records.action_text import Localised
from bot.domain.screen import Button, Press, Screen, button
from bot.domain.spans import Text, bold, fill
from bot.domain.units.page_screen import picker
from bot.domain.units.tree import unit_display
from db.models import Role, Unit, User
from db.queries import get_organisation, get_unit

PEOPLE_PER_PAGE = 8
UNIT_LIST = "usr"  # the kind of the unit picker's list (handlers/unit_list.py)


@dataclass(frozen=True)
class Manager:
    """Who is looking (an active supervisor or admin), in their language and time zone, and when."""

    viewer: User
    names: Localised
    tz: ZoneInfo
    now: datetime


def _last_seen(manager: Manager, user: User) -> str:
    if user.last_seen_at is None:
        return manager.names.t("never")
    return format_local_datetime(user.last_seen_at, manager.tz, manager.names.t.locale)


def _status(manager: Manager, user: User) -> str:
    t = manager.names.t
    if user.active:
        return ""
    if user.deactivated_reason == people.BLOCKED:
        return " · ⛔ " + t("has blocked the bot")
    return " · 🚫 " + t("deactivated")


def _with_note(note: str) -> Text:
    return Text().add(note).add() if note else Text()


def people_screen(session: Session, manager: Manager, *, page: int) -> Screen:
    """/users: the people of the manager's subtree, a page at a time, ⚙️ for those they may change."""
    t, actor = manager.names.t, manager.viewer
    root = people.managed_root(session, actor=actor)
    count, page_people = people.people_of(session, root=root, offset=page * PEOPLE_PER_PAGE, limit=PEOPLE_PER_PAGE)
    pages = max(1, (count + PEOPLE_PER_PAGE - 1) // PEOPLE_PER_PAGE)
    body = Text().add(*fill(t("{title} ({count}) — page {page}/{pages}"),
                            title=bold(t("People of {unit}").format(unit=unit_display(t, root))), count=count,
                            page=page + 1, pages=pages))
    rows: list[list[Button]] = []
    for number, person in enumerate(page_people, start=page * PEOPLE_PER_PAGE + 1):
        role, unit, organisation = describe_person(session, manager.names, person, with_unit=False)
        body.add(*fill(t("{number}. {name} — {role}, {unit}, {organisation} · last active {seen}"),
                       number=number, name=bold(person.display_name), role=role, unit=unit,
                       organisation=organisation, seen=_last_seen(manager, person)), _status(manager, person))
        if may(actor, Do.MANAGE_PERSON, person, session=session):
            rows.append([button(f"⚙️ {number}. {person.display_name}"[:60], "people.person", person.id or 0, page)])
    nav = []
    if page > 0:
        nav.append(button("‹ " + t("Previous"), "people.list", page - 1))
    if page + 1 < pages:
        nav.append(button(t("Next") + " ›", "people.list", page + 1))
    if nav:
        rows.append(nav)
    body.add().add(t("⚙️ opens a person: deactivate or reactivate, change role or unit. /invites lists open invites."))
    return Screen(body, rows)


def person_screen(session: Session, manager: Manager, *, person: User, page: int, note: str = "") -> Screen:
    """A person's card: who they are, their state, and what the manager may do."""
    t = manager.names.t
    role, unit, organisation = describe_person(session, manager.names, person)
    body = _with_note(note).add(bold(person.display_name))
    body.add(t("Role: {role}").format(role=role)).add(t("Unit: {unit}").format(unit=unit))
    body.add(t("Organisation: {organisation}").format(organisation=organisation))
    body.add(t("Last active: {moment}").format(moment=_last_seen(manager, person)))
    if person.active:
        body.add(t("Status: active"))
    elif person.deactivated_reason == people.BLOCKED:
        body.add(t("Status: has blocked the bot (active again when they send /start)"))
    else:
        body.add(t("Status: deactivated (needs a new invite, or ✅ Reactivate)"))
    pid = person.id or 0
    reopen = may(manager.viewer, Do.UNDO_REMOVAL, person, session=session)
    if not reopen:
        body.add(t("Closed by a higher level: only that level (or the operator) can reopen this account."))
    toggle = (button("🚫 " + t("Deactivate"), "people.deactivate", pid, page)
              if person.active or person.deactivated_reason == people.BLOCKED else
              button("✅ " + t("Reactivate"), "people.reactivate", pid, page) if reopen else None)
    rows: list[list[Button]] = [[toggle]] if toggle is not None else []
    rows += [[button("🎭 " + t("Change role"), "people.roles", pid, page),
              button("🏢 " + t("Change unit"), "people.units", pid, None, 0)],
             [button("↩ " + t("Back to the list"), "people.list", page)]]
    return Screen(body, rows)


def invites_screen(session: Session, manager: Manager, *, note: str = "") -> Screen:
    """/invites: the open invites of the manager's subtree, ❌ to revoke each."""
    t = manager.names.t
    found = invite_service.open_invites(session, actor=manager.viewer, now=manager.now)
    body = _with_note(note)
    if not found:
        return Screen(body.add(t("No open invites in your units. /invite creates one.")))
    body.add(*fill(t("{title} (unused and not expired): ❌ revokes a link at once."), title=bold(t("Open invites"))))
    rows = []
    for number, (invite, creator) in enumerate(found, start=1):
        unit = get_unit(session, unit_id=invite.unit_id)
        organisation = (get_organisation(session, organisation_id=invite.organisation_id)
                        if invite.organisation_id else None)
        org_text = (manager.names.at(unit.kind if unit else None)  # the unit is beside it
                    .organisation(organisation.code) if organisation else t("none"))
        unit_text = unit_display(t, unit) if unit else "?"
        body.add(t("{number}. {role}, {unit}, {organisation} · by {creator} · expires {expires}").format(
            number=number, role=role_name(t, invite.role), unit=unit_text, organisation=org_text,
            creator=creator or t("the operator"),
            expires=format_local_datetime(invite.expires_at, manager.tz, t.locale)))
        rows.append([button(f"❌ {number}. {unit_text}"[:60], "people.revoke", invite.id or 0)])
    return Screen(body, rows)


def revoke_screen(session: Session, manager: Manager, *, invite_id: int) -> Screen:
    invite_service.revoke_invite(session, actor=manager.viewer, invite_id=invite_id, now=manager.now)
    return invites_screen(session, manager, note="✅ " + manager.names.t("Invite revoked: the link no longer works."))


def _person(session: Session, manager: Manager, person_id: int) -> User:
    return people.managed_person(session, actor=manager.viewer, target_id=person_id)


def open_person_screen(session: Session, manager: Manager, *, person_id: int, page: int) -> Screen:
    return person_screen(session, manager, person=_person(session, manager, person_id), page=page)


def ask_deactivate_screen(session: Session, manager: Manager, *, person_id: int, page: int) -> Screen:
    t, person = manager.names.t, _person(session, manager, person_id)
    pid = person.id or 0
    return Screen(Text().add(t(
        "Deactivate {name}? They lose access at once and their queued messages are dropped; their "
        "records stay. To come back they need a new invite (or ✅ Reactivate here).").format(name=person.display_name)),
        [[button("🚫 " + t("Yes, deactivate"), "people.deactivate.yes", pid, page),
          button(t("No"), "people.person", pid, page)]])


def _revoked_note(manager: Manager, change: people.PersonChange) -> str:
    """How many of the person's unused invites the change revoked (none: nothing to say)."""
    if not change.revoked_invites:
        return ""
    return " " + manager.names.t.ngettext("{count} unused invite they made was revoked.",
                                          "{count} unused invites they made were revoked.",
                                          change.revoked_invites).format(count=change.revoked_invites)


def deactivate_screen(session: Session, manager: Manager, *, person_id: int, page: int) -> Screen:
    t, person = manager.names.t, _person(session, manager, person_id)
    change = people.deactivate(session, actor=manager.viewer, target_id=person.id or 0, now=manager.now)
    return person_screen(session, manager, person=change.user, page=page, note="✅ " + t("{name} is deactivated.")
                         .format(name=person.display_name) + _revoked_note(manager, change))


def reactivate_screen(session: Session, manager: Manager, *, person_id: int, page: int) -> Screen:
    t, person = manager.names.t, _person(session, manager, person_id)
    person = people.reactivate(session, actor=manager.viewer, target_id=person.id or 0, now=manager.now)
    return person_screen(session, manager, person=person, page=page,
                         note="✅ " + t("{name} is active again.").format(name=person.display_name))


def role_menu_screen(session: Session, manager: Manager, *, person_id: int, page: int) -> Screen:
    t, person = manager.names.t, _person(session, manager, person_id)
    rows = [[button(("• " if role == person.role else "") + role_name(t, role), "people.role", person.id or 0,
                    role.value, page)]
            for role in people.roles_for(session, actor=manager.viewer, target=person)]
    rows.append([button("↩ " + t("Back"), "people.person", person.id or 0, page)])
    return Screen(Text().add(t("New role for {name}:").format(name=person.display_name)), rows)


def set_role_screen(session: Session, manager: Manager, *, person_id: int, role: str, page: int) -> Screen:
    person = _person(session, manager, person_id)
    change = people.change_role(session, actor=manager.viewer, target_id=person.id or 0, role=Role(role),
                                now=manager.now)
    return person_screen(session, manager, person=change.user, page=page,
                         note="✅ " + manager.names.t("Role changed.") + _revoked_note(manager, change))


def _unit_in_reach(session: Session, manager: Manager, unit_id: int | None) -> Unit:
    """The unit a button names (None: the top of the manager's subtree), only inside that subtree."""
    root = people.managed_root(session, actor=manager.viewer)
    unit = get_unit(session, unit_id=unit_id) if unit_id is not None else root
    if unit is None or not may(manager.viewer, Do.MANAGE_UNIT, unit, session=session):
        raise AccessDenied("unit outside the actor's subtree")
    return unit


def unit_menu_screen(session: Session, manager: Manager, *, person_id: int, unit_id: int | None, page: int,
                     searched: tuple[int | None, str] = (None, "")) -> tuple[Screen, int]:
    """`unit` (to choose it) and its children (to choose or to open), inside the manager's subtree only,
    ten a page with 🔎; and the id of the unit shown. `searched` is (unit, text) of the list's search: it
    applies while the list stays on that unit."""
    t, person = manager.names.t, _person(session, manager, person_id)
    unit = _unit_in_reach(session, manager, unit_id)
    pid, shown_id = person.id or 0, unit.id or 0
    query = searched[1] if searched[0] == shown_id else ""
    lines, listed, shown = picker(session, t, unit, kind=UNIT_LIST, page=page, query=query,
                                  choose=lambda child: Press("people.unit", (pid, child.id or 0)),
                                  open_unit=lambda child: Press("people.units", (pid, child.id or 0, 0)),
                                  turn=lambda number: Press("people.units", (pid, shown_id, number)))
    rows = [[button("✅ " + unit_display(t, unit), "people.unit", pid, shown_id)], *listed]
    if unit.id != manager.viewer.unit_id and unit.parent_id is not None:
        rows.append([button("⬆ " + t("Up"), "people.units", pid, unit.parent_id, 0)])
    rows.append([button("↩ " + t("Back"), "people.person", pid, 0)])
    body = Text().add(t("New unit for {name} (✅ to choose, › to open):").format(name=person.display_name))
    return Screen(body.extend(lines), rows, units=shown), shown_id


def set_unit_screen(session: Session, manager: Manager, *, person_id: int, unit_id: int) -> Screen:
    person = _person(session, manager, person_id)
    unit = _unit_in_reach(session, manager, unit_id)
    change = people.change_unit(session, actor=manager.viewer, target_id=person.id or 0, unit_id=unit.id or 0,
                                now=manager.now)
    return person_screen(session, manager, person=change.user, page=0,
                         note="✅ " + manager.names.t("Unit changed.") + _revoked_note(manager, change))
