"""One person, two channels: a registered user links their account on another channel to themselves.

The user asks for a one-time code where they are already known; typed on the other channel within 15
minutes, it makes that account act as the same user (same role, unit, organisation, records). A code is
8 characters from an alphabet without look-alikes (32**8 ≈ 10**12 codes), works once, and a new one
replaces the user's unused ones. Making and using a code are audited.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from bot.domain import audit
from db.models import User
from db.models_channels import CHANNEL_ID_BASE, ChannelIdentity, ChannelLinkCode

CODE_TTL = timedelta(minutes=15)
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


@dataclass(frozen=True)
class LinkResult:
    """`user` on success; otherwise `reason` is "unknown", "expired", "used" or "inactive"."""

    user: User | None = None
    reason: str = ""


def create_code(session: Session, *, user: User, now: datetime) -> str:
    """A fresh one-time code for `user` (their unused codes are dropped). Commits."""
    assert user.id is not None
    session.exec(delete(ChannelLinkCode).where(col(ChannelLinkCode.user_id) == user.id,
                                               col(ChannelLinkCode.used_at).is_(None)))
    code = "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))
    session.add(ChannelLinkCode(code=code, user_id=user.id, created_at=now, expires_at=now + CODE_TTL))
    audit.record(session, user_id=user.id, action="channel_link.code", entity="app_user", entity_id=user.id)
    session.commit()
    return code


def redeem_code(session: Session, *, internal_id: int, code: str, now: datetime) -> LinkResult:
    """Link the account of `internal_id` to the user who made `code`. Commits."""
    row = session.exec(select(ChannelLinkCode).where(ChannelLinkCode.code == code.strip().upper())).first()
    if row is None:
        return LinkResult(reason="unknown")
    if row.used_at is not None:
        return LinkResult(reason="used")
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=now.tzinfo)
    if expires <= now:
        return LinkResult(reason="expired")
    user = session.get(User, row.user_id)
    identity = session.get(ChannelIdentity, internal_id - CHANNEL_ID_BASE)
    if user is None or not user.active or identity is None:
        return LinkResult(reason="inactive")
    row.used_at = now
    identity.user_id = user.id
    session.add(row)
    session.add(identity)
    audit.record(session, user_id=user.id, action="channel_link.link", entity="channel_identity",
                 entity_id=identity.id, details={"channel": identity.channel})
    session.commit()
    return LinkResult(user=user)


def acting_id(session: Session, *, internal_id: int) -> int:
    """The id the bot acts as for this account: the linked user's, or the account's own."""
    identity = session.get(ChannelIdentity, internal_id - CHANNEL_ID_BASE)
    if identity is None or identity.user_id is None:
        return internal_id
    telegram_id = session.exec(select(User.telegram_id).where(User.id == identity.user_id)).first()
    return telegram_id if telegram_id is not None else internal_id


ROUTES = ("last", "telegram", "zalo")
"""Where what the bot sends on its own goes: the channel used last, or always one channel."""


def linked_account(session: Session, *, user: User) -> ChannelIdentity | None:
    """The user's linked account on the other channel, or None when they have not linked one."""
    return session.exec(select(ChannelIdentity).where(ChannelIdentity.user_id == user.id)
                        .order_by(col(ChannelIdentity.id))).first()


def current_route(identity: ChannelIdentity) -> str:
    return identity.route or "last"


def choose_route(session: Session, *, identity: ChannelIdentity, route: str) -> None:
    """Pin (or with "last", unpin) where the person's messages go. A pin sets the account's `preferred`
    at once; "last" keeps it as it is until the person next writes. Audited; commits."""
    assert route in ROUTES
    identity.route = None if route == "last" else ("telegram" if route == "telegram" else identity.channel)
    if identity.route is not None:
        identity.preferred = identity.route == identity.channel
    session.add(identity)
    audit.record(session, user_id=identity.user_id, action="channel_link.route", entity="channel_identity",
                 entity_id=identity.id, details={"route": route})
    session.commit()
