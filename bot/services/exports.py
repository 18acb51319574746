"""Files the district pastes into its own work: the XLSX workbook, the chart PNG and the DOCX draft.

- XLSX (openpyxl): a summary sheet (category × unit with totals) and a detail sheet (every record,
  with its author and the local time it was logged), Vietnamese headers, number formats, the header
  row frozen. Totals come from `compute_totals` via `bot.services.reports`, so the file agrees with
  the chat to the đồng.
- Chart (matplotlib's object API with the Agg canvas: no pyplot global state, no display needed):
  value per child unit and the trend by month.
- DOCX (python-docx): the results section of a periodic report in the Decree 30/2020 layout.

Household names (personal data, Decree 13/2023) appear only in the detail sheet, and only for
records of units at or under the viewer's own unit. Every scope a user can choose is inside their
own subtree (see `reports.scope_unit`), so within an export this always holds; the check is repeated
per record so that a future caller passing a wider scope still cannot leak a name.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select as sa_select  # sqlmodel.select types at most four columns
from sqlmodel import Session, col, select

from bot.catalogue_file import CategorySpec
from bot.formatting import format_day_long, format_number
from bot.i18n import N_
from bot.services.action_text import Localised
from bot.services.periods import Period
from bot.services.reports import (
    Totals,
    by_child_unit,
    by_organisation,
    category_sentence,
    change_text,
    grand_value,
    headline_figure,
    ordered_categories,
    scope_totals,
    with_change,
)
from bot.services.totals import CategoryTotal, compute_totals, subtree_unit_ids
from bot.services.units import is_within, unit_display
from db.models import (
    ActionStatus,
    BeneficiaryClass,
    Category,
    FundingSource,
    Organisation,
    SupportAction,
    Unit,
    User,
)
from db.queries import get_unit

MONEY_FORMAT = "#,##0"
QUANTITY_FORMAT = "#,##0.###"
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"


@dataclass(frozen=True)
class ExportScope:
    """What to export: a unit's subtree, a period and the optional filters (as in /totals)."""

    unit: Unit
    period: Period
    organisation_code: str | None = None
    category_code: str | None = None


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
                           total.persons or None, quantity, unit, total.value_dong or None])
    return result


SUMMARY_HEADERS = (N_("Unit"), N_("Kind of support"), N_("Records"), N_("Households"), N_("Persons"),
                   N_("Quantity"), N_("Unit of measure"), N_("Value (VND)"))
DETAIL_HEADERS = (N_("No."), N_("Date"), N_("Unit"), N_("Kind of support"), N_("Type"), N_("Organisation"),
                  N_("Households"), N_("Persons"), N_("Quantity"), N_("Unit of measure"), N_("Value (VND)"),
                  N_("Beneficiaries"), N_("Funding source"), N_("Head of household"), N_("Village"),
                  N_("Logged by"), N_("Logged at"), N_("Note"), N_("Counted once (duplicate)"))


def _detail_conditions(session: Session, *, scope: ExportScope) -> list[Any]:
    conditions: list[Any] = [col(SupportAction.status) == ActionStatus.CURRENT,
                             col(SupportAction.unit_id).in_(subtree_unit_ids(session, root=scope.unit)),
                             col(SupportAction.action_date) >= scope.period.start,
                             col(SupportAction.action_date) <= scope.period.end]
    if scope.organisation_code is not None:
        conditions.append(col(SupportAction.organisation_id).in_(
            select(Organisation.id).where(Organisation.code == scope.organisation_code)))
    if scope.category_code is not None:
        conditions.append(col(SupportAction.category_id).in_(
            select(Category.id).where(Category.code == scope.category_code)))
    return conditions


def detail_actions(session: Session, *, scope: ExportScope) -> Sequence[SupportAction]:
    """Every current record of the scope, by date: the rows behind the totals (duplicates marked)."""
    return session.exec(select(SupportAction).where(*_detail_conditions(session, scope=scope))
                        .order_by(col(SupportAction.action_date), col(SupportAction.id))).all()


# The columns the detail sheet shows, read as plain rows (a district's month is ~21,000 records:
# building ORM objects with their JSON details for each would cost more than writing the sheet).
DETAIL_COLUMNS = ("id", "action_date", "unit_id", "category_id", "subtype", "organisation_id", "households",
                  "persons", "quantity", "quantity_unit", "value_dong", "beneficiary_class_id", "funding_source_id",
                  "household_name", "household_village", "author_id", "created_at", "note", "duplicate_status")


def _is_counted_twice(duplicate_status: str | None, scope: ExportScope) -> bool:
    return scope.organisation_code is None and duplicate_status == "confirmed"


