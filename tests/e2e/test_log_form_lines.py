"""Never silent inside the /log form: text at every kind of step gets an answer (taken as the step's
answer, offered as a new entry, or explained), and an edited message updates the card it opened or says
how to correct the saved record, instead of starting a second entry."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from bot.sandbox.fake_api import FakeTelegram
from db.models import Category, SupportAction
from tests.support.harness import Chat

LINE = "gạo 10 hộ 300kg 4,5tr"


def _actions(session: Session) -> list[SupportAction]:
    session.expire_all()
    return list(session.exec(select(SupportAction).order_by(SupportAction.id)).all())


def _category(session: Session, action: SupportAction) -> str:
    category = session.get(Category, action.category_id)
    assert category is not None
    return category.code


@pytest.fixture
async def reporter(enroll: Callable[..., object]) -> Chat:
    return await enroll(role="reporter", unit_code="GL-KP-IARSAI", organisation="womens_union",  # type: ignore[misc,no-any-return]
                        name="Ksor H'Lan")


async def test_a_whole_entry_typed_over_the_category_picker_is_taken(reporter: Chat, session: Session,
                                                                     fake: FakeTelegram) -> None:
    await reporter.send("/log")
    assert "Chọn loại hỗ trợ" in reporter.last.text
    [card] = await reporter.send(LINE)
    assert "300 kg" in card.text and "10 hộ" in card.text and "4,5 triệu" in card.text
    await reporter.tap("✅ Lưu")
    [action] = _actions(session)
    assert _category(session, action) == "rice" and action.households == 10 and action.value_dong == 4_500_000
    assert fake.unanswered_queries() == []


async def test_other_text_over_the_picker_is_explained_and_the_picker_still_works(reporter: Chat) -> None:
    await reporter.send("/log")
    [reply] = await reporter.send("xin chào")
    assert "chọn loại hỗ trợ bằng các nút ở trên" in reply.text and "gạo 45 hộ" in reply.text
    [question] = await reporter.tap("Hỗ trợ gạo")
    assert "Nhập số" in question.text


async def test_a_line_naming_a_category_over_the_picker_opens_that_category(reporter: Chat) -> None:
    await reporter.send("/log")
    replies = await reporter.send("gạo")
    assert replies and "Nhập số" in replies[-1].text


async def test_a_whole_entry_typed_at_a_step_is_offered_and_kept_or_replaced(reporter: Chat, session: Session,
                                                                            fake: FakeTelegram) -> None:
    await reporter.send("/log")
    await reporter.tap("Hỗ trợ gạo")
    question = reporter.last.text
    [offer] = await reporter.send(LINE)
    assert "ghi nhận mới" in offer.text and "10 hộ" in offer.text
    assert [b["text"] for b in offer.buttons()] == ["🔄 Thay bằng dòng này", "↩ Giữ phiếu đang nhập"]
    [kept] = await reporter.tap("↩ Giữ phiếu đang nhập")
    assert kept.message_id == offer.message_id and kept.text == question  # the step again, in the offer's place
    await reporter.send("quà tết 1 suất 500k")
    [card] = await reporter.tap("🔄 Thay bằng dòng này")
    assert "✅ Lưu" in [b["text"] for b in card.buttons()] and "500.000" in card.text
    await reporter.tap("✅ Lưu")
    [action] = _actions(session)
    assert _category(session, action) == "gift" and action.value_dong == 500_000
    assert fake.unanswered_queries() == []


async def test_a_bad_answer_at_a_step_is_still_explained(reporter: Chat) -> None:
    await reporter.send("/log")
    await reporter.tap("Hỗ trợ gạo")
    [reply] = await reporter.send("mấy bao")
    assert "không phải là số" in reply.text


async def test_a_whole_entry_typed_over_the_card_is_offered(reporter: Chat, session: Session) -> None:
    await reporter.send("gạo 45 hộ 5410kg")
    [offer] = await reporter.send("quà tết 1 suất 500k")
    assert "ghi nhận mới" in offer.text
    [card] = await reporter.tap("↩ Giữ phiếu đang nhập")
    assert "5.410 kg" in card.text and "✅ Lưu" in [b["text"] for b in card.buttons()]
    await reporter.send("quà tết 1 suất 500k")
    await reporter.tap("🔄 Thay bằng dòng này")
    await reporter.tap("✅ Lưu")
    [action] = _actions(session)
    assert _category(session, action) == "gift"
    replies = await reporter.send("gạo 45 hộ 5410kg")
    await reporter.send("cảm ơn")  # not an entry: the reminder and the card again, as before
    assert "Phiếu ghi nhận vẫn đang chờ" in reporter.messages[-2].text and "5.410 kg" in replies[-1].text


async def test_text_over_the_list_of_fields_to_change_is_answered(reporter: Chat) -> None:
    await reporter.send("gạo 45 hộ 5410kg")
    await reporter.tap("✏️ Sửa")
    [reply] = await reporter.send("cảm ơn")
    assert "bấm vào mục cần sửa" in reply.text
    [offer] = await reporter.send("quà tết 1 suất 500k")
    assert "ghi nhận mới" in offer.text
    [card] = await reporter.tap("↩ Giữ phiếu đang nhập")
    assert "5.410 kg" in card.text


async def test_editing_the_line_of_an_open_card_updates_it(reporter: Chat, session: Session) -> None:
    await reporter.send("gạo 45 hộ 5410kg")
    line = reporter.fake.last_user_message_id(reporter.user.id)
    note, card = await reporter.edit("gạo 50 hộ 6000kg")
    assert "đọc lại dòng anh/chị vừa sửa" in note.text
    assert "6.000 kg" in card.text and "50 hộ" in card.text and "5.410" not in card.text
    await reporter.tap("✅ Lưu")
    [action] = _actions(session)
    assert action.households == 50 and action.quantity == 6000

    # The saved line edited again: no second entry, the way to correct the record instead.
    [reply] = await reporter.edit("gạo 55 hộ 6000kg", message_id=line)
    assert f"#{action.id}" in reply.text and "/history" in reply.text
    assert "✅ Lưu" not in [b["text"] for b in reply.buttons()]
    assert len(_actions(session)) == 1


async def test_an_unreadable_edit_of_the_line_keeps_the_open_card(reporter: Chat, session: Session) -> None:
    await reporter.send("gạo 45 hộ 5410kg")
    [reply] = await reporter.edit("cảm ơn")
    assert "phiếu đang nhập vẫn giữ nguyên" in reply.text
    await reporter.tap("✅ Lưu")
    [action] = _actions(session)
    assert action.households == 45


async def test_editing_an_answer_to_a_step_is_explained_and_changes_nothing(reporter: Chat,
                                                                            session: Session) -> None:
    await reporter.send("/log")
    await reporter.tap("Hỗ trợ gạo")
    await reporter.send("300")
    question = reporter.last.text
    [reply] = await reporter.edit("400")
    assert "không đọc lại tin nhắn đã sửa" in reply.text
    assert reporter.messages[-2].text == question  # the form is still at the same step
    assert _actions(session) == []


async def test_editing_a_saved_line_after_the_form_closed_does_not_log_it_twice(reporter: Chat,
                                                                                 session: Session) -> None:
    await reporter.send("gạo 45 hộ 5410kg")
    line = reporter.fake.last_user_message_id(reporter.user.id)
    await reporter.tap("✅ Lưu")
    await reporter.send("/log")
    await reporter.tap("❌ Hủy")  # cancelling another form keeps what the saved line became
    [reply] = await reporter.edit("gạo 45 hộ 6000kg", message_id=line)
    [action] = _actions(session)
    assert f"#{action.id}" in reply.text and "/history" in reply.text
    assert len(_actions(session)) == 1


async def test_an_edit_that_turns_an_unread_line_into_an_entry_opens_it(reporter: Chat, session: Session) -> None:
    [reply] = await reporter.send("xin chào")
    assert "✅ Lưu" not in [b["text"] for b in reply.buttons()]
    [card] = await reporter.edit("gạo 45 hộ 5410kg")
    assert "5.410 kg" in card.text and "✅ Lưu" in [b["text"] for b in card.buttons()]
    [unchanged] = await reporter.edit("xin chào")
    assert "phiếu đang nhập vẫn giữ nguyên" in unchanged.text
    await reporter.tap("✅ Lưu")
    assert len(_actions(session)) == 1


async def test_a_logged_entry_costs_one_message_and_one_edit(reporter: Chat, session: Session) -> None:
    before = len(reporter.messages)
    [card] = await reporter.send("gạo 45 hộ 5410kg")
    edits = card.edits
    [saved] = await reporter.tap("✅ Lưu")
    [action] = _actions(session)
    assert saved.message_id == card.message_id and saved.edits == edits + 1
    assert len(reporter.messages) == before + 1  # the card, and nothing more
    # The one message says what the card said, that it is saved, and the unit's running total.
    assert "5.410 kg" in saved.text and f"Đã lưu, số bản ghi #{action.id}." in saved.text
    assert "xã Ia Rsai đã ghi nhận 1 lượt hỗ trợ gạo: 5.410 kg, 45 hộ." in saved.text
    assert saved.buttons() == []


async def test_the_same_line_sent_again_over_its_card_is_simply_taken(reporter: Chat, session: Session) -> None:
    """Replacing an entry with the same entry loses nothing (the line is often re-sent when its card is
    slow to arrive): no question, the card again."""
    await reporter.send("gạo 45 hộ 5410kg")
    [card] = await reporter.send("gạo 45 hộ 5410kg")
    assert "5.410 kg" in card.text and "✅ Lưu" in [b["text"] for b in card.buttons()]
    await reporter.tap("✅ Lưu")
    assert len(_actions(session)) == 1
