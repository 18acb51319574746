"""A wait for a typed line survives a kill at the worst moment: the REAL process (`python -m bot`) is
SIGKILLed while the prompt ("type the question…", "type your answer…") is on the user's screen but the
Bot API's answer to sending it has not reached the bot yet. After the restart the line the user types is
taken as what the prompt asked for, not as something else (and lost).

The fake Bot API holds its answer to sendMessage (`hold_answers`), so the kill lands exactly there."""

from __future__ import annotations

from collections.abc import AsyncIterator, Coroutine
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session, select

from bot.domain.people.access import create_invite
from bot.presentation.callbacks import ReplyToQuestion, encode
from bot.sandbox.fake_api import FakeTelegram
from db.models import Role, SupportAction
from db.queries import get_unit_by_code
from db.record_question import RecordQuestion
from tests.support.harness import new_user
from tests.support.process import BotProcess, ProcessChat


@pytest.fixture
async def bot_process(fake: FakeTelegram, database_url: str, tmp_path: Path) -> AsyncIterator[BotProcess]:
    process = BotProcess(fake, database_url, log_path=tmp_path / "bot.log")
    await process.start()
    yield process
    await process.kill()
    fake.release_answers("sendMessage")


async def _enroll(session: Session, fake: FakeTelegram, role: Role, unit_code: str, name: str) -> ProcessChat:
    unit = get_unit_by_code(session, code=unit_code)
    assert unit is not None and unit.id is not None
    invite = create_invite(session, inviter=None, role=role, unit_id=unit.id, organisation_id=None,
                           ttl=timedelta(hours=1), now=datetime.now(UTC))
    chat = ProcessChat(fake, new_user(name))
    await chat.send(f"/start {invite.token}")
    return chat


async def _killed_while_sending(bot_process: BotProcess, fake: FakeTelegram, chat: ProcessChat,
                                tap: Coroutine[Any, Any, None], message_text: str) -> None:
    """`tap` a button; the prompt shows, the bot is killed before it learns it was sent, and restarted."""
    fake.hold_answers("sendMessage")
    await tap
    assert message_text in chat.last.text, chat.last.text
    await bot_process.kill()
    fake.release_answers("sendMessage")
    await bot_process.start()


async def test_the_question_and_the_answer_typed_after_a_kill_at_the_prompt_are_taken_as_such(
        bot_process: BotProcess, fake: FakeTelegram, session: Session) -> None:
    author = await _enroll(session, fake, Role.REPORTER, "GL-KP-IARSAI", "Ksor H'Lan")
    await author.send("gạo 45 hộ 5410kg")
    await author.tap("✅ Lưu")
    session.expire_all()
    [record] = session.exec(select(SupportAction)).all()
    supervisor = await _enroll(session, fake, Role.SUPERVISOR, "GL-KP", "Phòng LĐTBXH")
    await supervisor.send("/history")

    await _killed_while_sending(bot_process, fake, supervisor, supervisor.tap(f"❓ #{record.id}"),
                                "Nhập câu hỏi cho người ghi")
    await supervisor.send("Sao 45 hộ mà 5.410 kg?")
    assert f"Đã gửi câu hỏi về bản ghi #{record.id}" in supervisor.last.text, supervisor.last.text
    session.expire_all()
    [question] = session.exec(select(RecordQuestion)).all()
    assert question.question == "Sao 45 hộ mà 5.410 kg?"

    # The question reaches the author through the outbox (whose SQLite lease the killed process still holds
    # for a while); the author's ✍️ under it carries this data.
    author_tap = author.tap_data(author.last, encode(ReplyToQuestion(question.id or 0)))
    await _killed_while_sending(bot_process, fake, author, author_tap, "Nhập câu trả lời")
    await author.send("Đúng rồi, mỗi hộ 120 kg.")
    assert f"đã gửi câu trả lời về bản ghi #{record.id}" in author.last.text, author.last.text
    session.expire_all()
    assert session.exec(select(RecordQuestion)).one().answer == "Đúng rồi, mỗi hộ 120 kg."
