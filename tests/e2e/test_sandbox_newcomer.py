"""The sandbox's newcomer persona is a stranger on every start, even when the sandbox database is kept.

`seed_sandbox` is what each sandbox start runs on its database; here it runs twice on the test's
database, with the real bot answering the persona between the two "starts".
"""

from __future__ import annotations

from collections.abc import Callable

from sqlmodel import Session, select

from bot.config import Settings
from bot.sandbox.fake_api import FakeUser
from bot.sandbox.runner import NEWCOMER_ID, seed_sandbox
from db.models import User
from tests.support.harness import BotUnderTest, Chat


def _newcomer(personas: list[dict[str, object]]) -> FakeUser:
    [persona] = [p for p in personas if p["invite_start"]]
    return FakeUser(id=int(str(persona["id"])), first_name=str(persona["first_name"]))


async def test_the_newcomer_is_a_stranger_again_after_a_restart(
        bot: BotUnderTest, settings: Settings, session: Session, chat_with: Callable[[FakeUser], Chat]) -> None:
    first_start = seed_sandbox(session, settings, now=bot.runtime.clock())
    first = _newcomer(first_start)
    assert first.id == NEWCOMER_ID
    chat = chat_with(first)
    assert "Chào mừng Cán bộ mới" in await chat.reply_text(str(next(p["invite_start"] for p in first_start
                                                                    if p["id"] == first.id)))
    assert "Rất vui được gặp lại" in await chat.reply_text("/start")

    second_start = seed_sandbox(session, settings, now=bot.runtime.clock())
    second = _newcomer(second_start)
    assert second.id != first.id
    again = chat_with(second)
    assert "chưa được cấp quyền" in await again.reply_text("/start")
    invite = next(p["invite_start"] for p in second_start if p["id"] == second.id)
    assert "Chào mừng Cán bộ mới" in await again.reply_text(str(invite))
    session.expire_all()
    earlier = session.exec(select(User).where(User.telegram_id == first.id)).one()
    assert not earlier.active  # the earlier newcomer is switched off, its row kept for its records

    # A start in which the newcomer did not register keeps the same stranger id.
    third = _newcomer(seed_sandbox(session, settings, now=bot.runtime.clock()))
    assert third.id == second.id + 1
    assert _newcomer(seed_sandbox(session, settings, now=bot.runtime.clock())).id == third.id
