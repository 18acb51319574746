"""The persistent outbox: every bulk message (reminders, escalations, notices) is a row first.

Why a table and not a direct `send_message`: a restart, a crash or a second bot process must neither
lose a reminder nor send it twice. So:
- each message has a unique `key`; enqueueing a key that exists does nothing (the planner may run any
  number of times);
- a sender *claims* due rows before sending them: on PostgreSQL with `SELECT … FOR UPDATE SKIP LOCKED`,
  so two processes never claim the same row; on SQLite (no row locks) only the holder of the
  `outbox_lease` row sends, so there is a single sender;
- a claim is a lease (`claimed_until`): rows claimed by a process that died go back to pending when it
  expires;
- Telegram's flood control (429 RetryAfter) moves `next_attempt_at`; a user who blocked the bot (403) is
  marked inactive and their supervisor told, instead of being retried forever (`mark_blocked`, called
  by `recipient_blocked` of bot/domain/people/directory.py, which also closes their open questions);
- a row is one part (text, document or photo, the file's bytes stored with it), and one chat's rows go
  out in `id` order: a row is claimed only when no earlier row of its chat is still pending or being
  sent. So part 2 of a digest never arrives before part 1; a part that keeps failing holds back the later
  rows of its chat (only of its chat) until it is sent or given up after MAX_ATTEMPTS (then the later ones
  go on: a digest without its chart beats no digest and no reminders);
- a bulk send that is decided by a claim (a scheduled or period-end digest) claims and enqueues in ONE
  transaction (`enqueue_claimed`): a crash between the two loses nothing and doubles nothing.

A message is stored as the screen it shows (bot/domain/outbox/stored.py: body spans and buttons as verb and
values), rendered only when it is sent, by the one renderer; `text` then holds its words without emphasis
(for searching and erasing). Rows written before screens were stored keep their rendered text, parse
mode and keyboard JSON and are sent as they are.

Every function takes `now` (aware UTC) so tests move time without sleeping. No Telegram types here:
bot/outbox_sender.py does the sending and reports back with `mark_*`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import exists, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased
from sqlmodel import Session, col, select

from bot.domain.outbox.stored import StoredScreen, plain_screen, screen_to_json
from bot.domain.permissions import SUPERVISING_ROLES
from bot.domain.screen import Screen
from bot.domain.units.tree import unit_display
from bot.i18n import get_translator
from db.models import OutboxLease, OutboxMessage, Unit, User
from db.queries import get_unit

PENDING, SENDING, SENT, FAILED, BLOCKED = "pending", "sending", "sent", "failed", "blocked"
DROPPED = "dropped"  # the recipient was deactivated (bot/domain/people/directory.py): never sent, kept for the record
BLOCKED_REASON = "blocked"  # app_user.deactivated_reason of a user Telegram answered 403 for
TEXT, DOCUMENT, PHOTO = "text", "document", "photo"
CLAIM_LEASE = timedelta(minutes=5)
SENDER_LEASE = timedelta(minutes=1)
MAX_ATTEMPTS = 8
LEASE_NAME = "sender"
BACKOFF = timedelta(seconds=30)
MAX_BACKOFF = timedelta(minutes=15)
"""A transient failure (5xx, timeout, network) waits BACKOFF, doubling per attempt up to MAX_BACKOFF: with
MAX_ATTEMPTS 8 a part is given up after about 45 minutes, which bounds how long it holds back its chat."""


def retry_delay(attempts: int) -> timedelta:
    """How long to wait after the `attempts`-th failed attempt (1 → 30 s, 2 → 60 s, … at most 15 min)."""
    return min(BACKOFF * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


@dataclass(frozen=True)
class Part:
    """One message of a bulk send, before it is a row: a screen, or a document/photo with its bytes (the
    screen, if any, is then the caption)."""

    kind: str = TEXT
    screen: Screen | None = None
    payload: bytes | None = field(default=None, repr=False)
    filename: str | None = None


@dataclass(frozen=True)
class Delivery:
    """The parts one chat gets, in order, under one key prefix (`<prefix>:<n>` per part)."""

    key: str
    chat_id: int
    user_id: int | None
    parts: Sequence[Part]
    purpose: str = ""


@dataclass(frozen=True)
class OutgoingMessage:
    """What the sender needs to send one claimed row (a plain copy, usable after the session closed)."""

    id: int
    key: str
    chat_id: int
    user_id: int | None
    text: str
    parse_mode: str | None
    reply_markup: dict[str, Any] | None
    kind: str = TEXT
    payload: bytes | None = field(default=None, repr=False)
    filename: str | None = None
    attempts: int = 1
    screen: StoredScreen | None = None
    """The stored screen (None: a row from before screens were stored, sent as `text`/`reply_markup`)."""


def enqueue(session: Session, *, key: str, chat_id: int, now: datetime, screen: Screen | None = None,
            text: str | None = None, user_id: int | None = None, purpose: str = "",
            not_before: datetime | None = None, kind: str = TEXT, payload: bytes | None = None,
            filename: str | None = None) -> bool:
    """Add a message unless its key is already there; True when it was added. The message is `screen`
    (or `text`, a plain notice without buttons); a document or photo may have neither (no caption).

    The insert runs in a SAVEPOINT so a duplicate key (also one inserted by another process at the same
    moment) only undoes this row, not the caller's transaction. Commits are the caller's.
    """
    if session.exec(select(OutboxMessage.id).where(OutboxMessage.key == key)).first() is not None:
        return False
    if screen is None and text:
        screen = plain_screen(text)
    row = OutboxMessage(key=key, chat_id=chat_id, user_id=user_id, purpose=purpose,
                        text=screen.body.plain() if screen is not None else "",
                        screen=screen_to_json(screen) if screen is not None else None,
                        next_attempt_at=not_before or now, created_at=now, kind=kind, payload=payload,
                        filename=filename)
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


def enqueue_delivery(session: Session, delivery: Delivery, *, now: datetime) -> int:
    """Enqueue a chat's parts in order (ids grow with the order, and the sender keeps it); returns how many
    were added. Commits are the caller's."""
    added = 0
    for number, part in enumerate(delivery.parts, start=1):
        added += enqueue(session, key=f"{delivery.key}:{number}", chat_id=delivery.chat_id, user_id=delivery.user_id,
                         screen=part.screen, now=now, purpose=delivery.purpose, kind=part.kind,
                         payload=part.payload, filename=part.filename)
    return added


