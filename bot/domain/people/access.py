"""Onboarding and access rules: invites, registration, roles, languages.

Access follows the unit tree: a supervisor acts on their unit and everything under it; a reporter
acts on their own unit (and organisation, when they belong to one); an admin is a supervisor who may
also create admins.

An invite carries its maker's rights, so it is only as good as they are: when the maker is deactivated,
demoted or moved, their unused invites they could no longer make are revoked (people.py says how many),
and an invite is checked against its maker again when it is opened (one made before this rule existed, or
a race with the change).
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, col, select

from bot.config import SUPPORTED_LOCALES
from bot.domain import audit
from bot.domain.permissions import REMOVED as REMOVED  # re-exported: the people services read it here
from bot.domain.permissions import Do, may
from db.models import Invite, Role, User
from db.queries import get_unit, get_user_by_telegram_id

INVITE_TOKEN_BYTES = 18  # 24 url-safe characters: fits Telegram's 64-character start parameter


class AccessDenied(Exception):
    """The user may not do this; handlers turn it into a polite message."""


def create_invite(session: Session, *, inviter: User | None, role: Role, unit_id: int,
                  organisation_id: int | None, ttl: timedelta, now: datetime) -> Invite:
    """A single-use invite. `inviter=None` is the operator's CLI bootstrap (the first admin)."""
    unit = get_unit(session, unit_id=unit_id)
    if unit is None:
        raise AccessDenied("unknown unit")
    invite = Invite(token=secrets.token_urlsafe(INVITE_TOKEN_BYTES), role=role, unit_id=unit_id,
                    organisation_id=organisation_id, created_by_id=inviter.id if inviter else None,
                    created_at=now, expires_at=now + ttl)
    if inviter is not None and not may(inviter, Do.MAKE_INVITE, invite, session=session):
        raise AccessDenied("not allowed to invite for this role or unit")
    session.add(invite)
    session.flush()
    audit.record(session, user_id=inviter.id if inviter else None, action="create", entity="invite",
                 entity_id=invite.id, details={"role": role.value, "unit_id": unit_id,
                                               "organisation_id": organisation_id})
    session.commit()
    return invite


def maker_may_still_invite(session: Session, *, invite: Invite) -> bool:
    """Whether the person who made `invite` could make it today: still active, still allowed the role and
    still over the unit. An invite made by the operator's CLI (no maker) always may."""
    if invite.created_by_id is None:
        return True
    return may(session.get(User, invite.created_by_id), Do.MAKE_INVITE, invite, session=session)


def revoke_invites_beyond_maker(session: Session, *, maker: User, now: datetime, revoked_by_id: int | None) -> int:
    """Revoke the unused invites `maker` made that they could no longer make (all of them once they are
    deactivated; those above a new role or outside a new unit after a change); how many. The caller
    commits, with the change that caused it."""
    table = Invite.__table__  # type: ignore[attr-defined]
    open_ones = session.exec(select(Invite).where(Invite.created_by_id == maker.id, col(Invite.used_at).is_(None),
                                                  col(Invite.revoked_at).is_(None), col(Invite.expires_at) > now)).all()
    revoked = 0
    for invite in open_ones:
        if maker_may_still_invite(session, invite=invite):
            continue
        done = session.execute(table.update().where(table.c.id == invite.id, table.c.used_at.is_(None),
                                                    table.c.revoked_at.is_(None))
                               .values(revoked_at=now, revoked_by_id=revoked_by_id))
        if getattr(done, "rowcount", 0) == 1:
            revoked += 1
            audit.record(session, user_id=revoked_by_id, action="revoke", entity="invite", entity_id=invite.id,
                         details={"role": invite.role.value, "unit_id": invite.unit_id, "reason": "maker_changed"})
    return revoked


