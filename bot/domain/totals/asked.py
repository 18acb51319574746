"""What a typed question about totals (or /export, /report with words) asks to look at, as a `TotalsView`.

Why here: which unit, period, organisation and kind a question means, what it leaves to be asked with
buttons ("cat", "unit", "period", one at a time: bot/domain/totals/choosers.py `question_screen`), and
that a period keeps its kind ("q0" rather than a fixed range) are rules of the totals; the handler
(handlers/totals.py) stores the view and shows it or asks what is missing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from bot.domain.catalogue.file import CatalogueFile
from bot.domain.periods.calendar import STANDARD_CODES, Period, period_from_code
from bot.domain.permissions import Do, may
from bot.domain.reports.sentences import visible_units
from bot.domain.totals.choosers import MAX_UNIT_BUTTONS
from bot.domain.totals.questions import parse_question
from bot.domain.totals.view import TotalsView
from db.models import User

RELATIVE_CODES = (*STANDARD_CODES, "h0", "h-1", "m-2", "q-2", "q-3", "y-2")


def relative_code(period: Period, *, today: date) -> str | None:
    """Prefer "q0" over a fixed range, so the buttons and labels keep the period's kind."""
    for code in RELATIVE_CODES:
        if period_from_code(code, today=today) == period:
            return code
    return None


@dataclass
class AskedView:
    """The view a question asks for; `own_unit_only` when it named a unit and the asker sees only theirs."""

    view: TotalsView
    own_unit_only: bool = False


def question_view(session: Session, catalogue: CatalogueFile, *, viewer: User, typed: str,
                  today: date) -> AskedView:
    """The view of a question; what it leaves ambiguous (several kinds or units, no period) is in
    `view.ask`, with the choices it left open."""
    question = parse_question(typed, catalogue=catalogue, units=visible_units(session, user=viewer), today=today)
    view = TotalsView(period=question.period.code if question.period else "m0", org=question.organisation,
                      metric=question.metric)
    if question.period is not None and question.period.kind != "range":
        view.period = relative_code(question.period, today=today) or question.period.code
    if len(question.categories) == 1:
        view.cat = question.categories[0]
    elif len(question.categories) > 1:
        view.ask.append("cat")
        view.choices_cat = list(question.categories)
    refused = False
    if len(question.units) == 1:
        view.unit = question.units[0].id
    elif len(question.units) > 1:
        view.ask.append("unit")
        view.choices_unit = [u.id or 0 for u in question.units][:MAX_UNIT_BUTTONS]
    elif question.unit_named and not may(viewer, Do.SUPERVISE):
        refused = True
    if question.period is None:
        view.ask.append("period")
    return AskedView(view, refused)


def file_view(session: Session, catalogue: CatalogueFile, *, viewer: User, typed: str, today: date) -> TotalsView:
    """/export or /report with words: the view they name (own unit and this month by default; nothing is
    asked: what is ambiguous keeps its default)."""
    view = TotalsView()
    if not typed:
        return view
    question = parse_question(typed, catalogue=catalogue, units=visible_units(session, user=viewer), today=today)
    if question.period is not None:
        view.period = relative_code(question.period, today=today) or question.period.code
    if len(question.units) == 1:
        view.unit = question.units[0].id
    if len(question.categories) == 1:
        view.cat = question.categories[0]
    view.org = question.organisation
    return view
