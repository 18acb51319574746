"""The "Biểu tổng hợp kết quả hỗ trợ": the table a report attaches, one row per unit under the scope.

Officials attach it to every periodic report: one row per commune (or per village of a commune), the
categories' main measures and their money as columns, and a totals row. The same table is the DOCX draft's
appendix (bot/domain/reports/docx.py) and the XLSX export's first sheet (exports.build_workbook),
so both agree with each other and with the report's sentences: the totals row is the scope's totals
(`compute_totals` with the same filters the sentences read), and the rows are `by_child_unit`'s (every
child, empty ones included so a silent commune shows, plus the unit itself when records were logged at
its own level), which add up to it.

The columns are a list built in one function (`table_columns`): each column is a header, a kind of number
and a function of the row. Columns reading other figures than support totals are added there and appear in
both files: the poverty review's poor households, rate and fall per unit (`poverty_columns`).
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from sqlmodel import Session

from bot.domain.catalogue.file import CategorySpec
from bot.domain.formatting import format_number
from bot.domain.outcomes.totals import Outcome, by_direct_child, latest_year, outcome
from bot.domain.records.action_text import Localised
from bot.domain.reports.scope import ExportScope
from bot.domain.reports.sentences import Totals, by_child_unit, grand_value, ordered_categories
from bot.domain.totals.aggregate import CategoryTotal, compute_totals
from bot.domain.units.tree import unit_display
from db.models import Unit
from db.queries import list_child_units

CellKind = Literal["text", "count", "quantity", "money"]
"""How a column's numbers read: text; whole counts (hộ, suất); quantities (kg, may have decimals); đồng."""


@dataclass(frozen=True)
class TableRow:
    """What a column reads for one row: the unit (None on the totals row), its label and its totals."""

    unit: Unit | None
    label: str
    number: int | None
    totals: Totals


@dataclass(frozen=True)
class TableColumn:
    header: str
    kind: CellKind
    cell: Callable[[TableRow], object]
    """The row's value: a number, a text, or None for an empty cell."""


@dataclass(frozen=True)
class SummaryTable:
    title: str
    columns: list[TableColumn]
    rows: list[list[object]]
    """One per unit, in the order of `by_child_unit`."""
    total: list[object]
    """The totals row: the scope's figures, the same the report's sentences give."""

    def text(self, value: object, kind: CellKind, locale: str) -> str:
        """A cell as a document prints it: "1.100", "45.390,5", "945.650.000"; empty for None."""
        if value is None:
            return ""
        if kind != "text" and isinstance(value, int | Decimal):
            return format_number(value, locale)
        return str(value)


def _figure(value: int | Decimal) -> int | Decimal | None:
    """A unit's figure: none is an empty cell, not a 0 the officer reads as "reported nothing"."""
    if not value:
        return None
    return int(value) if isinstance(value, Decimal) and value == value.to_integral_value() else value


def _main_measure(spec: CategorySpec) -> str | None:
    """The figure a category is counted by: its first required measure that is not money (suất, kg, căn;
    hộ for loans), or None when money is all it requires."""
    return next((m.code for m in spec.measures if m.required and m.code != "value"), None)


def category_columns(names: Localised, spec: CategorySpec, whole: Totals) -> list[TableColumn]:
    """A category's columns: its main measure (one column per unit of measure used: "con", "kg" do not
    add up) and, when any of its records gave one, its money."""
    t = names.t
    category, code = names.category(spec), spec.code
    columns: list[TableColumn] = []
    main = _main_measure(spec)
    measure = spec.measure(main) if main else None
    total = whole[code]
    if main == "quantity" and measure is not None:
        for unit_code in total.quantities:
            columns.append(TableColumn(
                t("{category} ({unit})").format(category=category, unit=names.unit(measure, unit_code)), "quantity",
                _reader(code, functools.partial(_quantity, unit_code=unit_code))))
    elif main in ("households", "persons") and measure is not None:
        columns.append(TableColumn(
            t("{category} ({unit})").format(category=category, unit=names.unit(measure, None)), "count",
            _reader(code, operator.attrgetter(main))))
    if spec.measure("value") is not None and total.value_dong:
        columns.append(TableColumn(
            t("{category}: value (VND)").format(category=category), "money",
            _reader(code, lambda figures: figures.value_dong)))
    return columns


