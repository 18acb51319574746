"""A small XLSX writer for our tables: a header row (bold, filled, frozen, auto-filter), columns of one
kind each (text, integer, money, quantity, date, date and time), widths, shared strings.

Why not openpyxl (which reads the household register and reads our files back in the tests): a
whole-district digest attaches every record of the month, ~21,000 rows × 19 columns on the
benchmark's 1,000,000 records, and openpyxl spends ~10 µs per cell even in write-only mode (3.4 s
for that sheet; XlsxWriter 2.1 s, PyExcelerate 2.1 s on the same machine), against a target of
under a second for the whole digest. Here a sheet is given column by column and each column is
rendered with one comprehension over its values, strings looked up once per distinct value: the
same sheet takes ~0.15 s (BENCHMARKS.md). What it writes is the plain subset of SpreadsheetML
(ECMA-376 part 1) that spreadsheet programs read everywhere: cells carry no `r` reference (it is
optional; each `<c>` is the next column, an empty `<c/>` holds a gap), numbers and dates as
numbers with a number format, text in the shared-strings table.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from xml.sax.saxutils import escape, quoteattr


class Kind(Enum):
    """What a column holds; decides how its cells are written and which number format they get."""

    TEXT = "text"
    NUMBER = "number"  # plain number, no format (ids, counts shown as such)
    MONEY = "money"  # "#,##0": integers with thousands separators (đồng, households, persons)
    QUANTITY = "quantity"  # "#,##0.###": up to three decimals
    DATE = "date"  # "dd/mm/yyyy"
    DATETIME = "datetime"  # "dd/mm/yyyy hh:mm" (give local times: a cell has no time zone)
    AUTO = "auto"  # decided per value (short label/value sheets); not for long columns


# cellXfs indices in STYLES below
_HEADER, _MONEY, _QUANTITY, _DATE, _DATETIME = 1, 2, 3, 4, 5
_STYLE_OF = {Kind.MONEY: _MONEY, Kind.QUANTITY: _QUANTITY, Kind.DATE: _DATE, Kind.DATETIME: _DATETIME}


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    width: float | None = None  # characters; None = fitted to the header and the first rows


@dataclass
class Sheet:
    """One worksheet. `values` is column-major: one sequence per column, all of the same length."""

    title: str
    columns: Sequence[Column]
    values: Sequence[Sequence[object]]
    header: bool = True  # a styled, frozen header row with an auto-filter over the table
    _rows: int = field(init=False, default=0)

    def __post_init__(self) -> None:
        if len(self.values) != len(self.columns):
            raise ValueError("one sequence of values per column")
        lengths = {len(column) for column in self.values}
        if len(lengths) > 1:
            raise ValueError("every column needs the same number of values")
        self._rows = lengths.pop() if lengths else 0


EXCEL_EPOCH = date(1899, 12, 30).toordinal()
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")  # not allowed in XML 1.0


def excel_date(day: date) -> int:
    return day.toordinal() - EXCEL_EPOCH


def excel_datetime(moment: datetime) -> float:
    return (moment.toordinal() - EXCEL_EPOCH
            + (moment.hour * 3600 + moment.minute * 60 + moment.second) / 86400)


class _SharedStrings:
    """The workbook's shared-strings table: each distinct text is stored once and cells point to it."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}

    def cell(self, text: str, style: int = 0) -> str:
        position = self.index.setdefault(text, len(self.index))
        return f'<c t="s" s="{style}"><v>{position}</v></c>' if style else f'<c t="s"><v>{position}</v></c>'

    def xml(self) -> bytes:
        items = []
        for text in self.index:
            clean = _ILLEGAL.sub("", text)
            space = ' xml:space="preserve"' if clean != clean.strip() or "\n" in clean else ""
            items.append(f"<si><t{space}>{escape(clean)}</t></si>")
        count = len(self.index)
        return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<sst xmlns="{_MAIN}" count="{count}" '
                f'uniqueCount="{count}">{"".join(items)}</sst>').encode()


