"""Files by link, for people whose chat cannot carry a file (Zalo has no documents).

A file the bot would have sent is kept with an unguessable token (256 random bits) and served by the bot's
web server until it expires, 24 hours later. Making and opening a link are both audited: the files hold
figures, sometimes household lists, so who fetched what and when must be traceable. An expired or unknown
token gets nothing, and expired files are removed when the next link is made.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlmodel import Session, col, delete, select

from bot.domain import audit
from db.models import User
from db.models_channels import FileLink

LINK_TTL = timedelta(hours=24)


def _recipient(session: Session, chat_id: int) -> int | None:
    return session.exec(select(User.id).where(User.telegram_id == chat_id)).first()


def create_link(session: Session, *, chat_id: int, filename: str, mime_type: str, payload: bytes,
                now: datetime) -> str:
    """Keep `payload` for the person of `chat_id`; returns the token of its link. Commits."""
    session.exec(delete(FileLink).where(col(FileLink.expires_at) < now))
    token = secrets.token_urlsafe(32)
    link = FileLink(token=token, chat_id=chat_id, filename=filename[:255], mime_type=mime_type[:100],
                    payload=payload, created_at=now, expires_at=now + LINK_TTL)
    session.add(link)
    session.flush()
    audit.record(session, user_id=_recipient(session, chat_id), action="file_link.create", entity="file_link",
                 entity_id=link.id, details={"filename": link.filename, "bytes": len(payload)})
    session.commit()
    return token


def open_link(session: Session, *, token: str, now: datetime) -> FileLink | None:
    """The file behind `token`, counted and audited; None when the token is unknown or expired. Commits."""
    link = session.exec(select(FileLink).where(FileLink.token == token)).first()
    if link is None:
        return None
    expires = link.expires_at if link.expires_at.tzinfo else link.expires_at.replace(tzinfo=now.tzinfo)
    if expires <= now:
        return None
    link.downloads += 1
    session.add(link)
    audit.record(session, user_id=_recipient(session, link.chat_id), action="file_link.open", entity="file_link",
                 entity_id=link.id, details={"filename": link.filename})
    session.commit()
    return link
