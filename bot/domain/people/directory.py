"""People of a supervisor's subtree: who they are, and who may change whose role, unit or access.

Why these rules:
- Access follows the unit tree. A supervisor or admin manages the people of their own unit and the
  units under it, and moves them only to units inside that subtree.
- Nobody hands out a role above their own (the same ceiling as invites: only admins make admins), and a
  supervisor cannot touch an admin at all, so a supervisor can never undo what an admin decided.
- Nobody changes their own role or deactivates themselves: a slip of the thumb must not lock a unit out.
- Two kinds of "inactive": BLOCKED (Telegram answered 403, see bot/domain/outbox/queue.py) comes back by
  itself at the user's next /start; REMOVED (a supervisor or the operator ended it) needs a new invite.
- A removed user's queued messages are dropped, but their records stay, credited to them.
- A removal is reversed only at the level that decided it or above (UNDO_REMOVAL in bot/domain/permissions.py):
  who decided is kept (`deactivated_by_id`; none for the operator's CLI, the top level, reversed only by the
  operator's new invite), so a district cannot reopen what the province or the operator closed,
  by ✅ or by its own invite.
- A person who leaves (deactivated, moved out of a record's unit, or blocked the bot) cannot answer a
  question about their records any more: those open questions are closed with the reason and the askers
  told (bot/domain/records/questions.py). A block is noticed by the outbox's sender, which reports it here
  (`recipient_blocked`) because the outbox cannot import the questions (they queue through it).
- An invite is as good as its maker: deactivating, demoting or moving a person revokes the unused invites
  they could no longer make, and the change says how many (`PersonChange.revoked_invites`).
- Every change is in the audit trail with who, what, before and after. `actor=None` is the operator's
  CLI (bot/cli_people.py), which is not bound by the tree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from bot.domain import audit
from bot.domain.outbox import queue as outbox
from bot.domain.people.access import REMOVED as REMOVED  # re-exported: /users and the CLI read it here
from bot.domain.people.access import AccessDenied, revoke_invites_beyond_maker
from bot.domain.permissions import Do, givable_roles, may
from bot.domain.records.questions import close_for_departed
from db.models import Role, Unit, User
from db.queries import get_unit, get_user_and_unit

BLOCKED = outbox.BLOCKED_REASON
SEEN_EVERY = timedelta(minutes=5)


def viewer_and_unit(session: Session, *, telegram_id: int) -> tuple[User, Unit | None] | None:
    """The registered person behind an update, with their unit (one query): what `context.db_user` loads
    once per update, so the handlers' context reaches the database through the domain only."""
    return get_user_and_unit(session, telegram_id=telegram_id)
"""How stale `last_seen_at` may get before an update writes it again (one write per user per 5 minutes,
not one per message)."""


@dataclass(frozen=True)
class PersonChange:
    """A change made to a person, and how many of their unused invites it revoked."""

    user: User
    revoked_invites: int = 0


def managed_root(session: Session, *, actor: User) -> Unit:
    """The top of the subtree `actor` manages; AccessDenied for reporters and inactive users."""
    unit = get_unit(session, unit_id=actor.unit_id) if may(actor, Do.SUPERVISE) else None
    if unit is None:
        raise AccessDenied("only active supervisors and admins manage people")
    return unit


def people_of(session: Session, *, root: Unit | None, offset: int = 0, limit: int | None = None,
              ) -> tuple[int, Sequence[User]]:
    """How many people belong to `root` and the units under it (everyone for None), and a page of them,
    by unit (tree order), then role, then name."""
    condition = col(Unit.path).startswith(root.path) if root is not None else col(Unit.id).is_not(None)
    count = session.exec(select(func.count(col(User.id))).join(Unit, col(Unit.id) == User.unit_id)
                         .where(condition)).one()
    query = (select(User).join(Unit, col(Unit.id) == User.unit_id).where(condition)
             .order_by(col(Unit.path), col(User.role), col(User.display_name), col(User.id)).offset(offset))
    if limit is not None:
        query = query.limit(limit)
    return int(count), session.exec(query).all()


def roles_for(session: Session, *, actor: User, target: User) -> list[Role]:
    """The roles `actor` may give `target` (their current one included, to show it)."""
    return givable_roles(actor) if may(actor, Do.MANAGE_PERSON, target, session=session) else []


def managed_person(session: Session, *, actor: User | None, target_id: int) -> User:
    """The user `actor` may change (AccessDenied otherwise: buttons can be old or forged)."""
    target = session.get(User, target_id)
    if target is None:
        raise AccessDenied("unknown user")
    if actor is not None and not may(actor, Do.MANAGE_PERSON, target, session=session):
        raise AccessDenied("not allowed to change this user")
    return target


def _state(user: User) -> dict[str, Any]:
    """What an audit entry records before and after a change (no personal data beyond ids)."""
    return {"active": user.active, "reason": user.deactivated_reason, "role": user.role.value,
            "unit_id": user.unit_id}


def _audit(session: Session, *, actor: User | None, action: str, target: User, before: dict[str, Any],
           revoked_invites: int = 0) -> None:
    details: dict[str, Any] = {"before": before, "after": _state(target)}
    if revoked_invites:
        details["revoked_invites"] = revoked_invites
    if actor is None:
        details["by"] = "cli"
    audit.record(session, user_id=actor.id if actor else None, action=action, entity="user", entity_id=target.id,
                 details=details)


