"""Keyword-only read queries shared by the service layer (no rules here, no Telegram)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam
from sqlmodel import Session, col, select

from db.models import Organisation, Unit, User


def get_user_by_telegram_id(session: Session, *, telegram_id: int) -> User | None:
    return session.exec(select(User).where(User.telegram_id == telegram_id)).first()


def get_unit(session: Session, *, unit_id: int) -> Unit | None:
    return session.get(Unit, unit_id)


def get_unit_by_code(session: Session, *, code: str) -> Unit | None:
    return session.exec(select(Unit).where(Unit.code == code)).first()


def list_child_units(session: Session, *, parent_id: int | None) -> Sequence[Unit]:
    """Direct children of a unit (roots when `parent_id` is None), by name; units merged into another
    (inactive, kept for history) are left out of every list and picker."""
    query = select(Unit).where(Unit.parent_id == parent_id) if parent_id is not None else select(Unit).where(
        col(Unit.parent_id).is_(None))
    return session.exec(query.where(col(Unit.active).is_(True)).order_by(Unit.name)).all()


def list_subtree_units(session: Session, *, root: Unit) -> Sequence[Unit]:
    """A unit and every unit under it, found by the materialised path prefix (merged units left out)."""
    return session.exec(select(Unit).where(col(Unit.path).startswith(root.path), col(Unit.active).is_(True))
                        .order_by(Unit.path)).all()


def list_organisations(session: Session, *, active_only: bool = True) -> Sequence[Organisation]:
    query = select(Organisation)
    if active_only:
        query = query.where(col(Organisation.active).is_(True))
    return session.exec(query.order_by(col(Organisation.sort), col(Organisation.code))).all()


def get_organisation(session: Session, *, organisation_id: int) -> Organisation | None:
    return session.get(Organisation, organisation_id)


def count_units(session: Session) -> int:
    return len(session.exec(select(Unit.id)).all())


def get_user_and_unit(session: Session, *, telegram_id: int) -> tuple[User, Unit | None] | None:
    """The user with their unit, in one query. Keep a reference to the unit: the session's identity map
    holds rows only while something does, and with it `session.get(Unit, user.unit_id)` later in the
    update (labels, access checks, the running total) needs no query."""
    row = session.execute(_USER_AND_UNIT, {"telegram_id": telegram_id}).first()
    return (row[0], row[1]) if row is not None else None


# Every update asks it: built once (building a statement costs about as much CPU as running this one).
_USER_AND_UNIT = (select(User, Unit).join(Unit, col(Unit.id) == col(User.unit_id), isouter=True)
                  .where(User.telegram_id == bindparam("telegram_id")))