def _render_column(kind: Kind, values: Sequence[object], strings: _SharedStrings) -> list[str]:
    """The `<c>` elements of one column, one per row: one pass per column, not a function call per cell."""
    empty = "<c/>"
    if kind is Kind.TEXT:
        cells = {None: empty, "": empty}
        for value in set(values):
            if value is not None and value != "":
                cells[value] = strings.cell(str(value))  # type: ignore[index]
        return [cells[value] for value in values]  # type: ignore[index]
    if kind is Kind.DATE:
        days: dict[object, str] = {None: empty}
        for value in set(values):
            if value is not None:
                days[value] = f'<c s="{_DATE}"><v>{excel_date(value)}</v></c>'  # type: ignore[arg-type]
        return [days[value] for value in values]
    if kind is Kind.DATETIME:
        return [f'<c s="{_DATETIME}"><v>{excel_datetime(value)}</v></c>' if isinstance(value, datetime) else empty
                for value in values]
    if kind is Kind.AUTO:
        return [_auto_cell(value, strings) for value in values]
    # int, float (shortest repr) and Decimal all format as XML Schema numbers, which is what <v> holds.
    style = f' s="{_STYLE_OF[kind]}"' if kind in _STYLE_OF else ""
    return [f"<c{style}><v>{value}</v></c>" if value is not None else empty for value in values]


def _auto_cell(value: object, strings: _SharedStrings) -> str:
    if value is None or value == "":
        return "<c/>"
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | date):
        return strings.cell(str(value))
    if isinstance(value, datetime):
        return f'<c s="{_DATETIME}"><v>{excel_datetime(value)}</v></c>'
    if isinstance(value, date):
        return f'<c s="{_DATE}"><v>{excel_date(value)}</v></c>'
    style = _MONEY if isinstance(value, int) else _QUANTITY
    return f'<c s="{style}"><v>{value}</v></c>'


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _fitted_width(column: Column, values: Sequence[object]) -> float:
    """Width from the header and the first 200 values, between 10 and 45 characters."""
    if column.width is not None:
        return column.width
    sample = [column.header, *values[:199]]
    widest = max(len(str(value)) if value is not None else 0 for value in sample)
    return min(max(widest + 2, 10), 45)


