"""Files the district pastes into its own work: the XLSX workbook, the chart's figures and the DOCX draft.

- XLSX (bot/domain/reports/xlsx.py): the report's summary table first (bot/domain/reports/summary_table.py), a
  summary sheet (category × unit with totals) and a detail sheet (every record,
  with its author and the local time it was logged), Vietnamese headers, number formats, the header
  row frozen. Totals come from `compute_totals` via `bot.domain.reports.sentences`, so the file agrees with
  the chat to the đồng.
- Chart: the values it shows (`monthly_values`: the trend by month); it is drawn in a process of its own
  (bot/domain/reports/charts.py, bot/domain/reports/chart_worker.py).
- DOCX (python-docx): a draft periodic report in the Decree 30/2020 layout (bot/domain/reports/draft.py).

Household names (personal data, Decree 13/2023) appear only in the detail sheet, and only for
records of units at or under the viewer's own unit. Every scope a user can choose is inside their
own subtree (see `reports.scope_unit`), so within an export this always holds; the check is repeated
per record so that a future caller passing a wider scope still cannot leak a name.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import String, type_coerce
from sqlalchemy import select as sa_select  # sqlmodel.select types at most four columns
from sqlmodel import Session, col, select

from bot.domain.catalogue.file import CategorySpec
from bot.domain.formatting import format_number
from bot.domain.households.erasure import ERASED_NAME
from bot.domain.outcomes.sheet import review_sheet
from bot.domain.periods.calendar import Period, month_of
from bot.domain.permissions import Do, may
from bot.domain.records.action_text import Localised
from bot.domain.reports.docx import render_docx
from bot.domain.reports.draft import draft_report
from bot.domain.reports.scope import ExportScope
from bot.domain.reports.sentences import (
    Totals,
    grand_value,
    ordered_categories,
    scope_names,
)
from bot.domain.reports.summary_table import SummaryTable, scope_figures, summary_table
from bot.domain.reports.xlsx import Column, Kind, Sheet, workbook_bytes
from bot.domain.totals.aggregate import CategoryTotal, compute_totals, record_conditions, subtree_unit_ids
from bot.domain.units.tree import unit_display
from bot.i18n import N_
from db.models import (
    BeneficiaryClass,
    Category,
    FundingSource,
    Organisation,
    SupportAction,
    Unit,
    User,
)


def _quantity_cells(names: Localised, spec: CategorySpec, total: CategoryTotal) -> tuple[object, str]:
    """(number, unit) when the quantity is in one unit; (None, "14 con; 250 kg") when in several."""
    measure = spec.measure("quantity")
    if measure is None or not total.quantities:
        return None, ""
    if len(total.quantities) == 1:
        unit_code, amount = next(iter(total.quantities.items()))
        return float(amount) if amount % 1 else int(amount), names.unit(measure, unit_code)
    return None, "; ".join(f"{format_number(a, names.t.locale)} {names.unit(measure, u)}"
                           for u, a in total.quantities.items())


def summary_rows(names: Localised, rows: Sequence[tuple[str, Totals]], whole: Totals) -> list[list[object]]:
    """Rows of the summary sheet: one per unit and category with figures, then the totals per category."""
    t = names.t
    result: list[list[object]] = []
    labelled = [*rows, (t("Total"), whole)]
    for label, totals in labelled:
        for spec, total in ordered_categories(names.catalogue, totals):
            quantity, unit = _quantity_cells(names, spec, total)
            result.append([label, names.category(spec), total.records, total.households or None,
                           total.persons or None, quantity, unit, total.value_dong or None,
                           partial_note(names, spec, total)])
    return result


def partial_note(names: Localised, spec: CategorySpec, total: CategoryTotal) -> str:
    """"Số hộ: 2/6 lượt có ghi": the sums of this row that only some of its records gave, so a cell
    never passes a partial sum off as the whole."""
    t = names.t
    return "; ".join(t("{measure}: given in {count}/{total} records").format(
        measure=names.measure_label(measure), count=format_number(total.recorded(measure.code), t.locale),
        total=format_number(total.records, t.locale)) for measure in spec.measures if total.is_partial(measure.code))


SUMMARY_COLUMNS = (Column(N_("Unit")), Column(N_("Kind of support")), Column(N_("Records"), Kind.MONEY),
                   Column(N_("Households"), Kind.MONEY), Column(N_("Persons"), Kind.MONEY),
                   Column(N_("Quantity"), Kind.QUANTITY), Column(N_("Unit of measure")),
                   Column(N_("Value (VND)"), Kind.MONEY), Column(N_("Given by only some records")))
DETAIL_COLUMNS = (Column(N_("No."), Kind.NUMBER), Column(N_("Date"), Kind.DATE), Column(N_("Unit")),
                  Column(N_("Kind of support")), Column(N_("Type")), Column(N_("Organisation")),
                  Column(N_("Households"), Kind.MONEY), Column(N_("Persons"), Kind.MONEY),
                  Column(N_("Quantity"), Kind.QUANTITY), Column(N_("Unit of measure")),
                  Column(N_("Value (VND)"), Kind.MONEY), Column(N_("Beneficiaries")), Column(N_("Funding source")),
                  Column(N_("Head of household")), Column(N_("Village")), Column(N_("Logged by")),
                  Column(N_("Logged at"), Kind.DATETIME), Column(N_("Note")),
                  Column(N_("Counted once (duplicate)")), Column(N_("Approximate (≈)")))


def _detail_conditions(session: Session, *, scope: ExportScope) -> list[Any]:
    """The records behind the totals of the scope, confirmed duplicates included (marked in the sheet)."""
    return record_conditions(unit_ids=subtree_unit_ids(session, root=scope.unit), start=scope.period.start,
                             end=scope.period.end, organisation_code=scope.organisation_code,
                             category_code=scope.category_code, counted_once=False)


# The columns of support_action the detail sheet is made of. A district's month is ~21,000 records, so
# they are read as plain columns, not ORM objects, and dates and times as the database gives them
# (`_as_read`): SQLAlchemy would parse each SQLite date text with a regular expression (~0.15 s for the
# month); here each distinct date is converted once.
READ_COLUMNS = ("id", "action_date", "unit_id", "category_id", "subtype", "organisation_id", "households",
                "persons", "quantity", "quantity_unit", "value_dong", "beneficiary_class_id", "funding_source_id",
                "household_name", "household_village", "author_id", "created_at", "note", "duplicate_status",
                "household_erased", "approximate")
_AS_READ = {"action_date", "created_at", "quantity"}


def _is_counted_twice(duplicate_status: str | None, scope: ExportScope) -> bool:
    return scope.organisation_code is None and duplicate_status == "confirmed"


def detail_columns(session: Session, *, names: Localised, scope: ExportScope, viewer: User,
                   tz: ZoneInfo) -> list[list[object]]:
    """The detail sheet, column by column (DETAIL_COLUMNS order): every current record of the scope, by date.

    Empty texts are None (an empty cell). Names, villages and notes only for records at or under the
    viewer's unit (see the module notes). Each column is one pass over its values with everything
    looked up by id looked up once per id, not once per row.
    """
    t = names.t
    table = SupportAction.__table__  # type: ignore[attr-defined]
    selected = [type_coerce(table.c[name], String) if name in _AS_READ else table.c[name] for name in READ_COLUMNS]
    # Through the connection, not the ORM session: plain rows, without the ORM's per-row loading.
    rows = session.connection().execute(sa_select(*selected).where(*_detail_conditions(session, scope=scope))
                                        .order_by(table.c.action_date, table.c.id)).all()
    if not rows:
        return [[] for _ in DETAIL_COLUMNS]
    (ids, action_dates, unit_ids, category_ids, subtypes, organisation_ids, households, persons, quantities,
     quantity_units, values, class_ids, funding_ids, household_names, villages, author_ids, created,
     notes, duplicate_statuses, erased, approximate) = zip(*rows, strict=True)
    lookups = _lookups(session, unit_ids=set(unit_ids), author_ids=set(author_ids))
    may_name = {unit_id for unit_id, unit in lookups.units.items()
                if may(viewer, Do.WORK_IN_UNIT, unit, session=session)}
    unit_names = {unit_id: unit_display(t, unit) for unit_id, unit in lookups.units.items()}
    specs = {category_id: names.catalogue.category_by_code(code) for category_id, code in lookups.categories.items()}
    category_names = {category_id: names.category(spec) if spec else "?" for category_id, spec in specs.items()}
    levels = {unit_id: names.at_unit(unit) for unit_id, unit in lookups.units.items()}  # "UBND xã Bình Gia"

    @functools.cache
    def organisation_name(organisation_id: int, unit_id: int) -> str:
        code = lookups.organisations.get(organisation_id)
        return levels[unit_id].organisation(code) if code is not None and unit_id in levels else no_organisation

    classes = {class_id: names.beneficiary(code) for class_id, code in lookups.classes.items()}
    no_organisation, no_class, no_funding = names.organisation(None), names.beneficiary(None), names.funding(None)
    funding = {source_id: names.funding(code) for source_id, code in lookups.funding.items()}

    @functools.cache
    def subtype_name(category_id: int, subtype: str | None) -> str | None:
        spec = specs.get(category_id)
        if not subtype:
            return None
        return names.choice(spec, spec.subtype_field, subtype) if spec and spec.subtype_field else subtype

    @functools.cache
    def unit_name(category_id: int, unit_code: str | None) -> str | None:
        spec = specs.get(category_id)
        measure = spec.measure("quantity") if spec else None
        return names.unit(measure, unit_code) if measure else None

    named = [unit_id in may_name for unit_id in unit_ids]
    amounts = _as_numbers(quantities)
    return [
        list(ids), _as_dates(action_dates), [unit_names.get(u, "?") for u in unit_ids],
        [category_names.get(c, "?") for c in category_ids], list(map(subtype_name, category_ids, subtypes)),
        [organisation_name(o, u) for o, u in zip(organisation_ids, unit_ids, strict=True)], list(households),
        list(persons),
        amounts, [unit_name(c, u) if a is not None else None for c, u, a in zip(category_ids, quantity_units, amounts,
                                                                               strict=True)],
        list(values), [classes.get(c or 0, no_class) for c in class_ids],
        [funding.get(f, no_funding) if f else None for f in funding_ids],
        [(t(ERASED_NAME) if gone else n or None) if ok else None
         for n, ok, gone in zip(household_names, named, erased, strict=True)],
        [v or None if ok else None for v, ok in zip(villages, named, strict=True)],
        [lookups.authors.get(a, "?") for a in author_ids], _as_local_times(created, tz),
        [n or None if ok else None for n, ok in zip(notes, named, strict=True)],
        ["x" if _is_counted_twice(d, scope) else None for d in duplicate_statuses],
        ["≈" if a else None for a in approximate]]


def _as_numbers(values: Sequence[object]) -> list[int | float | None]:
    """Quantities as the database gives them (SQLite: int or float; PostgreSQL: Decimal) → int or float,
    each distinct value converted once (a month has ~21,000 quantities but a few hundred values)."""
    def number(value: object) -> int | float | None:
        if value is None:
            return None
        amount = Decimal(str(value))
        return int(amount) if amount == amount.to_integral_value() else float(amount)

    converted = {value: number(value) for value in set(values)}
    return [converted[value] for value in values]


def _as_dates(values: Sequence[object]) -> list[object]:
    """Dates as read (SQLite: ISO text; PostgreSQL: date), each distinct value converted once."""
    converted = {value: value if isinstance(value, date) else date.fromisoformat(str(value)) for value in set(values)}
    return [converted[value] for value in values]


def _as_local_times(values: Sequence[object], tz: ZoneInfo) -> list[object]:
    """Stored UTC times → local wall-clock times for cells (a cell has no zone).

    SQLite gives text without a zone: parsed in C and shifted by the zone's offset, looked up once per
    UTC hour (zone offsets change on whole hours). PostgreSQL gives aware datetimes: converted directly.
    """
    utc = ZoneInfo("UTC")
    offsets: dict[str, timedelta] = {}
    result: list[object] = []
    for value in values:
        if isinstance(value, datetime):
            moment = value if value.tzinfo else value.replace(tzinfo=utc)
            result.append(moment.astimezone(tz).replace(tzinfo=None))
            continue
        text = str(value)
        hour = text[:13]
        offset = offsets.get(hour)
        if offset is None:
            offset = offsets[hour] = (datetime.fromisoformat(hour + ":00").replace(tzinfo=utc).astimezone(tz)
                                      .utcoffset() or timedelta(0))
        result.append(datetime.fromisoformat(text) + offset)
    return result


def build_workbook(session: Session, *, names: Localised, scope: ExportScope, viewer: User, tz: ZoneInfo, now: datetime,
                   figures: tuple[Totals, Sequence[tuple[Unit, Totals]]] | None = None) -> bytes:
    """The XLSX workbook for a scope (see the module notes): summary, details, and what the file is about.

    Written with `bot.domain.reports.xlsx` (not openpyxl: see there why), from the detail sheet's columns. `figures`
    (the scope's totals and those of each child unit) when the caller has just computed them (the digest).
    `now` (the runtime's clock) is written on the About sheet as the local time the file was made.
    """
    t = names.t
    whole, rows = figures or scope_figures(session, scope)
    summary = summary_rows(names, [(unit_display(t, unit), totals) for unit, totals in rows], whole)
    about: list[tuple[str, object]] = [(t("Unit"), unit_display(t, scope.unit)), (t("Period"), scope.period.label(t)),
                                       (t("From"), scope.period.start), (t("To"), scope.period.end)]
    if scope.organisation_code:
        about.append((t("Organisation"), scope_names(session, names, unit=scope.unit)
                      .organisation(scope.organisation_code)))
    if scope.category_code:
        spec = names.catalogue.category_by_code(scope.category_code)
        about.append((t("Kind of support"), names.category(spec) if spec else scope.category_code))
    about.append((t("Total value (VND)"), grand_value(whole)))
    about.append((t("Made at"), now.astimezone(tz).replace(tzinfo=None, microsecond=0)))
    review = review_sheet(session, t, unit=scope.unit, up_to=scope.period.end.year)
    return workbook_bytes([
        table_sheet(summary_table(session, names, scope, figures=(whole, rows))),
        _sheet(t("Summary"), t, SUMMARY_COLUMNS, [list(column) for column in zip(*summary, strict=True)]
               if summary else [[] for _ in SUMMARY_COLUMNS]),
        _sheet(t("Details"), t, DETAIL_COLUMNS, detail_columns(session, names=names, scope=scope, viewer=viewer,
                                                                tz=tz)),
        Sheet(title=t("About"), columns=[Column("", width=24), Column("", Kind.AUTO, width=40)],
              values=[[label for label, _ in about], [value for _, value in about]], header=False),
        *([review] if review is not None else []),
    ])


_XLSX_KIND = {"text": Kind.TEXT, "count": Kind.MONEY, "quantity": Kind.QUANTITY, "money": Kind.MONEY}


def table_sheet(table: SummaryTable) -> Sheet:
    """The report's summary table as the workbook's first sheet: its rows, then the totals row."""
    every = [*table.rows, table.total]
    return Sheet(title=table.title, columns=[Column(c.header, _XLSX_KIND[c.kind]) for c in table.columns],
                 values=[[row[i] for row in every] for i in range(len(table.columns))])


def _sheet(title: str, t: Any, columns: Sequence[Column], values: list[list[object]]) -> Sheet:
    """A table sheet with the column headers translated."""
    return Sheet(title=title, columns=[Column(t(c.header), c.kind, c.width) for c in columns], values=values)


@dataclass
class _Lookups:
    units: dict[int, Unit]
    categories: dict[int, str]
    organisations: dict[int, str]
    classes: dict[int, str]
    funding: dict[int, str]
    authors: dict[int, str]


def _lookups(session: Session, *, unit_ids: set[int], author_ids: set[int]) -> _Lookups:
    """What the rows refer to, read once per export instead of once per record. Units and authors only
    those of the rows: a national database has ~3,300 units and 30,000 users, and loading them all took
    longer than the rest of a province's digest."""
    def codes(model: Any) -> dict[int, str]:
        return {int(row.id or 0): str(row.code) for row in session.exec(select(model)).all()}

    units: dict[int, Unit] = {}
    authors: dict[int, str] = {}
    wanted_units, wanted_authors = sorted(unit_ids), sorted(author_ids)
    for start in range(0, max(len(wanted_units), len(wanted_authors)), _CHUNK):
        if unit_chunk := wanted_units[start:start + _CHUNK]:
            units.update((int(u.id or 0), u) for u in session.exec(select(Unit).where(col(Unit.id).in_(unit_chunk))))
        if author_chunk := wanted_authors[start:start + _CHUNK]:
            authors.update((int(i or 0), str(n)) for i, n in session.exec(
                select(User.id, User.display_name).where(col(User.id).in_(author_chunk))))
    return _Lookups(units=units, categories=codes(Category), organisations=codes(Organisation),
                    classes=codes(BeneficiaryClass), funding=codes(FundingSource), authors=authors)


_CHUNK = 5_000  # ids a query (SQLite allows 32,766 parameters; PostgreSQL 65,535)


# ------------------------------------------------------------------ chart

def monthly_values(session: Session, *, unit: Unit, end: date, months: int = 6) -> list[tuple[Period, int]]:
    """Value per calendar month for the `months` months up to the one containing `end` (trend chart)."""
    periods = [month_of(end)]
    while len(periods) < months:
        periods.insert(0, periods[0].previous())
    return [(p, grand_value(compute_totals(session, unit=unit, start=p.start, end=p.end))) for p in periods]


# ------------------------------------------------------------------ draft report (DOCX)

def build_report_docx(session: Session, *, names: Localised, scope: ExportScope, place: str, today: date) -> bytes:
    """A DOCX draft of the periodic report in the Decree 30/2020 layout: its content is plain data
    (bot/domain/reports/draft.py), laid out by bot/domain/reports/docx.py."""
    return render_docx(draft_report(session, names=names, scope=scope, place=place, today=today))
