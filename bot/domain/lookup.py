"""Fetching one row by the id a button carries, with the rule that says whether the user may use it.

Handlers do no database work: a button press names a record, a household or a period by id, and the
handler asks here for it. Each function returns None both when the row is gone and when it is not the
user's to use, so the handler gives the same polite "out of date" answer in both cases and never tells
a forger whether an id exists.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlmodel import Session, col, select

from bot.domain.permissions import Do, may
from db.models import Household, ReportingPeriod, SupportAction, User


def editable_action(session: Session, *, user: User | None, action_id: int) -> SupportAction | None:
    """The record, when `user` may correct or void it."""
    action = session.get(SupportAction, action_id)
    if action is None or not may(user, Do.EDIT_RECORD, action, session=session):
        return None
    return action


def visible_household(session: Session, *, user: User, household_id: int) -> Household | None:
    """The household, when `user` may see it (it is in their unit's subtree)."""
    household = session.get(Household, household_id)
    if household is None or not may(user, Do.SEE_HOUSEHOLD, household, session=session):
        return None
    return household


def reporting_period(session: Session, *, period_id: int) -> ReportingPeriod | None:
    return session.get(ReportingPeriod, period_id)


def author_names(session: Session, actions: Iterable[SupportAction]) -> dict[int, str]:
    """The display name of each record's author, by user id (one query for a whole page)."""
    ids = {action.author_id for action in actions}
    if not ids:
        return {}
    return {user.id or 0: user.display_name for user in session.exec(select(User).where(col(User.id).in_(ids)))}


def with_originals(session: Session, suspects: Sequence[SupportAction]) -> list[tuple[SupportAction, SupportAction]]:
    """Each suspected double count with the record it may repeat (suspects whose original is gone are left
    out: there is nothing to compare them with)."""
    pairs = []
    for suspect in suspects:
        original = session.get(SupportAction, suspect.duplicate_of_id or 0)
        if original is not None:
            pairs.append((suspect, original))
    return pairs
