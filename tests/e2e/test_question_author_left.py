"""❓ Hỏi lại when the record's author has left: the question goes to the unit's other officers (and the
supervisor is told who got it), is refused when nobody is left to answer, and a question already open
when the author leaves (or blocks the bot) is closed with the reason, the supervisor told."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlmodel import Session, select

from bot.domain.people import directory as people
from bot.outbox_sender import sender_of
from bot.sandbox.fake_api import FakeTelegram
from db.models import ActionStatus, SupportAction, User
from db.record_question import RecordQuestion
from tests.support.harness import BotUnderTest, Chat

Enroll = Callable[..., Any]
QUESTION = "Sao 45 hộ mà 5.410 kg?"


def _user(session: Session, chat: Chat) -> User:
    session.expire_all()
    return session.exec(select(User).where(User.telegram_id == chat.user.id)).one()


async def _logged(author: Chat, session: Session) -> SupportAction:
    await author.send("gạo 45 hộ 5410kg")
    await author.tap("✅ Lưu")
    session.expire_all()
    return session.exec(select(SupportAction).where(SupportAction.status == ActionStatus.CURRENT)).one()


def _remove(session: Session, chat: Chat, bot: BotUnderTest) -> None:
    people.deactivate(session, actor=None, target_id=_user(session, chat).id or 0, now=bot.runtime.clock())


def _questions(session: Session) -> list[RecordQuestion]:
    session.expire_all()
    return list(session.exec(select(RecordQuestion)).all())


async def test_a_question_about_a_departed_authors_entry_reaches_the_units_other_officers(
        enroll: Enroll, session: Session, bot: BotUnderTest) -> None:
    assert bot.application is not None
    author: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Ksor H'Lan")
    colleague: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Rơ Châm Thu")
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Phòng LĐTBXH")
    record = await _logged(author, session)
    _remove(session, author, bot)
    await district.send("/history")
    await district.tap(f"❓ #{record.id}")
    told = await district.reply_text(QUESTION)
    assert "không còn quyền truy cập" in told and "Rơ Châm Thu" in told and "cho người ghi" not in told
    await sender_of(bot.application).drain()
    card = colleague.last
    assert QUESTION in card.text and "trả lời thay" in card.text
    await colleague.tap("✅ Số liệu đúng")
    [question] = _questions(session)
    assert (question.status, question.answered_by_id) == ("answered", _user(session, colleague).id)
    await sender_of(bot.application).drain()
    assert f"#{record.id}" in district.last.text and "số liệu đúng" in district.last.text


async def test_with_nobody_left_to_answer_the_question_is_not_asked(
        enroll: Enroll, session: Session, bot: BotUnderTest) -> None:
    author: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Ksor H'Lan")
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Phòng LĐTBXH")
    record = await _logged(author, session)
    _remove(session, author, bot)
    await district.send("/history")
    answers = len(bot.fake.callback_answers)
    await district.tap(f"❓ #{record.id}")
    alert = bot.fake.callback_answers[answers]
    assert alert["show_alert"] and "không ai trả lời được" in alert["text"]
    assert _questions(session) == []


async def test_an_open_question_is_closed_with_the_reason_when_its_author_leaves(
        enroll: Enroll, session: Session, bot: BotUnderTest) -> None:
    assert bot.application is not None
    author: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Ksor H'Lan")
    await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Rơ Châm Thu")
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Phòng LĐTBXH")
    record = await _logged(author, session)
    await district.send("/history")
    await district.tap(f"❓ #{record.id}")
    assert "cho người ghi" in await district.reply_text(QUESTION)
    _remove(session, author, bot)
    [question] = _questions(session)
    assert (question.status, question.outcome) == ("closed", "author_left")
    await sender_of(bot.application).drain()
    told = district.last.text
    assert "Ksor H'Lan" in told and "đã được đóng" in told and "Rơ Châm Thu" in told and QUESTION in told
    assert "đang chờ trả lời" not in await district.reply_text("/status")
    # Asking again now reaches the colleague.
    await district.send("/history")
    await district.tap(f"❓ #{record.id}")
    assert "Rơ Châm Thu" in await district.reply_text(QUESTION)


async def test_an_open_question_is_closed_when_its_author_has_blocked_the_bot(
        enroll: Enroll, session: Session, bot: BotUnderTest, fake: FakeTelegram) -> None:
    assert bot.application is not None
    author: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Ksor H'Lan")
    await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Rơ Châm Thu")
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Phòng LĐTBXH")
    record = await _logged(author, session)
    fake.block_user(author.user.id)
    await district.send("/history")
    await district.tap(f"❓ #{record.id}")
    assert "cho người ghi" in await district.reply_text(QUESTION)
    [question] = _questions(session)
    assert question.status == "open"
    await sender_of(bot.application).drain()  # Telegram answers 403 to the card sent to the author
    [question] = _questions(session)
    assert (question.status, question.outcome) == ("closed", "author_left")
    assert _user(session, author).deactivated_reason == "blocked"
    told = [m.text for m in district.messages if "Ksor H'Lan" in m.text]
    assert any("đã được đóng" in text and "Rơ Châm Thu" in text and QUESTION in text for text in told)
    assert any("đã chặn bot" in text for text in told)
    assert "đang chờ trả lời" not in await district.reply_text("/status")