def deactivate(session: Session, *, actor: User | None, target_id: int, now: datetime) -> PersonChange:
    """End `target`'s access until a new invite (or a reactivation); their queued messages are dropped and
    their unused invites revoked."""
    target = managed_person(session, actor=actor, target_id=target_id)
    if actor is not None and target.id == actor.id:
        raise AccessDenied("nobody deactivates themselves")
    if not target.active and target.deactivated_reason == REMOVED:
        return PersonChange(target)
    before = _state(target)
    target.active, target.deactivated_reason, target.deactivated_at = False, REMOVED, now
    target.deactivated_by_id = actor.id if actor else None
    session.add(target)
    session.flush()
    outbox.drop_pending_for(session, user=target)
    close_for_departed(session, author=target, now=now)  # their open questions: the askers are told
    revoked = revoke_invites_beyond_maker(session, maker=target, now=now, revoked_by_id=actor.id if actor else None)
    _audit(session, actor=actor, action="deactivate", target=target, before=before, revoked_invites=revoked)
    session.commit()
    return PersonChange(target, revoked)


def reactivate(session: Session, *, actor: User, target_id: int, now: datetime) -> User:
    """Undo a deactivation from /users (a supervisor's mistake, or someone back from leave), at the level
    that decided it or above."""
    target = managed_person(session, actor=actor, target_id=target_id)
    if target.active:
        return target
    if not may(actor, Do.UNDO_REMOVAL, target, session=session):
        raise AccessDenied("the removal was decided above the actor")
    before = _state(target)
    target.active = True
    target.deactivated_reason = target.deactivated_at = target.deactivated_by_id = None
    session.add(target)
    _audit(session, actor=actor, action="reactivate", target=target, before=before)
    session.commit()
    return target


def change_role(session: Session, *, actor: User, target_id: int, role: Role, now: datetime) -> PersonChange:
    """A new role; the unused invites the person could make only with the old one are revoked."""
    target = managed_person(session, actor=actor, target_id=target_id)
    if role not in givable_roles(actor):
        raise AccessDenied("a role above the actor's own")
    if target.role == role:
        return PersonChange(target)
    before = _state(target)
    target.role = role
    session.add(target)
    session.flush()
    revoked = revoke_invites_beyond_maker(session, maker=target, now=now, revoked_by_id=actor.id)
    _audit(session, actor=actor, action="change_role", target=target, before=before, revoked_invites=revoked)
    session.commit()
    return PersonChange(target, revoked)


def change_unit(session: Session, *, actor: User, target_id: int, unit_id: int, now: datetime) -> PersonChange:
    """Move `target` to a unit of the actor's subtree. Rights follow the new unit at once: every access
    check reads the user's unit from the database (nothing is cached between updates), and the unused
    invites they made for units outside their new subtree are revoked."""
    target = managed_person(session, actor=actor, target_id=target_id)
    unit = get_unit(session, unit_id=unit_id)
    if unit is None or not may(actor, Do.MANAGE_UNIT, unit, session=session):
        raise AccessDenied("unit outside the actor's subtree")
    if target.unit_id == unit_id:
        return PersonChange(target)
    before = _state(target)
    target.unit_id = unit_id
    session.add(target)
    session.flush()
    close_for_departed(session, author=target, now=now)  # questions about records they can no longer answer
    revoked = revoke_invites_beyond_maker(session, maker=target, now=now, revoked_by_id=actor.id)
    _audit(session, actor=actor, action="change_unit", target=target, before=before, revoked_invites=revoked)
    session.commit()
    return PersonChange(target, revoked)


def find_user(session: Session, *, reference: str) -> User:
    """The user named on the command line: `tg:123` (Telegram id), `id:7` (our id) or a bare number,
    which must not name two different people."""
    kind, _, number = reference.strip().rpartition(":")
    if not number.isdigit() or kind not in ("", "tg", "id"):
        raise LookupError(f"not a user id: {reference}")
    by_telegram = session.exec(select(User).where(User.telegram_id == int(number))).first() if kind != "id" else None
    by_id = session.get(User, int(number)) if kind != "tg" else None
    if by_telegram is not None and by_id is not None and by_telegram.id != by_id.id:
        raise LookupError(f"{number} is both a Telegram id and a user id: write tg:{number} or id:{number}")
    found = by_telegram or by_id
    if found is None:
        raise LookupError(f"no user {reference}")
    return found


def welcome_back(session: Session, *, user: User, now: datetime) -> bool:
    """A user marked inactive only because they had blocked the bot is active again once they write
    /start; True when that happened. A removed user stays removed."""
    if user.active or user.deactivated_reason != BLOCKED:
        return False
    before = _state(user)
    user.active = True
    user.deactivated_reason = user.deactivated_at = user.deactivated_by_id = None
    user.last_seen_at = now
    session.add(user)
    audit.record(session, user_id=user.id, action="return", entity="user", entity_id=user.id,
                 details={"before": before, "after": _state(user)})
    session.commit()
    return True


def recipient_blocked(session: Session, *, message_id: int, holder: str, now: datetime) -> bool:
    """Telegram answered 403 to the outbox row `message_id`: its recipient is marked blocked (their
    supervisors told) and, as they will not see a question about their records, the open ones are closed
    as for a departure (the askers told), in one unit of work. True when notices were queued."""
    blocked = outbox.mark_blocked(session, message_id=message_id, holder=holder, now=now)
    closed = 0
    if blocked is not None and blocked.user is not None:
        closed = close_for_departed(session, author=blocked.user, now=now)
    session.commit()
    return blocked is not None and bool(blocked.notices or closed)


def note_activity(session: Session, *, user: User, now: datetime) -> None:
    """Remember when an active user last used the bot (shown in /users), at most once per SEEN_EVERY."""
    seen = outbox.as_utc(user.last_seen_at) if user.last_seen_at is not None else None
    if seen is not None and now - seen < SEEN_EVERY:
        return
    user.last_seen_at = now
    session.add(user)
    session.commit()
