"""The reporting cycle's screens for a unit's officers and its supervisor: /period (the periods and the
presets, or a typed period), /submit (which report, the preview, the answer to ✅) and /reopen.

Why here: which periods a supervisor sees, whether a unit may still submit, what the preview shows and
how a refusal is worded are rules of the reporting cycle (bot/domain/periods/submissions.py); the
handlers (handlers/reporting.py) only read the update and render what these return. /status and
/target are in bot/domain/periods/status_screen.py.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.domain.formatting import format_day, format_local_datetime
from bot.domain.lookup import reporting_period
from bot.domain.parsing.dates import parse_dated
from bot.domain.parsing.text import fold
from bot.domain.people.access import AccessDenied
from bot.domain.periods import submissions as reporting
from bot.domain.periods.calendar import YEARS
from bot.domain.periods.reopening import reopen_and_notify
from bot.domain.records.action_text import Localised
from bot.domain.reports.sentences import report_sentences
from bot.domain.screen import Screen, button
from bot.domain.spans import Text, bold, text
from bot.domain.units.tree import unit_display
from bot.i18n import Translator
from db.models import ReportingPeriod, Unit, User
from db.queries import get_unit, get_unit_by_code

MAX_LISTED = 8


def period_line(t: Translator, period: ReportingPeriod) -> str:
    """"“6-month report 2027” (1/1/2027 – 30/6/2027), due 15/6/2027"."""
    return t("“{name}” ({start} – {end}), due {due}").format(
        name=period.name, start=format_day(period.start, t.locale), end=format_day(period.end, t.locale),
        due=format_day(period.due, t.locale))


# ----------------------------------------------------------------------------- /period


def preset_name(t: Translator, code: str, year: int) -> str:
    if code == "h1":
        return t("6-month report {year}").format(year=year)
    return t("Annual report {year}").format(year=year)


def periods_screen(session: Session, t: Translator, *, viewer: User, today: date) -> Screen:
    """/period: the newest periods the viewer's unit set, a button a preset (the next one still to come),
    and how to write a period of one's own."""
    body = Text().add(bold(t("Reporting periods")))
    for period in reporting.periods_of_supervisor(session, user=viewer)[:MAX_LISTED]:
        body.add("• " + period_line(t, period))
    body.add(t("Tap a preset, or write your own period like this:\n"
               "/period Quý III/2027; 1/7/2027; 30/9/2027; 10/10/2027\n"
               "(name; start; end; due date; optionally the reminder days, e.g. “; 5,1,0”)"))
    rows = []
    for code, preset in reporting.PRESETS.items():
        year = today.year if today <= preset.dates(today.year)[2] else today.year + 1
        _, _, due = preset.dates(year)
        label = t("{name} (due {due})").format(name=preset_name(t, code, year), due=format_day(due, t.locale))
        rows.append([button(label, "period.preset", code, year)])
    return Screen(body, rows)


def typed_period_screen(session: Session, t: Translator, *, viewer: User, typed: str, now: datetime) -> Screen:
    """/period name; start; end; due[; days]: the period created, or what is wrong with the line."""
    parts = [p.strip() for p in typed.split(";")]
    dates = [parse_dated(p) for p in parts[1:4]]
    days: list[int] | None = None
    if len(parts) == 5:
        try:
            days = [int(d) for d in re.split(r"[,\s]+", parts[4]) if d]
        except ValueError:
            days = []
    if len(parts) not in (4, 5) or not parts[0] or None in dates or days == []:
        return Screen(text(t("I could not read that. Write: /period name; start; end; due date, e.g. "
                             "/period Quý III/2027; 1/7/2027; 30/9/2027; 10/10/2027")))
    start, end, due = (d for d in dates if d is not None)
    if any(not YEARS[0] <= d.year <= YEARS[1] for d in (start, end, due)):
        return Screen(text(t("The years must be between {first} and {last}.").format(first=YEARS[0], last=YEARS[1])))
    return _created(session, t, viewer=viewer, name=parts[0], kind="custom", start=start, end=end, due=due,
                    days=days, now=now)


