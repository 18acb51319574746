"""Double-count detection: the same distribution reported by two organisations of one unit.

A newly saved record is a suspect when, in the same unit, another organisation already logged the
same category for the same household within 30 days, or exactly the same figures in the same month.
The officer (or a supervisor above) answers "same distribution" (confirmed: counted once in every
total, while each organisation keeps the credit in its own breakdown) or "a different one".
Until answered, the suspect is counted and listed for supervisors.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from sqlmodel import Session, col, select

from bot.services import audit
from bot.services.actions import ensure_can_edit
from bot.services.totals import subtree_unit_ids
from db.models import ActionStatus, SupportAction, Unit, User
from db.queries import get_unit

SUSPECT, CONFIRMED, DISTINCT = "suspect", "confirmed", "distinct"
HOUSEHOLD_WINDOW = timedelta(days=30)


def find_original(session: Session, *, action: SupportAction) -> SupportAction | None:
    """The earlier record of another organisation that `action` looks like, if any."""
    query = select(SupportAction).where(
        col(SupportAction.status) == ActionStatus.CURRENT, SupportAction.unit_id == action.unit_id,
        SupportAction.category_id == action.category_id, SupportAction.organisation_id != action.organisation_id,
        col(SupportAction.id) != action.id, col(SupportAction.duplicate_of_id).is_(None))
    if action.household_id is not None:
        same_household = session.exec(query.where(
            SupportAction.household_id == action.household_id,
            col(SupportAction.action_date) >= action.action_date - HOUSEHOLD_WINDOW,
            col(SupportAction.action_date) <= action.action_date + HOUSEHOLD_WINDOW)
            .order_by(col(SupportAction.id).desc())).first()
        if same_household is not None:
            return same_household
    figures = (action.households, action.persons, action.quantity, action.value_dong)
    if all(f is None for f in figures):
        return None
    first = action.action_date.replace(day=1)
    following = (first.replace(year=first.year + 1, month=1) if first.month == 12
                 else first.replace(month=first.month + 1))
    for candidate in session.exec(query.where(col(SupportAction.action_date) >= first,
                                              col(SupportAction.action_date) < following)
                                  .order_by(col(SupportAction.id).desc())).all():
        if (candidate.households, candidate.persons, candidate.quantity, candidate.value_dong) == figures:
            return candidate
    return None


def flag_if_duplicate(session: Session, *, action: SupportAction) -> SupportAction | None:
    """Mark a freshly saved record as a suspect duplicate; returns the original it resembles."""
    original = find_original(session, action=action)
    if original is None:
        return None
    action.duplicate_of_id, action.duplicate_status = original.id, SUSPECT
    session.add(action)
    audit.record(session, user_id=action.author_id, action="suspect_duplicate", entity="support_action",
                 entity_id=action.id, details={"original": original.id})
    session.commit()
    return original


def resolve(session: Session, *, action_id: int, same: bool, user: User) -> SupportAction:
    """Record the answer: the same distribution (counted once) or a different one (counted)."""
    action = session.get(SupportAction, action_id)
    if action is None or action.duplicate_status is None:
        raise LookupError("no such suspect")
    ensure_can_edit(session, user=user, action=action)
    action.duplicate_status = CONFIRMED if same else DISTINCT
    if not same:
        action.duplicate_of_id = None
    session.add(action)
    audit.record(session, user_id=user.id, action="resolve_duplicate", entity="support_action",
                 entity_id=action.id, details={"same": same})
    session.commit()
    return action


def unresolved(session: Session, *, user: User) -> Sequence[SupportAction]:
    """Suspects in the user's unit and below, oldest first (for /suspects)."""
    own = get_unit(session, unit_id=user.unit_id)
    return unresolved_in(session, unit=own) if own is not None else []


def unresolved_in(session: Session, *, unit: Unit) -> Sequence[SupportAction]:
    """Suspects in `unit` and below, oldest first (for digests and /status)."""
    return session.exec(select(SupportAction).where(
        SupportAction.duplicate_status == SUSPECT, col(SupportAction.status) == ActionStatus.CURRENT,
        col(SupportAction.unit_id).in_(subtree_unit_ids(session, root=unit))).order_by(col(SupportAction.id))).all()