def _quantity(figures: CategoryTotal, *, unit_code: str) -> Decimal:
    return figures.quantities.get(unit_code, Decimal(0))


def _reader(code: str, figure: Callable[[CategoryTotal], int | Decimal]) -> Callable[[TableRow], object]:
    """A cell of category `code`: `figure` of the row's totals for it; empty when the row has none."""
    def cell(row: TableRow) -> object:
        return _figure(figure(row.totals[code])) if code in row.totals else None
    return cell


def table_columns(session: Session, names: Localised, scope: ExportScope, whole: Totals) -> list[TableColumn]:
    """Every column of the table, in order: the row number and the unit; each category with figures in the
    scope (catalogue order); the total value. Add a column here and both files get it."""
    t = names.t
    columns = [TableColumn(t("No. in list"), "count", lambda row: row.number),
               TableColumn(t("Unit"), "text", lambda row: row.label)]
    for spec, _total in ordered_categories(names.catalogue, whole):
        columns += category_columns(names, spec, whole)
    columns.append(TableColumn(t("Total value (VND)"), "money", lambda row: grand_value(row.totals)
                               if row.unit is None else _figure(grand_value(row.totals))))
    return columns + poverty_columns(session, names, scope)


def poverty_columns(session: Session, names: Localised, scope: ExportScope) -> list[TableColumn]:
    """The poverty review's columns (bot/domain/outcomes/totals.py): poor households, the rate and its
    fall over the year, for the newest review year up to the period's end; each row's from the communes under
    it and the totals row's from all of them (sums, never an average of the rows' rates). None when no
    commune under the scope has review figures."""
    year = latest_year(session, unit=scope.unit, up_to=scope.period.end.year)
    if year is None:
        return []
    t = names.t
    children = by_direct_child(session, unit=scope.unit, year=year,
                               children=list(list_child_units(session, parent_id=scope.unit.id)))
    whole = outcome(session, unit=scope.unit, year=year)

    def of(row: TableRow) -> Outcome | None:
        found = whole if row.unit is None else children.get(row.unit.id or 0)
        return found if found is not None and found.reported else None

    def poor(row: TableRow) -> object:
        found = of(row)
        return found.sums["poor"] if found is not None else None

    def poverty_rate(row: TableRow) -> object:
        found = of(row)
        return found.poverty_rate if found is not None else None

    def fall(row: TableRow) -> object:
        found = of(row)
        known = found is not None and found.year_fall.units == found.reported
        return found.year_fall.points if found is not None and known else None

    return [TableColumn(t("Poor households ({year})").format(year=year), "count", poor),
            TableColumn(t("Poverty rate ({year}, %)").format(year=year), "quantity", poverty_rate),
            TableColumn(t("Fall of the poverty rate ({year}, points)").format(year=year), "quantity", fall)]


def scope_figures(session: Session, scope: ExportScope) -> tuple[Totals, Sequence[tuple[Unit, Totals]]]:
    """The scope's totals and each child unit's: what the table, the workbook and the digest are drawn from."""
    whole = compute_totals(session, unit=scope.unit, start=scope.period.start, end=scope.period.end,
                           organisation_code=scope.organisation_code, category_code=scope.category_code)
    children = by_child_unit(session, unit=scope.unit, period=scope.period, organisation_code=scope.organisation_code,
                             category_code=scope.category_code, whole=whole)
    return whole, children


def summary_table(session: Session, names: Localised, scope: ExportScope, *,
                  figures: tuple[Totals, Sequence[tuple[Unit, Totals]]] | None = None) -> SummaryTable:
    """The table of `scope`; `figures` (the scope's totals, each child's) when the caller has them already."""
    t = names.t
    whole, children = figures or scope_figures(session, scope)
    columns = table_columns(session, names, scope, whole)
    rows = [TableRow(unit, unit_display(t, unit), number, totals)
            for number, (unit, totals) in enumerate(children, start=1)]
    total = TableRow(None, t("Total"), None, whole)
    return SummaryTable(title=t("Summary of support results"), columns=columns,
                        rows=[[column.cell(row) for column in columns] for row in rows],
                        total=[column.cell(total) for column in columns])
