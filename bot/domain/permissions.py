"""Who may do what to which target: the one rule (`may`) behind the chat's gate, the services and the dashboard.

Why one place: the check "an active supervisor or administrator, at the target's unit or above" used to be
written again in every service and handler, and the copies drifted (one forgot `active`). Every check now
reads `may(person, Do.X, target, session=session)`; a new channel (Zalo, the dashboard) asks the same
question and gets the same answer.

The facts the rule reads:

- **active**: a removed or blocked person may do nothing (the gate answers them before any handler).
- **role**: REPORTER < SUPERVISOR < ADMIN. `SUPERVISING_ROLES` says which roles supervise; queries that
  list supervisors build their filter from it.
- **unit subtree**: a person acts on their CURRENT unit and everything under it (`is_within`), never on a
  unit above or beside it. Someone moved to another unit loses the old unit's records and households.
- **author**: a reporter acts on records they logged themselves; a supervisor on anyone's record in the
  subtree.

The table (S = the target's unit is the person's unit or under it; "-" = never; inactive people: never):

| Do                  | target               | reporter             | supervisor                 | admin          |
|---------------------|----------------------|----------------------|----------------------------|----------------|
| USE                 | Audience             | MEMBERS              | MEMBERS, SUPERVISORS       | every audience |
| SUPERVISE           | -                    | -                    | yes                        | yes            |
| SEE_UNIT            | Unit                 | own unit only        | S                          | S              |
| MANAGE_UNIT         | Unit                 | -                    | S                          | S              |
| WORK_IN_UNIT        | Unit                 | S                    | S                          | S              |
| SEE_HOUSEHOLD       | Household            | S                    | S                          | S              |
| ERASE_HOUSEHOLD     | Household            | -                    | S                          | S              |
| SEE_RECORD          | SupportAction        | own records, S       | S                          | S              |
| EDIT_RECORD         | SupportAction        | own records, S       | S                          | S              |
| ASK_ABOUT_RECORD    | SupportAction        | -                    | S, current, not own        | as supervisor  |
| ANSWER_ABOUT_RECORD | record or question   | author or its unit,S | author or its unit, S      | as supervisor  |
| MANAGE_PERSON       | User                 | -                    | S, not self, not an admin  | S, not self    |
| UNDO_REMOVAL        | User                 | - (*)                | decider in S, not an admin | decider in S   |
| MAKE_INVITE         | Invite               | -                    | S, role <= supervisor      | S, any role    |
| REVOKE_INVITE       | Invite               | -                    | S, role <= supervisor      | S, any role    |

WORK_IN_UNIT: log support for the unit, enter its poverty review, import its households, see its households'
names (lists, exports). SEE_RECORD: a record with its household name (the dashboard's record view).

(*) UNDO_REMOVAL of someone not removed is always allowed (nothing to undo); a removal decided by the
operator (no decider recorded) is undone by the operator only. The operator's CLI acts as no person
(`person=None` is refused everywhere here): its call sites say `actor is None or may(...)`.
"""

from __future__ import annotations

import enum
from typing import TypeAlias

from sqlmodel import Session

from bot.domain.units.tree import is_within
from bot.i18n import N_
from db.models import ActionStatus, Household, Invite, Role, SupportAction, Unit, User
from db.queries import get_unit
from db.record_question import RecordQuestion

REMOVED = "removed"
"""`User.deactivated_reason` of a person whose access a supervisor or the operator ended."""

# ------------------------------------------------------------------ audiences (who may use a command or a button)

STRANGER = "stranger"
"""The audience row of someone not (or no longer) registered."""

Audience: TypeAlias = frozenset[str]
"""A set of audience rows: Role values and STRANGER."""

SUPERVISING_ROLES: tuple[Role, ...] = (Role.SUPERVISOR, Role.ADMIN)
"""The one place that says which roles supervise (queries that list supervisors filter on it)."""
ROLES: tuple[Role, ...] = (Role.REPORTER, *SUPERVISING_ROLES)
ROLE_NAMES: dict[Role, str] = {
    Role.REPORTER: N_("reporter (commune or association staff)"),
    Role.SUPERVISOR: N_("supervisor"),
    Role.ADMIN: N_("administrator"),
}
"""What each role is called (msgids), beside the rule that says what it may do."""

EVERYONE: Audience = frozenset({STRANGER, *ROLES})
"""Also people not registered (/start, /help)."""
MEMBERS: Audience = frozenset(ROLES)
"""Everyone registered and active."""
SUPERVISORS: Audience = frozenset(SUPERVISING_ROLES)
"""Supervisors and administrators."""
ADMINS: Audience = frozenset({Role.ADMIN})
"""Administrators only."""


def audience_of(person: User | None) -> str:
    """The row of the table a person reads: their role, or STRANGER when not (or no longer) registered."""
    return person.role if person is not None and person.active else STRANGER


class Do(enum.StrEnum):
    """What one can do (the `action` of `may`); the docstring of this module says to what and who."""

    USE = "use"
    SUPERVISE = "supervise"
    SEE_UNIT = "see_unit"
    MANAGE_UNIT = "manage_unit"
    WORK_IN_UNIT = "work_in_unit"
    SEE_HOUSEHOLD = "see_household"
    ERASE_HOUSEHOLD = "erase_household"
    SEE_RECORD = "see_record"
    EDIT_RECORD = "edit_record"
    ASK_ABOUT_RECORD = "ask_about_record"
    ANSWER_ABOUT_RECORD = "answer_about_record"
    MANAGE_PERSON = "manage_person"
    UNDO_REMOVAL = "undo_removal"
    MAKE_INVITE = "make_invite"
    REVOKE_INVITE = "revoke_invite"