class RedeemOutcome(enum.Enum):
    REGISTERED = "registered"
    ALREADY_REGISTERED = "already_registered"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"
    MAKER_GONE = "maker_gone"  # its maker was deactivated, demoted or moved since
    CLOSED_ABOVE = "closed_above"  # the person's access was closed above the invite's maker


@dataclass(frozen=True)
class RedeemResult:
    outcome: RedeemOutcome
    user: User | None = None


def redeem_invite(session: Session, *, token: str, telegram_id: int, display_name: str, locale: str,
                  now: datetime) -> RedeemResult:
    """Register a Telegram user from an invite token, exactly once.

    The token is claimed with a conditional UPDATE (used_at IS NULL) so two taps of the same link,
    or two bot processes, cannot both register with it.
    """
    existing = get_user_by_telegram_id(session, telegram_id=telegram_id)
    if existing is not None and existing.active:
        return RedeemResult(RedeemOutcome.ALREADY_REGISTERED, existing)
    invite = session.exec(select(Invite).where(Invite.token == token)).first()
    if invite is None:
        return RedeemResult(RedeemOutcome.UNKNOWN)
    if invite.revoked_at is not None:
        return RedeemResult(RedeemOutcome.REVOKED)
    if invite.used_at is not None:
        return RedeemResult(RedeemOutcome.USED)
    if _aware(invite.expires_at) <= now:
        return RedeemResult(RedeemOutcome.EXPIRED)
    table = Invite.__table__  # type: ignore[attr-defined]
    if not maker_may_still_invite(session, invite=invite):  # made before its maker left or lost the right
        session.execute(table.update().where(table.c.id == invite.id, table.c.used_at.is_(None),
                                             table.c.revoked_at.is_(None)).values(revoked_at=now))
        audit.record(session, user_id=None, action="revoke", entity="invite", entity_id=invite.id,
                     details={"role": invite.role.value, "unit_id": invite.unit_id, "reason": "maker_changed"})
        session.commit()
        return RedeemResult(RedeemOutcome.MAKER_GONE)
    maker = session.get(User, invite.created_by_id) if invite.created_by_id is not None else None
    if existing is not None and maker is not None and not may(maker, Do.UNDO_REMOVAL, existing, session=session):
        return RedeemResult(RedeemOutcome.CLOSED_ABOVE)  # the link stays unused: it may be meant for another
    claimed = session.execute(  # a revoke at the same moment wins: revoked_at is part of the condition
        table.update().where(table.c.id == invite.id, table.c.used_at.is_(None), table.c.revoked_at.is_(None))
        .values(used_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        session.refresh(invite)
        return RedeemResult(RedeemOutcome.REVOKED if invite.revoked_at is not None else RedeemOutcome.USED)
    user = existing or User(telegram_id=telegram_id, display_name=display_name[:200], locale=locale,
                            role=invite.role, unit_id=invite.unit_id)
    user.role, user.unit_id, user.organisation_id, user.active = (
        invite.role, invite.unit_id, invite.organisation_id, True)
    user.display_name = display_name[:200]
    user.deactivated_reason = user.deactivated_at = user.deactivated_by_id = None  # a new invite starts afresh
    session.add(user)
    session.flush()
    session.execute(
        Invite.__table__.update().where(Invite.__table__.c.id == invite.id)  # type: ignore[attr-defined]
        .values(used_by_id=user.id)
    )
    audit.record(session, user_id=user.id, action="register", entity="user", entity_id=user.id,
                 details={"invite_id": invite.id, "role": invite.role.value})
    session.commit()
    return RedeemResult(RedeemOutcome.REGISTERED, user)


def set_locale(session: Session, *, user: User, locale: str) -> None:
    """Remember the user's language choice."""
    if locale not in SUPPORTED_LOCALES:
        raise ValueError(f"unsupported locale {locale}")
    user.locale = locale
    session.add(user)
    audit.record(session, user_id=user.id, action="set_locale", entity="user", entity_id=user.id,
                 details={"locale": locale})
    session.commit()


def _aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes for aware columns; they were stored as UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
