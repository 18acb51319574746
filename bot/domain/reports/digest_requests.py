"""What /digest and /digest_schedule do with the database, one function per request.

The handlers (handlers/digest.py) read the update and draw the result; everything that looks up the
reader, the unit or the schedule, or changes the schedule, happens here so that a handler calls one
service per update (and the on-demand digest's worker thread calls one service with its own session).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.domain.catalogue.file import CatalogueFile
from bot.domain.outbox.queue import Delivery
from bot.domain.parsing.text import fold
from bot.domain.periods.calendar import Period
from bot.domain.records.action_text import Localised
from bot.domain.reports.digest_copies import digest_deliveries
from bot.domain.reports.digests import (
    closing_text,
    digest_period,
    parse_closing_switch,
    parse_schedule,
    schedule_of,
    schedule_text,
    set_closing_digest,
    set_schedule,
)
from bot.domain.screen import Screen, screen_of
from bot.domain.totals.questions import find_period
from bot.i18n import Translator
from db.models import DigestSchedule, User
from db.queries import get_unit, get_user_by_telegram_id

STOP_WORDS = ("tat", "off", "dung", "stop")


def requested_digest_period(session: Session, *, unit_id: int, words: str, today: date, now: datetime,
                            tz: ZoneInfo) -> Period:
    """The period /digest names ("/digest tháng 3"), else the one the unit's schedule would send now."""
    period, _ = find_period(fold(words), today=today)
    return period or digest_period(schedule_of(session, unit_id=unit_id), now=now, tz=tz)


def on_demand_digest(session: Session, *, telegram_id: int, unit_id: int, words: str, today: date,
                     catalogue: CatalogueFile, tz: ZoneInfo, now: datetime) -> Delivery:
    """The reader's own digest for the period `words` name (else the scheduled one), built in a worker
    thread with its own session: the reader and the unit are looked up again there (the update's objects
    belong to another session and thread)."""
    period = requested_digest_period(session, unit_id=unit_id, words=words, today=today, now=now, tz=tz)
    reader, own = get_user_by_telegram_id(session, telegram_id=telegram_id), get_unit(session, unit_id=unit_id)
    if reader is None or own is None:
        raise LookupError("the reader or the unit of the digest is gone")
    [delivery] = digest_deliveries(session, catalogue=catalogue, unit=own, period=period, users=[reader],
                                   tz=tz, now=now, key="on-demand")
    return delivery


@dataclass(frozen=True)
class ScheduleAnswer:
    """The answer to /digest_schedule, and the schedule whose job must be re-created when the weekly time
    changed (None when nothing that a job follows changed)."""

    screen: Screen
    changed: DigestSchedule | None = None


def digest_schedule_request(session: Session, *, viewer: User, words: str, catalogue: CatalogueFile,
                            t: Translator) -> ScheduleAnswer:
    """/digest_schedule [thứ 2 7:30 | tắt | cuối kỳ bật/tắt]: show or set when the viewer's unit receives
    its digest."""
    names = Localised(catalogue, t)
    text = fold(words)
    if not text:
        current = schedule_of(session, unit_id=viewer.unit_id)
        shown = t("Digest: {when}. Change it like “/digest_schedule thứ 2 7:30”, or "
                  "“/digest_schedule tắt” to stop it.").format(when=schedule_text(names, current))
        return ScheduleAnswer(screen_of(shown + "\n" + closing_text(names, current)))
    unit = get_unit(session, unit_id=viewer.unit_id)
    if unit is None:
        raise LookupError("the viewer's unit is gone")
    about_closing, switch = parse_closing_switch(text)
    if about_closing:
        if switch is None:
            return ScheduleAnswer(screen_of(t("Write “/digest_schedule cuối kỳ tắt” to stop the period-end "
                                              "digest, or “/digest_schedule cuối kỳ bật” to have it again.")))
        schedule = set_closing_digest(session, unit=unit, user=viewer, enabled=switch)
        return ScheduleAnswer(screen_of(closing_text(names, schedule)))
    if text in STOP_WORDS:
        schedule = set_schedule(session, unit=unit, user=viewer, weekday=None, at=None)
    else:
        parsed = parse_schedule(text)
        if parsed is None:
            return ScheduleAnswer(screen_of(t("I could not read that. Write a weekday and a time, e.g. "
                                              "“/digest_schedule thứ 2 7:30”.")))
        schedule = set_schedule(session, unit=unit, user=viewer, weekday=parsed[0], at=parsed[1])
    return ScheduleAnswer(screen_of(t("Digest: {when}.").format(when=schedule_text(names, schedule))
                                    + "\n" + closing_text(names, schedule)), changed=schedule)
