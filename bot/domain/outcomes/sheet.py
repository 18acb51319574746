"""The review figures by unit as a sheet of the XLSX export: one row per commune under the unit (blank
when it has no figures yet, so the gaps show), and a total row summed from the communes' figures
(its rates are the sums' rates, never an average of the rows' rates)."""

from __future__ import annotations

from sqlmodel import Session

from bot.domain.outcomes.totals import Outcome, by_child, latest_year, outcome
from bot.domain.reports.xlsx import Column, Kind, Sheet
from bot.domain.units.tree import unit_display
from bot.i18n import N_, Translator
from db.models import Unit

COLUMNS = (
    Column(N_("Unit")), Column(N_("Unit code")), Column(N_("Year"), Kind.NUMBER), Column(N_("Total households"),
                                                                                        Kind.MONEY),
    Column(N_("Poor households"), Kind.MONEY), Column(N_("Poverty rate (%)"), Kind.QUANTITY),
    Column(N_("Near-poor households"), Kind.MONEY), Column(N_("Near-poverty rate (%)"), Kind.QUANTITY),
    Column(N_("Poor households at the start of the year"), Kind.MONEY),
    Column(N_("Poverty rate at the start of the year (%)"), Kind.QUANTITY),
    Column(N_("Escaped poverty"), Kind.MONEY), Column(N_("Fell back into poverty"), Kind.MONEY),
    Column(N_("Newly poor"), Kind.MONEY), Column(N_("Escaped near-poverty"), Kind.MONEY),
    Column(N_("Persons in poor households"), Kind.MONEY),
    Column(N_("Fall of the poverty rate (points)"), Kind.QUANTITY), Column(N_("Fall in poor households"), Kind.MONEY),
)


def _row(t: Translator, result: Outcome, *, label: str, code: str) -> list[object]:
    if not result.reported:
        return [label, code, *([None] * (len(COLUMNS) - 2))]
    fall = result.year_fall
    known = fall.units == result.reported

    return [label, code, result.year, result.sums["total_households"], result.sums["poor"], result.poverty_rate,
            result.sums["near_poor"], result.near_poverty_rate, fall.poor_before if known else None,
            fall.rate_before if known else None, result.figure("escaped"), result.figure("fell_back"),
            result.figure("new_poor"), result.figure("escaped_near"), result.figure("poor_persons"),
            fall.points if known else None, fall.households if known else None]


def review_sheet(session: Session, t: Translator, *, unit: Unit, up_to: int) -> Sheet | None:
    """The sheet for the newest review year up to `up_to`, or None when nothing under `unit` has figures."""
    year = latest_year(session, unit=unit, up_to=up_to)
    if year is None:
        return None
    rows = [_row(t, child, label=unit_display(t, child.unit), code=child.unit.code)
            for child in by_child(session, unit=unit, year=year)]
    if len(rows) > 1:
        rows.append(_row(t, outcome(session, unit=unit, year=year), label=t("Total: {unit}").format(
            unit=unit_display(t, unit)), code=unit.code))
    columns = [Column(t(c.header), c.kind, c.width) for c in COLUMNS]
    return Sheet(title=t("Poverty review {year}").format(year=year), columns=columns,
                 values=[list(column) for column in zip(*rows, strict=True)])
