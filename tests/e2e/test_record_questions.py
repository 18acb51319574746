"""❓ Hỏi lại end to end: a supervisor sends a doubtful record back with a question, the author gets it
through the outbox and answers in one tap, with a typed reply or with a correction; the supervisor is
told through the outbox; open questions show in /status and the digest until then; the audit trail has
every step; only a supervisor above the record's unit may ask and only the author or the unit may answer
(forged buttons included)."""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, select

from bot.domain.units.tree import import_units_csv
from bot.outbox_sender import sender_of
from bot.presentation.callbacks import AskAboutRecord, ConfirmFigures, encode
from db.models import ActionStatus, AuditEntry, OutboxMessage, SupportAction
from db.record_question import RecordQuestion
from tests.support.harness import BotUnderTest, Chat, GroupChat

QUESTION = "Sao 45 hộ mà 5.410 kg? Kiểm tra lại giúp."


async def _drain(bot: BotUnderTest) -> int:
    assert bot.application is not None
    return await sender_of(bot.application).drain()


async def _logged(author: Chat, session: Session, line: str = "gạo 45 hộ 5410kg") -> SupportAction:
    await author.send(line)
    await author.tap("✅ Lưu")
    session.expire_all()
    return session.exec(select(SupportAction).where(SupportAction.status == ActionStatus.CURRENT)
                        .order_by(SupportAction.id.desc())).first()  # type: ignore[union-attr,return-value]


def _questions(session: Session) -> list[RecordQuestion]:
    session.expire_all()
    return list(session.exec(select(RecordQuestion).order_by(RecordQuestion.id)).all())  # type: ignore[arg-type]


def _audit(session: Session) -> list[str]:
    return [a.action for a in session.exec(select(AuditEntry).where(AuditEntry.entity == "record_question")
                                           .order_by(AuditEntry.id)).all()]  # type: ignore[arg-type]


async def _ask_from_history(supervisor: Chat, record: SupportAction, question: str = QUESTION) -> None:
    await supervisor.send("/history")
    await supervisor.tap(f"❓ #{record.id}")
    assert "Nhập câu hỏi cho người ghi" in supervisor.last.text and f"#{record.id}" in supervisor.last.text
    reply = await supervisor.reply_text(question)
    assert f"Đã gửi câu hỏi về bản ghi #{record.id}" in reply


async def test_ask_then_author_confirms_in_one_tap(enroll: Callable[..., object], session: Session,
                                                   bot: BotUnderTest) -> None:
    author: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Ksor H'Lan")  # type: ignore[misc]
    record = await _logged(author, session)
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Phòng LĐTBXH")  # type: ignore[misc]
    await _ask_from_history(supervisor, record)
    rows = list(session.exec(select(OutboxMessage).where(OutboxMessage.purpose == "question")).all())
    assert len(rows) == 1 and rows[0].chat_id == author.user.id  # it goes through the outbox
    await _drain(bot)
    card = author.last
    assert "Phòng LĐTBXH" in card.text and "hỏi lại về bản ghi của bạn" in card.text
    assert f"#{record.id}" in card.text and "5.410 kg" in card.text and QUESTION in card.text
    assert [b["text"] for b in card.buttons()] == ["✏️ Sửa bản ghi", "✅ Số liệu đúng", "✍️ Trả lời"]

    status = await supervisor.reply_text("/status")
    assert "❓ 1 bản ghi đang chờ trả lời" in status and QUESTION in status and "Ksor H'Lan" in status
    assert "❓ 1 bản ghi đang chờ trả lời (/status)" in await supervisor.reply_text("/digest")
    answers = len(bot.fake.callback_answers)
    await supervisor.send("/history")
    await supervisor.tap(f"❓ #{record.id}")  # a second question while the first is open
    assert "đang chờ trả lời" in bot.fake.callback_answers[answers]["text"]

    confirm = next(b["callback_data"] for b in card.buttons() if b["text"] == "✅ Số liệu đúng")
    replies = await author.tap_data(card, confirm)
    assert not card.buttons()  # answered: the buttons are gone
    assert "Cảm ơn" in replies[-1].text and f"#{record.id}" in replies[-1].text
    [question] = _questions(session)
    assert (question.status, question.outcome, question.answered_by_id) == ("answered", "confirmed", record.author_id)
    await _drain(bot)
    assert f"bản ghi #{record.id}: số liệu đúng" in supervisor.last.text and QUESTION in supervisor.last.text
    assert _audit(session) == ["ask", "answer"]
    assert "đang chờ trả lời" not in await supervisor.reply_text("/status")
    assert "đang chờ trả lời" not in await supervisor.reply_text("/digest")
    answers = len(bot.fake.callback_answers)
    await author.tap_data(card, confirm)  # the same button again (an old copy of the message): already answered
    assert "đã được trả lời" in bot.fake.callback_answers[answers]["text"]


