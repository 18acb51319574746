"""The /totals screen in one call: the figures of the view a user is looking at, with its buttons.

The handler reads the update, loads the user's `TotalsView`, calls `totals_screen` and renders the
`Screen` (bot/presentation/render.py). Everything in between — which unit and period the view means, the
totals, a breakdown by organisation or by unit, the "how many households" line, targets, the
households left behind, and which buttons make sense — is decided here.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from bot.domain.households.register import left_behind_line
from bot.domain.outcomes.support import outcome_section
from bot.domain.people.access import AccessDenied
from bot.domain.periods.calendar import Period, period_from_code
from bot.domain.periods.status_text import unit_target_lines
from bot.domain.permissions import Do, may
from bot.domain.records.action_text import Localised
from bot.domain.reports.sentences import (
    by_organisation,
    has_children,
    metric_text,
    report_sentences,
    scope_level,
    scope_totals,
    scope_unit,
    summary_line,
    totals_message,
)
from bot.domain.screen import Screen, button, two_by_two
from bot.domain.spans import Text, bold, underline
from bot.domain.spans import text as one_line
from bot.domain.totals.aggregate import compute_totals
from bot.domain.totals.view import TotalsView
from bot.domain.units.list_views import figure_entries
from bot.domain.units.lists import Order, UnitPage, change_words, page_head, unit_page
from bot.domain.units.page_screen import page_buttons
from bot.domain.units.tree import unit_display
from db.models import Unit, User

MAX_MESSAGE = 4000
BY_UNIT = "tot"
"""The kind of the list "By unit" (its ◀ ▶ 🔎 carry it; the handler keeps its page and search)."""


def view_period(view: TotalsView, *, today: date) -> Period:
    period = period_from_code(view.period or "m0", today=today)
    return period or period_from_code("m0", today=today)  # type: ignore[return-value]


def view_unit(session: Session, *, user: User, view: TotalsView) -> Unit:
    """The unit of the view; a unit the user may no longer see is dropped from the view (their own
    unit instead)."""
    try:
        return scope_unit(session, user=user, unit_id=view.unit)
    except AccessDenied:
        view.unit = None
        return scope_unit(session, user=user, unit_id=None)


def totals_screen(session: Session, *, names: Localised, user: User, view: TotalsView, today: date,
                  units_page: int = 0, units_query: str = "") -> Screen:
    """The view as a screen. May reset `view.unit` (see `view_unit`): the caller stores the view after.

    "By unit" is a ranked list of the child units (largest change from the period before first), one
    page of `units_page` with the search `units_query` (bot/domain/units/lists.py); its ◀ ▶ 🔎 come
    first among the buttons, and the page shown is on `Screen.units` for the handler to keep."""
    t = names.t
    unit, period = view_unit(session, user=user, view=view), view_period(view, today=today)
    names = names.at(scope_level(session, names.catalogue, unit=unit))
    scope = scope_totals(session, unit=unit, period=period, organisation_code=view.org, category_code=view.cat)
    title, part_names = None, {}
    units: UnitPage | None = None
    if view.by == "org" and not view.org:
        scope.parts = by_organisation(session, unit=unit, period=period, category_code=view.cat)
        part_names = {code: names.organisation(code) for code, _ in scope.parts}
        title = t("By organisation (each keeps the credit for its own reports):")
    elif view.by == "unit":
        entries = figure_entries(session, unit=unit, period=period, organisation_code=view.org,
                                 category_code=view.cat)
        units = unit_page(t, entries, order=Order.CHANGE, page=units_page, query=units_query)
    text = totals_message(names, scope, unit_name=unit_display(t, unit), breakdown_title=title, part_names=part_names)
    if units is not None:
        text.add().add(bold(t("By unit:"))).extend(_units_text(session, names, units, period=period,
                                                               organisation_code=view.org, category_code=view.cat))
    if view.metric in ("households", "persons"):
        text.add(metric_text(names, scope.current, view.metric))
    text.extend(unit_target_lines(session, names, unit=unit))
    outcome = outcome_section(session, names, unit=unit, up_to=period.end.year, with_support=False)
    if outcome is not None:
        text.add(bold("📉 " + t("Poverty reduction results {year}").format(year=outcome[0])))
        for line in outcome[1]:
            text.add(line)
    left_behind = left_behind_line(session, t=t, unit=unit, start=period.start, end=period.end)
    if left_behind:
        text.add(left_behind)
    spec = names.catalogue.category_by_code(view.cat or "")
    first = [button("🗓 " + period.label(t), "totals.choose", "P")]
    if may(user, Do.SUPERVISE):
        first.append(button("📍 " + unit_display(t, unit), "totals.choose", "U"))
    rows = page_buttons(t, units, BY_UNIT) if units is not None else []
    rows += [first, [
        button("🏢 " + (names.organisation(view.org) if view.org else t("All organisations")), "totals.choose", "O"),
        button("📦 " + (names.category(spec) if spec else t("All kinds")), "totals.choose", "C")]]
    breakdown = [button(("✅ " if view.by == "org" else "") + t("By organisation"), "totals.by", "org")]
    if has_children(session, unit=unit):
        breakdown.append(button(("✅ " if view.by == "unit" else "") + t("By unit"), "totals.by", "unit"))
    rows.append(breakdown)
    rows += two_by_two([button("🔎 " + names.category(s), "drill", s.code, 0)
                        for s in names.catalogue.category if s.code in scope.current])
    rows.append([button("📥 " + t("Excel file"), "totals.excel"), button("📝 " + t("Draft report"), "totals.report")])
    return Screen(text, rows, limit=MAX_MESSAGE, overflow=one_line(t("… the rest is in the Excel file.")), units=units)


def _units_text(session: Session, names: Localised, units: UnitPage, *, period: Period,
                organisation_code: str | None, category_code: str | None) -> Text:
    """The page of units: each with its records, money and change, then its report sentences (read for
    the ten units on the page only; the ranking came from grouped queries)."""
    t = names.t
    text = page_head(t, units)
    before = period.previous().label(t)
    for entry in units.entries:
        totals = compute_totals(session, unit=entry.unit, start=period.start, end=period.end,
                                organisation_code=organisation_code, category_code=category_code) \
            if entry.current and entry.current.records else {}
        change = change_words(t, entry, before)
        text.add(underline(unit_display(t, entry.unit)), ": " + summary_line(names, totals)
                 + (f" ({change})" if change else ""))
        for sentence in report_sentences(names, totals):
            text.add("  – " + sentence)
    return text
