"""Queueing the scheduled and period-end digests (what the jobs of bot/jobs.py run).

The domain builds each reader's copy as outbox parts (bot/domain/reports/digest_copies.py: the text, the
XLSX, the chart, then a question per open double count with its two buttons, as screens and files).
Scheduled and period-end digests are not sent from here: the claim and the outbox rows are committed in
one transaction (`outbox.enqueue_claimed`), and the outbox sender delivers them in order, retrying what
fails, each screen drawn by the one renderer when it is sent.
"""

from __future__ import annotations

import logging
from functools import partial

from sqlmodel import Session

from bot.domain.outbox.queue import Delivery, enqueue_claimed
from bot.domain.periods.calendar import Period, covering
from bot.domain.reports import digest_copies
from bot.domain.reports.digests import (
    claim,
    claim_closing_digest,
    digest_period,
    due_closing_digests,
    recently_claimed,
    recipients,
    schedule_of,
)
from bot.runtime import Runtime
from db.models import ReportingPeriod, Unit, User
from db.queries import get_unit

log = logging.getLogger(__name__)


def digest_deliveries(runtime: Runtime, session: Session, *, unit: Unit, period: Period, users: list[User],
                      key: str, reporting_period: ReportingPeriod | None = None) -> list[Delivery]:
    """`digest_copies.digest_deliveries` with the runtime's catalogue, time zone and clock."""
    return digest_copies.digest_deliveries(session, catalogue=runtime.catalogue, unit=unit, period=period,
                                           users=users, tz=runtime.settings.tz, now=runtime.clock(), key=key,
                                           reporting_period=reporting_period)


def enqueue_scheduled_digest(runtime: Runtime, *, unit_id: int) -> bool:
    """Build every supervisor's digest of the unit, then claim the schedule and queue the digests in one
    transaction (never twice, never half). True when this call queued them."""
    now = runtime.clock()
    with runtime.session_factory() as session:
        schedule = schedule_of(session, unit_id=unit_id)
        unit = get_unit(session, unit_id=unit_id)
        if schedule is None or not schedule.enabled or unit is None:
            return False
        if recently_claimed(schedule, now=now):
            log.info("digest for unit %s already sent; skipped", unit_id)
            return False
        schedule_id = schedule.id or 0
        deliveries = digest_deliveries(runtime, session, unit=unit, users=list(recipients(session, unit=unit)),
                                       period=digest_period(schedule, now=now, tz=runtime.settings.tz),
                                       key=f"digest:{unit_id}:{now:%Y%m%dT%H%M%S}")
        if not enqueue_claimed(session, claim=lambda s: claim(s, schedule_id=schedule_id, now=now, commit=False),
                               deliveries=deliveries, now=now):
            log.info("digest for unit %s already sent; skipped", unit_id)
            return False
    log.info("digest for unit %s queued for %s supervisor(s)", unit_id, len(deliveries))
    return True


def enqueue_closing_digests(runtime: Runtime) -> int:
    """Queue every period-end digest due now (runtime clock) that this process manages to claim; returns
    how many periods it queued. Another process, or an earlier run, that claimed a period first wins.

    Each period's digests are built, then claimed and queued in one transaction; the outbox sends them."""
    now = runtime.clock()
    done = 0
    with runtime.session_factory() as session:
        for reporting_period in due_closing_digests(session, now=now, tz=runtime.settings.tz):
            period_id, unit_id = reporting_period.id or 0, reporting_period.unit_id
            unit = get_unit(session, unit_id=unit_id)
            if unit is None:
                continue
            deliveries = digest_deliveries(runtime, session, unit=unit,
                                           period=covering(reporting_period.start, reporting_period.end),
                                           users=list(recipients(session, unit=unit)), key=f"closing:{period_id}",
                                           reporting_period=reporting_period)
            if not enqueue_claimed(session, deliveries=deliveries, now=now,
                                   claim=partial(claim_closing_digest, period_id=period_id, now=now, commit=False)):
                log.info("period-end digest of period %s already sent; skipped", period_id)
                continue
            log.info("period-end digest of period %s (unit %s) queued for %s supervisor(s)", period_id, unit_id,
                     len(deliveries))
            done += 1
    return done


