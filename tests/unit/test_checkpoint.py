"""A form step is written before its reply (ChungTayApplication.checkpoint), with the update's own session
when that is safe: no second session and worker thread for every step of every form."""

from __future__ import annotations

import json
from typing import Any

from sqlmodel import Session, select
from telegram import Update

from db.models import BotState
from handlers.context import CURRENT_SESSION, SessionHolder
from handlers.log_form.state import FORM_NAME
from tests.support.harness import BotUnderTest

USER = 4242


def an_update(bot: BotUnderTest) -> Update:
    app = bot.application
    assert app is not None
    person = {"id": USER, "is_bot": False, "first_name": "Lan"}
    return Update.de_json({"update_id": 1, "message": {
        "message_id": 1, "date": 0, "chat": {"id": USER, "type": "private"}, "from": person, "text": "gạo"}}, app.bot)


def conversation_rows(session: Session) -> dict[str, Any]:
    session.expire_all()
    return {row.key: row.data for row in session.exec(select(BotState).where(BotState.kind == "conversation"))}


async def step(bot: BotUnderTest, pending: BotState | None) -> tuple[int, SessionHolder]:
    """Run one checkpoint inside an update's unit of work; returns how many sessions the persistence
    opened for it."""
    app = bot.application
    assert app is not None
    persistence: Any = app.persistence
    opened = {"n": 0}
    real_factory = persistence._session_factory

    def counting_factory() -> Session:
        opened["n"] += 1
        return real_factory()

    persistence._session_factory = counting_factory
    holder = SessionHolder(app.runtime)
    token = CURRENT_SESSION.set(holder)
    try:
        if pending is not None:
            holder.get().add(pending)
        await app.checkpoint(an_update(bot), {"log": {"draft": {"category": "rice"}}}, FORM_NAME, "card")
    finally:
        CURRENT_SESSION.reset(token)
        holder.close()
        persistence._session_factory = real_factory
    return opened["n"], holder


async def test_a_step_is_written_with_the_updates_session(bot: BotUnderTest, session: Session) -> None:
    opened, _ = await step(bot, pending=None)
    assert opened == 0
    assert conversation_rows(session) == {json.dumps([USER, USER]): "card"}


async def test_changes_a_service_left_pending_are_not_committed_by_a_step(bot: BotUnderTest,
                                                                           session: Session) -> None:
    left_over = BotState(kind="chat_data", name="", key="777", data={"never": "committed"})
    opened, _ = await step(bot, pending=left_over)
    assert opened == 1  # a session of its own, as outside an update
    assert conversation_rows(session) == {json.dumps([USER, USER]): "card"}
    session.expire_all()
    assert session.exec(select(BotState).where(BotState.key == "777")).first() is None
