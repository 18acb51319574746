"""Erasing a household's personal details: who may, what goes, what stays, and re-importing it."""

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
from db.models import AuditEntry, Household, SupportAction, User
from db.queries import get_unit_by_code
from db.record_question import RecordQuestion
from tests.support.files import xlsx_bytes
from tests.support.harness import BotUnderTest, Chat

ROWS = [
    ["Mã hộ", "Họ tên chủ hộ", "Thôn", "Phân loại", "Số nhân khẩu", "Ghi chú"],
    ["HN-01", "Nguyễn Văn An", "Thôn 1", "Hộ nghèo", "5", "Chồng mất năm 2024"],
    ["HN-02", "Trần Thị Bình", "Thôn 2", "cận nghèo", "4", ""],
]
ERASED = "Hộ đã xóa thông tin"



def _this_month() -> tuple[date, date]:
    today = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()
    return today.replace(day=1), today


@pytest.fixture
async def commune(enroll: Callable[..., object], fake: FakeTelegram, bot: BotUnderTest) -> Chat:
    """A Hội LHPN officer of Ia Rsai with a two-household register and records naming Nguyễn Văn An:
    one picked from the register (with a note, a photo and a location), one typed by hand."""
    chat: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", organisation="womens_union")  # type: ignore[misc]
    await bot.settle(fake.inject_document(chat.user, xlsx_bytes(ROWS), "ho-ngheo.xlsx"))
    await chat.tap("✅ Nhập 2 hộ")
    await chat.send("gạo 1 hộ 30kg nguyen van an")
    assert "Nguyễn Văn An, Thôn 1" in chat.last.text
    await chat.tap("✏️ Sửa")
    await chat.tap("Ghi chú")
    await chat.send("Trao tận nhà ông An")
    await bot.settle(fake.inject_photo(chat.user, b"\x89PNG family photo"))
    await bot.settle(fake.inject_location(chat.user, 13.2, 108.6))
    await chat.tap("✅ Lưu")
    await chat.send("quà tết 1 suất 500k")
    await chat.tap("✏️ Sửa")
    await chat.tap("Hộ nhận")
    await chat.send("Nguyễn Văn An, Thôn 1")
    await chat.tap("✍️ Dùng tên vừa nhập")
    await chat.tap("✅ Lưu")
    return chat


async def test_a_supervisor_erases_from_the_card_and_the_name_is_gone_everywhere(
        commune: Chat, enroll: Callable[..., object], session: Session) -> None:
    unit = get_unit_by_code(session, code="GL-KP")
    assert unit is not None
    start, end = _this_month()
    before = compute_totals(session, unit=unit, start=start, end=end)
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[misc]
    await district.send("/household nguyen van an")
    await district.tap("🗑 Xóa thông tin cá nhân")
    question = district.last.text
    assert "Nguyễn Văn An" in question and "HN-01" in question and "2 lượt ghi nhận" in question
    done = await district.tap("✅ Xóa")
    assert "Hộ HN-01 (xã Ia Rsai): đã xóa thông tin cá nhân" in done[-1].text and "Nguyễn Văn An" not in done[-1].text

    session.expire_all()
    household = session.exec(select(Household).where(Household.code == "HN-01")).one()
    assert (household.head_name, household.head_folded, household.notes) == ("", "", None)
    assert household.erased_at is not None and (household.village, household.members) == ("Thôn 1", 5)
    records = session.exec(select(SupportAction).order_by(SupportAction.id)).all()
    assert [(r.household_name, r.note, r.photo_file_id, r.latitude, r.household_erased) for r in records] == [
        (None, None, None, None, True)] * 2
    assert records[0].household_id == household.id and records[0].households == 1
    after = compute_totals(session, unit=unit, start=start, end=end)
    assert after == before
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "erase")).one()
    officer = session.exec(select(User).where(User.telegram_id == district.user.id)).one()
    assert audit.user_id == officer.id and audit.entity_id == household.id and audit.at is not None
    assert audit.details == {"code": "HN-01", "unit_id": household.unit_id, "records": 2, "messages": 0,
                             "staged_rows": 0, "state_rows": 0}

    assert "Không có hộ nào" in await district.reply_text("/household nguyen van an")
    card = await district.send("/household HN-01")
    assert ERASED in card[-1].text and "30 kg" in card[-1].text and not card[-1].buttons()
    exported = await district.send("/export")
    detail = load_workbook(io.BytesIO(exported[-1].file_bytes or b""))["Chi tiết"]
    cells = [str(cell) for row in detail.iter_rows(values_only=True) for cell in row]
    assert cells.count(ERASED) == 2 and not [c for c in cells if "Nguyễn Văn An" in c or "ông An" in c]

    await commune.send("/history")
    await commune.tap(f"✏️ #{records[0].id}")
    assert f"Hộ nhận: {ERASED}, Thôn 1" in commune.last.text and "Nguyễn" not in commune.last.text
    await commune.tap("✅ Lưu")
    session.expire_all()
    correction = session.exec(select(SupportAction).order_by(SupportAction.id.desc())).first()  # type: ignore[union-attr]
    assert correction is not None and correction.version == 2
    assert (correction.household_name, correction.household_erased) == (None, True)


