"""Onboarding and access rules: invites, registration, roles, languages.

Access follows the unit tree: a supervisor acts on their unit and everything under it; a reporter
acts on their own unit (and organisation, when they belong to one); an admin is a supervisor who may
also create admins.
"""

from __future__ import annotations

import enum
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from bot.config import SUPPORTED_LOCALES
from bot.domain.services import audit
from bot.domain.services.units import is_within
from db.models import Invite, Role, Unit, User
from db.queries import get_unit, get_user_by_telegram_id

INVITE_TOKEN_BYTES = 18  # 24 url-safe characters: fits Telegram's 64-character start parameter


class AccessDenied(Exception):
    """The user may not do this; handlers turn it into a polite message."""


def invitable_roles(inviter: User) -> list[Role]:
    """Which roles `inviter` may hand out: reporters invite nobody; only admins create admins."""
    if inviter.role == Role.ADMIN:
        return [Role.REPORTER, Role.SUPERVISOR, Role.ADMIN]
    if inviter.role == Role.SUPERVISOR:
        return [Role.REPORTER, Role.SUPERVISOR]
    return []


def can_manage_unit(session: Session, *, user: User, unit: Unit) -> bool:
    """Supervisors and admins manage their own unit and every unit under it."""
    if user.role not in (Role.SUPERVISOR, Role.ADMIN) or not user.active:
        return False
    own = get_unit(session, unit_id=user.unit_id)
    return own is not None and is_within(unit, own)


def create_invite(session: Session, *, inviter: User | None, role: Role, unit_id: int,
                  organisation_id: int | None, ttl: timedelta, now: datetime) -> Invite:
    """A single-use invite. `inviter=None` is the operator's CLI bootstrap (the first admin)."""
    unit = get_unit(session, unit_id=unit_id)
    if unit is None:
        raise AccessDenied("unknown unit")
    if inviter is not None and (
            role not in invitable_roles(inviter) or not can_manage_unit(session, user=inviter, unit=unit)):
        raise AccessDenied("not allowed to invite for this role or unit")
    invite = Invite(token=secrets.token_urlsafe(INVITE_TOKEN_BYTES), role=role, unit_id=unit_id,
                    organisation_id=organisation_id, created_by_id=inviter.id if inviter else None,
                    created_at=now, expires_at=now + ttl)
    session.add(invite)
    session.flush()
    audit.record(session, user_id=inviter.id if inviter else None, action="create", entity="invite",
                 entity_id=invite.id, details={"role": role.value, "unit_id": unit_id,
                                               "organisation_id": organisation_id})
    session.commit()
    return invite


class RedeemOutcome(enum.Enum):
    REGISTERED = "registered"
    ALREADY_REGISTERED = "already_registered"
    UNKNOWN = "unknown"
    USED = "used"
    EXPIRED = "expired"
    REVOKED = "revoked"


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
    from datetime import UTC

    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
