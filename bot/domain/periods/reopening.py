"""Reopening a unit's submission together with the notices to its officers, in one transaction.

A reopen is never committed without the officers being told (each in their own language, with the
📤 button to submit again, as a reminder's: a screen the outbox stores), and a notice never goes out for a
reopen that failed.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.domain.outbox import queue as outbox
from bot.domain.periods import submissions as reporting
from bot.domain.periods.reminders import submit_screen
from bot.domain.units.tree import unit_display
from bot.i18n import get_translator
from db.models import ReportingPeriod, Submission, Unit, User


def reopen_and_notify(session: Session, *, user: User, period: ReportingPeriod, unit: Unit, reason: str,
                      now: datetime) -> Submission:
    """Reopen (see `reporting.reopen`, whose errors it raises) and queue one notice per active officer of
    the unit; commits both."""
    submission = reporting.reopen(session, user=user, period=period, unit=unit, reason=reason, now=now,
                                  commit=False)
    for officer in outbox.active_users_of(session, unit_id=unit.id or 0):
        ot = get_translator(officer.locale)
        notice = ot("🔓 Your supervisor reopened the report “{period}” of {unit}: {reason}. Please correct the "
                    "figures and submit again.").format(period=period.name, unit=unit_display(ot, unit),
                                                        reason=reason.strip())
        outbox.enqueue(session, key=f"reopened:{submission.id}:{submission.reopened_at:%Y%m%d%H%M%S}:{officer.id}",
                       chat_id=officer.telegram_id, user_id=officer.id, now=now, purpose="reopened",
                       screen=submit_screen(ot, notice, period_id=period.id or 0))
    session.commit()
    return submission
