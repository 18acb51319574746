"""The poverty review's screens in chat: the guided form's questions, the card that says what the figures
are and whether they add up (✅ Save only when they do), the answer to ✅, and /target in the outcome's
terms ("giảm 3%", "giảm 564 hộ").

Why here: who may enter figures for which unit, what the card shows and what a saved review answers are
rules of the outcome (bot/domain/outcomes/figures.py, totals.py, text.py); the handlers
(handlers/outcomes.py) keep the form's place in user_data and render what these return.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from bot.domain.formatting import format_number
from bot.domain.outcomes import figures as outcomes
from bot.domain.outcomes.review_card import review_card
from bot.domain.outcomes.text import FIGURE_LABELS, outcome_lines, problem_text
from bot.domain.outcomes.totals import outcome
from bot.domain.parsing.errors import NumberError
from bot.domain.parsing.numbers import parse_count, to_decimal
from bot.domain.parsing.review_line import ReviewLine, TargetWords
from bot.domain.parsing.text import fold
from bot.domain.permissions import Do, may
from bot.domain.screen import Button, Screen, button
from bot.domain.spans import Text, text
from bot.domain.units.tree import unit_display
from bot.i18n import Translator
from db.models import Unit, User
from db.queries import get_unit, get_unit_by_code, list_subtree_units

FORM_STEPS = ("total_households", "poor", "near_poor", "escaped", "fell_back", "new_poor", "escaped_near")
"""What the form asks, in order; the first three are required, the others may be skipped."""
REQUIRED_STEPS = 3


def _lines(lines: list[str], rows: list[list[Button]] | None = None) -> Screen:
    body = Text()
    for item in lines:
        body.add(item)
    return Screen(body, rows or [])


def _refusal(t: Translator) -> Screen:
    return Screen(text(t("You cannot enter review figures for that unit: only for your unit or a commune under "
                         "it.")))


def review_unit(session: Session, t: Translator, *, viewer: User, code: str | None) -> Unit | Screen:
    """The unit named by code (within the viewer's tree), or the viewer's own; or a screen saying why the
    figures cannot be entered for it (not theirs, or a unit above the communes that report them)."""
    unit = get_unit_by_code(session, code=code) if code else get_unit(session, unit_id=viewer.unit_id)
    if unit is None or not may(viewer, Do.WORK_IN_UNIT, unit, session=session):
        return _refusal(t)
    if not outcomes.is_reporting_unit(session, unit=unit):
        reporting = outcomes.reporting_units(session, root=unit)
        return Screen(text(t("The review figures are entered per commune; the totals above are summed from them. "
                             "Name the commune, e.g. /review {code}, or send a sheet with one row per commune "
                             "(caption “rà soát”).").format(code=reporting[0].code if reporting else unit.code)))
    return unit


@dataclass
class FormStart:
    """The form's first screen (or why it cannot start), and what the form is about when it starts."""

    screen: Screen
    unit_id: int | None = None
    year: int = 0


def form_start(session: Session, t: Translator, *, viewer: User, line: ReviewLine, today: date) -> FormStart:
    """/review without figures: which unit and year the form is for, and the line that says how it goes."""
    unit = review_unit(session, t, viewer=viewer, code=line.unit_code)
    if isinstance(unit, Screen):
        return FormStart(unit)
    year = line.year or outcomes.default_year(today.year, today.month)
    return FormStart(Screen(text(t(
        "Poverty review {year}, {unit}: I will ask {count} figures, one at a time (the last four may be skipped). "
        "Another year: /review 2025. All at once: /review 2026: 1.240 hộ, nghèo 96, cận nghèo 131, thoát nghèo 23, "
        "phát sinh 4").format(year=year, unit=unit_display(t, unit), count=len(FORM_STEPS)))), unit.id, year)


def form_question_screen(t: Translator, step: int) -> Screen:
    """"2/7: how many poor households?", with ⏭ Skip once the required figures are in, and ❌ Cancel."""
    question = t("{step}/{count}: how many {figure}?").format(step=step + 1, count=len(FORM_STEPS),
                                                              figure=t(FIGURE_LABELS[FORM_STEPS[step]]))
    cancel = button("❌ " + t("Cancel"), "review.cancel")
    return Screen(text(question), [[button("⏭ " + t("Skip"), "review.skip"), cancel] if step >= REQUIRED_STEPS
                                   else [cancel]])


def not_a_count_screen(t: Translator, step: int) -> Screen:
    return Screen(text(t("Please write a whole number, e.g. 96 or 1.240{skip}.").format(
        skip=t(", or “-” to skip") if step >= REQUIRED_STEPS else "")))


@dataclass
class Card:
    """The card of typed figures, and what waits for ✅ Save (None when they cannot be saved)."""

    screen: Screen
    draft: dict[str, Any] | None = field(default=None)


def card(session: Session, t: Translator, *, viewer: User, line: ReviewLine, today: date, source: str,
         unit_id: int | None = None) -> Card:
    """The figures of a typed line, a sheet's row or the ended form (`unit_id`: the form's unit) on one
    card; ✅ Save and ❌ Cancel only when they add up."""
    if line.problems:
        shown = "; ".join(f"“{typed}”" for _, typed in line.problems[:5])
        return Card(Screen(text(t("I could not read {parts}. Write each figure with its name, e.g. rà soát 2026: "
                                  "1.240 hộ, nghèo 96, cận nghèo 131, thoát nghèo 23, tái nghèo 0, phát sinh 4, "
                                  "thoát cận nghèo 10").format(parts=shown))))
    named = get_unit(session, unit_id=unit_id) if unit_id is not None else None
    unit = review_unit(session, t, viewer=viewer, code=named.code if named else line.unit_code)
    if isinstance(unit, Screen):
        return Card(unit)
    year = line.year or outcomes.default_year(today.year, today.month)
    shown_card = review_card(session, t, unit=unit, year=year, stage=line.stage, figures=line.figures)
    if not shown_card.can_save:
        return Card(_lines(shown_card.lines))
    draft = {"unit": unit.id, "year": year, "stage": line.stage, "figures": line.figures, "source": source}
    return Card(_lines(shown_card.lines, [[button("✅ " + t("Save"), "review.save"),
                                           button("❌ " + t("Cancel"), "review.cancel")]]), draft)


def saved_screen(session: Session, t: Translator, *, viewer: User, draft: dict[str, Any], now: datetime,
                 ) -> Screen | None:
    """✅ Save: the figures stored and the unit's outcome; or why not. None when the unit is gone."""
    unit = get_unit(session, unit_id=draft["unit"])
    if unit is None:
        return None
    try:
        saved = outcomes.save_review(session, user=viewer, unit=unit, year=draft["year"], stage=draft["stage"],
                                     figures=draft["figures"], now=now, source=draft["source"])
    except outcomes.ReviewRejected as rejected:
        return _lines([t("These figures cannot be saved:")] + [f"• {problem_text(t, c, v)}"
                                                                 for c, v in rejected.problems])
    except outcomes.ReviewNotAllowed:
        return _refusal(t)
    head = {"created": t("✅ Saved."),
            "corrected": t("✅ Corrected (version {version}; the earlier figures stay in the history)."),
            "unchanged": t("These figures were already saved.")}
    return _lines([head[saved.outcome].format(version=saved.review.version),
                   *outcome_lines(t, outcome(session, unit=unit, year=draft["year"]))])


def _named_unit(session: Session, t: Translator, *, viewer: User, typed: str) -> Unit | None:
    """The unit named by code or name (diacritics optional) in the viewer's tree; the own unit when none."""
    own = get_unit(session, unit_id=viewer.unit_id)
    typed = typed.strip()
    if not typed or own is None:
        return own
    by_code = get_unit_by_code(session, code=typed.split()[0])
    if by_code is not None:
        return by_code
    folded = fold(typed)
    for unit in list_subtree_units(session, root=own):
        if fold(unit.name) == folded or fold(unit_display(t, unit)) == folded:
            return unit
    return None


def outcome_target_screen(session: Session, t: Translator, *, viewer: User, words: TargetWords, now: datetime,
                          today: date) -> Screen:
    """/target [unit] [year] giảm 3% | giảm 564 hộ: a unit's poverty target for a year, with its progress."""
    unit = _named_unit(session, t, viewer=viewer, typed=words.before)
    if unit is None or not may(viewer, Do.MANAGE_UNIT, unit, session=session):
        own = get_unit(session, unit_id=viewer.unit_id)
        return Screen(text(t("Write the unit and the fall, e.g. /target {code} 2026 giảm 3% or /target {code} 2026 "
                             "giảm 564 hộ (a unit of yours or under it).").format(code=own.code if own else "GL-KP")))
    try:
        value = to_decimal(words.value) if words.kind == "rate" else Decimal(parse_count(words.value))
    except NumberError:
        value = Decimal(0)
    if value <= 0 or (words.kind == "rate" and value >= 100):
        return Screen(text(t("The fall must be a number above 0, e.g. giảm 3% or giảm 564 hộ.")))
    year = words.year or today.year
    outcomes.set_target(session, user=viewer, unit=unit, year=year, kind=words.kind, value=value, now=now)
    what = (t("a fall of the poverty rate by {points} points") if words.kind == "rate"
            else t("{count} fewer poor households")).format(
        points=format_number(value, t.locale, max_decimals=2), count=format_number(int(value), t.locale))
    progress = outcome_lines(t, outcome(session, unit=unit, year=year))[:1] or [
        t("No review figures for {year} yet: the progress shows once the communes enter them (/review).").format(
            year=year)]
    return _lines([t("🎯 Target for {year}, {unit}: {what}.").format(year=year, unit=unit_display(t, unit),
                                                                     what=what), *progress])
