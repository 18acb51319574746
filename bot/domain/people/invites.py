"""Open invites of a supervisor's subtree, and revoking one (a link sent to the wrong person, or leaked).

An invite is "open" while it is unused, unrevoked and unexpired. A supervisor sees the open invites for
their own unit and the units under it, for the roles they may give themselves (an admin's invite is an
admin's business). A revoked link refuses to register anyone (bot/domain/people/access.py `redeem_invite`).
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session, col, select

from bot.domain import audit
from bot.domain.people.access import AccessDenied
from bot.domain.people.directory import managed_root
from bot.domain.permissions import Do, givable_roles, may
from db.models import Invite, Unit, User


def open_invites(session: Session, *, actor: User, now: datetime, limit: int = 30,
                 ) -> list[tuple[Invite, str | None]]:
    """The actor's subtree's open invites, newest first, each with its creator's name (None: the CLI)."""
    root = managed_root(session, actor=actor)
    invites = session.exec(
        select(Invite).join(Unit, col(Unit.id) == Invite.unit_id)
        .where(col(Unit.path).startswith(root.path), col(Invite.used_at).is_(None), col(Invite.revoked_at).is_(None),
               col(Invite.expires_at) > now, col(Invite.role).in_(givable_roles(actor)))
        .order_by(col(Invite.created_at).desc(), col(Invite.id).desc()).limit(limit)).all()
    creators = {user.id: user.display_name for user in session.exec(select(User).where(
        col(User.id).in_({invite.created_by_id for invite in invites if invite.created_by_id}))).all()}
    return [(invite, creators.get(invite.created_by_id)) for invite in invites]


def find_invite(session: Session, *, reference: str) -> Invite | None:
    """An invite by its token (as in the link, with or without the link around it) or by its id."""
    token = reference.strip().rsplit("start=", 1)[-1]
    invite = session.exec(select(Invite).where(Invite.token == token)).first()
    if invite is None and token.isdigit():
        invite = session.get(Invite, int(token))
    return invite


def revoke_invite(session: Session, *, actor: User | None, invite_id: int, now: datetime) -> Invite:
    """Revoke an unused invite (`actor=None`: the operator's CLI). Revoking twice changes nothing; a used
    invite cannot be revoked (deactivate the person instead)."""
    invite = session.get(Invite, invite_id)
    if invite is None or (actor is not None and not may(actor, Do.REVOKE_INVITE, invite, session=session)):
        raise AccessDenied("not allowed to revoke this invite")
    table = Invite.__table__  # type: ignore[attr-defined]
    revoked = session.execute(  # conditional, like the claim in `redeem_invite`: a link is used or revoked, once
        table.update().where(table.c.id == invite.id, table.c.used_at.is_(None), table.c.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by_id=actor.id if actor else None))
    session.refresh(invite)
    if revoked.rowcount != 1:  # type: ignore[attr-defined]
        session.rollback()
        if invite.used_at is not None:
            raise AccessDenied("the invite was already used")
        return invite
    audit.record(session, user_id=actor.id if actor else None, action="revoke", entity="invite",
                 entity_id=invite.id, details={"role": invite.role.value, "unit_id": invite.unit_id,
                                               **({"by": "cli"} if actor is None else {})})
    session.commit()
    return invite