def enqueue_claimed(session: Session, *, claim: Callable[[Session], bool], deliveries: Sequence[Delivery],
                    now: datetime) -> bool:
    """Claim a bulk send and enqueue all its parts in ONE transaction; commits. False = someone else had
    claimed it, nothing enqueued.

    `claim` must not commit (a conditional UPDATE). Either the claim and every row are committed together
    or neither is: a crash in between leaves the send unclaimed, so the next run sends it, once.
    """
    try:
        if not claim(session):
            session.rollback()
            return False
        for delivery in deliveries:
            enqueue_delivery(session, delivery, now=now)
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return True


def is_postgresql(session: Session) -> bool:
    bind = session.get_bind()
    return bind.dialect.name == "postgresql"


def hold_lease(session: Session, *, holder: str, now: datetime) -> bool:
    """SQLite: become (or stay) the one sender. True while `holder` holds the lease; commits."""
    updated = session.execute(
        update(OutboxLease).where(col(OutboxLease.name) == LEASE_NAME)
        .where(or_(col(OutboxLease.holder) == holder, col(OutboxLease.expires_at) < now))
        .values(holder=holder, expires_at=now + SENDER_LEASE)).rowcount  # type: ignore[attr-defined]
    if updated:
        session.commit()
        return True
    if session.get(OutboxLease, LEASE_NAME) is not None:
        session.rollback()
        return False
    try:
        session.add(OutboxLease(name=LEASE_NAME, holder=holder, expires_at=now + SENDER_LEASE))
        session.commit()
    except IntegrityError:  # another sender created it first
        session.rollback()
        return False
    return True


def release_lease(session: Session, *, holder: str, now: datetime) -> None:
    """A stopping sender hands over at once instead of making the next one wait for the lease to expire."""
    session.execute(update(OutboxLease).where(col(OutboxLease.name) == LEASE_NAME)
                    .where(col(OutboxLease.holder) == holder).values(expires_at=now - timedelta(seconds=1)))
    session.commit()


