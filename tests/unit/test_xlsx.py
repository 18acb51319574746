"""bot/domain/reports/xlsx.py writes workbooks that a spreadsheet reader (openpyxl here) reads back exactly."""

from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from bot.domain.parsing.numbers import MONEY_MAX
from bot.domain.reports.xlsx import Column, Kind, Sheet, column_letter, sheet_title, workbook_bytes


def _table() -> Sheet:
    return Sheet(title="Chi tiết", columns=[
        Column("Số", Kind.NUMBER), Column("Ngày", Kind.DATE), Column("Tên"), Column("Số hộ", Kind.MONEY),
        Column("Số lượng", Kind.QUANTITY), Column("Lúc", Kind.DATETIME), Column("Ghi chú")],
        values=[[1, 2, 3], [date(2026, 11, 1), None, date(1999, 12, 31)],
                ["Nguyễn Văn A & <con>", None, "  lề trái"],
                [45, None, 1_234_567_890_123], [Decimal("5410.500"), 12.25, 7],
                [datetime(2026, 11, 23, 7, 30), datetime(2026, 1, 1, 0, 0, 59), None],
                ["dòng 1\ndòng 2", "kí tự\x07 lạ \"trích\" 'dẫn'", ""]])


def test_values_types_and_formats_read_back() -> None:
    workbook = load_workbook(io.BytesIO(workbook_bytes([_table()])))
    sheet = workbook["Chi tiết"]
    assert [c.value for c in sheet[1]] == ["Số", "Ngày", "Tên", "Số hộ", "Số lượng", "Lúc", "Ghi chú"]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert rows == [
        (1, datetime(2026, 11, 1), "Nguyễn Văn A & <con>", 45, 5410.5, datetime(2026, 11, 23, 7, 30), "dòng 1\ndòng 2"),
        (2, None, None, None, 12.25, datetime(2026, 1, 1, 0, 0, 59), "kí tự lạ \"trích\" 'dẫn'"),
        (3, datetime(1999, 12, 31), "  lề trái", 1_234_567_890_123, 7, None, None),
    ]
    assert [sheet.cell(row=2, column=i).number_format for i in range(1, 8)] == [
        "General", "dd/mm/yyyy", "General", "#,##0", "#,##0.###", "dd/mm/yyyy hh:mm", "General"]
    header = sheet.cell(row=1, column=1)
    assert header.font.b and header.fill.fgColor.rgb == "FFDDEBF7" and header.alignment.wrap_text
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref == "A1:G4"
    assert sheet.column_dimensions["C"].width == 22  # the longest of the first rows + 2
    assert sheet.column_dimensions["A"].width == 10  # at least 10


def test_several_sheets_share_strings_and_a_label_sheet_without_header() -> None:
    about = Sheet(title="Thông tin", columns=[Column("", width=24), Column("", Kind.AUTO, width=40)],
                  values=[["Đơn vị", "Từ ngày", "Tổng trị giá", "Lập lúc", "Tỷ lệ"],
                          ["xã Ia Rsai", date(2026, 11, 1), 192_750_000, datetime(2026, 11, 23, 8, 5), 0.75]],
                  header=False)
    content = workbook_bytes([_table(), about])
    workbook = load_workbook(io.BytesIO(content))
    assert workbook.sheetnames == ["Chi tiết", "Thông tin"]
    sheet = workbook["Thông tin"]
    assert list(sheet.iter_rows(values_only=True)) == [
        ("Đơn vị", "xã Ia Rsai"), ("Từ ngày", datetime(2026, 11, 1)), ("Tổng trị giá", 192_750_000),
        ("Lập lúc", datetime(2026, 11, 23, 8, 5)), ("Tỷ lệ", 0.75)]
    assert sheet.cell(row=3, column=2).number_format == "#,##0" and sheet.freeze_panes is None
    assert sheet.column_dimensions["A"].width == 24 and sheet.column_dimensions["B"].width == 40
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():  # every part is well-formed XML
            ElementTree.fromstring(archive.read(name))
        shared = archive.read("xl/sharedStrings.xml").decode()
    assert shared.count("<t>xã Ia Rsai</t>") == 1


def test_an_empty_table_has_its_header_only() -> None:
    sheet = Sheet(title="Trống", columns=[Column("A"), Column("B", Kind.MONEY)], values=[[], []])
    read = load_workbook(io.BytesIO(workbook_bytes([sheet])))["Trống"]
    assert list(read.iter_rows(values_only=True)) == [("A", "B")]


def test_columns_must_match() -> None:
    with pytest.raises(ValueError):
        Sheet(title="x", columns=[Column("A")], values=[[1], [2]])
    with pytest.raises(ValueError):
        Sheet(title="x", columns=[Column("A"), Column("B")], values=[[1], [2, 3]])


@pytest.mark.parametrize(("title", "expected"), [("Tổng hợp", "Tổng hợp"), ("Quý 3/2026: xã [A]", "Quý 3 2026  xã  A"),
                                                 ("x" * 40, "x" * 31), ("???", "Sheet")])
def test_sheet_titles_excel_accepts(title: str, expected: str) -> None:
    assert sheet_title(title) == expected


def test_column_letters() -> None:
    assert [column_letter(i) for i in (1, 19, 26, 27, 52, 703)] == ["A", "S", "Z", "AA", "AZ", "AAA"]


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=MONEY_MAX), min_size=1, max_size=5))
def test_money_cells_read_back_to_the_dong(amounts: list[int]) -> None:
    """The table form of money: whole đồng as numbers (shown "945.650.000"), never a rounded text."""
    sheet = Sheet(title="Tổng hợp", columns=[Column("Trị giá (đồng)", Kind.MONEY)], values=[amounts])
    read = load_workbook(io.BytesIO(workbook_bytes([sheet])))["Tổng hợp"]
    assert [row[0] for row in read.iter_rows(min_row=2, values_only=True)] == amounts
    assert read.cell(row=2, column=1).number_format == "#,##0"
