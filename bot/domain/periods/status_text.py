"""How the reporting status and targets read, shared by /status, digests and /totals.

Expected, submitted, on time, late and missing units of a period with the DHIS2 rates
(completeness = submitted ÷ expected, timeliness = on time ÷ expected), and achieved ÷ target.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from sqlmodel import Session, col, select

from bot.domain.formatting import format_day, format_money_prose, format_number
from bot.domain.periods import submissions as reporting
from bot.domain.records.action_text import Localised
from bot.domain.spans import Line, Text, bold, line
from bot.domain.units.lists import Order, UnitPage, entry_line, page_head
from bot.domain.units.tree import unit_display
from bot.i18n import Translator
from db.models import ReportingPeriod, Unit

MAX_NAMED = 10
"""Units named in a line of names ("Chưa nộp: …") before "… và N đơn vị khác"."""


def percent_text(value: Decimal, locale: str) -> str:
    return f"{format_number(value, locale, max_decimals=1)}%"


def status_text(session: Session, names: Localised, period: ReportingPeriod, *, name_on_time: bool = False,
                units: UnitPage | None = None) -> Text:
    """One period: expected, submitted, on time, late, missing; the two rates; targets achieved.

    `name_on_time` also names the units that submitted on time: the period-end digest says who submitted,
    who was late and who did not, while /status keeps to the units that need chasing. Each list of names
    stops after MAX_NAMED units ("… và 52 đơn vị khác"), so a province of 170 communes still fits one
    message. With `units` (a page of `unit_lists.unit_page` over `status_entries`), that ranked page takes
    the place of the lists of names: /status pages and searches it."""
    t = names.t
    status = reporting.period_status(session, period=period)
    lines = Text().add(bold(period.name), " — " + t("due {due}").format(due=format_day(period.due, t.locale)))
    lines.add(t("Expected {expected} · submitted {submitted} · on time {on_time} · late {late} · missing {missing}")
              .format(expected=status.expected, submitted=status.submitted, on_time=status.on_time,
                      late=status.late, missing=len(status.missing)))
    lines.add(t("Completeness {completeness} · timeliness {timeliness}").format(
        completeness=percent_text(status.completeness, t.locale), timeliness=percent_text(status.timeliness, t.locale)))
    if units is not None:
        lines.extend(page_head(t, units))
        for entry in units.entries:
            lines.add(entry_line(t, entry, Order.STATUS))
        return lines.extend(_fewest(t, target_lines(session, names, period)))
    on_time = [s.unit for s in status.units if s.state == "on_time"]
    if name_on_time and on_time:
        lines.add(t("On time: {units}").format(units=named(t, on_time)))
    if status.missing:
        lines.add(t("Not submitted: {units}").format(units=named(t, status.missing)))
    late = [s.unit for s in status.units if s.state == "late"]
    if late:
        lines.add(t("Late: {units}").format(units=named(t, late)))
    return lines.extend(_fewest(t, target_lines(session, names, period)))


def named(t: Translator, units: Sequence[Unit], limit: int = MAX_NAMED) -> str:
    """"xã A, xã B, … và 52 đơn vị khác": the first `limit` names, then how many more."""
    shown = ", ".join(unit_display(t, unit) for unit in units[:limit])
    if len(units) <= limit:
        return shown
    return t("{names} and {count} more").format(names=shown, count=format_number(len(units) - limit, t.locale))


def _fewest(t: Translator, lines: list[Line], limit: int = MAX_NAMED) -> list[Line]:
    """At most `limit` target lines, then how many more (/target without a unit lists them all)."""
    if len(lines) <= limit:
        return lines
    more = t("… and {count} more targets (/target shows them all).").format(
        count=format_number(len(lines) - limit, t.locale))
    return [*lines[:limit], line(more)]


def target_lines(session: Session, names: Localised, period: ReportingPeriod,
                 unit_ids: Sequence[int] | None = None) -> list[Line]:
    """"🎯 xã Ia Rsai, Hỗ trợ gạo: 5.410/10.820 kg (50%)" for every target of the period."""
    t = names.t
    lines = []
    for row in reporting.target_progress(session, period=period, unit_ids=unit_ids):
        spec = names.catalogue.category_by_code(row.category_code)
        label = names.category(spec) if spec is not None else row.category_code
        measure = spec.measure(row.measure) if spec is not None else None
        unit_word = names.unit(measure, None) if measure is not None else ""
        if row.measure == "value":  # money through the one formatter, exact: "81,15 triệu đồng/100 tỷ đồng"
            achieved, target = (format_money_prose(int(row.achieved), t.locale),
                                format_money_prose(int(row.target), t.locale))
            unit_word = ""
        else:
            achieved, target = format_number(row.achieved, t.locale), format_number(row.target, t.locale)
        lines.append(line(t("🎯 {unit}, {category}: {achieved}/{target} {measure} ({percent})").format(
            unit=unit_display(t, row.unit), category=label, achieved=achieved,
            target=target, measure=unit_word, percent=percent_text(row.percent, t.locale))
            .replace("  (", " (")))
    return lines


def periods_defined_by(session: Session, *, unit: Unit, limit: int = 2) -> Sequence[ReportingPeriod]:
    """The newest periods a supervising unit set for the units under it."""
    return session.exec(select(ReportingPeriod).where(ReportingPeriod.unit_id == unit.id)
                        .order_by(col(ReportingPeriod.due).desc(), col(ReportingPeriod.id).desc()).limit(limit)).all()


def unit_target_lines(session: Session, names: Localised, *, unit: Unit) -> list[Line]:
    """Targets shown with a unit's totals: those it set for units under it (newest period), and its
    own targets in the newest period it reports for."""
    lines: list[Line] = []
    for period in periods_defined_by(session, unit=unit, limit=1):
        lines += target_lines(session, names, period)
    for period in reporting.periods_for_unit(session, unit_id=unit.id or 0)[:1]:
        lines += target_lines(session, names, period, unit_ids=[unit.id or 0])
    return list(dict.fromkeys(lines))