def _sheet_xml(sheet: Sheet, strings: _SharedStrings) -> bytes:
    count = len(sheet.columns)
    last = f"{column_letter(count)}{sheet._rows + (1 if sheet.header else 0)}"
    parts = [f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_MAIN}" '
             f'xmlns:r="{_RELATIONSHIPS}"><dimension ref="A1:{last}"/>']
    if sheet.header:
        parts.append('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                     'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" '
                     'sqref="A2"/></sheetView></sheetViews>')
    else:
        parts.append('<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
    parts.append('<sheetFormatPr defaultRowHeight="15"/><cols>')
    parts += [f'<col min="{i}" max="{i}" width="{_fitted_width(column, values)}" customWidth="1"/>'
              for i, (column, values) in enumerate(zip(sheet.columns, sheet.values, strict=True), start=1)]
    parts.append("</cols><sheetData>")
    if sheet.header:
        parts.append("<row>" + "".join(strings.cell(column.header, _HEADER) for column in sheet.columns) + "</row>")
    if sheet._rows:
        columns = [_render_column(column.kind, values, strings)
                   for column, values in zip(sheet.columns, sheet.values, strict=True)]
        parts.append("<row>" + "</row><row>".join(map("".join, zip(*columns, strict=True))) + "</row>")
    parts.append("</sheetData>")
    if sheet.header:
        parts.append(f'<autoFilter ref="A1:{last}"/>')
    parts.append("</worksheet>")
    return "".join(parts).encode()


_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOCUMENT = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

STYLES = (_XML + f'<styleSheet xmlns="{_MAIN}">'
          '<numFmts count="4"><numFmt numFmtId="164" formatCode="#,##0"/>'
          '<numFmt numFmtId="165" formatCode="#,##0.###"/><numFmt numFmtId="166" formatCode="dd/mm/yyyy"/>'
          '<numFmt numFmtId="167" formatCode="dd/mm/yyyy hh:mm"/></numFmts>'
          '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
          '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
          '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
          '</fill><fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/><bgColor indexed="64"/>'
          '</patternFill></fill></fills>'
          '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
          '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
          '<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
          '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" applyFill="1" '
          'applyAlignment="1"><alignment vertical="center" wrapText="1"/></xf>'
          '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
          '<xf numFmtId="167" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
          '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
          '</styleSheet>').encode()

_FORBIDDEN_IN_TITLE = re.compile(r"[\[\]:*?/\\]")


def sheet_title(title: str) -> str:
    """A title Excel accepts: at most 31 characters, none of []:*?/\\."""
    return _FORBIDDEN_IN_TITLE.sub(" ", title).strip()[:31] or "Sheet"


def workbook_bytes(sheets: Sequence[Sheet], *, compresslevel: int = 1) -> bytes:
    """The XLSX file of `sheets`, in order. Level 1 compression: the detail sheet is ~8 MB of XML that
    deflates ~15× at level 1 already; higher levels cost several times the time for a few per cent."""
    strings = _SharedStrings()
    titles = [sheet_title(sheet.title) for sheet in sheets]
    documents: list[tuple[str, bytes]] = [(f"xl/worksheets/sheet{i}.xml", _sheet_xml(sheet, strings))
                                          for i, sheet in enumerate(sheets, start=1)]
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
        f'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for i in range(1, len(sheets) + 1))
    content_types = (
        _XML + '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/xl/workbook.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
        '<Override PartName="/xl/styles.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
        '<Override PartName="/xl/sharedStrings.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
        f"{overrides}</Types>")
    package_relationships = (
        _XML + f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}"><Relationship Id="rId1" '
        f'Type="{_DOCUMENT}/officeDocument" Target="xl/workbook.xml"/></Relationships>')
    sheet_entries = "".join(f'<sheet name={quoteattr(title)} sheetId="{i}" r:id="rId{i}"/>'
                            for i, title in enumerate(titles, start=1))
    filters = "".join(
        f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
        f"{escape(_quoted_title(title))}!$A$1:${column_letter(len(sheet.columns))}${sheet._rows + 1}</definedName>"
        for i, (title, sheet) in enumerate(zip(titles, sheets, strict=True)) if sheet.header)
    workbook = (_XML + f'<workbook xmlns="{_MAIN}" xmlns:r="{_RELATIONSHIPS}"><bookViews><workbookView/></bookViews>'
                f"<sheets>{sheet_entries}</sheets>"
                + (f"<definedNames>{filters}</definedNames>" if filters else "") + "</workbook>")
    count = len(sheets)
    workbook_relationships = (
        _XML + f'<Relationships xmlns="{_PACKAGE_RELATIONSHIPS}">'
        + "".join(f'<Relationship Id="rId{i}" Type="{_DOCUMENT}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                  for i in range(1, count + 1))
        + f'<Relationship Id="rId{count + 1}" Type="{_DOCUMENT}/styles" Target="styles.xml"/>'
        f'<Relationship Id="rId{count + 2}" Type="{_DOCUMENT}/sharedStrings" Target="sharedStrings.xml"/>'
        "</Relationships>")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        archive.writestr("[Content_Types].xml", content_types)
        archive.writestr("_rels/.rels", package_relationships)
        archive.writestr("xl/workbook.xml", workbook)
        archive.writestr("xl/_rels/workbook.xml.rels", workbook_relationships)
        archive.writestr("xl/styles.xml", STYLES)
        for name, document in documents:
            archive.writestr(name, document)
        archive.writestr("xl/sharedStrings.xml", strings.xml())
    return buffer.getvalue()


def _quoted_title(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"