async def test_typed_reply_with_a_too_long_first_try(enroll: Callable[..., object], session: Session,
                                                    bot: BotUnderTest) -> None:
    author: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Ksor H'Lan")  # type: ignore[misc]
    record = await _logged(author, session)
    supervisor: Chat = await enroll(role="admin", unit_code="GL", name="Sở LĐTBXH")  # type: ignore[misc]
    await _ask_from_history(supervisor, record)
    await _drain(bot)
    await author.tap("✍️ Trả lời")
    assert "Nhập câu trả lời" in author.last.text
    assert "quá dài" in await author.reply_text("x" * 501)
    assert _questions(session)[0].status == "open"
    assert "đã gửi câu trả lời" in (await author.reply_text("Đúng, 45 hộ nhận 5.410 kg gạo cứu đói.")).lower()
    [question] = _questions(session)
    assert (question.status, question.outcome) == ("answered", "replied")
    await _drain(bot)
    assert "Đúng, 45 hộ nhận 5.410 kg gạo cứu đói." in supervisor.last.text
    # the wait is over: the next line is a quick entry again, not a second reply
    assert "Lưu" in " ".join(b["text"] for b in (await author.send("gạo 10 hộ 100kg"))[-1].buttons())


async def test_correction_from_drill_down_question_closes_it(enroll: Callable[..., object], session: Session,
                                                             bot: BotUnderTest) -> None:
    author: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Ksor H'Lan")  # type: ignore[misc]
    record = await _logged(author, session)
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Phòng LĐTBXH")  # type: ignore[misc]
    await supervisor.send("/totals")
    await supervisor.tap("🔎 Hỗ trợ gạo")
    await supervisor.tap(f"❓ #{record.id}")
    await supervisor.send("Số hộ có đúng không?")
    await _drain(bot)
    await author.tap("✏️ Sửa bản ghi")
    assert f"Sửa bản ghi #{record.id}" in " ".join(m.text for m in author.messages[-3:])
    await author.tap("✏️ Sửa")
    await author.tap("Số hộ")
    await author.send("50")
    await author.tap("✅ Lưu")
    session.expire_all()
    corrected = session.exec(select(SupportAction).where(SupportAction.supersedes_id == record.id)).one()
    [question] = _questions(session)
    assert (question.status, question.outcome, question.corrected_action_id) == ("closed", "corrected", corrected.id)
    await _drain(bot)
    assert f"đã sửa bản ghi #{record.id}" in supervisor.last.text and f"#{corrected.id}" in supervisor.last.text
    assert _audit(session) == ["ask", "close"]
    assert "đang chờ trả lời" not in await supervisor.reply_text("/status")


async def test_cancel_while_typing_the_question_sends_nothing(enroll: Callable[..., object], session: Session,
                                                              bot: BotUnderTest) -> None:
    author: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    record = await _logged(author, session)
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[misc]
    await supervisor.send("/history")
    await supervisor.tap(f"❓ #{record.id}")
    assert "Đã hủy" in await supervisor.reply_text("/cancel")
    assert _questions(session) == [] and await _drain(bot) == 0


