"""/period, /submit, /reopen, /status and /target: the reporting cycle in chat.

Rules live in bot/domain/periods/submissions.py; reminders and the outbox in bot/domain/periods/reminders.py,
bot/domain/outbox/queue.py and bot/outbox_sender.py. The buttons' actions are in bot/presentation/callbacks/
(PeriodPreset, SubmitPeriod — also the reminder's button —, ConfirmSubmit, NotNow).
"""

from __future__ import annotations

import html
import re
from datetime import date
from typing import Any

from telegram import InlineKeyboardMarkup, Update
from telegram.constants import ParseMode

from bot.domain.catalogue.file import CategorySpec
from bot.domain.formatting import format_day, format_local_datetime
from bot.domain.lookup import reporting_period
from bot.domain.parsing.dates import parse_dated
from bot.domain.parsing.matcher import matcher_for
from bot.domain.parsing.numbers import NumberError, parse_quantity
from bot.domain.parsing.review_line import parse_target
from bot.domain.parsing.text import fold
from bot.domain.people.access import AccessDenied
from bot.domain.periods import status_text as reporting_text
from bot.domain.periods import submissions as reporting
from bot.domain.periods.reopening import reopen_and_notify
from bot.domain.permissions import Do, may
from bot.domain.records.action_text import Localised
from bot.domain.records.form_plan import main_measure
from bot.domain.reports.sentences import report_sentences
from bot.domain.units.list_views import status_entries
from bot.domain.units.lists import Order, unit_page
from bot.domain.units.tree import unit_display
from bot.i18n import N_, Translator
from bot.presentation.callbacks import (
    YEARS,
    ConfirmSubmit,
    NotNow,
    PeriodPreset,
    SubmitPeriod,
    button,
    gone,
    read,
)
from bot.presentation.hooks import wake_outbox
from bot.presentation.render import line_html, to_html
from db.models import ReportingPeriod, Unit, User
from db.queries import get_unit, get_unit_by_code
from handlers import unit_list
from handlers.common import answer_in_place
from handlers.context import ChungTayContext
from handlers.duplicates import send_suspects
from handlers.outcomes import set_outcome_target
from handlers.record_questions import send_open_questions

STATUS_LIST = "st"  # the kind of /status's list of units (handlers/unit_list.py)


def _supervisor(context: ChungTayContext) -> User | None:
    user = context.db_user
    return user if may(user, Do.SUPERVISE) else None


def _guarded(context: ChungTayContext) -> User:
    """The supervisor behind a supervisors' command: the gate refused everyone else (handlers/registry.py)."""
    user = _supervisor(context)
    assert user is not None, "the gate lets only supervisors use this command"
    return user