def preset_period_screen(session: Session, t: Translator, *, viewer: User, code: str, year: int,
                         now: datetime) -> Screen | None:
    """A preset pressed: the period created (or found); None for a preset that no longer exists."""
    preset = reporting.PRESETS.get(code)
    if preset is None:
        return None
    start, end, due = preset.dates(year)
    return _created(session, t, viewer=viewer, name=preset_name(t, code, year), kind=preset.kind, start=start,
                    end=end, due=due, days=None, now=now)


def _created(session: Session, t: Translator, *, viewer: User, name: str, kind: str, start: date, end: date,
             due: date, days: list[int] | None, now: datetime) -> Screen:
    try:
        period, created = reporting.create_period(session, user=viewer, name=name, kind=kind, start=start, end=end,
                                                  due=due, remind_days=days, now=now)
    except reporting.ReportingError as error:
        texts = {"dates": t("The dates do not fit: the start must come before the end and the due date."),
                 "remind_days": t("Reminder days must be between 0 and 60 days before the due date."),
                 "no_units": t("There is no unit under yours that could report.")}
        return Screen(text(texts.get(error.code, t("I could not read that."))))
    count = len(reporting.expected_unit_ids(session, period_id=period.id or 0))
    head = t("✅ Period created: {period}.") if created else t("This period already exists: {period}.")
    days_text = ", ".join(str(d) for d in period.remind_days)
    return Screen(Text().add(head.format(period=period_line(t, period))).add(t(
        "{count} unit(s) must report. Reminders: {days} day(s) before the due date, never between 21:00 and "
        "6:30.").format(count=count, days=days_text)))


# ----------------------------------------------------------------------------- /submit


def submit_screen(session: Session, names: Localised, *, viewer: User, tz: ZoneInfo) -> Screen:
    """/submit: the preview of the one open report, or a button an open report to choose from."""
    t = names.t
    periods = reporting.open_periods_for_unit(session, unit_id=viewer.unit_id)
    if not periods:
        return Screen(text(t("Your unit has no report to submit now.")))
    if len(periods) == 1:
        return preview_screen(session, names, viewer=viewer, period=periods[0], tz=tz)
    return Screen(text(t("Which report do you want to submit?")),
                  [[button(p.name, "submit", p.id or 0)] for p in periods[:MAX_LISTED]])


def _locked(t: Translator, at: datetime, tz: ZoneInfo) -> Screen:
    return Screen(text(t("Your unit already submitted this report ({at}). To change it, ask your supervisor to "
                         "reopen it.").format(at=format_local_datetime(at, tz, t.locale))))


def preview_screen(session: Session, names: Localised, *, viewer: User, period: ReportingPeriod,
                   tz: ZoneInfo) -> Screen:
    """The unit's figures for the period with ✅ Submit and ❌ Not now; or why it cannot submit."""
    t = names.t
    unit = get_unit(session, unit_id=viewer.unit_id)
    if unit is None or unit.id not in reporting.expected_unit_ids(session, period_id=period.id or 0):
        return Screen(text(t("Your unit does not report for this period.")))
    last = reporting.latest_submission(session, period_id=period.id or 0, unit_id=unit.id)
    if last is not None and last.status == reporting.SUBMITTED:
        return _locked(t, last.submitted_at, tz)
    figures = reporting.freeze(reporting.period_totals(session, period=period, unit=unit))
    body = Text().add(bold(t("Submit the figures")), " " + t("of {unit} for {period}:").format(
        unit=unit_display(t, unit), period=period_line(t, period)))
    sentences = report_sentences(names, reporting.thaw(figures))
    for sentence in sentences:
        body.add(f"• {sentence}")
    if not sentences:
        body.add(t("(no figures recorded in this period)"))
    if last is not None and last.reopen_reason:
        body.add(t("Reopened by the supervisor: {reason}").format(reason=last.reopen_reason))
    body.add(t("Once submitted, the figures are final unless your supervisor reopens them."))
    return Screen(body, [[button(t("✅ Submit"), "submit.confirm", period.id or 0),
                          button(t("❌ Not now"), "submit.not_now")]])


