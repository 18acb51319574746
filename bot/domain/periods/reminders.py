"""Which reminders are due at a given instant, and planning them into the outbox.

Rules of deadline reminders:
- Before the due date, on each day of the period's `remind_days` (default 3 days before and on the
  day), the officers of every expected unit that has not submitted get one reminder with the deadline
  and a button to submit. If the bot was down on a reminder day, the reminder goes out on a later day
  before the due date instead (once: the key does not depend on the day it is sent).
- After the due date (for ESCALATION_WINDOW days), the officers get one more reminder and the
  supervisors of the unit that defined the period get the list of units still missing.
- Quiet hours (default 21:00–06:30 local): nothing is planned; it waits for the morning, when the
  repeating job runs again.
- The service builds no Telegram keyboard: each message is a screen (bot/domain/screen.py) whose 📤
  button is the verb "submit" with the period (none for the supervisors' escalation); the outbox stores
  it and the one renderer draws it when it is sent.
- Every message has a deterministic key (period, unit, user, kind), so running the planner any number
  of times, in any number of processes, enqueues each reminder once.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.domain.formatting import format_day
from bot.domain.outbox.queue import enqueue, supervisors_of
from bot.domain.periods.submissions import is_locked, period_status
from bot.domain.screen import Screen, button
from bot.domain.spans import Text
from bot.domain.units.tree import unit_display
from bot.i18n import Translator, get_translator
from db.models import ReportingExpected, ReportingPeriod, User
from db.queries import get_unit

QUIET_START = time(21, 0)
QUIET_END = time(6, 30)
ESCALATION_WINDOW = timedelta(days=14)


def in_quiet_hours(moment: time, *, start: time = QUIET_START, end: time = QUIET_END) -> bool:
    """Quiet hours may wrap midnight (21:00–06:30) or not (13:00–14:00)."""
    if start <= end:
        return start <= moment < end
    return moment >= start or moment < end


@dataclass(frozen=True)
class PlannedMessage:
    """One reminder or escalation that is due now (before it goes into the outbox)."""

    key: str
    user: User
    kind: str  # d<N> (N days before the due date) | overdue | escalate
    period: ReportingPeriod
    unit_id: int

    @property
    def submit_period_id(self) -> int | None:
        """The period this message offers to submit with a button (escalations to supervisors offer none)."""
        return None if self.kind == "escalate" else self.period.id


def reminder_kind(period: ReportingPeriod, *, today: datetime) -> str | None:
    """The reminder of the period that applies on the local day `today`: the latest reminder day that has
    come (d3 from three days before, d0 on the day), "overdue" after the due date, None otherwise."""
    day = today.date()
    if day > period.due:
        return "overdue" if day - period.due <= ESCALATION_WINDOW else None
    days_left = (period.due - day).days
    reached = [d for d in period.remind_days if d >= days_left]
    return f"d{min(reached)}" if reached else None


def _officers(session: Session, *, unit_id: int) -> list[User]:
    return list(session.exec(select(User).where(User.unit_id == unit_id, col(User.active).is_(True))
                             .order_by(col(User.id))).all())


def due_messages(session: Session, *, now: datetime, tz: ZoneInfo, quiet_start: time = QUIET_START,
                 quiet_end: time = QUIET_END) -> list[PlannedMessage]:
    """Everything that should be in the outbox at `now` (already enqueued keys included)."""
    local = now.astimezone(tz)
    if in_quiet_hours(local.time(), start=quiet_start, end=quiet_end):
        return []
    today = local.date()
    planned: list[PlannedMessage] = []
    periods = session.exec(select(ReportingPeriod).where(col(ReportingPeriod.due) >= today - ESCALATION_WINDOW)
                           .order_by(col(ReportingPeriod.id))).all()
    for period in periods:
        kind = reminder_kind(period, today=local)
        if kind is None:
            continue
        pid = period.id or 0
        missing = False
        for expected in session.exec(select(ReportingExpected).where(ReportingExpected.period_id == pid)
                                     .order_by(col(ReportingExpected.unit_id))).all():
            if is_locked(session, period_id=pid, unit_id=expected.unit_id):
                continue
            missing = True
            for user in _officers(session, unit_id=expected.unit_id):
                planned.append(PlannedMessage(key=f"remind:{pid}:{expected.unit_id}:{user.id}:{kind}", user=user,
                                              kind=kind, period=period, unit_id=expected.unit_id))
        if kind == "overdue" and missing:
            owner = get_unit(session, unit_id=period.unit_id)
            for user in supervisors_of(session, unit=owner) if owner is not None else []:
                planned.append(PlannedMessage(key=f"escalate:{pid}:{user.id}", user=user, kind="escalate",
                                              period=period, unit_id=period.unit_id))
    return planned


def reminder_text(session: Session, t: Translator, message: PlannedMessage, *, today: datetime) -> str:
    period, unit = message.period, get_unit(session, unit_id=message.unit_id)
    unit_name = unit_display(t, unit) if unit is not None else "?"
    due = format_day(period.due, t.locale)
    if message.kind == "escalate":
        missing = period_status(session, period=period).missing
        lines = "\n".join(f"• {unit_display(t, u)}" for u in missing)
        return t("⚠️ Report “{period}” was due on {due}. {count} unit(s) have not submitted yet:\n{units}").format(
            period=period.name, due=due, count=len(missing), units=lines)
    if message.kind == "overdue":
        return t("⚠️ The report “{period}” was due on {due} and {unit} has not submitted it yet. "
                 "Please check the figures and submit now.").format(period=period.name, due=due, unit=unit_name)
    days_left = (period.due - today.date()).days
    if days_left == 0:
        return t("⏰ The report “{period}” is due today ({due}). {unit} has not submitted its figures yet. "
                 "Tap the button to check and submit them.").format(period=period.name, due=due, unit=unit_name)
    return t("⏰ The report “{period}” is due on {due}, in {days} day(s). {unit} has not submitted its figures "
             "yet. Tap the button to check and submit them.").format(period=period.name, due=due, unit=unit_name,
                                                                     days=days_left)


def submit_screen(t: Translator, text: str, *, period_id: int | None) -> Screen:
    """A notice with the 📤 button that submits `period_id` (a reminder, a 🔔, a "reopened" notice)."""
    return Screen(body=Text().add(text), rows=[] if period_id is None else [
        [button(t("📤 Submit figures"), "submit", period_id)]])


@dataclass(frozen=True)
class Reminder:
    """One message due now, as plain data: its outbox key, reader and the screen it shows (its words and
    the 📤 button for the period it submits, none for an escalation)."""

    key: str
    chat_id: int
    user_id: int | None
    purpose: str
    screen: Screen


def reminders_due(session: Session, *, now: datetime, tz: ZoneInfo, quiet_start: time = QUIET_START,
                  quiet_end: time = QUIET_END) -> list[Reminder]:
    """The reminders and escalations due at `now`, worded in each reader's language (keys already in the
    outbox included: `enqueue_reminders` skips them)."""
    local = now.astimezone(tz)
    due = []
    for message in due_messages(session, now=now, tz=tz, quiet_start=quiet_start, quiet_end=quiet_end):
        t = get_translator(message.user.locale)
        due.append(Reminder(key=message.key, chat_id=message.user.telegram_id, user_id=message.user.id,
                            purpose=message.kind, screen=submit_screen(
                                t, reminder_text(session, t, message, today=local),
                                period_id=message.submit_period_id)))
    return due


def enqueue_reminders(session: Session, reminders: Sequence[Reminder], *, now: datetime) -> int:
    """Enqueue each reminder unless its key is in the outbox already; commits. Returns how many were added
    (0 when run again)."""
    added = 0
    for reminder in reminders:
        if enqueue(session, key=reminder.key, chat_id=reminder.chat_id, user_id=reminder.user_id,
                   screen=reminder.screen, now=now, purpose=reminder.purpose):
            added += 1
    session.commit()
    return added


def plan_reminders(session: Session, *, now: datetime, tz: ZoneInfo, quiet_start: time = QUIET_START,
                   quiet_end: time = QUIET_END) -> int:
    """Plan the reminders due at `now` into the outbox; commits. Returns how many were added (what the
    planning job of bot/jobs.py runs, then it wakes the sender)."""
    return enqueue_reminders(session, reminders_due(session, now=now, tz=tz, quiet_start=quiet_start,
                                                    quiet_end=quiet_end), now=now)