async def test_only_a_supervisor_above_may_ask_and_only_the_unit_may_answer(
        enroll: Callable[..., object], session: Session, bot: BotUnderTest) -> None:
    import_units_csv(session, "code,name,kind,parent_code\nGL-AP,Ayun Pa,town,GL\n")
    session.commit()
    author: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    record = await _logged(author, session)
    colleague: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    elsewhere: Chat = await enroll(role="supervisor", unit_code="GL-AP")  # type: ignore[misc]
    neighbour: Chat = await enroll(role="reporter", unit_code="GL-KP-CHUGU")  # type: ignore[misc]
    await colleague.send("/totals")
    await colleague.tap("🔎 Hỗ trợ gạo")
    assert not [b for b in colleague.last.buttons() if b["text"].startswith("❓")]
    await author.send("/history")
    assert not [b for b in author.last.buttons() if b["text"].startswith("❓")]  # not about one's own record
    for chat in (colleague, elsewhere, author):
        await chat.send("/history")
        answers = len(bot.fake.callback_answers)
        await chat.tap_data(chat.last, encode(AskAboutRecord(record.id or 0)))
        assert bot.fake.callback_answers[answers]["show_alert"], "a forged ❓ must be refused"
        await chat.send("Câu hỏi giả mạo")  # not taken as a question: no wait was opened
    assert _questions(session) == []

    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[misc]
    await _ask_from_history(supervisor, record)
    [question] = _questions(session)
    await _drain(bot)
    await neighbour.send("/history")
    answers = len(bot.fake.callback_answers)
    await neighbour.tap_data(neighbour.last, encode(ConfirmFigures(question.id or 0)))
    assert bot.fake.callback_answers[answers]["show_alert"]
    assert _questions(session)[0].status == "open"
    await colleague.send("/history")
    await colleague.tap_data(colleague.last, encode(ConfirmFigures(question.id or 0)))  # the record's unit may
    assert _questions(session)[0].outcome == "confirmed"


async def test_void_closes_the_question_and_the_author_sees_the_household(
        enroll: Callable[..., object], session: Session, bot: BotUnderTest) -> None:
    author: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Ksor H'Lan")  # type: ignore[misc]
    record = await _logged(author, session)
    record.household_name, record.household_village = "Rơ Mah Blơh", "Buôn Thức"  # as the form stores it
    session.add(record)
    session.commit()
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Phòng LĐTBXH")  # type: ignore[misc]
    group = GroupChat(bot=bot)
    await group.send(supervisor.user, "/status")  # the group gets only a pointer to the private chat
    answers = len(bot.fake.callback_answers)
    assert await group.tap_data(supervisor.user, group.messages[-1], encode(AskAboutRecord(record.id or 0))) == []
    assert bot.fake.callback_answers[answers]["text"] == "Vui lòng dùng bot trong tin nhắn riêng."
    await _ask_from_history(supervisor, record)
    assert all("Rơ Mah Blơh" not in m.text for m in group.messages)
    await _drain(bot)
    assert "Rơ Mah Blơh, Buôn Thức" in author.last.text  # their own record: the household is theirs to see
    await author.send("/undo")
    await author.tap("🗑 Có, hủy bản ghi")
    [question] = _questions(session)
    assert (question.status, question.outcome) == ("closed", "voided")
    await _drain(bot)
    assert f"đã hủy bản ghi #{record.id}" in supervisor.last.text
    assert _audit(session) == ["ask", "close"]
    assert "đang chờ trả lời" not in await supervisor.reply_text("/status")


async def test_a_suspected_double_count_can_be_sent_back(enroll: Callable[..., object], session: Session,
                                                         bot: BotUnderTest) -> None:
    first: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", organisation="womens_union")  # type: ignore[misc]
    await _logged(first, session, "quà tết 10 suất 5tr")
    second: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", organisation="red_cross",
                                name="Rơ Châm Thu")  # type: ignore[misc]
    suspect = await _logged(second, session, "quà tết 10 suất 5tr")
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[misc]
    await district.send("/suspects")
    assert "cùng một đợt?" in district.last.text
    await district.tap("❓ Hỏi lại người ghi")
    assert "Nhập câu hỏi cho người ghi" in district.last.text and f"#{suspect.id}" in district.last.text
    await district.send("Hai hội cùng phát một đợt quà phải không?")
    await _drain(bot)
    assert "Hai hội cùng phát một đợt quà phải không?" in second.last.text
    assert [q.action_id for q in _questions(session)] == [suspect.id]