Target: TypeAlias = Audience | Unit | Household | SupportAction | RecordQuestion | User | Invite | None


def givable_roles(person: User | None) -> list[Role]:
    """Which roles `person` may hand out (in an invite or a role change): reporters none, supervisors up
    to supervisor, only administrators make administrators."""
    if person is None or not person.active or person.role not in SUPERVISING_ROLES:
        return []
    return list(ROLES) if person.role == Role.ADMIN else [Role.REPORTER, Role.SUPERVISOR]


def may(person: User | None, action: Do, target: Target = None, *, session: Session | None = None) -> bool:
    """Whether `person` may do `action` to `target` (see the table above). `session` is needed for every
    action that reads the unit tree (all but USE and SUPERVISE)."""
    if action is Do.USE:
        return isinstance(target, frozenset) and audience_of(person) in target
    if person is None or not person.active:
        return False
    if action is Do.SUPERVISE:
        return _supervises(person)
    if session is None:
        raise TypeError(f"may(…, {action}) reads the unit tree and needs session=")
    rule = _RULES.get(action)
    if rule is None:
        raise ValueError(f"no rule for {action!r}")
    return rule(session, person, target)


# ------------------------------------------------------------------ the rules, one per action


def _supervises(person: User) -> bool:
    return person.role in SUPERVISING_ROLES


def _in_subtree(session: Session, person: User, unit_id: int | None) -> bool:
    """The unit `unit_id` is the person's current unit or lies under it."""
    own = get_unit(session, unit_id=person.unit_id)
    unit = get_unit(session, unit_id=unit_id) if unit_id is not None else None
    return own is not None and unit is not None and is_within(unit, own)


def _unit_id(target: Target) -> int | None:
    return target.id if isinstance(target, Unit) else None


def _see_unit(session: Session, person: User, target: Target) -> bool:
    if not isinstance(target, Unit):
        return False
    return target.id == person.unit_id or (_supervises(person) and _in_subtree(session, person, target.id))


def _manage_unit(session: Session, person: User, target: Target) -> bool:
    return _supervises(person) and _in_subtree(session, person, _unit_id(target))


def _work_in_unit(session: Session, person: User, target: Target) -> bool:
    return _in_subtree(session, person, _unit_id(target))


def _see_household(session: Session, person: User, target: Target) -> bool:
    return isinstance(target, Household) and _in_subtree(session, person, target.unit_id)


def _erase_household(session: Session, person: User, target: Target) -> bool:
    return _supervises(person) and _see_household(session, person, target)


def _edit_record(session: Session, person: User, target: Target) -> bool:
    if not isinstance(target, SupportAction) or (target.author_id != person.id and not _supervises(person)):
        return False
    return _in_subtree(session, person, target.unit_id)


def _ask_about_record(session: Session, person: User, target: Target) -> bool:
    return (isinstance(target, SupportAction) and _supervises(person) and target.author_id != person.id
            and target.status == ActionStatus.CURRENT and _in_subtree(session, person, target.unit_id))


def _answer_about_record(session: Session, person: User, target: Target) -> bool:
    record = session.get(SupportAction, target.action_id) if isinstance(target, RecordQuestion) else target
    if not isinstance(record, SupportAction):
        return False
    if person.id != record.author_id and person.unit_id != record.unit_id:
        return False
    return _in_subtree(session, person, record.unit_id)


def _manage_person(session: Session, person: User, target: Target) -> bool:
    if not isinstance(target, User) or person.id == target.id or not _supervises(person):
        return False
    if target.role == Role.ADMIN and person.role != Role.ADMIN:
        return False
    return _in_subtree(session, person, target.unit_id)


def _undo_removal(session: Session, person: User, target: Target) -> bool:
    if not isinstance(target, User):
        return False
    if target.active or target.deactivated_reason != REMOVED:
        return True
    if target.deactivated_by_id is None:
        return False
    decider = session.get(User, target.deactivated_by_id)
    if decider is None or (decider.role == Role.ADMIN and person.role != Role.ADMIN):
        return False
    return _in_subtree(session, person, decider.unit_id)


def _handle_invite(session: Session, person: User, target: Target) -> bool:
    return (isinstance(target, Invite) and target.role in givable_roles(person)
            and _in_subtree(session, person, target.unit_id))


_RULES = {
    Do.SEE_UNIT: _see_unit,
    Do.MANAGE_UNIT: _manage_unit,
    Do.WORK_IN_UNIT: _work_in_unit,
    Do.SEE_HOUSEHOLD: _see_household,
    Do.ERASE_HOUSEHOLD: _erase_household,
    Do.SEE_RECORD: _edit_record,  # whoever may see a record with its household may correct or void it
    Do.EDIT_RECORD: _edit_record,
    Do.ASK_ABOUT_RECORD: _ask_about_record,
    Do.ANSWER_ABOUT_RECORD: _answer_about_record,
    Do.MANAGE_PERSON: _manage_person,
    Do.UNDO_REMOVAL: _undo_removal,
    Do.MAKE_INVITE: _handle_invite,
    Do.REVOKE_INVITE: _handle_invite,
}
