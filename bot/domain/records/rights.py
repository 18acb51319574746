"""Who may change a support action (correct or void it, answer its double-count question).

Kept apart from saving (records/actions.py) because the double-count checks and the questions about a
record ask it too, and saving calls both of them.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.domain.people.access import AccessDenied
from bot.domain.units.tree import is_within
from db.models import Role, SupportAction, User
from db.queries import get_unit


def can_edit(session: Session, *, user: User, action: SupportAction) -> bool:
    """The author, or a supervisor/admin, and in both cases only while the action's unit is the user's
    CURRENT unit or under it: someone moved to another unit loses their old unit's records (names
    included) unless the new unit is above it. `user` is read from the database for every update."""
    if action.author_id != user.id and user.role not in (Role.SUPERVISOR, Role.ADMIN):
        return False
    own, target = get_unit(session, unit_id=user.unit_id), get_unit(session, unit_id=action.unit_id)
    return own is not None and target is not None and is_within(target, own)


def ensure_can_edit(session: Session, *, user: User, action: SupportAction) -> None:
    if not can_edit(session, user=user, action=action):
        raise AccessDenied("not allowed to change this record")

