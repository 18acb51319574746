"""Household register, double-count detection and "no one left behind", end to end."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from bot.domain.totals.aggregate import compute_totals
from bot.sandbox.fake_api import FakeTelegram
from db.models import Household, SupportAction
from db.queries import get_unit_by_code
from tests.support.files import xlsx_bytes
from tests.support.harness import BotUnderTest, Chat

GOOD_ROWS = [
    ["Mã hộ", "Họ tên chủ hộ", "Thôn", "Phân loại", "Số nhân khẩu", "Nhà ở không an toàn"],
    ["HN-01", "Nguyễn Văn An", "Thôn 1", "Hộ nghèo", "5", ""],
    ["HN-02", "Trần Thị Bình", "Thôn 2", "cận nghèo", "4", ""],
    ["HN-03", "Ksor Y Nhi", "Buôn 3", "ho ngheo", "6", "x"],
]



def _today() -> date:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


async def _send_file(chat: Chat, fake: FakeTelegram, bot: BotUnderTest, content: bytes, name: str) -> None:
    await bot.settle(fake.inject_document(chat.user, content, name))


@pytest.fixture
async def commune(enroll: Callable[..., object], fake: FakeTelegram, bot: BotUnderTest) -> Chat:
    """A commune officer of Ia Rsai (Hội LHPN) whose register holds three households."""
    chat: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", organisation="womens_union")  # type: ignore[misc]
    await _send_file(chat, fake, bot, xlsx_bytes(GOOD_ROWS), "ho-ngheo-2026.xlsx")
    await chat.tap("✅ Nhập 3 hộ")
    assert "3 hộ mới" in chat.last.text
    return chat


async def test_import_reports_bad_rows_by_line_and_imports_nothing(enroll: Callable[..., object], fake: FakeTelegram,
                                                                   bot: BotUnderTest, session: Session) -> None:
    chat: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    bad = ("Mã hộ;Chủ hộ;Thôn;Loại hộ;Số khẩu\nHN-01;Nguyễn Văn An;Thôn 1;hộ nghèo;5\n"
           ";Không mã;Thôn 1;hộ nghèo;3\nHN-03;Lê Văn C;Thôn 2;giàu có;3\nHN-04;Đinh D;Thôn 2;cận nghèo;abc\n")
    await _send_file(chat, fake, bot, bad.encode(), "danh-sach.csv")
    reply = chat.last.text
    assert "Các cột nhận được" in reply and "mã hộ ← “Mã hộ”" in reply and "chủ hộ ← “Chủ hộ”" in reply
    assert "Chưa nhập dữ liệu nào" in reply
    assert reply.endswith("dòng 3: cần có mã hộ và họ tên chủ hộ\ndòng 4: không rõ phân loại “giàu có”\n"
                          "dòng 5: số nhân khẩu “abc” không hợp lệ (phải là số nguyên từ 1 đến 99)")
    assert "dòng 2" not in reply
    assert session.exec(select(Household)).all() == []
    await _send_file(chat, fake, bot, b"not,a\nlist,really\n", "x.csv")
    assert chat.last.text == "Chưa nhập dữ liệu nào:\nthiếu cột: mã hộ, chủ hộ, phân loại"


async def test_good_list_is_imported_after_confirmation_and_reimport_updates(commune: Chat, fake: FakeTelegram,
                                                                             bot: BotUnderTest,
                                                                             session: Session) -> None:
    households = session.exec(select(Household).order_by(Household.code)).all()
    assert [(h.code, h.classification, h.members) for h in households] == [
        ("HN-01", "poor", 5), ("HN-02", "near_poor", 4), ("HN-03", "poor", 6)]
    assert households[2].tags == ["unsafe_housing"]
    rows = [*GOOD_ROWS[:2], ["HN-02", "Trần Thị Bình", "Thôn 2", "hộ nghèo", "5", ""]]
    await _send_file(commune, fake, bot, xlsx_bytes(rows), "cap-nhat.xlsx")
    await commune.tap("✅ Nhập 2 hộ")
    assert "0 hộ mới, 2 hộ được cập nhật" in commune.last.text
    session.expire_all()
    assert session.exec(select(Household).where(Household.code == "HN-02")).one().classification == "poor"


async def test_household_added_in_chat_and_found_without_diacritics(commune: Chat) -> None:
    reply = await commune.reply_text("/household_add HN-09; Rơ Mah Hiếu; Buôn 5; hộ mới thoát nghèo; 3")
    assert "Đã thêm hộ" in reply and "Rơ Mah Hiếu" in reply
    assert "Đã cập nhật hộ" in await commune.reply_text("/household_add HN-09; Rơ Mah Hiếu; Buôn 6; cận nghèo; 4")
    assert "Buôn 6" in await commune.reply_text("/household ro mah hieu")
    assert "Viết theo mẫu" in await commune.reply_text("/household_add thiếu")


async def test_logging_to_a_named_household_and_its_history(commune: Chat, session: Session) -> None:
    await commune.send("gạo 1 hộ 30kg")
    await commune.tap("✏️ Sửa")
    await commune.tap("Hộ nhận")
    await commune.send("nguyen van")
    await commune.tap("Nguyễn Văn An · Thôn 1 · HN-01")
    assert "Nguyễn Văn An, Thôn 1" in commune.last.text
    await commune.tap("✅ Lưu")
    [action] = session.exec(select(SupportAction)).all()
    household = session.exec(select(Household).where(Household.code == "HN-01")).one()
    assert action.household_id == household.id
    history = await commune.reply_text("/household HN-01")
    assert "Nguyễn Văn An" in history and "Hội LHPN" in history and "30 kg" in history


async def test_names_are_never_shown_outside_the_unit_tree(commune: Chat, enroll: Callable[..., object],
                                                          session: Session) -> None:
    neighbour: Chat = await enroll(role="supervisor", unit_code="GL-KP-CHUGU")  # type: ignore[misc]
    assert "Không có hộ nào" in await neighbour.reply_text("/household nguyen")
    household = session.exec(select(Household).where(Household.code == "HN-01")).one()
    await neighbour.tap_data(neighbour.last, f"hh:view:{household.id}")
    assert "Nguyễn Văn An" not in neighbour.last.text
    assert "0 hộ nghèo" in await neighbour.reply_text("/unreached")
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[misc]
    assert "Nguyễn Văn An" in await district.reply_text("/household nguyen van an")


async def test_same_distribution_by_two_organisations_is_counted_once(commune: Chat, enroll: Callable[..., object],
                                                                      session: Session) -> None:
    await commune.send("gạo 45 hộ 5410kg")
    await commune.tap("✅ Lưu")
    other: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", organisation="commune_pc")  # type: ignore[misc]
    await other.send("gạo 45 hộ 5410kg")
    replies = await other.tap("✅ Lưu")
    question = replies[-1].text
    assert "Hội LHPN xã Ia Rsai đã ghi hỗ trợ gạo 5.410 kg, 45 hộ ngày" in question and "cùng một đợt?" in question
    await other.tap("Cùng đợt — không cộng thêm")
    assert "chỉ tính một lần" in other.last.text
    unit = get_unit_by_code(session, code="GL-KP")
    assert unit is not None
    session.expire_all()
    totals = compute_totals(session, unit=unit, start=_today().replace(day=1), end=_today())
    assert totals["rice"].households == 45 and totals["rice"].records == 1
    for organisation in ("womens_union", "commune_pc"):
        own = compute_totals(session, unit=unit, start=_today().replace(day=1), end=_today(),
                             organisation_code=organisation)
        assert own["rice"].households == 45
    await other.send("gạo 45 hộ 5410kg")
    await other.tap("✅ Lưu")
    await other.tap("Đợt khác")
    session.expire_all()
    totals = compute_totals(session, unit=unit, start=_today().replace(day=1), end=_today())
    assert totals["rice"].households == 90


async def test_unresolved_suspects_are_listed_for_the_supervisor(commune: Chat, enroll: Callable[..., object],
                                                                 session: Session) -> None:
    await commune.send("quà tết 10 suất 5tr")
    await commune.tap("✅ Lưu")
    other: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", organisation="red_cross")  # type: ignore[misc]
    await other.send("quà tết 10 suất 5tr")
    await other.tap("✅ Lưu")
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[misc]
    status = await district.reply_text("/status")
    assert "Có 1 bản ghi nghi trùng" in status and "cùng một đợt?" in status
    replies = await district.send("/suspects")
    assert "Có 1 bản ghi nghi trùng" in replies[0].text and "cùng một đợt?" in replies[1].text
    await district.tap("Cùng đợt — không cộng thêm")
    assert "Không có bản ghi nào nghi trùng" in await district.reply_text("/suspects")
    statuses = sorted(str(a.duplicate_status) for a in session.exec(select(SupportAction)).all())
    assert statuses == ["None", "confirmed"]


async def test_no_one_left_behind_lists_unreached_households_with_xlsx(commune: Chat, session: Session) -> None:
    await commune.send("gạo 1 hộ 30kg")
    await commune.tap("✏️ Sửa")
    await commune.tap("Hộ nhận")
    await commune.send("HN-01")
    await commune.tap("Nguyễn Văn An · Thôn 1 · HN-01")
    await commune.tap("✅ Lưu")
    replies = await commune.send("/unreached")
    text = replies[0].text
    assert "2 hộ nghèo, cận nghèo trong danh sách chưa nhận được hỗ trợ nào" in text
    assert "Trần Thị Bình" in text and "Ksor Y Nhi" in text and "Nguyễn Văn An" not in text and "🏚" in text
    sheet = load_workbook(io.BytesIO(replies[1].file_bytes or b"")).worksheets[0]
    names = sorted(str(row[2]) for row in sheet.iter_rows(min_row=2, values_only=True))
    assert names == ["Ksor Y Nhi", "Trần Thị Bình"]
    housing = await commune.reply_text("/unreached nhà ở")
    assert "3 hộ nghèo, cận nghèo trong danh sách chưa được hỗ trợ nhà ở" in housing


async def test_counted_once_in_xlsx_and_suspects_and_left_behind_reach_totals_and_digests(
        commune: Chat, enroll: Callable[..., object]) -> None:
    await commune.send("gạo 45 hộ 5410kg")
    await commune.tap("✅ Lưu")
    other: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", organisation="commune_pc")  # type: ignore[misc]
    await other.send("gạo 45 hộ 5410kg")
    await other.tap("✅ Lưu")
    await other.tap("Cùng đợt — không cộng thêm")
    await commune.send("quà tết 10 suất 5tr")
    await commune.tap("✅ Lưu")
    await other.send("quà tết 10 suất 5tr")
    await other.tap("✅ Lưu")  # left unanswered: a suspect for the supervisor
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[misc]
    replies = await district.send("/export")
    sheet = load_workbook(io.BytesIO(replies[-1].file_bytes or b""))["Tổng hợp"]
    rice_total = [row for row in sheet.iter_rows(values_only=True) if row[0] == "Tổng cộng" and row[1] == "Hỗ trợ gạo"]
    assert rice_total and rice_total[0][3] == 45, rice_total
    totals = await district.reply_text("/totals")
    assert "chưa được hỗ trợ trong kỳ: 3" in totals
    replies = await district.send("/digest")
    digest_text = next(m.text for m in replies if m.kind == "text" and "nghi trùng" in m.text)
    assert "1 bản ghi nghi trùng chưa xử lý" in digest_text and "chưa được hỗ trợ trong kỳ: 3" in digest_text
    question = replies[-1]
    assert "cùng một đợt?" in question.text
    await district.tap("Đợt khác", message=question)
    assert "đợt khác" in district.last.text


async def test_quick_entry_names_a_registered_household_without_diacritics(commune: Chat, session: Session) -> None:
    await commune.send("gạo 30kg 1 hộ tran thi binh")
    assert "Trần Thị Bình, Thôn 2" in commune.last.text
    await commune.tap("✅ Lưu")
    action = session.exec(select(SupportAction)).one()
    assert action.household_id == session.exec(select(Household).where(Household.code == "HN-02")).one().id
