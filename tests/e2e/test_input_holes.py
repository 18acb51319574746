"""Small holes in typed input, each answered politely now: LIKE wildcards in /household, "²" as a member
count (it passes str.isdigit() but int() refuses it), a reporting period in year 9999, and a ".xlsx" that
is not a zip file."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from bot.i18n import get_translator
from bot.sandbox.fake_api import FakeTelegram
from db.models import Household, ReportingPeriod
from tests.support.files import xlsx_bytes
from tests.support.harness import BotUnderTest, Chat

VI = get_translator("vi")
GENERIC_ERROR = VI("Sorry, something went wrong on our side. Please try again in a moment.")
ROWS = [["Mã hộ", "Họ tên chủ hộ", "Thôn", "Phân loại", "Số nhân khẩu"],
        ["HN-01", "Nguyễn Văn An", "Thôn 1", "Hộ nghèo", "5"],
        ["HN-02", "Trần Thị Bình", "Thôn 2", "cận nghèo", "4"]]



@pytest.fixture
async def commune(enroll: Callable[..., object], fake: FakeTelegram, bot: BotUnderTest) -> Chat:
    chat: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[assignment]
    await bot.settle(fake.inject_document(chat.user, xlsx_bytes(ROWS), "ho-ngheo.xlsx"))
    await chat.tap("✅ Nhập 2 hộ")
    return chat


async def test_wildcards_in_household_search_are_literal(commune: Chat) -> None:
    for text in ("%", "_", "%%", "_%_", "a%", "%n", "\\", "\\%"):
        reply = await commune.reply_text(f"/household {text}")
        assert reply == VI("No household in your unit's register matches “{text}”.").format(text=text)
    assert "Nguyễn Văn An" in await commune.reply_text("/household van an")


async def test_household_add_refuses_odd_member_counts(commune: Chat, session: Session) -> None:
    for members in ("²", "٣", "５", "0", "100", "-1"):
        reply = await commune.reply_text(f"/household_add HN-09; Lê Văn C; thôn 4; hộ nghèo; {members}")
        assert reply.startswith(VI("I could not read the classification or the number of members.")), members
    assert session.exec(select(Household).where(Household.code == "HN-09")).first() is None
    assert "Lê Văn C" in await commune.reply_text("/household_add HN-09; Lê Văn C; thôn 4; hộ nghèo; 7")


async def test_household_import_refuses_odd_member_counts_and_years(commune: Chat, fake: FakeTelegram,
                                                                    bot: BotUnderTest, session: Session) -> None:
    rows = [[*ROWS[0], "Năm"], ["HN-07", "Lê Thị D", "Thôn 1", "Hộ nghèo", "²", "2026"],
            ["HN-08", "Lê Văn E", "Thôn 1", "Hộ nghèo", "3", "２０２６"]]
    await bot.settle(fake.inject_document(commune.user, xlsx_bytes(rows), "ds.xlsx"))
    text = commune.last.text
    assert text.endswith("dòng 2: số nhân khẩu “²” không hợp lệ (phải là số nguyên từ 1 đến 99)\n"
                         "dòng 3: năm “２０２６” không hợp lệ (phải từ 2000 đến 2100)"), "in the officer's language"
    assert GENERIC_ERROR not in text
    assert session.exec(select(Household).where(Household.code.in_(["HN-07", "HN-08"]))).all() == []  # type: ignore[attr-defined]


async def test_a_file_named_xlsx_that_is_not_excel_is_refused_politely(commune: Chat, fake: FakeTelegram,
                                                                       bot: BotUnderTest) -> None:
    for content in (b"not a zip at all", b"PK\x03\x04broken", b"", "Mã hộ;Tên\nHN-1;A".encode()):
        count = len(commune.messages)
        await bot.settle(fake.inject_document(commune.user, content, "danh-sach.xlsx"))
        assert [m.text for m in commune.messages[count:]] == [VI(
            "Sorry, this file cannot be read as an Excel (.xlsx) or CSV table. Please save it again as .xlsx or "
            ".csv and send it.")]


async def test_period_years_outside_a_sane_window_are_refused(enroll: Callable[..., object], session: Session) -> None:
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[assignment]
    for dates in ("1/1/9999; 2/1/9999; 3/1/9999", "1/1/0001; 2/1/0001; 3/1/0001", "1/7/2027; 30/9/2027; 10/10/2101",
                  "1/7/1999; 30/9/2027; 10/10/2027"):
        reply = await supervisor.reply_text(f"/period Kỳ lạ; {dates}")
        assert reply == VI("The years must be between {first} and {last}.").format(first=2000, last=2100), dates
    assert session.exec(select(ReportingPeriod)).all() == []
    reply = await supervisor.reply_text("/period Quý; ١/٧/٢٠٢٧; 30/9/2027; 10/10/2027")
    assert reply.startswith(VI("I could not read that. Write: /period name; start; end; due date, e.g. "
                               "/period Quý III/2027; 1/7/2027; 30/9/2027; 10/10/2027")[:20])
    assert session.exec(select(ReportingPeriod)).all() == []
