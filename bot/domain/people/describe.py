"""How a person is named on screen: their role, unit and organisation in words.

Why here: /me, the welcome after an invite, /users and /invites all show the same three words, and the
screens that show them are built in the domain (bot/domain/screen.py), so the words are too.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.domain.permissions import ROLE_NAMES
from bot.domain.records.action_text import Localised
from bot.domain.units.tree import unit_label
from bot.i18n import Translator
from db.models import Role, User
from db.queries import get_organisation, get_unit


def role_name(t: Translator, role: Role) -> str:
    return t(ROLE_NAMES[role])


def describe_person(session: Session, names: Localised, user: User, *, with_unit: bool = True,
                    ) -> tuple[str, str, str]:
    """(role, unit, organisation) as plain words. The organisation is named as the unit's body ("Ủy ban
    MTTQ xã Bình Gia"), or only at its level (`with_unit` False) where the unit stands beside it."""
    t = names.t
    unit = unit_label(session, t, user.unit_id)
    organisation = (get_organisation(session, organisation_id=user.organisation_id)
                    if user.organisation_id else None)
    own_unit = get_unit(session, unit_id=user.unit_id)
    named = names.at_unit(own_unit) if with_unit else names.at(own_unit.kind if own_unit else None)
    org_text = named.organisation(organisation.code) if organisation else t("none")
    return role_name(t, user.role), unit, org_text
