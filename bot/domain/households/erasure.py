"""Erasing a household's personal details (Decree 13/2023/NĐ-CP), while its figures stay.

What is erased: the head of household's name and the register's notes; and, in every record that
names the household (every version, voided ones too), the household name, the note, the photo and
the location (a photo shows the family, a location is where they live, a note is free text about
them). What stays: the records and their figures (totals, submissions and digests do not change),
the village, the classification, the year and the number of members, and the household code.

Why the code stays: it is the commune's own register number (e.g. "HN-07"), meaningless without the
commune's paper list, and it is what lets the commune re-link the household when it imports its
next review list. It is not shown to anyone outside the household's unit and the units above.

Who may erase: a supervisor or administrator whose unit is the household's unit or above it (the
same tree rule as seeing the name); reporters may not. The audit trail records who and when, with
the code and the number of records, never the name.

Records typed with a free name (not picked from the register) are erased too when they are in the
household's unit or below and their name, without diacritics, is the head's name.

Stored copies of the name elsewhere (queued and sent messages, a queued digest workbook, staged household
lists, bot state) are erased in the same transaction: bot/domain/households/erasure_copies.py. On SQLite,
`secure_delete` (db/session.py) zeroes the old row text in the file, and the write-ahead log is
checkpointed and truncated after the erasure, so the file itself no longer holds the name.

Afterwards the name reads "Household details erased" wherever it was shown, and name searches no
longer find the household. A later import or /household_add with the same code stores the name again:
that is the commune's new data, and the reply says so (`restored` below, bot/domain/households/register.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from bot.domain import audit
from bot.domain.households.erasure_copies import ERASED_LABEL, ErasedNames, scrub_bot_state, scrub_outbox, scrub_uploads
from bot.domain.parsing.text import fold
from bot.domain.permissions import Do, may
from bot.domain.totals.aggregate import subtree_unit_ids
from bot.i18n import Translator
from db.models import Household, SupportAction, User
from db.queries import get_unit
from db.record_question import RecordQuestion

ERASED_NAME = ERASED_LABEL


class ErasureRefused(Exception):
    """Nothing was erased. `reason`: "not_found", "not_allowed" or "already_erased"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class ErasureResult:
    household_id: int
    code: str
    unit_id: int
    records: int
    erased: ErasedNames | None = None


def household_name(t: Translator, household: Household) -> str:
    """The name to show (to a user entitled to it): the head's name, or "Household details erased"."""
    return t(ERASED_NAME) if household.erased_at is not None else household.head_name


def households_by_code(session: Session, *, user: User, code: str) -> Sequence[Household]:
    """The households with this code in the user's subtree (a code is unique within one unit only)."""
    own = get_unit(session, unit_id=user.unit_id)
    if own is None or not code.strip():
        return []
    return session.exec(select(Household).where(col(Household.unit_id).in_(subtree_unit_ids(session, root=own)),
                                                 col(Household.code) == code.strip())
                        .order_by(col(Household.unit_id))).all()


def erasable_household(session: Session, *, user: User, household_id: int) -> Household:
    """The household, if this user may erase it now; otherwise `ErasureRefused`."""
    household = session.get(Household, household_id)
    if household is None:
        raise ErasureRefused("not_found")
    if not may(user, Do.ERASE_HOUSEHOLD, household, session=session):
        raise ErasureRefused("not_allowed")
    if household.erased_at is not None:
        raise ErasureRefused("already_erased")
    return household


def records_naming(session: Session, *, household: Household) -> list[SupportAction]:
    """Every record (all versions) that names the household: linked to it, or typed with its name in its
    unit or below."""
    linked = session.exec(select(SupportAction).where(SupportAction.household_id == household.id)).all()
    folded = household.head_folded.strip()
    typed: Sequence[SupportAction] = []
    if folded:
        unit = get_unit(session, unit_id=household.unit_id)
        units = subtree_unit_ids(session, root=unit) if unit is not None else [household.unit_id]
        typed = [action for action in session.exec(
            select(SupportAction).where(col(SupportAction.household_id).is_(None),
                                        col(SupportAction.household_name).is_not(None),
                                        col(SupportAction.unit_id).in_(units))).all()
                 if fold(action.household_name or "").strip() == folded]
    return [*linked, *typed]


def erase_household(session: Session, *, user: User, household_id: int, now: datetime) -> ErasureResult:
    """Erase the household's personal details and those of the records naming it, in one transaction."""
    household = erasable_household(session, user=user, household_id=household_id)
    records = records_naming(session, household=household)
    erased = ErasedNames.of(household.id or 0, [household.head_name, *(action.household_name for action in records)])
    for action in records:
        action.household_name = action.note = action.photo_file_id = None
        action.latitude = action.longitude = None
        action.household_erased = True
        session.add(action)
    # A question sent back about one of these records may name the household in its free text.
    record_ids = [action.id for action in records]
    for question in session.exec(select(RecordQuestion).where(col(RecordQuestion.action_id).in_(record_ids))):
        question.question, question.answer = "", None
        session.add(question)
    household.head_name = household.head_folded = ""
    household.notes = None
    household.erased_at = now
    session.add(household)
    messages = scrub_outbox(session, erased)
    staged = scrub_uploads(session, erased)
    state = len(scrub_bot_state(session, erased))
    audit.record(session, user_id=user.id, action="erase", entity="household", entity_id=household.id,
                 details={"code": household.code, "unit_id": household.unit_id, "records": len(records),
                          "messages": messages, "staged_rows": staged, "state_rows": state})
    session.commit()
    truncate_log(session)
    return ErasureResult(household_id=household.id or 0, code=household.code, unit_id=household.unit_id,
                         records=len(records), erased=erased)


def truncate_log(session: Session) -> None:
    """On SQLite, copy the write-ahead log into the file and empty it: its older frames still hold the pages
    as they were before the erasure. Best effort: a reader in the middle of a long read keeps the log, and
    the next checkpoint overwrites it."""
    if session.get_bind().dialect.name != "sqlite":
        return
    connection = session.connection()
    connection.exec_driver_sql("PRAGMA busy_timeout=0")  # never wait for a reader: the loop must not stall
    try:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    finally:
        connection.exec_driver_sql("PRAGMA busy_timeout=30000")
        session.commit()
