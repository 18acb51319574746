"""A moved officer's open screens: a card drawn before the move (with a household of the old commune) and a
household-list preview made before the move are checked again at ✅ against the officer's current unit,
so nothing of the old commune is written under the new one, or over the old register."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from openpyxl import load_workbook
from sqlmodel import Session, select

from bot.domain.people import directory as people
from bot.sandbox.fake_api import FakeTelegram
from db.models import Household, SupportAction, User
from db.queries import get_unit_by_code
from tests.support.files import xlsx_bytes
from tests.support.harness import BotUnderTest, Chat

Enroll = Callable[..., Any]
NAME = "Nguyễn Văn Khải"
HEADER = ["Mã hộ", "Họ tên chủ hộ", "Thôn", "Phân loại", "Số nhân khẩu"]


def _user(session: Session, chat: Chat) -> User:
    session.expire_all()
    return session.exec(select(User).where(User.telegram_id == chat.user.id)).one()


def _move(session: Session, *, actor: Chat, person: Chat, to: str) -> None:
    unit = get_unit_by_code(session, code=to)
    assert unit is not None
    people.change_unit(session, actor=_user(session, actor), target_id=_user(session, person).id or 0,
                       unit_id=unit.id or 0, now=person.bot.runtime.clock())


async def _registered(commune: Chat, fake: FakeTelegram, bot: BotUnderTest) -> None:
    await bot.settle(fake.inject_document(commune.user, xlsx_bytes([HEADER, ["HN-01", NAME, "Thôn 1", "Hộ nghèo",
                                                                              "5"]]), "ho-ngheo.xlsx"))
    await commune.tap("✅ Nhập 1 hộ")


async def test_a_card_opened_before_a_move_does_not_carry_the_old_communes_household(
        enroll: Enroll, fake: FakeTelegram, bot: BotUnderTest, session: Session) -> None:
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Trưởng phòng")
    officer: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Cán bộ xã")
    neighbour: Chat = await enroll(role="supervisor", unit_code="GL-KP-CHUGU", name="Chủ tịch Chư Gu")
    await _registered(officer, fake, bot)
    await officer.send("gạo 1 hộ 30kg nguyen van khai")
    card = officer.last
    assert NAME in card.text
    _move(session, actor=district, person=officer, to="GL-KP-CHUGU")

    replies = await officer.tap("✅ Lưu", message=card)
    assert any("đơn vị của bạn đã thay đổi" in m.text for m in replies)
    session.expire_all()
    assert session.exec(select(SupportAction)).all() == []
    assert NAME not in officer.last.text and "30" in officer.last.text  # the figures are kept, the household not
    await officer.tap("✅ Lưu")
    [record] = session.exec(select(SupportAction)).all()
    chu_gu = get_unit_by_code(session, code="GL-KP-CHUGU")
    assert chu_gu is not None
    assert (record.unit_id, record.household_id, record.household_name) == (chu_gu.id, None, None)
    exported = await neighbour.send("/export")
    book = load_workbook(io.BytesIO(exported[-1].file_bytes or b""))
    cells = {str(cell) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for cell in row}
    assert not any(NAME in cell for cell in cells)


async def test_a_household_list_previewed_before_a_move_does_not_overwrite_the_old_register(
        enroll: Enroll, fake: FakeTelegram, bot: BotUnderTest, session: Session) -> None:
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Trưởng phòng")
    officer: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Cán bộ xã")
    await _registered(officer, fake, bot)
    await bot.settle(fake.inject_document(officer.user, xlsx_bytes([HEADER, ["HN-01", "Tên Sai", "Thôn 9", "Hộ nghèo",
                                                                              "2"]]), "ho-ngheo-moi.xlsx"))
    preview = officer.last
    assert "1 dòng sẵn sàng" in preview.text
    _move(session, actor=district, person=officer, to="GL-KP-CHUGU")
    await officer.tap("✅ Nhập 1 hộ", message=preview)
    assert "đơn vị của bạn đã thay đổi" in officer.last.text
    session.expire_all()
    [household] = session.exec(select(Household)).all()
    assert (household.head_name, household.village, household.members) == (NAME, "Thôn 1", 5)


async def test_a_card_with_a_typed_name_opened_before_a_move_is_not_saved_for_the_new_unit(
        enroll: Enroll, session: Session) -> None:
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Trưởng phòng")
    officer: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Cán bộ xã")
    await officer.send("quà tết 1 suất 500k")
    await officer.tap("✏️ Sửa")
    await officer.tap("Hộ nhận")
    await officer.send("Rơ Mah Lạ, Buôn 2")
    card = officer.last
    assert "Rơ Mah Lạ" in card.text
    _move(session, actor=district, person=officer, to="GL-KP-CHUGU")
    replies = await officer.tap("✅ Lưu", message=card)
    assert any("đơn vị của bạn đã thay đổi" in m.text for m in replies)
    assert "Rơ Mah Lạ" not in officer.last.text
    await officer.tap("✅ Lưu")
    [record] = session.exec(select(SupportAction)).all()
    assert record.household_name is None
