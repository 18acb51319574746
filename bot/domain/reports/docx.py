"""The draft report (bot/domain/reports/draft.py) laid out as a DOCX with python-docx.

Layout only: Times New Roman 13 pt; the issuing body and the national heading side by side in a
borderless two-column table; the title centred and bold, then "Kính gửi:" and the addressees; sections as
headings; and the closing blocks side by side like the heading: "Nơi nhận:" (bold italic, its lines in
11 pt) on the left, the signature block (bold, centred) on the right with empty lines left to sign.
Placeholders are italic so the office sees what it must write. The appendix ("Biểu tổng hợp kết quả hỗ
trợ") follows on a landscape page of its own: a grid, its header and totals rows bold, numbers right-aligned.
"""

from __future__ import annotations

import io
from typing import Any

from bot.domain.reports.draft import DraftReport
from bot.domain.reports.summary_table import SummaryTable

SIGNING_SPACE = 4
"""Empty lines under the position, where the official signs and the seal goes."""


def render_docx(report: DraftReport) -> bytes:
    from docx import Document  # heavy: python-docx and lxml, only when a report is drawn
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # heavy: python-docx and lxml, only when a report is drawn
    from docx.shared import Pt  # heavy: python-docx and lxml, only when a report is drawn

    document = Document()
    style = document.styles["Normal"]
    style.font.name = "Times New Roman"
    style.font.size = Pt(13)
    heading = document.add_table(rows=1, cols=2)
    left, right = heading.rows[0].cells
    if report.issuer_parent:
        left.paragraphs[0].text = report.issuer_parent
        left.add_paragraph().add_run(report.issuer).bold = True
    else:  # nothing above the body: its name alone
        left.paragraphs[0].add_run(report.issuer).bold = True
    left.add_paragraph(report.number)
    right.paragraphs[0].add_run(report.national[0]).bold = True
    right.add_paragraph().add_run(report.national[1]).bold = True
    right.add_paragraph().add_run(report.place_date).italic = True
    for cell in (left, right):
        for paragraph in cell.paragraphs:
            paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for text in (report.title, report.subtitle):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.add_run(text).bold = True
    for text in _addressed(report):
        document.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.CENTER
    for section in report.sections:
        document.add_heading(section.heading, level=2)
        for line in section.lines:
            paragraph = document.add_paragraph(style="List Bullet" if line.bullet else None)
            if line.lead:
                paragraph.add_run(line.lead).bold = True
            if line.text:
                paragraph.add_run(line.text).italic = line.placeholder
    closing = document.add_table(rows=1, cols=2)
    to, sign = closing.rows[0].cells
    lead = to.paragraphs[0].add_run(report.recipients_heading)
    lead.bold = lead.italic = True
    lead.font.size = Pt(12)
    for recipient in report.recipients:
        to.add_paragraph().add_run(recipient).font.size = Pt(11)
    lines = [report.signature_on_behalf, report.signature_position] if report.signature_on_behalf \
        else [report.signature_position]
    sign.paragraphs[0].add_run(lines[0]).bold = True
    for text in lines[1:]:
        sign.add_paragraph().add_run(text).bold = True
    sign.add_paragraph().add_run(report.signature_note).italic = True
    for _ in range(SIGNING_SPACE):
        sign.add_paragraph()
    for paragraph in sign.paragraphs:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _appendix(document, report.appendix, report.appendix_note, locale=report.locale)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _addressed(report: DraftReport) -> list[str]:
    """"Kính gửi: UBND tỉnh Lạng Sơn." on one line, or "Kính gửi:" over one "- …;" line per addressee."""
    if not report.addressees:
        return []
    if len(report.addressees) == 1:
        return [f"{report.addressed} {report.addressees[0]}."]
    last = len(report.addressees) - 1
    return [report.addressed, *(f"- {a}{'.' if i == last else ';'}" for i, a in enumerate(report.addressees))]


def _appendix(document: Any, table: SummaryTable, note: str, *, locale: str) -> None:
    """The summary table on a new landscape page: title, which report it belongs to, then the grid."""
    from docx.enum.section import WD_ORIENT, WD_SECTION  # heavy: python-docx and lxml, only when a report is drawn
    from docx.enum.text import WD_ALIGN_PARAGRAPH  # heavy: python-docx and lxml, only when a report is drawn
    from docx.shared import Pt  # heavy: python-docx and lxml, only when a report is drawn

    section = document.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = section.page_height, section.page_width
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.add_run(table.title.upper()).bold = True
    remark = document.add_paragraph()
    remark.alignment = WD_ALIGN_PARAGRAPH.CENTER
    remark.add_run(note).italic = True
    grid = document.add_table(rows=0, cols=len(table.columns))
    grid.style = "Table Grid"
    kinds = [column.kind for column in table.columns]
    lines = [([column.header for column in table.columns], True),
             *(([table.text(v, k, locale) for v, k in zip(row, kinds, strict=True)], False) for row in table.rows),
             ([table.text(v, k, locale) for v, k in zip(table.total, kinds, strict=True)], True)]
    for index, (texts, bold) in enumerate(lines):
        for cell, text, kind in zip(grid.add_row().cells, texts, kinds, strict=True):
            paragraph = cell.paragraphs[0]
            run = paragraph.add_run(text)
            run.bold, run.font.size = bold, Pt(10)
            if index == 0:
                paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
            elif kind != "text":
                paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
