"""Digests for supervising units: what they contain, who receives them, and when.

A digest is the unit's totals for a period (one sentence a category, with the change against the
period before), a table per child unit, an XLSX workbook and a chart PNG. It is sent on a schedule
each unit chooses (`digest_schedule`: weekday + local time) and on demand with /digest.

Never twice: the job claims the schedule with a conditional UPDATE of `last_sent_at` (`claim`); a
second process, a catch-up after a restart or a misfired duplicate finds it already claimed and does
nothing. The claim and the digest's outbox rows (text, XLSX, chart, for every reader) are committed in
one transaction (`outbox.enqueue_claimed`), and the outbox does the sending and the retrying: claimed
means queued, and queued means delivered (or given up after the outbox's attempts). Never lost: at
start-up `missed_run` tells whether the last scheduled moment passed while the bot was down (within a
grace period), and the caller runs it once.

The period-end digest ("bản tin cuối kỳ") covers exactly one reporting period's dates and says which
units submitted, were late or did not submit. It is due the day after the period's due date at the
unit's digest time (`closing_moment`), or as soon as the bot runs again after that moment; a period whose
due date is more than CLOSING_MAX_AGE_DAYS old is never sent, so deploying the feature (or a long outage)
does not bring a flood of stale digests. `due_closing_digests` says which periods are due at `now`, and
`claim_closing_digest` marks one as sent with a conditional UPDATE of `reporting_period`
(`closing_digest_sent_at IS NULL`), so exactly one process sends it, once. Units switch it off and on with
`set_closing_digest`; it is on unless a unit switched it off.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.domain.formatting import format_day, format_number
from bot.domain.households.register import left_behind_line
from bot.domain.outcomes.support import outcome_section
from bot.domain.parsing.dates import parse_weekly_time
from bot.domain.parsing.text import fold
from bot.domain.periods.calendar import Period, period_from_code
from bot.domain.periods.status_text import named, periods_defined_by, status_text
from bot.domain.periods.submissions import period_status
from bot.domain.permissions import SUPERVISING_ROLES
from bot.domain.records.action_text import Localised
from bot.domain.records.duplicates import unresolved_in
from bot.domain.records.plausibility import unusual_count
from bot.domain.records.questions import open_in
from bot.domain.reports.chart_worker import chart_png
from bot.domain.reports.exports import ExportScope, build_workbook, monthly_values
from bot.domain.reports.sentences import Totals, by_child_unit, grand_value, scope_totals, totals_message
from bot.domain.spans import Text, bold, italic
from bot.domain.units.figures import UnitFigures, child_figures
from bot.domain.units.lists import Order, UnitEntry, entry_line, state_words, unit_page
from bot.domain.units.tree import unit_display
from bot.i18n import Translator
from db.models import DigestSchedule, ReportingPeriod, Unit, User

GRACE = timedelta(hours=12)
"""A digest whose moment passed while the bot was down is still sent if it is at most this late."""

DEFAULT_AT_TIME = "07:30"
"""The local time of a unit's digests when it never set one (the column default of `at_time`)."""

CLOSING_MAX_AGE_DAYS = 7
"""A period-end digest is sent only while its period's due date is at most this many days old: late
after an outage is useful, but a digest of a period that closed weeks ago (say, every period there was
when the feature is first deployed) is noise."""

CLOSING_WORDS = ("cuoi ky", "het ky", "ket thuc ky", "period end", "period-end", "end of period", "closing")
ON_WORDS = ("bat", "mo", "on")
OFF_WORDS = ("tat", "off", "dung", "stop", "khong")



@dataclass
class Digest:
    """One digest as sent to one language: the message and its two attachments. `chart` is None when the
    chart process failed (bot/domain/reports/chart_worker.py): the digest goes out without it."""

    text: Text
    workbook: bytes
    chart: bytes | None
    filename: str


