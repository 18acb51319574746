"""Operator commands for people and invites: `users list [--unit CODE]`, `users deactivate TELEGRAM_ID|USER_ID`,
`invites revoke TOKEN_OR_ID`. The same services as /users and /invites, without the unit tree's limits
(the operator runs the server), audited with `"by": "cli"`."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from sqlmodel import Session

from bot.config import Settings
from bot.database import prepare_database
from bot.domain.people import directory as people
from bot.domain.people import invites
from bot.domain.people.access import AccessDenied
from bot.runtime import Runtime
from db.models import User, utcnow
from db.queries import get_organisation, get_unit, get_unit_by_code

Command = Callable[[Settings, argparse.Namespace], int]


def add_commands(sub: argparse._SubParsersAction) -> dict[str, Command]:
    """Add `users …` and `invites …` to the CLI's parser; returns their handlers by command name."""
    users = sub.add_parser("users", help="list or deactivate users").add_subparsers(dest="action", required=True)
    listing = users.add_parser("list", help="users of a unit and the units under it (default: everyone)")
    listing.add_argument("--unit", help="unit code")
    deactivate = users.add_parser("deactivate", help="end a user's access (a new invite brings them back)")
    deactivate.add_argument("user", help="Telegram id or user id (tg:N / id:N when a number could be both)")
    revoke = sub.add_parser("invites", help="revoke an invite").add_subparsers(dest="action", required=True)
    revoke.add_parser("revoke", help="revoke an unused invite").add_argument("invite", help="token, link or id")
    return {"users": _users, "invites": _invites}


def _users(settings: Settings, args: argparse.Namespace) -> int:
    runtime = Runtime.create(settings)
    prepare_database(settings.database_url, runtime.session_factory)
    with runtime.session_factory() as session:
        if args.action == "list":
            root = get_unit_by_code(session, code=args.unit) if args.unit else None
            if args.unit and root is None:
                print(f"No unit {args.unit}.", file=sys.stderr)
                return 1
            _, found = people.people_of(session, root=root)
            print("id\ttelegram_id\tname\trole\tunit\torganisation\tstatus\tlast_active")
            for user in found:
                print("\t".join(_row(session, settings, user)))
            return 0
        try:
            target = people.find_user(session, reference=args.user)
        except LookupError as error:
            print(error, file=sys.stderr)
            return 1
        change = people.deactivate(session, actor=None, target_id=target.id or 0, now=utcnow())
        print(f"User {target.id} ({target.telegram_id}) is deactivated ({_unused_invites(change.revoked_invites)} "
              "revoked); their queued messages are dropped.")
        return 0


def _unused_invites(count: int) -> str:
    """The count of unused invites a deactivation revoked, in words: the operator sees what the audit row keeps."""
    return f"{count} unused invite{'' if count == 1 else 's'}"


def _row(session: Session, settings: Settings, user: User) -> list[str]:
    unit = get_unit(session, unit_id=user.unit_id)
    organisation = get_organisation(session, organisation_id=user.organisation_id) if user.organisation_id else None
    status = "active" if user.active else (user.deactivated_reason or "inactive")
    seen = user.last_seen_at.astimezone(settings.tz).strftime("%Y-%m-%d %H:%M") if user.last_seen_at else "-"
    return [str(user.id), str(user.telegram_id), user.display_name, user.role.value, unit.code if unit else "?",
            organisation.code if organisation else "-", status, seen]


def _invites(settings: Settings, args: argparse.Namespace) -> int:
    runtime = Runtime.create(settings)
    prepare_database(settings.database_url, runtime.session_factory)
    with runtime.session_factory() as session:
        invite = invites.find_invite(session, reference=args.invite)
        if invite is None:
            print(f"No invite {args.invite}.", file=sys.stderr)
            return 1
        try:
            invites.revoke_invite(session, actor=None, invite_id=invite.id or 0, now=utcnow())
        except AccessDenied:
            print(f"Invite {invite.id} was already used; deactivate the user instead.", file=sys.stderr)
            return 1
    print(f"Invite {invite.id} is revoked.")
    return 0