def detail_rows(session: Session, *, names: Localised, scope: ExportScope, viewer: User,
                tz: ZoneInfo) -> list[list[object]]:
    """Rows of the detail sheet (DETAIL_HEADERS order): every record of `detail_actions`, as cell values.

    Empty texts are None (an empty cell, not an empty string). Names, villages and notes only for
    records at or under the viewer's unit (see the module notes).
    """
    t = names.t
    table = SupportAction.__table__  # type: ignore[attr-defined]
    records = session.execute(sa_select(*(table.c[name] for name in DETAIL_COLUMNS))
                              .where(*_detail_conditions(session, scope=scope))
                              .order_by(table.c.action_date, table.c.id)).all()
    viewer_unit = get_unit(session, unit_id=viewer.unit_id)
    lookups = _lookups(session)
    # Everything looked up by id is looked up once per id, not once per row.
    may_name = {unit_id: viewer_unit is not None and is_within(unit, viewer_unit)
                for unit_id, unit in lookups.units.items()}
    unit_names = {unit_id: unit_display(t, unit) for unit_id, unit in lookups.units.items()}
    specs = {category_id: names.catalogue.category_by_code(code) for category_id, code in lookups.categories.items()}
    category_names = {category_id: names.category(spec) if spec else "?" for category_id, spec in specs.items()}
    organisations = {org_id: names.organisation(code) for org_id, code in lookups.organisations.items()}
    classes = {class_id: names.beneficiary(code) for class_id, code in lookups.classes.items()}
    funding = {source_id: names.funding(code) for source_id, code in lookups.funding.items()}

    @functools.cache
    def subtype_name(category_id: int, subtype: str) -> str:
        spec = specs.get(category_id)
        return names.choice(spec, spec.subtype_field, subtype) if spec and spec.subtype_field else subtype

    @functools.cache
    def unit_name(category_id: int, unit_code: str | None) -> str | None:
        spec = specs.get(category_id)
        measure = spec.measure("quantity") if spec else None
        return names.unit(measure, unit_code) if measure else None

    utc = ZoneInfo("UTC")
    result: list[list[object]] = []
    for r in records:
        logged_at = r.created_at if r.created_at.tzinfo else r.created_at.replace(tzinfo=utc)
        named = may_name.get(r.unit_id, False)
        result.append([
            r.id, r.action_date, unit_names.get(r.unit_id, "?"), category_names.get(r.category_id, "?"),
            subtype_name(r.category_id, r.subtype) if r.subtype else None,
            organisations.get(r.organisation_id, names.organisation(None)), r.households, r.persons,
            (float(r.quantity) if r.quantity % 1 else int(r.quantity)) if r.quantity is not None else None,
            unit_name(r.category_id, r.quantity_unit) if r.quantity is not None else None, r.value_dong,
            classes.get(r.beneficiary_class_id or 0, names.beneficiary(None)),
            funding.get(r.funding_source_id, names.funding(None)) if r.funding_source_id else None,
            (r.household_name or None) if named else None, (r.household_village or None) if named else None,
            lookups.authors.get(r.author_id, "?"), logged_at.astimezone(tz).replace(tzinfo=None),
            (r.note or None) if named else None, "x" if _is_counted_twice(r.duplicate_status, scope) else None])
    return result


SUMMARY_FORMATS = {3: MONEY_FORMAT, 4: MONEY_FORMAT, 5: MONEY_FORMAT, 6: QUANTITY_FORMAT, 8: MONEY_FORMAT}
DETAIL_FORMATS = {2: DATE_FORMAT, 7: MONEY_FORMAT, 8: MONEY_FORMAT, 9: QUANTITY_FORMAT, 11: MONEY_FORMAT,
                  17: DATETIME_FORMAT}


