"""A half-filled form survives a restart: the conversation state and user_data live in the database."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Callable
from typing import Any

from sqlmodel import Session, select

from db.models import BotState, Invite
from db.queries import get_unit_by_code
from tests.support.harness import BotUnderTest, Chat

ROLE = "báo cáo viên (cán bộ xã hoặc Hội, Đoàn)"


def stored(session: Session, kind: str, key: str) -> Any:
    session.expire_all()
    row = session.exec(select(BotState).where(BotState.kind == kind, BotState.key == key)).first()
    return None if row is None else row.data


async def wait_stored(session: Session, kind: str, key: str, *, timeout: float = 5.0) -> Any:
    """Wait for the periodic `update_persistence` (every `update_interval`, 1 s) to write the row."""
    deadline = time.monotonic() + timeout
    while (data := stored(session, kind, key)) is None:
        assert time.monotonic() < deadline, f"no {kind} row {key} after {timeout} s"
        await asyncio.sleep(0.05)
    return data


async def test_invite_form_resumes_after_a_restart(bot: BotUnderTest, enroll: Callable[..., object],
                                                   session: Session) -> None:
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Nguyễn Thị Hoa")  # type: ignore[misc]
    await supervisor.send("/invite")
    await supervisor.tap(ROLE)
    picker = supervisor.last
    assert "xã Ia Rsai" in [b["text"] for b in picker.buttons()]

    # Written while the bot keeps running, without waiting for a shutdown.
    user_id = supervisor.user.id
    conversation_key = json.dumps([user_id, user_id])  # private chat: chat id == user id
    assert (await wait_stored(session, "user_data", json.dumps(user_id)))["invite"] == {"role": "reporter"}
    state = await wait_stored(session, "conversation", conversation_key)
    assert state == 1  # CHOOSE_UNIT

    await bot.restart()  # a new Application on the same database, as after a deploy

    await supervisor.tap("xã Ia Rsai", message=picker)  # the message from before the restart
    assert "thuộc tổ chức nào" in supervisor.last.text
    await supervisor.tap("Hội LHPN")
    card = supervisor.last
    assert "Đã tạo lời mời" in card.text and "xã Ia Rsai" in card.text
    session.expire_all()
    invite = session.exec(select(Invite).where(Invite.created_by_id.is_not(None))).one()  # type: ignore[union-attr]
    assert invite.role.value == "reporter"

    # The conversation ended and the draft was popped: both are gone from the database after shutdown.
    await bot.stop()
    assert stored(session, "conversation", conversation_key) is None
    assert stored(session, "user_data", json.dumps(user_id)) == {}


async def test_a_cancelled_form_does_not_come_back_after_a_restart(bot: BotUnderTest, enroll: Callable[..., object],
                                                                  session: Session) -> None:
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[misc]
    await supervisor.send("/invite")
    await supervisor.tap(ROLE)
    picker = supervisor.last
    await supervisor.tap("❌ Hủy")
    assert supervisor.last.text == "Đã hủy."
    await bot.restart()
    key = json.dumps([supervisor.user.id, supervisor.user.id])
    assert stored(session, "conversation", key) is None
    unit = get_unit_by_code(session, code="GL-KP-IARSAI")
    assert unit is not None
    await supervisor.tap_data(picker, f"inv:unit:{unit.id}")
    assert "thuộc tổ chức nào" not in supervisor.last.text