async def _reply(update: Update, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    message = update.effective_message
    if message is not None:
        await message.reply_text(text, reply_markup=markup, parse_mode=ParseMode.HTML)


def _period_line(t: Translator, period: ReportingPeriod) -> str:
    return t("“{name}” ({start} – {end}), due {due}").format(
        name=html.escape(period.name), start=format_day(period.start, t.locale), end=format_day(period.end, t.locale),
        due=format_day(period.due, t.locale))


# ----------------------------------------------------------------------------- /period


def _preset_name(t: Translator, code: str, year: int) -> str:
    if code == "h1":
        return t("6-month report {year}").format(year=year)
    return t("Annual report {year}").format(year=year)


async def define_period(update: Update, context: ChungTayContext) -> None:
    """/period: the unit's periods and preset buttons; /period name; start; end; due[; days] for a custom one."""
    t, user = context.t, _guarded(context)
    text = " ".join(context.args or []).strip()
    now = context.runtime.clock()
    if text:
        await _custom_period(update, context, user, text)
        return
    today = now.astimezone(context.runtime.settings.tz).date()
    buttons = []
    for code, preset in reporting.PRESETS.items():
        year = today.year if today <= preset.dates(today.year)[2] else today.year + 1
        _, _, due = preset.dates(year)
        label = t("{name} (due {due})").format(name=_preset_name(t, code, year), due=format_day(due, t.locale))
        buttons.append([button(label, PeriodPreset(code, year))])
    lines = [t("<b>Reporting periods</b>")]
    lines += ["• " + _period_line(t, p) for p in reporting.periods_of_supervisor(context.session, user=user)[:8]]
    lines.append(t("Tap a preset, or write your own period like this:\n"
                   "/period Quý III/2027; 1/7/2027; 30/9/2027; 10/10/2027\n"
                   "(name; start; end; due date; optionally the reminder days, e.g. “; 5,1,0”)"))
    await _reply(update, "\n".join(lines), InlineKeyboardMarkup(buttons))


async def _custom_period(update: Update, context: ChungTayContext, user: User, text: str) -> None:
    t = context.t
    parts = [p.strip() for p in text.split(";")]
    dates = [parse_dated(p) for p in parts[1:4]]
    days: list[int] | None = None
    if len(parts) == 5:
        try:
            days = [int(d) for d in re.split(r"[,\s]+", parts[4]) if d]
        except ValueError:
            days = []
    if len(parts) not in (4, 5) or not parts[0] or None in dates or days == []:
        await _reply(update, t("I could not read that. Write: /period name; start; end; due date, e.g. "
                               "/period Quý III/2027; 1/7/2027; 30/9/2027; 10/10/2027"))
        return
    start, end, due = (d for d in dates if d is not None)
    if any(not YEARS[0] <= d.year <= YEARS[1] for d in (start, end, due)):
        await _reply(update, t("The years must be between {first} and {last}.").format(first=YEARS[0], last=YEARS[1]))
        return
    await _create(update, context, user, name=parts[0], kind="custom", start=start, end=end, due=due, days=days)


async def _create(update: Update, context: ChungTayContext, user: User, *, name: str, kind: str, start: date,
                  end: date, due: date, days: list[int] | None) -> None:
    t = context.t
    try:
        period, created = reporting.create_period(context.session, user=user, name=name, kind=kind, start=start,
                                                  end=end, due=due, remind_days=days, now=context.runtime.clock())
    except reporting.ReportingError as error:
        texts = {"dates": t("The dates do not fit: the start must come before the end and the due date."),
                 "remind_days": t("Reminder days must be between 0 and 60 days before the due date."),
                 "no_units": t("There is no unit under yours that could report.")}
        await _reply(update, texts.get(error.code, t("I could not read that.")))
        return
    count = len(reporting.expected_unit_ids(context.session, period_id=period.id or 0))
    head = t("✅ Period created: {period}.") if created else t("This period already exists: {period}.")
    days_text = ", ".join(str(d) for d in period.remind_days)
    await _reply(update, head.format(period=_period_line(t, period)) + "\n" + t(
        "{count} unit(s) must report. Reminders: {days} day(s) before the due date, never between 21:00 and "
        "6:30.").format(count=count, days=days_text))


async def on_preset(update: Update, context: ChungTayContext) -> None:
    pressed = read(update, PeriodPreset)
    user, preset = _supervisor(context), reporting.PRESETS.get(pressed.code)
    if user is None or preset is None:
        await gone(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    start, end, due = preset.dates(pressed.year)
    await _create(update, context, user, name=_preset_name(context.t, pressed.code, pressed.year), kind=preset.kind,
                  start=start, end=end, due=due, days=None)


# ----------------------------------------------------------------------------- /submit


def _figures_text(context: ChungTayContext, figures: dict[str, Any]) -> str:
    names = Localised(context.runtime.catalogue, context.t)
    sentences = report_sentences(names, reporting.thaw(figures))
    return "\n".join(f"• {html.escape(s)}" for s in sentences) or context.t("(no figures recorded in this period)")


async def submit(update: Update, context: ChungTayContext) -> None:
    """/submit: pick the open period (or go straight to it when there is one), then preview and confirm."""
    t, user = context.t, context.db_user
    if user is None:
        return
    periods = reporting.open_periods_for_unit(context.session, unit_id=user.unit_id)
    if not periods:
        await _reply(update, t("Your unit has no report to submit now."))
        return
    if len(periods) == 1:
        await _preview(update, context, periods[0])
        return
    buttons = [[button(p.name, SubmitPeriod(p.id or 0))] for p in periods[:8]]
    await _reply(update, t("Which report do you want to submit?"), InlineKeyboardMarkup(buttons))


async def _preview(update: Update, context: ChungTayContext, period: ReportingPeriod) -> None:
    t, user = context.t, context.db_user
    assert user is not None
    unit = get_unit(context.session, unit_id=user.unit_id)
    assert unit is not None
    if unit.id not in reporting.expected_unit_ids(context.session, period_id=period.id or 0):
        await _reply(update, t("Your unit does not report for this period."))
        return
    last = reporting.latest_submission(context.session, period_id=period.id or 0, unit_id=unit.id)
    if last is not None and last.status == reporting.SUBMITTED:
        await _reply(update, _locked_text(context, last.submitted_at))
        return
    figures = reporting.freeze(reporting.period_totals(context.session, period=period, unit=unit))
    text = t("<b>Submit the figures</b> of {unit} for {period}:").format(
        unit=html.escape(unit_display(t, unit)), period=_period_line(t, period))
    text += "\n" + _figures_text(context, figures)
    if last is not None and last.reopen_reason:
        text += "\n" + t("Reopened by the supervisor: {reason}").format(reason=html.escape(last.reopen_reason))
    text += "\n" + t("Once submitted, the figures are final unless your supervisor reopens them.")
    markup = InlineKeyboardMarkup([[button(t("✅ Submit"), ConfirmSubmit(period.id or 0)),
                                    button(t("❌ Not now"), NotNow())]])
    await _reply(update, text, markup)


def _locked_text(context: ChungTayContext, at: object) -> str:
    moment = format_local_datetime(at, context.runtime.settings.tz, context.t.locale)  # type: ignore[arg-type]
    return context.t("Your unit already submitted this report ({at}). To change it, ask your supervisor to "
                     "reopen it.").format(at=moment)


async def on_submit_button(update: Update, context: ChungTayContext) -> None:
    period = reporting_period(context.session, period_id=read(update, SubmitPeriod).period_id)
    if period is None or context.db_user is None:
        await gone(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    await _preview(update, context, period)


async def on_confirm(update: Update, context: ChungTayContext) -> None:
    user = context.db_user
    period = reporting_period(context.session, period_id=read(update, ConfirmSubmit).period_id)
    if period is None or user is None:
        await gone(update, context)
        return
    await update.callback_query.answer()  # type: ignore[union-attr]
    t = context.t
    try:
        submission = reporting.submit(context.session, user=user, period=period, now=context.runtime.clock(),
                                      tz=context.runtime.settings.tz)
    except reporting.ReportingError as error:
        if error.code == "locked":
            last = reporting.latest_submission(context.session, period_id=period.id or 0, unit_id=user.unit_id)
            await _reply(update, _locked_text(context, last.submitted_at if last else context.runtime.clock()))
        else:
            await _reply(update, t("Your unit does not report for this period."))
        return
    moment = format_local_datetime(submission.submitted_at, context.runtime.settings.tz, t.locale)
    text = t("✅ Submitted: {period}, at {at}.").format(period=html.escape(period.name), at=moment)
    if submission.late:
        text += " " + t("The due date was {due}, so it is marked late.").format(due=format_day(period.due, t.locale))
    await _reply(update, text)


async def on_not_now(update: Update, context: ChungTayContext) -> None:
    await update.callback_query.answer()  # type: ignore[union-attr]
    await _reply(update, context.t("Not submitted. Use /submit when the figures are ready."))


# ----------------------------------------------------------------------------- /reopen


def _find_unit(context: ChungTayContext, units: list[Unit], text: str) -> tuple[Unit | None, str]:
    """The unit named at the start of `text` (by code or name, with or without diacritics) and the rest."""
    words = text.split()
    if words:
        by_code = get_unit_by_code(context.session, code=words[0])
        if by_code is not None:
            return by_code, " ".join(words[1:])
    folded = fold(text)
    for unit in sorted(units, key=lambda u: -len(u.name)):
        name = fold(unit.name)
        if folded.startswith(name):
            return unit, " ".join(words[len(unit.name.split()):])
    return None, text


async def reopen(update: Update, context: ChungTayContext) -> None:
    """/reopen <unit> <reason>: reopen a unit's submission of your newest period in which it submitted."""
    t, user = context.t, _guarded(context)
    session = context.session
    periods = list(reporting.periods_of_supervisor(session, user=user))
    submitted = [(p, s.unit) for p in periods for s in reporting.period_status(session, period=p).units
                 if s.submission is not None]
    unit, reason = _find_unit(context, [u for _, u in submitted], " ".join(context.args or []))
    match = next(((p, u) for p, u in submitted if unit is not None and u.id == unit.id), None)
    if match is None or not reason.strip():
        listing = "\n".join(f"• {html.escape(p.name)}: {html.escape(unit_display(t, u))} ({u.code})"
                            for p, u in submitted[:15])
        await _reply(update, t("Write the unit and the reason, e.g. /reopen {code} thiếu số liệu nhà ở.").format(
            code=submitted[0][1].code if submitted else "GL-KP-IARSAI") + ("\n" + listing if listing else ""))
        return
    period, unit = match
    try:
        reopen_and_notify(session, user=user, period=period, unit=unit, reason=reason, now=context.runtime.clock())
    except (reporting.ReportingError, AccessDenied):
        await _reply(update, t("This submission cannot be reopened."))
        return
    wake_outbox(context.application)
    await _reply(update, t("🔓 Reopened: {period}, {unit}. Its officers were told.").format(
        period=html.escape(period.name), unit=html.escape(unit_display(t, unit))))


# ----------------------------------------------------------------------------- /status and /target


def status_text(context: ChungTayContext, period: ReportingPeriod) -> str:
    """One period's reporting status (see bot/domain/periods/status_text.py)."""
    names = Localised(context.runtime.catalogue, context.t)
    return to_html(reporting_text.status_text(context.session, names, period))


def _status_message(context: ChungTayContext, periods: list[ReportingPeriod],
                    ) -> tuple[str, InlineKeyboardMarkup | None]:
    """The newest periods' status; the newest one lists its units, ranked (not submitted, late, on time),
    ten a page, searchable (handlers/unit_list.py)."""
    names = Localised(context.runtime.catalogue, context.t)
    listed = unit_list.state(context, STATUS_LIST)
    newest = periods[0]
    page = unit_page(context.t, status_entries(context.session, period=newest), order=Order.STATUS,
                     page=unit_list.page_number(listed), query=unit_list.query_of(listed))
    listed["page"] = page.page
    texts = [to_html(reporting_text.status_text(context.session, names, newest, units=page))]
    texts += [status_text(context, p) for p in periods[1:]]
    rows = unit_list.page_rows(context, page, STATUS_LIST)
    return "\n\n".join(texts), InlineKeyboardMarkup(rows) if rows else None


async def _show_status_list(update: Update, context: ChungTayContext, fresh: bool) -> None:
    user = _supervisor(context)
    periods = list(reporting.periods_of_supervisor(context.session, user=user)[:3]) if user else []
    if not periods:
        await answer_in_place(update, context, context.t("No reporting period yet. Create one with /period."))
        return
    text, markup = _status_message(context, periods)
    await answer_in_place(update, context, text, markup, fresh=fresh)


unit_list.register(STATUS_LIST, roles=unit_list.MANAGERS, show=_show_status_list,
                   refusal=N_("Reporting status is for supervising units. Use /submit to submit your figures."))


async def show_status(update: Update, context: ChungTayContext) -> None:
    """/status: for supervisors, the newest periods of their unit."""
    t, user = context.t, _guarded(context)
    periods = list(reporting.periods_of_supervisor(context.session, user=user)[:3])
    if periods:
        unit_list.reset(context, STATUS_LIST)
        await _reply(update, *_status_message(context, periods))
    else:
        await _reply(update, t("No reporting period yet. Create one with /period."))
    await send_suspects(update, context, quiet_when_none=True)  # double counts to resolve belong to the status too
    await send_open_questions(update, context)  # and the records sent back with a question


def _match_category(context: ChungTayContext, text: str) -> tuple[CategorySpec | None, str]:
    """The category named at the start of `text` (the one catalogue matcher) and the rest."""
    matcher = matcher_for(context.runtime.catalogue)
    code, rest = matcher.leading(text, matcher.categories)
    return context.runtime.catalogue.category_by_code(code or ""), rest


async def set_target(update: Update, context: ChungTayContext) -> None:
    """/target <unit> <category> <number>: a target for the newest period of your unit, in the category's
    main measure (e.g. /target GL-KP-IARSAI nhà ở 10); or the poverty outcome's target for a year
    (/target GL-KP 2026 giảm 3%, /target GL-KP 2026 giảm 564 hộ)."""
    t, user = context.t, _guarded(context)
    poverty = parse_target(" ".join(context.args or []))
    if poverty is not None:  # "giảm 3%", "giảm 564 hộ": the poverty outcome's target (handlers/outcomes.py)
        await set_outcome_target(update, context, poverty)
        return
    periods = reporting.periods_of_supervisor(context.session, user=user)
    if not periods:
        await _reply(update, t("No reporting period yet. Create one with /period."))
        return
    period = periods[0]
    expected = [u for u in (get_unit(context.session, unit_id=i)
                            for i in reporting.expected_unit_ids(context.session, period_id=period.id or 0)) if u]
    unit, rest = _find_unit(context, expected, " ".join(context.args or []))
    spec, number = _match_category(context, rest)
    try:
        value = parse_quantity(number)[0] if number else None
    except NumberError:
        value = None
    if unit is None or spec is None or value is None:
        lines = [t("Write the unit, the category and the target, e.g. /target GL-KP-IARSAI nhà ở 10")]
        lines += map(line_html, reporting_text.target_lines(context.session, Localised(context.runtime.catalogue, t),
                                                            period))
        await _reply(update, "\n".join(lines))
        return
    measure = main_measure(spec).code
    try:
        reporting.set_target(context.session, user=user, period=period, unit=unit, category_code=spec.code,
                             measure=measure, target=value, now=context.runtime.clock())
    except (AccessDenied, reporting.ReportingError):
        await _reply(update, t("You cannot set that target."))
        return
    await _reply(update, t("🎯 Target set for {period}.").format(period=html.escape(period.name)) + "\n"
                 + "\n".join(map(line_html, reporting_text.target_lines(
                     context.session, Localised(context.runtime.catalogue, t), period, unit_ids=[unit.id or 0]))))