async def test_only_supervisors_of_the_unit_or_above_may_erase(commune: Chat, enroll: Callable[..., object],
                                                               session: Session, fake: FakeTelegram) -> None:
    assert "chỉ cán bộ giám sát" in await commune.reply_text("/household_erase HN-01")
    assert not [b for b in (await commune.send("/household HN-01"))[-1].buttons() if b["text"].startswith("🗑")]
    neighbour: Chat = await enroll(role="supervisor", unit_code="GL-KP-CHUGU")  # type: ignore[misc]
    assert "Không có hộ nào mang mã “HN-01”" in await neighbour.reply_text("/household_erase HN-01")
    household = session.exec(select(Household).where(Household.code == "HN-01")).one()
    await neighbour.tap_data(neighbour.last, f"hhx:yes:{household.id}")
    assert "chỉ cán bộ giám sát" in fake.callback_answers[-1]["text"]

    local: Chat = await enroll(role="supervisor", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    await local.send("/household_erase HN-01")
    await local.tap("❌ Hủy")
    assert "Chưa xóa thông tin nào" in local.last.text
    session.expire_all()
    assert session.get(Household, household.id).erased_at is None  # type: ignore[union-attr]
    assert "Vui lòng ghi mã hộ" in await local.reply_text("/household_erase")
    await local.send("/household_erase HN-01")
    await local.tap("✅ Xóa")
    await local.tap_data(local.last, f"hhx:yes:{household.id}")  # a second tap on the same button
    assert "đã được xóa trước đó" in fake.callback_answers[-1]["text"]
    assert len(session.exec(select(AuditEntry).where(AuditEntry.action == "erase")).all()) == 1
    assert "đã được xóa trước đó" in await local.reply_text("/household_erase HN-01")


async def test_reimporting_an_erased_household_says_it_stores_the_name_again(
        commune: Chat, enroll: Callable[..., object], session: Session, fake: FakeTelegram, bot: BotUnderTest) -> None:
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[misc]
    await district.send("/household_erase HN-01")
    await district.tap("✅ Xóa")
    await bot.settle(fake.inject_document(commune.user, xlsx_bytes(ROWS), "ho-ngheo-2027.xlsx"))
    preview = commune.last.text
    assert "1 hộ trong tệp này trước đây đã được xóa thông tin cá nhân: HN-01" in preview
    await commune.tap("✅ Nhập 2 hộ")
    assert "0 hộ mới, 2 hộ được cập nhật" in commune.last.text and "HN-01" in commune.last.text
    session.expire_all()
    household = session.exec(select(Household).where(Household.code == "HN-01")).one()
    assert household.head_name == "Nguyễn Văn An" and household.erased_at is None
    assert all(r.household_name is None for r in session.exec(select(SupportAction)).all())  # records stay erased
    audit = session.exec(select(AuditEntry).where(AuditEntry.action == "import").order_by(AuditEntry.id.desc())  # type: ignore[union-attr]
                         ).first()
    assert audit is not None and audit.details["restored"] == 1

    await district.send("/household_erase HN-02")
    await district.tap("✅ Xóa")
    reply = await commune.reply_text("/household_add HN-02; Trần Thị Bình; Thôn 2; cận nghèo; 4")
    assert "trước đây đã được xóa" in reply and "Trần Thị Bình" in reply


async def test_erasing_blanks_the_questions_sent_back_about_its_records(
        commune: Chat, enroll: Callable[..., object], session: Session, bot: BotUnderTest) -> None:
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[misc]
    records = session.exec(select(SupportAction).order_by(SupportAction.id)).all()
    officer = session.exec(select(User).where(User.telegram_id == district.user.id)).one()
    assert records[0].id and officer.id
    session.add(RecordQuestion(action_id=records[0].id, unit_id=records[0].unit_id, asked_by_id=officer.id,
                               asked_at=bot.runtime.clock(), question="Ông Nguyễn Văn An nhận mấy lần?",
                               answer="Nguyễn Văn An nhận một lần"))
    session.commit()
    await district.send("/household nguyen van an")
    await district.tap("🗑 Xóa thông tin cá nhân")
    await district.tap("✅ Xóa")
    session.expire_all()
    [question] = session.exec(select(RecordQuestion)).all()
    assert (question.question, question.answer) == ("", None)
    assert "Nguyễn Văn An" not in await district.reply_text("/status")
