"""Hostile and damaged .xlsx household lists, end to end: XML entity expansion ("billion laughs", external
entities) and malformed sheet XML are refused with a reply that says what is wrong with the file, and
nothing is imported or kept waiting."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from bot.sandbox.fake_api import FakeTelegram
from db.models import Household, HouseholdUpload
from tests.support.files import xlsx_bytes, xlsx_with_member
from tests.support.harness import BotUnderTest, Chat

ROWS = [["Mã hộ", "Họ tên chủ hộ", "Thôn", "Phân loại"], ["HN-01", "Nguyễn Văn An", "Thôn 1", "Hộ nghèo"]]
SHEET = "xl/worksheets/sheet1.xml"
MAIN = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
LAUGHS = ('<?xml version="1.0"?>\n<!DOCTYPE worksheet [\n<!ENTITY a "hahahahahahahahahahahahahahahaha">\n'
          + "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">\n' for i in range(8))
          + f']>\n<worksheet {MAIN}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Mã hộ</t></is></c>'
          '<c r="B1" t="inlineStr"><is><t>Họ tên chủ hộ</t></is></c><c r="C1" t="inlineStr"><is><t>Phân loại</t>'
          '</is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>HN-01</t></is></c><c r="B2" t="inlineStr">'
          '<is><t>&i;</t></is></c><c r="C2" t="inlineStr"><is><t>Hộ nghèo</t></is></c></row></sheetData>'
          '</worksheet>').encode()
EXTERNAL = ('<?xml version="1.0"?>\n<!DOCTYPE worksheet [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
            f'<worksheet {MAIN}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&x;</t></is></c></row>'
            '</sheetData></worksheet>').encode()
MALFORMED = f'<worksheet {MAIN}><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>Mã hộ</t></is>'.encode()
NOT_XML = b"\x00\x01 this is not XML at all \xff"
REFUSAL = "không đọc được nội dung trang tính"


@pytest.mark.parametrize(("member", "content"), [(SHEET, LAUGHS), (SHEET, EXTERNAL), (SHEET, MALFORMED),
                                                 (SHEET, NOT_XML), ("xl/workbook.xml", MALFORMED)],
                         ids=["billion-laughs", "external-entity", "truncated-sheet", "binary-sheet",
                              "truncated-workbook"])
async def test_hostile_or_damaged_sheet_xml_is_refused_clearly(
        enroll: Callable[..., object], fake: FakeTelegram, bot: BotUnderTest, session: Session,
        member: str, content: bytes) -> None:
    chat: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    await bot.settle(fake.inject_document(chat.user, xlsx_with_member(ROWS, member, content), "ds.xlsx"))
    reply = chat.last.text
    assert REFUSAL in reply, reply
    assert "sự cố" not in reply, "not the generic error"
    assert chat.last.reply_markup is None, "nothing to confirm"
    assert session.exec(select(Household)).all() == []
    assert session.exec(select(HouseholdUpload)).all() == []
    # The same officer's good file right after is read as usual: the refusal left nothing behind.
    await bot.settle(fake.inject_document(chat.user, xlsx_bytes(ROWS), "ds.xlsx"))
    await chat.tap("✅ Nhập 1 hộ")
    assert "1 hộ mới" in chat.last.text


def test_openpyxl_parses_sheets_with_defusedxml() -> None:
    """defusedxml is a pinned dependency, so openpyxl refuses entity declarations instead of expanding them."""
    import openpyxl.xml

    assert openpyxl.xml.DEFUSEDXML is True
