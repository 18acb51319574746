"""Files a user sends in the tests: a household list as a real XLSX workbook."""

from __future__ import annotations

import io

from openpyxl import Workbook


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    """A one-sheet workbook holding `rows`, as the bytes of an .xlsx file."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