def submitted_screen(session: Session, t: Translator, *, viewer: User, period: ReportingPeriod, now: datetime,
                     tz: ZoneInfo) -> Screen:
    """✅ Submit pressed: the figures submitted (marked late after the due date), or why not."""
    try:
        submission = reporting.submit(session, user=viewer, period=period, now=now, tz=tz)
    except reporting.ReportingError as error:
        if error.code == "locked":
            last = reporting.latest_submission(session, period_id=period.id or 0, unit_id=viewer.unit_id)
            return _locked(t, last.submitted_at if last else now, tz)
        return Screen(text(t("Your unit does not report for this period.")))
    moment = format_local_datetime(submission.submitted_at, tz, t.locale)
    said = t("✅ Submitted: {period}, at {at}.").format(period=period.name, at=moment)
    if submission.late:
        said += " " + t("The due date was {due}, so it is marked late.").format(due=format_day(period.due, t.locale))
    return Screen(text(said))


def pressed_preview_screen(session: Session, names: Localised, *, viewer: User, period_id: int,
                           tz: ZoneInfo) -> Screen | None:
    """A period's Submit button pressed: its preview; None when the period is gone (a stale button)."""
    period = reporting_period(session, period_id=period_id)
    return preview_screen(session, names, viewer=viewer, period=period, tz=tz) if period is not None else None


def pressed_submit_screen(session: Session, t: Translator, *, viewer: User, period_id: int, now: datetime,
                          tz: ZoneInfo) -> Screen | None:
    """✅ Submit pressed under a preview; None when the period is gone (a stale button)."""
    period = reporting_period(session, period_id=period_id)
    return (submitted_screen(session, t, viewer=viewer, period=period, now=now, tz=tz)
            if period is not None else None)


def not_now_screen(t: Translator) -> Screen:
    return Screen(text(t("Not submitted. Use /submit when the figures are ready.")))


# ----------------------------------------------------------------------------- /reopen


def find_unit(session: Session, units: list[Unit], typed: str) -> tuple[Unit | None, str]:
    """The unit named at the start of `typed` (by code or name, with or without diacritics) and the rest."""
    words = typed.split()
    if words:
        by_code = get_unit_by_code(session, code=words[0])
        if by_code is not None:
            return by_code, " ".join(words[1:])
    folded = fold(typed)
    for unit in sorted(units, key=lambda u: -len(u.name)):
        if folded.startswith(fold(unit.name)):
            return unit, " ".join(words[len(unit.name.split()):])
    return None, typed


def reopen_screen(session: Session, t: Translator, *, viewer: User, typed: str, now: datetime) -> Screen:
    """/reopen <unit> <reason>: reopen the unit's submission of the viewer's newest period in which it
    submitted, its officers told; or how to write it, with the submissions that could be reopened."""
    periods = list(reporting.periods_of_supervisor(session, user=viewer))
    submitted = [(p, s.unit) for p in periods for s in reporting.period_status(session, period=p).units
                 if s.submission is not None]
    unit, reason = find_unit(session, [u for _, u in submitted], typed)
    match = next(((p, u) for p, u in submitted if unit is not None and u.id == unit.id), None)
    if match is None or not reason.strip():
        body = text(t("Write the unit and the reason, e.g. /reopen {code} thiếu số liệu nhà ở.").format(
            code=submitted[0][1].code if submitted else "GL-KP-IARSAI"))
        for period, listed in submitted[:15]:
            body.add(f"• {period.name}: {unit_display(t, listed)} ({listed.code})")
        return Screen(body)
    period, unit = match
    try:
        reopen_and_notify(session, user=viewer, period=period, unit=unit, reason=reason, now=now)
    except (reporting.ReportingError, AccessDenied):
        return Screen(text(t("This submission cannot be reopened.")))
    return Screen(text(t("🔓 Reopened: {period}, {unit}. Its officers were told.").format(
        period=period.name, unit=unit_display(t, unit))))
