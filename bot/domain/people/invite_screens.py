"""/invite as screens: a supervisor picks role, unit (inside their own subtree) and organisation with
buttons, and gets a single-use deep link to pass to the colleague.

Why a service: which roles and units an inviter may hand out are rules of the domain
(bot/domain/people/access.py); the screens say them the same way on every channel.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.domain.formatting import format_local_datetime
from bot.domain.people.access import create_invite
from bot.domain.people.describe import role_name
from bot.domain.permissions import Do, givable_roles, may
from bot.domain.records.action_text import Localised
from bot.domain.screen import LINK, Button, Press, Screen, button, screen_of
from bot.domain.spans import Text
from bot.domain.units.page_screen import picker
from bot.domain.units.tree import unit_display
from bot.i18n import Translator
from db.models import Role, Unit, User
from db.queries import get_organisation, get_unit, list_organisations

UNIT_LIST = "inv"  # the kind of the unit picker's list (handlers/unit_list.py)


def _cancel_row(t: Translator) -> list[Button]:
    return [button("❌ " + t("Cancel"), "invite.cancel")]


def roles_screen(*, t: Translator, inviter: User) -> Screen:
    """The first step: the roles the inviter may hand out (reporters invite nobody)."""
    rows = [[button(role_name(t, role), "invite.role", role.value)] for role in givable_roles(inviter)]
    return screen_of(t("Invite a new user. Choose their role:"), rows=[*rows, _cancel_row(t)])


def offered_role(inviter: User, role: str) -> bool:
    return role in {r.value for r in givable_roles(inviter)}


def allowed_unit(session: Session, *, inviter: User | None, unit_id: int | None) -> Unit | None:
    """The unit named by a button (None: the inviter's own), only if the inviter manages it (buttons can
    be forged)."""
    if inviter is None:
        return None
    unit = get_unit(session, unit_id=unit_id if unit_id is not None else inviter.unit_id)
    if unit is None or not may(inviter, Do.MANAGE_UNIT, unit, session=session):
        return None
    return unit


def units_screen(session: Session, *, t: Translator, inviter: User, unit: Unit, page: int, query: str) -> Screen:
    """`unit` (to choose it) and its children (to choose or to open), ten a page with 🔎."""
    unit_id = unit.id or 0
    lines, listed, shown = picker(session, t, unit, kind=UNIT_LIST, page=page, query=query,
                                  choose=lambda child: Press("invite.unit", (child.id or 0,)),
                                  open_unit=lambda child: Press("invite.open", (child.id or 0,)),
                                  turn=lambda number: Press("invite.page", (unit_id, number)))
    rows = [[button("✅ " + unit_display(t, unit), "invite.unit", unit_id)], *listed]
    if unit.id != inviter.unit_id and unit.parent_id is not None:
        rows.append([button("⬆ " + t("Up"), "invite.open", unit.parent_id)])
    rows.append(_cancel_row(t))
    body = Text().add(t("Choose the unit of the new user (✅ to choose, › to open):")).extend(lines)
    return Screen(body, rows, units=shown)


def organisations_screen(session: Session, *, names: Localised, unit: Unit) -> Screen:
    """The organisations, named at the unit's level ("UBND phường" for a ward), and "No organisation"."""
    t, named = names.t, names.at(unit.kind)
    rows = [[button(named.organisation(o.code), "invite.organisation", o.id)] for o in list_organisations(session)]
    rows.append([button(t("No organisation"), "invite.organisation", None)])
    rows.append(_cancel_row(t))
    return screen_of(t("Which organisation does the new user work for?"), rows=rows)


def known_organisation(session: Session, organisation_id: int | None) -> bool:
    """None ("No organisation") or an organisation that exists."""
    return organisation_id is None or get_organisation(session, organisation_id=organisation_id) is not None


def created_screen(session: Session, *, names: Localised, inviter: User, role: str, unit_id: int,
                   organisation_id: int | None, ttl: timedelta, now: datetime, tz: ZoneInfo,
                   bot_username: str) -> Screen:
    """The invite made, with its link and a button that opens it; AccessDenied when the inviter may not
    invite for that role and unit."""
    t = names.t
    organisation = get_organisation(session, organisation_id=organisation_id) if organisation_id is not None else None
    invite = create_invite(session, inviter=inviter, role=Role(role), unit_id=unit_id,
                           organisation_id=organisation.id if organisation else None, ttl=ttl, now=now)
    link = f"https://t.me/{bot_username}?start={invite.token}"
    unit = get_unit(session, unit_id=invite.unit_id)
    assert unit is not None
    org_name = names.at_unit(unit).organisation(organisation.code) if organisation else t("none")
    text = t("Invite created: {role}, {unit}, organisation: {organisation}.\n"
             "Send this link to your colleague. It works once and expires at {expires}:\n{link}").format(
        role=role_name(t, invite.role), unit=unit_display(t, unit), organisation=org_name,
        expires=format_local_datetime(invite.expires_at, tz, t.locale), link=link)
    return screen_of(text, rows=[[button(t("Open the invite"), LINK, link)]])