def build_digest(session: Session, *, names: Localised, unit: Unit, period: Period, viewer: User,
                 tz: ZoneInfo, now: datetime, reporting_period: ReportingPeriod | None = None) -> Digest:
    """Totals with changes, a line per child unit, the workbook and the chart (drawn in the chart process;
    this waits for it, so call it from a worker thread).

    With `reporting_period` it is that period's period-end digest: a heading naming the period, each child
    unit marked on time, late or not submitted, and the status of that period alone (otherwise the digest
    shows the unit's newest periods, which by the time a period closes may already be the next one).
    """
    t = names.t
    scope = scope_totals(session, unit=unit, period=period)
    rows = by_child_unit(session, unit=unit, period=period, whole=scope.current)
    unit_name = unit_display(t, unit)
    text = Text()
    if reporting_period is not None:
        heading = t("Period-end digest: {name}, due {due}").format(
            name=reporting_period.name, due=format_day(reporting_period.due, t.locale))
        text.add(bold(f"📌 {heading}"))
    outcome = outcome_section(session, names, unit=unit, up_to=period.end.year)
    if outcome is not None:  # the digest opens with the outcome the support is for
        text.add(bold("📉 " + t("Poverty reduction results {year}").format(year=outcome[0])))
        for line in outcome[1]:
            text.add(line)
        text.add()
    text.extend(totals_message(names, scope, unit_name=unit_name, icon="📰"))
    if rows:
        text.add().add(bold(t("By unit:"))).extend(_units_text(session, names, unit=unit, period=period, rows=rows,
                                                               reporting_period=reporting_period))
    if reporting_period is not None:
        reporting_status = [status_text(session, names, reporting_period, name_on_time=True)]
    else:
        reporting_status = [status_text(session, names, p) for p in periods_defined_by(session, unit=unit)]
    for status in reporting_status:
        text.add().extend(status)
    left_behind = left_behind_line(session, t=t, unit=unit, start=period.start, end=period.end)
    if left_behind:
        text.add().add(left_behind)
    suspects = unresolved_in(session, unit=unit)
    if suspects:
        text.add("⚠️ " + t("{count} possible double count(s) not yet resolved (/suspects).").format(
            count=len(suspects)))
    questions = open_in(session, unit=unit)
    if questions:
        text.add("❓ " + t("{count} record(s) waiting for an answer (/status).").format(count=len(questions)))
    unusual = unusual_count(session, unit=unit, start=period.start, end=period.end)
    if unusual:
        text.add("⚠️ " + t.ngettext(
            "{count} record with unusual figures, confirmed by its author.",
            "{count} records with unusual figures, confirmed by their authors.", unusual).format(count=unusual))
    workbook = build_workbook(session, names=names, scope=ExportScope(unit=unit, period=period), viewer=viewer, tz=tz,
                              now=now, figures=(scope.current, rows))
    trend = monthly_values(session, unit=unit, end=period.end)
    chart = chart_png(title=t("{unit}, {period}").format(unit=unit_name, period=period.label(t)),
                      units=_chart_units(t, rows) or [(unit_name, grand_value(scope.current))],
                      trend=[(f"{p.start.month}/{p.start.year}", value) for p, value in trend],
                      unit_axis=t("Value by unit"), trend_axis=t("Value by month"),
                      money_label=t("million VND"), locale=t.locale)
    return Digest(text=text, workbook=workbook, chart=chart,
                  filename=f"ban-tin-{unit.code.lower()}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.xlsx")


def _units_text(session: Session, names: Localised, *, unit: Unit, period: Period, rows: list[tuple[Unit, Totals]],
                reporting_period: ReportingPeriod | None) -> Text:
    """The child units in a digest: the summary line, then the first PAGE_SIZE units ranked for the reader
    (not submitted and late first in a period-end digest, else the largest change from the period before),
    and how many more are in the workbook. A province of 170 communes thus still fits one message."""
    t = names.t
    children = [child for child, _ in rows if child.id != unit.id]
    before = period.previous()
    then = child_figures(session, children=children, start=before.start, end=before.end)
    entries = [UnitEntry(unit=child, current=UnitFigures(records=sum(total.records for total in totals.values()),
                                                         value_dong=grand_value(totals)),
                         previous=then.get(child.id or 0)) for child, totals in rows if child.id != unit.id]
    order = Order.CHANGE
    if reporting_period is not None:
        states = {state.unit.id: state.state for state in period_status(session, period=reporting_period).units}
        for entry in entries:
            entry.state = states.get(entry.unit.id)
        order = Order.STATUS
    silent = [entry.unit for entry in entries if not entry.current or not entry.current.records]
    # Without a period's states the units without figures are named once, on their own line below.
    listed = entries if order is Order.STATUS else [entry for entry in entries if entry.unit not in silent]
    page = unit_page(t, listed, order=order)
    page.summary = unit_page(t, entries, order=order, size=1).summary
    text = Text().add(page.summary)
    label = before.label(t)
    for entry in page.entries:
        mark = f" — {state_words(t, entry.state)}" if entry.state else ""
        text.add(f"• {entry_line(t, entry, Order.CHANGE, previous_label=label)}{mark}")
    if page.total > len(page.entries):
        text.add(italic(t("… and {count} more units in the Excel file.").format(
            count=format_number(page.total - len(page.entries), t.locale))))
    if silent and order is not Order.STATUS:
        text.add(t("No figures yet from: {units}.").format(units=named(t, sorted(silent, key=lambda u: fold(u.name)))))
    return text