def as_utc(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes; everything we store is UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def claim_due(session: Session, *, holder: str, now: datetime, limit: int = 20) -> list[OutgoingMessage]:
    """Claim up to `limit` rows that are due (pending, or claimed by a sender whose claim expired); commits.

    PostgreSQL: the rows are locked with SKIP LOCKED while they are marked, so a second process claims
    other rows. SQLite: the caller must hold the lease (`hold_lease`), so nobody else claims.
    """
    due = or_(col(OutboxMessage.status) == PENDING,
              (col(OutboxMessage.status) == SENDING) & (col(OutboxMessage.claimed_until) < now))
    earlier = aliased(OutboxMessage)
    # In order per chat: only the oldest unfinished row of a chat may go. A row being sent, or waiting
    # for its retry, holds back the later rows of its chat.
    behind = exists().where(col(earlier.chat_id) == col(OutboxMessage.chat_id), col(earlier.id) < col(OutboxMessage.id),
                            col(earlier.status).in_([PENDING, SENDING]))
    query = (select(OutboxMessage).where(due).where(col(OutboxMessage.next_attempt_at) <= now).where(~behind)
             .order_by(col(OutboxMessage.next_attempt_at), col(OutboxMessage.id)).limit(limit))
    if is_postgresql(session):
        query = query.with_for_update(skip_locked=True)
    claimed: list[OutgoingMessage] = []
    while not claimed:
        rows = list(session.exec(query).all())
        inactive_ids, inactive_chats = _inactive_recipients(session, rows)
        if inactive_ids or inactive_chats:
            # Enqueued for someone deactivated since (or a planner that did not know yet): all their waiting
            # rows are dropped at once (only the oldest of a chat is ever picked, to keep the order), so
            # nobody else's message is held back or lost.
            session.execute(update(OutboxMessage).where(due, or_(
                col(OutboxMessage.user_id).in_(inactive_ids), col(OutboxMessage.chat_id).in_(inactive_chats)))
                .values(status=DROPPED, claimed_until=None, last_error="recipient inactive"))
        for row in rows:
            if row.user_id not in inactive_ids and row.chat_id not in inactive_chats:
                row.status, row.claimed_by, row.claimed_until = SENDING, holder, now + CLAIM_LEASE
                row.attempts += 1
                claimed.append(OutgoingMessage(id=row.id or 0, key=row.key, chat_id=row.chat_id,
                                               user_id=row.user_id, text=row.text, parse_mode=row.parse_mode,
                                               reply_markup=row.reply_markup, kind=row.kind, payload=row.payload,
                                               filename=row.filename, attempts=row.attempts,
                                               screen=row.screen))
                session.add(row)
        if len(rows) < limit:
            break
        session.flush()  # the dropped rows no longer match `due`; look for more if all were dropped
    session.commit()
    return claimed


def _inactive_recipients(session: Session, rows: Sequence[OutboxMessage]) -> tuple[set[int], set[int]]:
    """(user ids, chat ids) among the rows' recipients that belong to inactive users."""
    if not rows:
        return set(), set()
    user_ids = {row.user_id for row in rows if row.user_id is not None}
    chat_ids = {row.chat_id for row in rows}
    found = session.exec(select(User.id, User.telegram_id).where(
        col(User.active).is_(False), or_(col(User.id).in_(user_ids), col(User.telegram_id).in_(chat_ids)))).all()
    return {user_id for user_id, _ in found if user_id is not None}, {telegram_id for _, telegram_id in found}


def drop_pending_for(session: Session, *, user: User) -> int:
    """A deactivated user's queued messages are not sent (marked dropped; the caller commits)."""
    condition = or_(col(OutboxMessage.user_id) == user.id, col(OutboxMessage.chat_id) == user.telegram_id)
    result = session.execute(update(OutboxMessage).where(col(OutboxMessage.status) == PENDING, condition)
                             .values(status=DROPPED, last_error="recipient deactivated"))
    return int(result.rowcount)  # type: ignore[attr-defined]


def _own(session: Session, *, message_id: int, holder: str) -> OutboxMessage | None:
    """The row if this sender still owns the claim (it may have expired and gone to someone else)."""
    row = session.get(OutboxMessage, message_id)
    if row is None or row.status != SENDING or row.claimed_by != holder:
        return None
    return row


def mark_sent(session: Session, *, message_id: int, holder: str, now: datetime) -> None:
    row = _own(session, message_id=message_id, holder=holder)
    if row is not None:
        row.status, row.sent_at, row.claimed_until, row.last_error = SENT, now, None, None
        row.payload = None  # the file reached Telegram; its bytes need not stay in the table
        session.add(row)
    session.commit()


def mark_retry(session: Session, *, message_id: int, holder: str, at: datetime, error: str,
               count_attempt: bool = True) -> None:
    """Back to pending until `at` (flood control or a transient error); after MAX_ATTEMPTS it fails."""
    row = _own(session, message_id=message_id, holder=holder)
    if row is not None:
        if not count_attempt:
            row.attempts -= 1  # Telegram's flood control is not the message's fault
        row.status = FAILED if row.attempts >= MAX_ATTEMPTS else PENDING
        row.next_attempt_at, row.claimed_until, row.last_error = at, None, error[:300]
        if row.status == FAILED:
            row.payload = None
        session.add(row)
    session.commit()


def hand_back(session: Session, *, message_ids: Sequence[int], holder: str, at: datetime, error: str) -> None:
    """Claimed rows this sender will not send after all (it is stopping, or flood control paused it)
    go back to pending until `at`, in one statement; the claim's attempt is not counted."""
    if message_ids:
        session.execute(update(OutboxMessage).where(
            col(OutboxMessage.id).in_(list(message_ids)), col(OutboxMessage.status) == SENDING,
            col(OutboxMessage.claimed_by) == holder)
            .values(status=PENDING, next_attempt_at=at, claimed_until=None, last_error=error[:300],
                    attempts=col(OutboxMessage.attempts) - 1))
    session.commit()


def mark_failed(session: Session, *, message_id: int, holder: str, error: str) -> None:
    """A permanent error (bad request): never retried."""
    row = _own(session, message_id=message_id, holder=holder)
    if row is not None:
        row.status, row.claimed_until, row.last_error, row.payload = FAILED, None, error[:300], None
        session.add(row)
    session.commit()


def active_users_of(session: Session, *, unit_id: int) -> Sequence[User]:
    """The officers of a unit who still receive messages."""
    return session.exec(select(User).where(User.unit_id == unit_id, col(User.active).is_(True))
                        .order_by(col(User.id))).all()


def supervisors_of(session: Session, *, unit: Unit) -> Sequence[User]:
    """The nearest active supervisors above `unit` (its own supervisors first, then its parent's…)."""
    current: Unit | None = unit
    while current is not None:
        found = session.exec(select(User).where(User.unit_id == current.id, col(User.active).is_(True),
                                                col(User.role).in_(SUPERVISING_ROLES))
                             .order_by(col(User.id))).all()
        if found:
            return found
        current = get_unit(session, unit_id=current.parent_id) if current.parent_id is not None else None
    return []


@dataclass(frozen=True)
class Blocked:
    """What a 403 changed: the recipient (None when no user has that chat) and the supervisors told."""

    user: User | None
    notices: list[int]


def mark_blocked(session: Session, *, message_id: int, holder: str, now: datetime) -> Blocked | None:
    """The recipient blocked the bot: stop sending to them and tell their supervisors (via the outbox).

    Their other pending messages are marked blocked too. Part of the caller's unit of work (no commit), so
    whatever else a block ends (their open questions, bot/domain/people/directory.py) is decided with it;
    None when the row is no longer ours.
    """
    row = _own(session, message_id=message_id, holder=holder)
    if row is None:
        return None
    row.status, row.claimed_until, row.last_error = BLOCKED, None, "blocked by the user"
    session.add(row)
    notices: list[int] = []
    user = session.exec(select(User).where(User.telegram_id == row.chat_id)).first()
    if user is None:
        return Blocked(None, notices)
    for other in session.exec(select(OutboxMessage).where(OutboxMessage.chat_id == row.chat_id,
                                                          OutboxMessage.status == PENDING)).all():
        other.status, other.last_error = BLOCKED, "blocked by the user"
        session.add(other)
    was_active, user.active = user.active, False
    if was_active:  # a user removed by a supervisor stays removed; only a 403 is "blocked"
        user.deactivated_reason, user.deactivated_at, user.deactivated_by_id = BLOCKED_REASON, now, None
    session.add(user)
    unit = get_unit(session, unit_id=user.unit_id)
    if was_active and unit is not None:
        own_supervisors = [s for s in supervisors_of(session, unit=unit) if s.id != user.id]
        if not own_supervisors and unit.parent_id is not None:
            parent = get_unit(session, unit_id=unit.parent_id)
            own_supervisors = list(supervisors_of(session, unit=parent)) if parent else []
        for supervisor in own_supervisors:
            t = get_translator(supervisor.locale)
            text = t("{name} ({unit}) has blocked the bot and no longer receives reminders. "
                     "Please contact them.").format(
                name=user.display_name, unit=unit_display(t, unit))
            key = f"blocked:{user.id}:{supervisor.id}:{row.id}"
            if enqueue(session, key=key, chat_id=supervisor.telegram_id, user_id=supervisor.id,
                       screen=plain_screen(text), now=now, purpose="blocked"):
                notices.append(supervisor.id or 0)
    return Blocked(user, notices)


def next_due_at(session: Session) -> datetime | None:
    """When the earliest pending row becomes due (the sender sleeps until then or until woken)."""
    earliest = session.exec(select(func.min(OutboxMessage.next_attempt_at))
                            .where(col(OutboxMessage.status) == PENDING)).first()
    return as_utc(earliest) if earliest is not None else None
