"""Double-count detection: the same distribution reported by two organisations of one unit.

A newly saved record is a suspect when, in the same unit, another organisation already logged the
same category for the same household within 30 days, or exactly the same figures in the same month.
The officer (or a supervisor above) answers "same distribution" (confirmed: counted once in every
total, while each organisation keeps the credit in its own breakdown) or "a different one".
Until answered, the suspect is counted and listed for supervisors.

A distribution must stay counted once, never zero times: when an original is voided its newest
confirmed duplicate takes its place (`release_duplicates`), and when it is corrected its duplicates are
checked against the new version (`follow_correction`). Both run inside the void or correction's own
transaction (`bot.domain.records.actions`), so the totals rollup follows them in the same flush.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from bot.domain import audit
from bot.domain.people.access import AccessDenied
from bot.domain.permissions import Do, may
from bot.domain.totals.aggregate import subtree_unit_ids
from db.models import ActionStatus, SupportAction, Unit, User
from db.queries import get_unit

SUSPECT, CONFIRMED, DISTINCT = "suspect", "confirmed", "distinct"
HOUSEHOLD_WINDOW = timedelta(days=30)


def find_original(session: Session, *, action: SupportAction) -> SupportAction | None:
    """The earlier record of another organisation that `action` looks like, if any: the same household
    within 30 days, or else the same figures in the same month (newest first)."""
    common = {"unit_id": action.unit_id, "category_id": action.category_id,
              "organisation_id": action.organisation_id, "id": action.id}
    if action.household_id is not None:
        same_household = session.execute(_SAME_HOUSEHOLD, {
            **common, "household_id": action.household_id, "first": action.action_date - HOUSEHOLD_WINDOW,
            "last": action.action_date + HOUSEHOLD_WINDOW}).scalars().first()
        if same_household is not None:
            return same_household
    figures = {"households": action.households, "persons": action.persons, "quantity": action.quantity,
               "value_dong": action.value_dong}
    if all(f is None for f in figures.values()):
        return None
    first = action.action_date.replace(day=1)
    following = (first.replace(year=first.year + 1, month=1) if first.month == 12
                 else first.replace(month=first.month + 1))
    return session.execute(_SAME_FIGURES, {**common, **figures, "first": first, "following": following}
                           ).scalars().first()


def _candidates() -> Any:
    """Current, not yet matched records of the same unit and category from another organisation."""
    return select(SupportAction).where(
        col(SupportAction.status) == ActionStatus.CURRENT, SupportAction.unit_id == bindparam("unit_id"),
        SupportAction.category_id == bindparam("category_id"),
        SupportAction.organisation_id != bindparam("organisation_id"),
        col(SupportAction.id) != bindparam("id"), col(SupportAction.duplicate_of_id).is_(None))


# Asked after every save: built once. The figures are compared in the query (a missing figure matches
# only a missing one), so only the one record found is loaded, however many the month holds.
_SAME_HOUSEHOLD = (_candidates().where(SupportAction.household_id == bindparam("household_id"),
                                       col(SupportAction.action_date) >= bindparam("first"),
                                       col(SupportAction.action_date) <= bindparam("last"))
                   .order_by(col(SupportAction.id).desc()).limit(1))
_SAME_FIGURES = (_candidates().where(col(SupportAction.action_date) >= bindparam("first"),
                                     col(SupportAction.action_date) < bindparam("following"),
                                     *(col(getattr(SupportAction, name)).is_not_distinct_from(bindparam(name))
                                       for name in ("households", "persons", "quantity", "value_dong")))
                 .order_by(col(SupportAction.id).desc()).limit(1))


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


class AnswerRefused(Exception):
    """An answer that cannot be taken; `reason` says why, for the handler to word politely:
    "answered" (already answered: `previous` is CONFIRMED or DISTINCT), "not_suspect" (no longer a
    suspect: its original was voided or corrected and it is counted), "record_changed" (the suspect itself
    was voided or corrected), "original_gone" ("same" about an original that is no longer current)."""

    def __init__(self, reason: str, *, action: SupportAction, previous: str | None = None) -> None:
        super().__init__(reason)
        self.reason, self.action, self.previous = reason, action, previous


def resolve(session: Session, *, action_id: int, same: bool, user: User) -> SupportAction:
    """Record the answer: the same distribution (counted once) or a different one (counted).

    Only a current suspect can be answered, once: an old question pressed again must not flip a
    record between counted and not counted, and "same" about an original that is no longer current
    would leave the distribution counted zero times."""
    action = session.get(SupportAction, action_id)
    if action is None:
        raise LookupError("no such record")
    if not may(user, Do.EDIT_RECORD, action, session=session):
        raise AccessDenied("not allowed to change this record")
    if action.status != ActionStatus.CURRENT:
        raise AnswerRefused("record_changed", action=action)
    if action.duplicate_status in (CONFIRMED, DISTINCT):
        raise AnswerRefused("answered", action=action, previous=action.duplicate_status)
    if action.duplicate_status != SUSPECT:
        raise AnswerRefused("not_suspect", action=action)
    original = session.get(SupportAction, action.duplicate_of_id or 0)
    if same and (original is None or original.status != ActionStatus.CURRENT):
        raise AnswerRefused("original_gone", action=action)
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


def _same_distribution(original: SupportAction, action: SupportAction) -> bool:
    """`action` looks like `original` by the rule of `find_original`: same unit and category, another
    organisation, and the same household within the window or the same figures in the same month."""
    if (original.unit_id, original.category_id) != (action.unit_id, action.category_id) \
            or original.organisation_id == action.organisation_id:
        return False
    if action.household_id is not None and original.household_id == action.household_id \
            and abs(original.action_date - action.action_date) <= HOUSEHOLD_WINDOW:
        return True
    figures = (action.households, action.persons, action.quantity, action.value_dong)
    return (not all(f is None for f in figures)
            and (original.households, original.persons, original.quantity, original.value_dong) == figures
            and (original.action_date.year, original.action_date.month)
            == (action.action_date.year, action.action_date.month))


def _followers(session: Session, *, original: SupportAction) -> list[SupportAction]:
    """Current records answered or waiting as duplicates of `original`, oldest first."""
    return list(session.exec(select(SupportAction).where(
        SupportAction.duplicate_of_id == original.id, col(SupportAction.status) == ActionStatus.CURRENT,
        col(SupportAction.duplicate_status).in_((SUSPECT, CONFIRMED))).order_by(col(SupportAction.id))).all())


def _point(session: Session, action: SupportAction, *, original: SupportAction | None, status: str | None,
           user_id: int | None, why: str) -> None:
    before = (action.duplicate_of_id, action.duplicate_status)
    action.duplicate_of_id, action.duplicate_status = (original.id if original else None), status
    session.add(action)
    audit.record(session, user_id=user_id, action="recheck_duplicate", entity="support_action", entity_id=action.id,
                 details={"why": why, "was": list(before), "now": [action.duplicate_of_id, status]})


def _flag_again(session: Session, action: SupportAction, *, user_id: int | None, why: str) -> None:
    """Released from an original that is gone: counted, and a suspect again if it resembles another record."""
    _point(session, action, original=None, status=None, user_id=user_id, why=why)
    session.flush()
    other = find_original(session, action=action)
    if other is not None:
        _point(session, action, original=other, status=SUSPECT, user_id=user_id, why=why)
        session.flush()


def release_duplicates(session: Session, *, original: SupportAction, user_id: int | None) -> None:
    """`original` was voided: the distribution still happened, so it must stay counted once, not zero times.

    The newest confirmed duplicate becomes the original (counted again); the other confirmed ones point
    to it (still counted once). Suspects lose their question (it was about the voided record) and are
    checked again against what is current. Runs in the caller's transaction, before its commit, so the
    rollup (a flush listener) follows in the same transaction.
    """
    followers = _followers(session, original=original)
    confirmed = [f for f in followers if f.duplicate_status == CONFIRMED]
    successor = confirmed[-1] if confirmed else None
    if successor is not None:
        _point(session, successor, original=None, status=None, user_id=user_id, why="original_void")
    for follower in followers:
        if follower is successor:
            continue
        if follower.duplicate_status == CONFIRMED:
            _point(session, follower, original=successor, status=CONFIRMED, user_id=user_id, why="original_void")
        else:
            _flag_again(session, follower, user_id=user_id, why="original_void")


def follow_correction(session: Session, *, previous: SupportAction, current: SupportAction,
                      user_id: int | None) -> None:
    """`previous` was corrected into `current` (a new version): re-check the duplicates on both sides.

    A record answered or waiting as a duplicate of `previous` follows `current` while it still looks
    like it; when it no longer does but is of the same unit and category, it becomes a suspect again
    (counted, and asked once more: the correction may show it was another distribution); otherwise it
    is released and checked afresh. When `previous` was itself a duplicate, `current` keeps that status
    while it still looks like its original, and is otherwise a suspect again or checked afresh.
    """
    for follower in _followers(session, original=previous):
        if _same_distribution(current, follower):
            _point(session, follower, original=current, status=follower.duplicate_status, user_id=user_id,
                   why="original_corrected")
        elif _comparable(current, follower):
            _point(session, follower, original=current, status=SUSPECT, user_id=user_id, why="original_corrected")
        else:
            _flag_again(session, follower, user_id=user_id, why="original_corrected")
    if previous.duplicate_status == DISTINCT:
        current.duplicate_status = DISTINCT
        session.add(current)
        return
    if previous.duplicate_status not in (SUSPECT, CONFIRMED):
        return
    original = session.get(SupportAction, previous.duplicate_of_id or 0)
    if original is not None and original.status == ActionStatus.CURRENT and _comparable(original, current):
        status = previous.duplicate_status if _same_distribution(original, current) else SUSPECT
        _point(session, current, original=original, status=status, user_id=user_id, why="corrected")
    else:
        _flag_again(session, current, user_id=user_id, why="corrected")


def _comparable(original: SupportAction, action: SupportAction) -> bool:
    """Could be the same distribution at all: same unit and category, another organisation."""
    return ((original.unit_id, original.category_id) == (action.unit_id, action.category_id)
            and original.organisation_id != action.organisation_id)