CHART_UNITS = 15
"""Bars of the digest's chart: a province's 170 communes would be unreadable, so past this many units the
chart shows the ones with the most money (the workbook has every unit)."""


def _chart_units(t: Translator, rows: list[tuple[Unit, Totals]]) -> list[tuple[str, int]]:
    bars = [(unit_display(t, child), grand_value(totals)) for child, totals in rows]
    if len(bars) > CHART_UNITS:
        bars = sorted(bars, key=lambda bar: -bar[1])[:CHART_UNITS]
    return bars


def digest_period(schedule: DigestSchedule | None, *, now: datetime, tz: ZoneInfo) -> Period:
    """The period a digest covers at `now`: the schedule's code (default this month so far)."""
    day = now.astimezone(tz).date()
    code = schedule.period_code if schedule is not None else "m0"
    period = period_from_code(code, today=day) or period_from_code("m0", today=day)
    assert period is not None
    return period


def recipients(session: Session, *, unit: Unit) -> Sequence[User]:
    """Supervisors and admins of the unit itself (the people who read its digest)."""
    return session.exec(select(User).where(User.unit_id == unit.id, col(User.active).is_(True),
                                           col(User.role).in_(SUPERVISING_ROLES))
                        .order_by(col(User.id))).all()


def enabled_schedules(session: Session) -> Sequence[DigestSchedule]:
    return session.exec(select(DigestSchedule).where(col(DigestSchedule.enabled).is_(True))
                        .order_by(col(DigestSchedule.unit_id))).all()


def schedule_of(session: Session, *, unit_id: int) -> DigestSchedule | None:
    return session.exec(select(DigestSchedule).where(DigestSchedule.unit_id == unit_id)).first()


def set_schedule(session: Session, *, unit: Unit, user: User, weekday: int | None, at: time | None,
                 period_code: str | None = None) -> DigestSchedule:
    """Create or change the unit's weekly schedule; `weekday=None` turns it off (the period-end digest
    keeps its own switch)."""
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
    """"thứ 2 7:30", "t2 7h30", "chủ nhật 18:00", "monday 07:30" → (ISO weekday, local time), read by
    the one date grammar (`bot.domain.parsing.dates.parse_weekly_time`)."""
    return parse_weekly_time(text)


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


CLAIM_GAP = timedelta(hours=1)
"""A schedule claimed less than this long ago is not claimed again (a duplicate or misfired run)."""


def recently_claimed(schedule: DigestSchedule, *, now: datetime, min_gap: timedelta = CLAIM_GAP) -> bool:
    """A cheap look before building a digest that `claim` would refuse anyway (`claim` still decides)."""
    last = _aware(schedule.last_sent_at)
    return last is not None and last >= now - min_gap


def claim(session: Session, *, schedule_id: int, now: datetime,
          min_gap: timedelta = CLAIM_GAP, commit: bool = True) -> bool:
    """Mark the schedule sent now, unless it was sent less than `min_gap` ago. True = go ahead and send.

    `commit=False` leaves the commit to the caller, who enqueues the digest in the same transaction."""
    table = DigestSchedule.__table__  # type: ignore[attr-defined]
    result = session.execute(table.update().where(
        table.c.id == schedule_id, (table.c.last_sent_at.is_(None)) | (table.c.last_sent_at < now - min_gap))
        .values(last_sent_at=now))
    if commit:
        session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def set_closing_digest(session: Session, *, unit: Unit, user: User, enabled: bool) -> DigestSchedule:
    """Switch the unit's period-end digest on or off. A unit without a schedule gets a row with the weekly
    digest off: switching the period-end digest must not start a weekly one."""
    schedule = schedule_of(session, unit_id=unit.id or 0)
    if schedule is None:
        schedule = DigestSchedule(unit_id=unit.id or 0, enabled=False)
    schedule.closing_digest_enabled = enabled
    schedule.updated_by_id = user.id
    session.add(schedule)
    session.commit()
    return schedule


