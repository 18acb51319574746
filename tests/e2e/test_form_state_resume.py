"""A /log form half-filled before the form's state was typed (a plain dict in user_data) resumes after the
deploy: the new code reads the old shape, asks the step the user saw, and saves the entry."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

from sqlmodel import Session, select

from db import state_store
from db.models import BotState, SupportAction
from tests.support.harness import BotUnderTest, Chat


async def test_a_form_left_in_the_old_shape_resumes_after_a_deploy(bot: BotUnderTest, enroll: Callable[..., object],
                                                                  session: Session) -> None:
    reporter: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    user_id = reporter.user.id
    await bot.stop()
    old_form = {"draft": {"key": "c" * 32, "category": "rice", "households": 45, "quantity": "5410",
                          "quantity_unit": None, "fields": {}, "skipped": [], "reading": {}, "total_choice": None,
                          "organisation": None, "action_date": None},
                "plan": ["value"], "source": 5}
    state_store.upsert(session, kind="user_data", name="", key=json.dumps(user_id),
                       data={"log": old_form, "log_lines": {"3": 1}})
    state_store.upsert(session, kind="conversation", name="log", key=json.dumps([user_id, user_id]), data="ask")
    await bot.start()

    card = (await reporter.send("81,15tr"))[-1]
    assert "5.410 kg" in card.text and "45 hộ" in card.text and "81,15 triệu đồng" in card.text
    await reporter.tap("✅ Lưu")
    session.expire_all()
    [action] = session.exec(select(SupportAction)).all()
    assert (action.households, action.quantity, action.value_dong) == (45, Decimal(5410), 81_150_000)
    assert action.client_key == "c" * 32
    await bot.stop()
    rows = {row.key: row.data for row in session.exec(select(BotState).where(BotState.kind == "user_data"))}
    assert rows[json.dumps(user_id)]["log_lines"] == {"3": 1, "5": action.id}  # the old line and this one
