"""The /log form's typed state in use: a form half-filled before the state was typed (a plain dict in
user_data) resumes after the deploy, and an erasure scrubs the typed form held in memory."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

from sqlmodel import Session, select

from bot.sandbox.fake_api import FakeTelegram
from db import state_store
from db.models import BotState, SupportAction
from tests.support.files import xlsx_bytes
from tests.support.harness import BotUnderTest, Chat

NAME = "Nguyễn Văn Khải"
ROWS = [["Mã hộ", "Họ tên chủ hộ", "Thôn", "Phân loại", "Số nhân khẩu"],
        ["HN-01", NAME, "Thôn 1", "Hộ nghèo", "5"], ["HN-02", "Trần Thị Bình", "Thôn 2", "cận nghèo", "4"]]


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


async def test_an_erased_households_name_leaves_the_open_form_in_memory_too(
        bot: BotUnderTest, enroll: Callable[..., object], fake: FakeTelegram, session: Session) -> None:
    """The form's state is a typed object in memory; the erasure scrubs it as its JSON all the same, so a card
    redrawn after the erasure (✏️ then ↩) no longer shows the name."""
    commune: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[misc]
    await bot.settle(fake.inject_document(commune.user, xlsx_bytes(ROWS), "ho-ngheo.xlsx"))
    await commune.tap("✅ Nhập 2 hộ")
    await commune.send("gạo 1 hộ 20kg nguyen van khai")
    assert NAME in commune.last.text
    await district.send("/household_erase HN-01")
    await district.tap("✅ Xóa")

    await commune.tap("✏️ Sửa")
    card = (await commune.tap("↩ Quay lại phiếu"))[-1]
    assert NAME not in card.text and "Hộ đã xóa thông tin" in card.text
    await bot.stop()  # what the process held in memory is written back: still without the name
    rows = session.exec(select(BotState).where(BotState.kind == "user_data")).all()
    assert rows and all(NAME not in json.dumps(row.data, ensure_ascii=False) for row in rows)