def build_workbook(session: Session, *, names: Localised, scope: ExportScope, viewer: User, tz: ZoneInfo) -> bytes:
    """The XLSX workbook for a scope (see the module notes).

    Written with openpyxl's write-only mode: rows stream to the file as they are appended instead of
    becoming a grid of cell objects that is walked again to style and then to save (a district's month
    is ~21,000 rows × 19 columns). The price is that everything about a sheet except its rows must be
    known before the first row: column widths (from the first 200 rows, as before), frozen header;
    number formats go on each cell (WriteOnlyCell).
    """
    from openpyxl import Workbook

    t = names.t
    whole = compute_totals(session, unit=scope.unit, start=scope.period.start, end=scope.period.end,
                           organisation_code=scope.organisation_code, category_code=scope.category_code)
    rows = by_child_unit(session, unit=scope.unit, period=scope.period, organisation_code=scope.organisation_code,
                         category_code=scope.category_code, whole=whole)
    workbook = Workbook(write_only=True)
    _write_table(workbook, title=t("Summary")[:31], headers=[t(h) for h in SUMMARY_HEADERS],
                 rows=summary_rows(names, [(unit_display(t, unit), totals) for unit, totals in rows], whole),
                 formats=SUMMARY_FORMATS)
    _write_table(workbook, title=t("Details")[:31], headers=[t(h) for h in DETAIL_HEADERS],
                 rows=detail_rows(session, names=names, scope=scope, viewer=viewer, tz=tz), formats=DETAIL_FORMATS)
    about: list[tuple[str, object]] = [(t("Unit"), unit_display(t, scope.unit)), (t("Period"), scope.period.label(t)),
                                       (t("From"), scope.period.start), (t("To"), scope.period.end)]
    if scope.organisation_code:
        about.append((t("Organisation"), names.organisation(scope.organisation_code)))
    if scope.category_code:
        spec = names.catalogue.category_by_code(scope.category_code)
        about.append((t("Kind of support"), names.category(spec) if spec else scope.category_code))
    about.append((t("Total value (VND)"), grand_value(whole)))
    about.append((t("Made at"), datetime.now(tz).replace(tzinfo=None, microsecond=0)))
    info = workbook.create_sheet(t("About")[:31])
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 24, 40
    for label, value in about:
        number_format = (DATETIME_FORMAT if isinstance(value, datetime) else DATE_FORMAT if isinstance(value, date)
                         else MONEY_FORMAT if isinstance(value, int) else None)
        info.append([label, _cell(info, value, number_format)])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell(sheet: Any, value: object, number_format: str | None) -> object:
    """A value with a number format becomes a WriteOnlyCell carrying it; anything else stays a plain value."""
    if number_format is None or value is None:
        return value
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(sheet, value=value)
    cell.number_format = number_format
    return cell


def _write_table(workbook: Any, *, title: str, headers: list[str], rows: list[list[object]],
                 formats: dict[int, str]) -> None:
    """A sheet with a bold, filled, frozen header row, an auto-filter, number formats and fitted widths."""
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    sheet = workbook.create_sheet(title)
    sample: list[Sequence[object]] = [headers, *rows[:199]]  # widths from the first 200 rows, header included
    for index in range(len(headers)):
        width = max(len(str(row[index])) if row[index] is not None else 0 for row in sample)
        sheet.column_dimensions[get_column_letter(index + 1)].width = min(max(width + 2, 10), 45)
    sheet.freeze_panes = "A2"
    bold, fill, wrap = Font(bold=True), PatternFill("solid", fgColor="DDEBF7"), Alignment(wrap_text=True,
                                                                                            vertical="center")
    header_cells = []
    for header in headers:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font, cell.fill, cell.alignment = bold, fill, wrap
        header_cells.append(cell)
    sheet.append(header_cells)
    # One styled cell per formatted column, given each row's value in turn: append() writes the row out
    # before it returns, so the cell is free again for the next row (and 21,000 rows do not need
    # 130,000 styled cell objects, each looking its style up again).
    formatted: list[tuple[int, Any]] = []
    for index, number_format in sorted(formats.items()):
        prototype = WriteOnlyCell(sheet)
        prototype.number_format = number_format
        formatted.append((index - 1, prototype))
    for row in rows:
        values: list[object] = list(row)
        for index, prototype in formatted:
            if values[index] is not None:
                prototype.value = values[index]
                values[index] = prototype
        sheet.append(values)
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(headers))}{len(rows) + 1}"


@dataclass
class _Lookups:
    units: dict[int, Unit]
    categories: dict[int, str]
    organisations: dict[int, str]
    classes: dict[int, str]
    funding: dict[int, str]
    authors: dict[int, str]


def _lookups(session: Session) -> _Lookups:
    """Small tables read once per export instead of once per record."""
    def codes(model: Any) -> dict[int, str]:
        return {int(row.id or 0): str(row.code) for row in session.exec(select(model)).all()}

    return _Lookups(units={int(u.id or 0): u for u in session.exec(select(Unit)).all()},
                    categories=codes(Category), organisations=codes(Organisation), classes=codes(BeneficiaryClass),
                    funding=codes(FundingSource),
                    authors={int(u.id or 0): u.display_name for u in session.exec(select(User)).all()})


# ------------------------------------------------------------------ chart

