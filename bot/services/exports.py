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

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

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


def detail_actions(session: Session, *, scope: ExportScope) -> Sequence[SupportAction]:
    """Every current record of the scope, by date: the rows behind the totals (duplicates marked)."""
    conditions = [col(SupportAction.status) == ActionStatus.CURRENT,
                  col(SupportAction.unit_id).in_(subtree_unit_ids(session, root=scope.unit)),
                  col(SupportAction.action_date) >= scope.period.start,
                  col(SupportAction.action_date) <= scope.period.end]
    if scope.organisation_code is not None:
        conditions.append(col(SupportAction.organisation_id).in_(
            select(Organisation.id).where(Organisation.code == scope.organisation_code)))
    if scope.category_code is not None:
        conditions.append(col(SupportAction.category_id).in_(
            select(Category.id).where(Category.code == scope.category_code)))
    return session.exec(select(SupportAction).where(*conditions)
                        .order_by(col(SupportAction.action_date), col(SupportAction.id))).all()


def _is_counted_twice(action: SupportAction, scope: ExportScope) -> bool:
    return scope.organisation_code is None and action.duplicate_status == "confirmed"


def build_workbook(session: Session, *, names: Localised, scope: ExportScope, viewer: User, tz: ZoneInfo) -> bytes:
    """The XLSX workbook for a scope (see the module notes)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    t = names.t
    whole = compute_totals(session, unit=scope.unit, start=scope.period.start, end=scope.period.end,
                           organisation_code=scope.organisation_code, category_code=scope.category_code)
    rows = by_child_unit(session, unit=scope.unit, period=scope.period, organisation_code=scope.organisation_code,
                         category_code=scope.category_code, whole=whole)
    workbook = Workbook()
    summary = workbook.active
    assert summary is not None
    summary.title = t("Summary")[:31]
    summary.append([t(h) for h in SUMMARY_HEADERS])
    for row in summary_rows(names, [(unit_display(t, unit), totals) for unit, totals in rows], whole):
        summary.append(row)
    detail = workbook.create_sheet(t("Details")[:31])
    detail.append([t(h) for h in DETAIL_HEADERS])
    viewer_unit = get_unit(session, unit_id=viewer.unit_id)
    lookups = _lookups(session)
    for action in detail_actions(session, scope=scope):
        unit = lookups.units.get(action.unit_id)
        may_name = viewer_unit is not None and unit is not None and is_within(unit, viewer_unit)
        spec = names.catalogue.category_by_code(lookups.categories.get(action.category_id, ""))
        logged_at = action.created_at if action.created_at.tzinfo else action.created_at.replace(tzinfo=ZoneInfo("UTC"))
        subtype = names.choice(spec, spec.subtype_field, action.subtype) if spec and spec.subtype_field and \
            action.subtype else ""
        quantity_unit = ""
        if spec is not None and (measure := spec.measure("quantity")) is not None and action.quantity is not None:
            quantity_unit = names.unit(measure, action.quantity_unit)
        detail.append([
            action.id, action.action_date, unit_display(t, unit) if unit else "?",
            names.category(spec) if spec else "?", subtype,
            names.organisation(lookups.organisations.get(action.organisation_id)),
            action.households, action.persons,
            (float(action.quantity) if action.quantity % 1 else int(action.quantity))
            if action.quantity is not None else None,
            quantity_unit, action.value_dong,
            names.beneficiary(lookups.classes.get(action.beneficiary_class_id or 0)),
            names.funding(lookups.funding.get(action.funding_source_id or 0)) if action.funding_source_id else "",
            (action.household_name or "") if may_name else "", (action.household_village or "") if may_name else "",
            lookups.authors.get(action.author_id, "?"), logged_at.astimezone(tz).replace(tzinfo=None),
            (action.note or "") if may_name else "", "x" if _is_counted_twice(action, scope) else ""])
    info = workbook.create_sheet(t("About")[:31])
    info.append([t("Unit"), unit_display(t, scope.unit)])
    info.append([t("Period"), scope.period.label(t)])
    info.append([t("From"), scope.period.start])
    info.append([t("To"), scope.period.end])
    if scope.organisation_code:
        info.append([t("Organisation"), names.organisation(scope.organisation_code)])
    if scope.category_code:
        spec = names.catalogue.category_by_code(scope.category_code)
        info.append([t("Kind of support"), names.category(spec) if spec else scope.category_code])
    info.append([t("Total value (VND)"), grand_value(whole)])
    info.append([t("Made at"), datetime.now(tz).replace(tzinfo=None, microsecond=0)])
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="DDEBF7")
    formats = {
        summary.title: {3: MONEY_FORMAT, 4: MONEY_FORMAT, 5: MONEY_FORMAT, 6: QUANTITY_FORMAT, 8: MONEY_FORMAT},
        detail.title: {2: DATE_FORMAT, 7: MONEY_FORMAT, 8: MONEY_FORMAT, 9: QUANTITY_FORMAT, 11: MONEY_FORMAT,
                       17: DATETIME_FORMAT},
    }
    for sheet in (summary, detail):
        for cell in sheet[1]:
            cell.font, cell.fill = bold, fill
            cell.alignment = Alignment(wrap_text=True, vertical="center")
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        for index, number_format in formats[sheet.title].items():
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index, max_col=index):
                cell.number_format = number_format
        for index, column in enumerate(sheet.iter_cols(max_row=min(sheet.max_row, 200)), start=1):
            width = max(len(str(c.value)) if c.value is not None else 0 for c in column)
            sheet.column_dimensions[get_column_letter(index)].width = min(max(width + 2, 10), 45)
    for (cell,) in info.iter_rows(min_col=2, max_col=2):
        if isinstance(cell.value, datetime):
            cell.number_format = DATETIME_FORMAT
        elif isinstance(cell.value, date):
            cell.number_format = DATE_FORMAT
        elif isinstance(cell.value, int):
            cell.number_format = MONEY_FORMAT
    info.column_dimensions["A"].width, info.column_dimensions["B"].width = 24, 40
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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

