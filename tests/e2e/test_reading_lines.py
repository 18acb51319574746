"""Lines written the way reports and notebooks write them, read through the real bot: a per-unit figure is
multiplied and the card shows how, a "tổng" line is an entry and not a question, a line that could be
either is kept and asked about with two buttons, a per-unit figure that disagrees with the written total is
asked about, people counted as "hội viên" are households of a loan, and English lines read as well."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from bot.sandbox.fake_api import FakeTelegram
from db.models import Category, SupportAction
from tests.support.harness import Chat


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


async def test_a_per_unit_figure_is_multiplied_and_the_card_shows_how(reporter: Chat, session: Session,
                                                                      fake: FakeTelegram) -> None:
    [card] = await reporter.send("tặng 20 suất quà tết cho hộ nghèo, 500k/suất")
    assert "20 suất × 500.000 đ = 10 triệu đồng" in card.text
    await reporter.tap("✅ Lưu")
    [action] = _actions(session)
    assert _category(session, action) == "gift" and action.quantity == 20 and action.value_dong == 10_000_000
    assert fake.unanswered_queries() == []


async def test_a_line_with_tong_is_an_entry_not_a_question(reporter: Chat, session: Session) -> None:
    [card] = await reporter.send("thăm, tặng 200 suất quà, tổng giá trị 400 triệu đồng")
    assert "✅ Lưu" in [b["text"] for b in card.buttons()] and "400 triệu đồng" in card.text
    await reporter.tap("✅ Lưu")
    [action] = _actions(session)
    assert _category(session, action) == "gift" and action.quantity == 200 and action.value_dong == 400_000_000


async def test_a_line_that_could_be_either_is_kept_and_asked_about(reporter: Chat, session: Session,
                                                                   fake: FakeTelegram) -> None:
    [asked] = await reporter.send("vay vốn 10 hộ 500tr?")
    assert [b["text"] for b in asked.buttons()] == ["📝 Ghi nhận", "📊 Xem tổng"]
    assert "giữ lại" in asked.text and _actions(session) == []
    totals_data = asked.buttons()[1]["callback_data"]
    [card] = await reporter.tap("📝 Ghi nhận", message=asked)
    assert "10 hộ" in card.text and "500 triệu đồng" in card.text
    await reporter.tap("✅ Lưu")
    [action] = _actions(session)
    assert _category(session, action) == "loan" and action.households == 10 and action.value_dong == 500_000_000
    await reporter.tap_data(asked, totals_data)  # an old 📊: the line was used, nothing else happens
    assert len(_actions(session)) == 1
    assert fake.unanswered_queries() == []


async def test_the_kept_line_can_be_read_as_a_question_instead(reporter: Chat, session: Session,
                                                               fake: FakeTelegram) -> None:
    [asked] = await reporter.send("tổng 45 hộ 10tr")
    replies = await reporter.tap("📊 Xem tổng", message=asked)
    assert replies and _actions(session) == []
    assert "📝 Ghi nhận" not in [b["text"] for m in replies for b in m.buttons()]
    assert fake.unanswered_queries() == []


async def test_a_plain_question_is_still_answered_as_one(reporter: Chat) -> None:
    [reply] = await reporter.send("gạo tháng này được bao nhiêu")
    assert "📝 Ghi nhận" not in [b["text"] for b in reply.buttons()]
    assert "Lưu" not in reply.text


async def test_per_unit_and_total_that_disagree_are_asked_about(reporter: Chat, session: Session,
                                                                fake: FakeTelegram) -> None:
    [card] = await reporter.send("tặng 50 suất quà, mỗi suất 200k, tổng 12 triệu")
    labels = [b["text"] for b in card.buttons()]
    assert "✅ Lưu" not in labels and "Số nào đúng" in card.text
    assert labels[:2] == ["50 suất × 200.000 đ = 10 triệu đồng", "Theo số đã ghi: 12 triệu đồng"]
    [card] = await reporter.tap("50 suất × 200.000 đ = 10 triệu đồng")
    assert "✅ Lưu" in [b["text"] for b in card.buttons()]
    await reporter.tap("✅ Lưu")
    [action] = _actions(session)
    assert action.value_dong == 10_000_000 and action.quantity == 50
    assert fake.unanswered_queries() == []


async def test_the_written_total_can_be_the_one_kept(reporter: Chat, session: Session) -> None:
    await reporter.send("quà 20 suất mỗi suất 500k tổng 12 triệu")
    await reporter.tap("Theo số đã ghi: 12 triệu đồng")
    await reporter.tap("✅ Lưu")
    [action] = _actions(session)
    assert action.value_dong == 12_000_000


async def test_members_count_as_the_households_of_a_loan(reporter: Chat, session: Session) -> None:
    [card] = await reporter.send("NHCS cho 5 hội viên vay 190 triệu đồng")
    assert "5 hội viên → Số hộ vay: 5" in card.text
    await reporter.tap("✅ Lưu")
    [action] = _actions(session)
    assert _category(session, action) == "loan" and action.households == 5 and action.value_dong == 190_000_000


async def test_an_approximate_figure_is_marked_on_the_card(reporter: Chat) -> None:
    [card] = await reporter.send("dư nợ cho vay hộ nghèo trên 36,5 tỷ đồng, 820 hộ")
    assert "≈ 36,5 tỷ đồng" in card.text and "820 hộ" in card.text


async def test_english_lines_are_read(enroll: Callable[..., object], session: Session, fake: FakeTelegram) -> None:
    chat: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", language_code="en")  # type: ignore[misc]
    [card] = await chat.send("gifts 20 packages 500k each")
    assert "20 packages × 500,000 VND" in card.text
    await chat.tap("✅ Save")
    [action] = _actions(session)
    assert _category(session, action) == "gift" and action.value_dong == 10_000_000
    await chat.send("rice 10 households 15kg each")
    await chat.tap("✅ Save")
    rice = _actions(session)[-1]
    assert _category(session, rice) == "rice" and rice.households == 10 and rice.quantity == 150
    assert fake.unanswered_queries() == []


async def test_a_per_unit_figure_without_its_count_is_asked_for(reporter: Chat, session: Session) -> None:
    [reply] = await reporter.send("quà tết mỗi suất 300k")
    assert "cho mỗi đơn vị" in reply.text and "mỗi suất 300k" in reply.text
    assert _actions(session) == []


async def test_the_kept_line_waits_while_another_entry_is_open(reporter: Chat, session: Session,
                                                               fake: FakeTelegram) -> None:
    [asked] = await reporter.send("tổng cộng 20 hộ 5 triệu")
    await reporter.send("/log")
    await reporter.tap("Hỗ trợ gạo")
    step = reporter.last
    await reporter.tap("📝 Ghi nhận", message=asked)  # the open entry is not thrown away for it
    assert reporter.last.message_id == step.message_id and "📝 Ghi nhận" in [b["text"] for b in asked.buttons()]
    assert fake.unanswered_queries() == []
    await reporter.send("/cancel")
    replies = await reporter.tap("📝 Ghi nhận", message=asked)  # now the line opens its entry, figures kept
    assert replies and _actions(session) == []
