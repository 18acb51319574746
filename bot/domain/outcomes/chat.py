"""The poverty review in chat besides /review's card, as screens: what a review sheet imported (or, by
line, why nothing was), and the answer to a question about the outcome ("tỷ lệ hộ nghèo?", "bao nhiêu hộ
thoát nghèo năm nay?").

Why here: which unit and year a question means and what an import says are rules of the outcome; the
handler (handlers/outcome_chat.py) only receives the file or the line and renders what these return.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlmodel import Session

from bot.domain.households.imports import ListTooLarge, UnreadableFile
from bot.domain.outcomes.review_import import MAX_ROWS, ReviewSheetError, import_sheet
from bot.domain.outcomes.support import outcome_section
from bot.domain.parsing.review_line import asked_year
from bot.domain.records.action_text import Localised
from bot.domain.reports.sentences import visible_units
from bot.domain.screen import Screen
from bot.domain.spans import Text, text
from bot.domain.totals.questions import parse_question
from bot.domain.units.tree import unit_display
from bot.i18n import Translator
from db.models import User
from db.queries import get_unit, get_user_by_telegram_id

MAX_PROBLEMS = 20


def sheet_import_screen(session: Session, t: Translator, *, telegram_id: int, content: bytes, filename: str,
                        year: int, now: datetime) -> Screen:
    """A review sheet read, checked and stored for the person who sent it (looked up again: this runs in a
    worker thread with its own session, and they may have left meanwhile)."""
    user = get_user_by_telegram_id(session, telegram_id=telegram_id)
    if user is None or not user.active:
        return Screen(text(t("Cancelled.")))
    try:
        result = import_sheet(session, user=user, content=content, filename=filename, default_year=year, t=t,
                              now=now)
    except ListTooLarge:
        return Screen(text(t("This sheet is too large: a review sheet has at most {rows} rows.").format(rows=MAX_ROWS)))
    except UnreadableFile:
        return Screen(text(t("Sorry, this file cannot be read as an Excel (.xlsx) or CSV table. Please save it again "
                             "as .xlsx or .csv and send it.")))
    except ReviewSheetError as error:
        body = text(t("Nothing was imported; please fix these rows and send the sheet again:"))
        for problem in error.problems[:MAX_PROBLEMS]:
            body.add(problem)
        more = len(error.problems) - MAX_PROBLEMS
        if more > 0:
            body.add(f"… (+{more})")
        return Screen(body)
    return Screen(text(t("Review figures imported: {created} new, {corrected} corrected, {unchanged} unchanged.")
                       .format(created=result.created, corrected=result.corrected, unchanged=result.unchanged)))


def outcome_answer_screen(session: Session, names: Localised, *, viewer: User, typed: str, today: date) -> Screen:
    """The outcome of the unit the question names (or the viewer's own), for the year it asks about (the
    newest year with figures before it, said so, when that one has none)."""
    t = names.t
    units = visible_units(session, user=viewer)
    question = parse_question(typed, catalogue=names.catalogue, units=units, today=today)
    unit = question.units[0] if len(question.units) == 1 else get_unit(session, unit_id=viewer.unit_id)
    if unit is None:
        return Screen(text(t("Cancelled.")))
    year = asked_year(typed, this_year=today.year)
    section = outcome_section(session, names, unit=unit, up_to=year)
    if section is None:
        return Screen(text(t("There are no review figures for {unit} yet. Communes enter them with /review.").format(
            unit=unit_display(t, unit))))
    found, lines = section
    body = Text()
    if found != year:
        body.add(t("No review figures for {year} yet; the newest are of {found}.").format(year=year, found=found))
    body.add(t("Poverty reduction results {year}, {unit}:").format(year=found, unit=unit_display(t, unit)))
    for item in lines:
        body.add(item)
    return Screen(body)