def monthly_values(session: Session, *, unit: Unit, end: date, months: int = 6) -> list[tuple[Period, int]]:
    """Value per calendar month for the `months` months up to the one containing `end` (trend chart)."""
    from bot.services.periods import month_of

    periods = [month_of(end)]
    while len(periods) < months:
        periods.insert(0, periods[0].previous())
    return [(p, grand_value(compute_totals(session, unit=unit, start=p.start, end=p.end))) for p in periods]


def chart_png(*, title: str, units: Sequence[tuple[str, int]], trend: Sequence[tuple[str, int]],
              unit_axis: str, trend_axis: str, money_label: str) -> bytes:
    """Two panels: value per child unit (bars) and value by month (line), in millions of đồng."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(10, 8), dpi=100)
    FigureCanvasAgg(figure)
    top, bottom = figure.subplots(2, 1)
    labels = [label for label, _ in units]
    top.barh(labels[::-1], [value / 1e6 for _, value in units][::-1], color="#2f6f9f")
    top.set_title(unit_axis)
    top.set_xlabel(money_label)
    bottom.plot([label for label, _ in trend], [value / 1e6 for _, value in trend], marker="o", color="#c0392b")
    bottom.set_title(trend_axis)
    bottom.set_ylabel(money_label)
    bottom.set_ylim(bottom=0)
    figure.suptitle(title)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


# ------------------------------------------------------------------ draft report (DOCX)

def build_report_docx(session: Session, *, names: Localised, scope: ExportScope, place: str, today: date) -> bytes:
    """A DOCX draft of the results section of a periodic report, in the Decree 30/2020 layout:
    the issuing body and the national heading side by side, the number ("Số: .../BC-..."), place and
    date, the title, then the figures as sentences grouped by category and by organisation."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    t = names.t
    totals = scope_totals(session, unit=scope.unit, period=scope.period, organisation_code=scope.organisation_code,
                          category_code=scope.category_code)
    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    heading = document.add_table(rows=1, cols=2)
    left, right = heading.rows[0].cells
    unit_name = unit_display(t, scope.unit).upper()
    parent = get_unit(session, unit_id=scope.unit.parent_id) if scope.unit.parent_id else None
    left.paragraphs[0].text = unit_display(t, parent).upper() if parent else ""
    body = left.add_paragraph()
    body.add_run(unit_name).bold = True
    left.add_paragraph(t("No.: .../BC-{abbreviation}").format(abbreviation=_abbreviation(scope.unit.name)))
    right.paragraphs[0].add_run(t("SOCIALIST REPUBLIC OF VIET NAM")).bold = True
    motto = right.add_paragraph()
    motto.add_run(t("Independence - Freedom - Happiness")).bold = True
    place_date = right.add_paragraph()
    place_date.add_run(t("{place}, {date}").format(place=place, date=format_day_long(today, t.locale))).italic = True
    for cell in (left, right):
        for paragraph in cell.paragraphs:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(t("REPORT")).bold = True
    subtitle = document.add_paragraph()
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    subtitle.add_run(t("Results of support for poor households, {period}").format(
        period=scope.period.label(t))).bold = True
    document.add_heading(t("I. Results by kind of support"), level=2)
    before = scope.period.previous().label(t)
    for index, (spec, total) in enumerate(ordered_categories(names.catalogue, totals.current), start=1):
        previous = totals.previous.get(spec.code)
        change = change_text(t, headline_figure(total), headline_figure(previous) if previous else 0, before)
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{index}. {names.category(spec)}: ").bold = True
        paragraph.add_run(with_change(category_sentence(names, spec, total), change))
    if not totals.current:
        document.add_paragraph(t("No support recorded in {period}.").format(period=scope.period.label(t)))
    value = grand_value(totals.current)
    if value:
        from bot.formatting import format_money_prose

        document.add_paragraph(t("Total value: {value}").format(value=format_money_prose(value, t.locale)) + ".")
    if scope.organisation_code is None:
        document.add_heading(t("II. Results by organisation"), level=2)
        for code, organisation_totals in by_organisation(session, unit=scope.unit, period=scope.period,
                                                         category_code=scope.category_code):
            document.add_paragraph().add_run(names.organisation(code)).bold = True
            for spec, total in ordered_categories(names.catalogue, organisation_totals):
                document.add_paragraph(category_sentence(names, spec, total), style="List Bullet")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _abbreviation(name: str) -> str:
    """"Krông Pa" -> "KP": the unit part of a document number, for the officer to correct."""
    from bot.parsing.text import fold

    return "".join(word[0] for word in fold(name).upper().split() if word) or "..."


def by_unit_values(names: Localised, rows: Sequence[tuple[Unit, Totals]]) -> list[tuple[str, int]]:
    return [(unit_display(names.t, unit), grand_value(totals)) for unit, totals in rows]

