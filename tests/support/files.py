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


def xlsx_with_member(rows: list[list[str]], member: str, content: bytes) -> bytes:
    """The workbook of `rows` with one of its zip members (e.g. "xl/worksheets/sheet1.xml") replaced by
    `content`: a hostile or damaged file as an attacker or a broken tool would make it."""
    import zipfile

    source = zipfile.ZipFile(io.BytesIO(xlsx_bytes(rows)))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            target.writestr(item, content if item.filename == member else source.read(item.filename))
    return buffer.getvalue()