def parse_closing_switch(text: str) -> tuple[bool, bool | None]:
    """Read "cuối kỳ tắt", "tắt cuối kỳ", "cuoi ky bat", "period end off"… as (about the period-end digest,
    on/off). (True, None) means it names the period-end digest without a clear on or off, so the caller
    can explain instead of reading it as a weekly schedule."""
    words = f" {re.sub(r'[^a-z0-9-]+', ' ', fold(text))} "
    if not any(f" {phrase} " in words for phrase in CLOSING_WORDS):
        return False, None
    on = any(f" {word} " in words for word in ON_WORDS)
    off = any(f" {word} " in words for word in OFF_WORDS)
    return True, (on if on != off else None)


def closing_digest_on(schedule: DigestSchedule | None) -> bool:
    """On unless the unit switched it off (a unit that never set a schedule gets it too)."""
    return schedule is None or schedule.closing_digest_enabled


def closing_moment(period: ReportingPeriod, schedule: DigestSchedule | None, *, tz: ZoneInfo) -> datetime:
    """When the period-end digest is due (aware, UTC): the unit's digest time on the day after the due
    date, local time. The due day itself still belongs to the units (a submission on it is on time)."""
    hour, minute = (int(part) for part in (schedule.at_time if schedule else DEFAULT_AT_TIME).split(":"))
    return datetime.combine(period.due + timedelta(days=1), time(hour, minute), tzinfo=tz).astimezone(UTC)


def due_closing_digests(session: Session, *, now: datetime, tz: ZoneInfo,
                        max_age_days: int = CLOSING_MAX_AGE_DAYS) -> list[ReportingPeriod]:
    """Periods whose period-end digest should go out at `now`: not yet sent, due date passed and at most
    `max_age_days` old, the unit's digest time reached, switched on, and someone there to read it (a
    unit without supervisors keeps its digest until one registers, within the age limit)."""
    today = now.astimezone(tz).date()
    candidates = session.exec(select(ReportingPeriod).where(
        col(ReportingPeriod.closing_digest_sent_at).is_(None), col(ReportingPeriod.due) < today,
        col(ReportingPeriod.due) >= today - timedelta(days=max_age_days))
        .order_by(col(ReportingPeriod.due), col(ReportingPeriod.id))).all()
    due: list[ReportingPeriod] = []
    for period in candidates:
        schedule = schedule_of(session, unit_id=period.unit_id)
        if not closing_digest_on(schedule) or closing_moment(period, schedule, tz=tz) > now:
            continue
        unit = session.get(Unit, period.unit_id)
        if unit is not None and recipients(session, unit=unit):
            due.append(period)
    return due


def claim_closing_digest(session: Session, *, period_id: int, now: datetime, commit: bool = True) -> bool:
    """Mark the period's period-end digest as sent, unless someone already did. True = this caller sends it.

    A conditional UPDATE, so of two processes (or a job run and a catch-up run) exactly one gets True.
    `commit=False` leaves the commit to the caller, who enqueues the digest in the same transaction."""
    table = ReportingPeriod.__table__  # type: ignore[attr-defined]
    result = session.execute(table.update().where(table.c.id == period_id, table.c.closing_digest_sent_at.is_(None))
                             .values(closing_digest_sent_at=now))
    if commit:
        session.commit()
    return bool(result.rowcount)  # type: ignore[attr-defined]


def closing_text(names: Localised, schedule: DigestSchedule | None) -> str:
    """The period-end digest's state for the /digest_schedule answer."""
    t = names.t
    if not closing_digest_on(schedule):
        return t("Period-end digest: off (“/digest_schedule cuối kỳ bật” turns it on).")
    return t("Period-end digest: on, at {time} on the day after each reporting period's due date "
             "(“/digest_schedule cuối kỳ tắt” turns it off).").format(
        time=schedule.at_time if schedule else DEFAULT_AT_TIME)


def schedule_text(names: Localised, schedule: DigestSchedule | None) -> str:
    """"Thứ 2 lúc 07:30" or "off", for the /digest_schedule answer."""
    t = names.t
    if schedule is None or not schedule.enabled:
        return t("no scheduled digest")
    days = [t("Monday"), t("Tuesday"), t("Wednesday"), t("Thursday"), t("Friday"), t("Saturday"), t("Sunday")]
    return t("every {weekday} at {time}").format(weekday=days[schedule.weekday - 1], time=schedule.at_time)

