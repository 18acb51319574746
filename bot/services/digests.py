"""Digests for supervising units: what they contain, who receives them, and when.

A digest is the unit's totals for a period (one sentence a category, with the change against the
period before), a table per child unit, an XLSX workbook and a chart PNG. It is sent on a schedule
each unit chooses (`digest_schedule`: weekday + local time) and on demand with /digest.

Never twice: before sending, the job claims the schedule with a conditional UPDATE of
`last_sent_at` (`claim`); a second process, a catch-up after a restart or a misfired duplicate finds
it already claimed and does nothing. Never lost: at start-up `missed_run` tells whether the last
scheduled moment passed while the bot was down (within a grace period), and the caller runs it once.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.parsing.text import fold
from bot.services.action_text import Localised
from bot.services.duplicates import unresolved_in
from bot.services.exports import ExportScope, build_workbook, chart_png, monthly_values
from bot.services.households import left_behind_line
from bot.services.periods import Period, period_from_code
from bot.services.reporting_text import periods_defined_by, status_text
from bot.services.reports import by_child_unit, grand_value, scope_totals, summary_line, totals_message
from bot.services.units import unit_display
from db.models import DigestSchedule, Role, Unit, User, utcnow

GRACE = timedelta(hours=12)
"""A digest whose moment passed while the bot was down is still sent if it is at most this late."""

WEEKDAY_WORDS = {
    1: ("thu 2", "thu hai", "t2", "mon", "monday"), 2: ("thu 3", "thu ba", "t3", "tue", "tuesday"),
    3: ("thu 4", "thu tu", "t4", "wed", "wednesday"), 4: ("thu 5", "thu nam", "t5", "thu", "thursday"),
    5: ("thu 6", "thu sau", "t6", "fri", "friday"), 6: ("thu 7", "thu bay", "t7", "sat", "saturday"),
    7: ("chu nhat", "cn", "sun", "sunday"),
}


@dataclass
class Digest:
    """One digest as sent to one language: the message (HTML) and its two attachments."""

    text: str
    workbook: bytes
    chart: bytes
    filename: str


def build_digest(session: Session, *, names: Localised, unit: Unit, period: Period, viewer: User,
                 tz: ZoneInfo) -> Digest:
    """Totals with changes, a line per child unit, the workbook and the chart."""
    t = names.t
    scope = scope_totals(session, unit=unit, period=period)
    rows = by_child_unit(session, unit=unit, period=period, whole=scope.current)
    unit_name = unit_display(t, unit)
    text = totals_message(names, scope, unit_name=unit_name).replace("📊", "📰", 1)
    if rows:
        lines = ["", f"<b>{html.escape(t('By unit:'))}</b>"]
        lines += [f"• {html.escape(unit_display(t, child))}: {html.escape(summary_line(names, totals))}"
                  for child, totals in rows]
        silent = [unit_display(t, child) for child, totals in rows if not totals]
        if silent:
            lines.append(html.escape(t("No figures yet from: {units}.").format(units=", ".join(silent))))
        text += "\n" + "\n".join(lines)
    reporting_status = [status_text(session, names, p) for p in periods_defined_by(session, unit=unit)]
    if reporting_status:
        text += "\n\n" + "\n\n".join(reporting_status)
    left_behind = left_behind_line(session, t=t, unit=unit, start=period.start, end=period.end)
    if left_behind:
        text += "\n\n" + html.escape(left_behind)
    suspects = unresolved_in(session, unit=unit)
    if suspects:
        text += "\n⚠️ " + html.escape(t("{count} possible double count(s) not yet resolved (/suspects).").format(
            count=len(suspects)))
    workbook = build_workbook(session, names=names, scope=ExportScope(unit=unit, period=period), viewer=viewer, tz=tz,
                              figures=(scope.current, rows))
    trend = monthly_values(session, unit=unit, end=period.end)
    chart = chart_png(title=t("{unit}, {period}").format(unit=unit_name, period=period.label(t)),
                      units=[(unit_display(t, child), grand_value(totals)) for child, totals in rows]
                      or [(unit_name, grand_value(scope.current))],
                      trend=[(f"{p.start.month}/{p.start.year}", value) for p, value in trend],
                      unit_axis=t("Value by unit"), trend_axis=t("Value by month"),
                      money_label=t("million VND"))
    return Digest(text=text, workbook=workbook, chart=chart,
                  filename=f"ban-tin-{unit.code.lower()}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx")


def digest_period(schedule: DigestSchedule | None, *, today: datetime | None = None, tz: ZoneInfo) -> Period:
    """The period a digest covers: the schedule's code (default this month so far)."""
    day = (today or datetime.now(tz)).astimezone(tz).date()
    code = schedule.period_code if schedule is not None else "m0"
    period = period_from_code(code, today=day) or period_from_code("m0", today=day)
    assert period is not None
    return period


