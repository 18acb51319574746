"""People who reach the bot through a channel other than Telegram, and the id the bot knows them by.

Why: every handler, the persistence and the `app_user.telegram_id` column work with one numeric id a
person (Telegram's user id, which is also the private chat's id). A Zalo person has a string id instead.
Rather than teach every layer a second kind of id, each outside identity gets a numeric internal id from
a range Telegram never uses (Telegram's ids fit in 52 bits; ours start at 2**53), and the rest of the bot
treats that number exactly like a Telegram id. The row's own key makes the number, so it never changes
and two channels can never hand out the same one.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, DateTime, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, Session, SQLModel, col, select

from db.models import User, utcnow

CHANNEL_ID_BASE = 1 << 53
"""Internal ids of non-Telegram people are CHANNEL_ID_BASE + the row's id."""


class ChannelIdentity(SQLModel, table=True):
    """One person on one channel (e.g. "zalo" + Zalo's user id), with the internal id the bot uses."""

    __tablename__ = "channel_identity"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_channel_identity_external"),)

    id: int | None = Field(default=None, primary_key=True)
    channel: str = Field(max_length=16)
    external_id: str = Field(max_length=128)
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    # The last screen with choices sent to the person (JSON: message id, text, buttons), so that a typed
    # "2" still means its second choice after a restart. Channels without buttons need it; Telegram does not.
    screen: str | None = Field(default=None, sa_type=Text, nullable=True)
    # Set when the person linked this account to their existing user (a one-time code made on Telegram):
    # the bot then acts as that user here, with the same role, unit and organisation.
    user_id: int | None = Field(default=None, foreign_key="app_user.id")
    # A linked person who last wrote here: what the bot sends to their Telegram id on its own (reminders,
    # digests, answers to questions) comes here instead, until they write on Telegram again.
    preferred: bool = Field(default=False)
    # The person's own choice of where that goes: None follows the channel they used last (`preferred`),
    # "telegram" or this account's channel pins it there whatever channel they write on.
    route: str | None = Field(default=None, max_length=16, nullable=True)

    @property
    def internal_id(self) -> int:
        assert self.id is not None
        return CHANNEL_ID_BASE + self.id


class ChannelLinkCode(SQLModel, table=True):
    """A one-time code a registered user makes to link another channel's account to themselves."""

    __tablename__ = "channel_link_code"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=16, unique=True, index=True)
    user_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    used_at: datetime | None = Field(default=None, sa_type=DateTime(timezone=True), nullable=True)


class FileLink(SQLModel, table=True):
    """A file (XLSX, DOCX, chart) kept for one recipient who cannot receive files in the chat, served by the
    bot's web server under an unguessable token until `expires_at`."""

    __tablename__ = "file_link"

    id: int | None = Field(default=None, primary_key=True)
    token: str = Field(max_length=64, unique=True, index=True)
    chat_id: int = Field(sa_type=BigInteger)
    filename: str = Field(max_length=255)
    mime_type: str = Field(max_length=100)
    payload: bytes = Field(sa_type=LargeBinary)
    created_at: datetime = Field(sa_type=DateTime(timezone=True))
    expires_at: datetime = Field(sa_type=DateTime(timezone=True))
    downloads: int = Field(default=0)


def is_channel_id(internal_id: int) -> bool:
    """Whether a chat or user id belongs to a non-Telegram person."""
    return internal_id >= CHANNEL_ID_BASE


def internal_id_for(session: Session, *, channel: str, external_id: str) -> int:
    """The internal id of `external_id` on `channel`, made on first sight and stable afterwards."""
    query = select(ChannelIdentity).where(ChannelIdentity.channel == channel,
                                          ChannelIdentity.external_id == external_id)
    row = session.exec(query).first()
    if row is None:
        row = ChannelIdentity(channel=channel, external_id=external_id)
        session.add(row)
        session.commit()
        session.refresh(row)
    return row.internal_id


def external_id_for(session: Session, *, internal_id: int) -> tuple[str, str] | None:
    """(channel, external id) of an internal id, or None when the id is not a channel person's."""
    if not is_channel_id(internal_id):
        return None
    row = session.get(ChannelIdentity, internal_id - CHANNEL_ID_BASE)
    return None if row is None else (row.channel, row.external_id)


def load_screen(session: Session, *, internal_id: int) -> str | None:
    row = session.get(ChannelIdentity, internal_id - CHANNEL_ID_BASE) if is_channel_id(internal_id) else None
    return None if row is None else row.screen


def store_screen(session: Session, *, internal_id: int, screen: str | None) -> None:
    """Keep (or with None, forget) the person's last screen; commits."""
    row = session.get(ChannelIdentity, internal_id - CHANNEL_ID_BASE) if is_channel_id(internal_id) else None
    if row is not None and row.screen != screen:
        row.screen = screen
        session.add(row)
        session.commit()


def set_preferred(session: Session, *, internal_id: int, preferred: bool) -> bool:
    """Mark (or unmark) a linked account as the channel its person used last; commits when it changes.
    A person who pinned a channel (`route`) keeps it: where they write then changes nothing. Returns whether
    the account takes what is sent to its person now."""
    row = session.get(ChannelIdentity, internal_id - CHANNEL_ID_BASE) if is_channel_id(internal_id) else None
    if row is None:
        return False
    if row.user_id is not None and row.route is None and row.preferred != preferred:
        row.preferred = preferred
        session.add(row)
        session.commit()
    return row.preferred


def clear_preferred_for(session: Session, *, user_id: int) -> list[int]:
    """The person wrote on Telegram: their linked accounts stop taking what is sent to them. Returns the
    internal ids that changed; commits."""
    rows = session.exec(select(ChannelIdentity).where(ChannelIdentity.user_id == user_id,
                                                      col(ChannelIdentity.route).is_(None),
                                                      ChannelIdentity.preferred == True)).all()  # noqa: E712
    for row in rows:
        row.preferred = False
        session.add(row)
    session.commit()
    return [row.internal_id for row in rows]


def preferred_accounts(session: Session) -> dict[int, int]:
    """Telegram id -> internal id of the linked account that takes what is sent to that person."""
    linked = col(User.id) == col(ChannelIdentity.user_id)
    rows = session.exec(select(ChannelIdentity, User.telegram_id).join(User, linked)
                        .where(ChannelIdentity.preferred == True)).all()  # noqa: E712
    return {telegram_id: identity.internal_id for identity, telegram_id in rows}