def recipients(session: Session, *, unit: Unit) -> Sequence[User]:
    """Supervisors and admins of the unit itself (the people who read its digest)."""
    return session.exec(select(User).where(User.unit_id == unit.id, col(User.active).is_(True),
                                           col(User.role).in_([Role.SUPERVISOR, Role.ADMIN]))
                        .order_by(col(User.id))).all()


def enabled_schedules(session: Session) -> Sequence[DigestSchedule]:
    return session.exec(select(DigestSchedule).where(col(DigestSchedule.enabled).is_(True))
                        .order_by(col(DigestSchedule.unit_id))).all()


def schedule_of(session: Session, *, unit_id: int) -> DigestSchedule | None:
    return session.exec(select(DigestSchedule).where(DigestSchedule.unit_id == unit_id)).first()


def set_schedule(session: Session, *, unit: Unit, user: User, weekday: int | None, at: time | None,
                 period_code: str | None = None) -> DigestSchedule:
    """Create or change the unit's schedule; `weekday=None` turns it off."""
    schedule = schedule_of(session, unit_id=unit.id or 0) or DigestSchedule(unit_id=unit.id or 0)
    schedule.enabled = weekday is not None
    if weekday is not None and at is not None:
        schedule.weekday, schedule.at_time = weekday, f"{at:%H:%M}"
    if period_code is not None:
        schedule.period_code = period_code
    schedule.updated_by_id = user.id
    session.add(schedule)
    session.commit()
    return schedule


def parse_schedule(text: str) -> tuple[int, time] | None:
    """"thứ 2 7:30", "t2 7h30", "chủ nhật 18:00", "monday 07:30" → (ISO weekday, local time)."""
    folded = fold(text)
    match = re.search(r"\b(\d{1,2})\s*(?:[:h]\s*(\d{2})?)\s*$|\b(\d{1,2}):(\d{2})\b", folded)
    if match is None:
        return None
    hour = int(match.group(1) or match.group(3))
    minute = int(match.group(2) or match.group(4) or 0)
    if hour > 23 or minute > 59:
        return None
    rest = f" {folded[:match.start()].strip()} "
    for weekday, words in WEEKDAY_WORDS.items():
        if any(f" {word} " in rest for word in words):
            return weekday, time(hour, minute)
    return None


def scheduled_moment(schedule: DigestSchedule, *, before: datetime, tz: ZoneInfo) -> datetime:
    """The latest scheduled moment at or before `before` (aware, UTC)."""
    local = before.astimezone(tz)
    hour, minute = (int(part) for part in schedule.at_time.split(":"))
    days_back = (local.isoweekday() - schedule.weekday) % 7
    moment = datetime.combine(local.date() - timedelta(days=days_back), time(hour, minute), tzinfo=tz)
    if moment > local:
        moment -= timedelta(days=7)
    return moment.astimezone(UTC)


def _aware(moment: datetime | None) -> datetime | None:
    return moment if moment is None or moment.tzinfo else moment.replace(tzinfo=UTC)


def missed_run(schedule: DigestSchedule, *, now: datetime, tz: ZoneInfo) -> bool:
    """True when the last scheduled moment passed unsent (bot down) no longer than GRACE ago."""
    moment = scheduled_moment(schedule, before=now, tz=tz)
    last = _aware(schedule.last_sent_at)
    return now - moment <= GRACE and (last is None or last < moment)


def claim(session: Session, *, schedule_id: int, now: datetime | None = None,
          min_gap: timedelta = timedelta(hours=1)) -> bool:
    """Mark the schedule sent now, unless it was sent less than `min_gap` ago. True = go ahead and send."""
    now = now or utcnow()
    table = DigestSchedule.__table__  # type: ignore[attr-defined]
    result = session.execute(table.update().where(
        table.c.id == schedule_id, (table.c.last_sent_at.is_(None)) | (table.c.last_sent_at < now - min_gap))
        .values(last_sent_at=now))
    session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def schedule_text(names: Localised, schedule: DigestSchedule | None) -> str:
    """"Thứ 2 lúc 07:30" or "off", for the /digest_schedule answer."""
    t = names.t
    if schedule is None or not schedule.enabled:
        return t("no scheduled digest")
    days = [t("Monday"), t("Tuesday"), t("Wednesday"), t("Thursday"), t("Friday"), t("Saturday"), t("Sunday")]
    return t("every {weekday} at {time}").format(weekday=days[schedule.weekday - 1], time=schedule.at_time)

