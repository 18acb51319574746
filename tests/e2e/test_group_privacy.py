"""Group chats never see household data, figures or files: every command of the table, from every role
and from someone not registered, gets one pointer to the private chat, and nothing else happens."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from bot.domain.people.access import create_invite
from bot.i18n import get_translator
from bot.presentation import callbacks as cb
from bot.sandbox.fake_api import FakeTelegram, FakeUser, SentMessage
from db.models import AuditEntry, Household, Invite, ReportingPeriod, Role, SupportAction
from db.queries import get_unit_by_code
from handlers.gate import group_pointer_text
from handlers.registry import command_table
from tests.support.harness import BotUnderTest, Chat, GroupChat, new_user
from tests.unit.test_callbacks import SAMPLES

HOUSEHOLD = "Nguyễn Văn An"
ARGUMENTS = {
    "household": "nguyen",
    "household_add": "HN-77; Trần Thị Bích; Thôn 2; hộ nghèo; 3",
    "export": "tháng này",
    "report": "tháng này",
    "digest": "tháng này",
    "digest_schedule": "thứ 2 7:30",
    "period": "Quý III/2027; 1/7/2027; 30/9/2027; 10/10/2027",
    "target": "GL-KP-IARSAI nhà ở 10",
    "reopen": "GL-KP-IARSAI thiếu số liệu",
    "unreached": "gạo",
}
"""Typical arguments; a command of the table that is not listed here is sent bare (/start gets a valid
invite token in the test)."""
FORBIDDEN = (HOUSEHOLD, "Nguyễn", "HN-01", "Trần Thị Bích", "5.410", "45 hộ", "81,15", "Ia Rsai", "Krông Pa")


@pytest.fixture
def group(bot: BotUnderTest) -> GroupChat:
    return GroupChat(bot=bot)


@pytest.fixture
async def people(enroll: Callable[..., object]) -> dict[str, Chat]:
    """A reporter of Ia Rsai with a household and a saved entry, a district supervisor, a provincial admin."""
    reporter: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", organisation="womens_union")  # type: ignore[assignment]
    assert "Đã thêm hộ" in await reporter.reply_text(f"/household_add HN-01; {HOUSEHOLD}; Thôn 1; hộ nghèo; 4")
    await reporter.send("gạo 45 hộ 5410kg 81,15tr")
    await reporter.tap("✅ Lưu")
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[assignment]
    admin: Chat = await enroll(role="admin", unit_code="GL")  # type: ignore[assignment]
    return {Role.REPORTER: reporter, Role.SUPERVISOR: supervisor, Role.ADMIN: admin}


def _assert_only_the_pointer(posted: list[SentMessage], fake: FakeTelegram, what: str) -> None:
    pointer = group_pointer_text(get_translator("vi"), fake.bot_username)
    assert len(posted) == 1, f"{what}: expected one pointer, got {posted}"
    message = posted[0]
    assert message.kind == "text" and message.file_bytes is None, what
    assert message.text == pointer, what
    assert message.reply_markup is None, what
    assert f"https://t.me/{fake.bot_username}" in pointer
    assert not any(word in pointer for word in FORBIDDEN)


async def test_every_command_in_a_group_gets_only_a_pointer_to_the_private_chat(
        people: dict[str, Chat], group: GroupChat, fake: FakeTelegram, session: Session,
        chat_with: Callable[[FakeUser], Chat]) -> None:
    unit = get_unit_by_code(session, code="GL-KP-CHUGU")
    assert unit is not None and unit.id is not None
    invite = create_invite(session, inviter=None, role=Role.REPORTER, unit_id=unit.id, organisation_id=None,
                           ttl=timedelta(hours=1), now=group.bot.runtime.clock())
    stranger = new_user("Người lạ")
    users: dict[str, FakeUser] = {role: chat.user for role, chat in people.items()}
    users["stranger"] = stranger
    record = session.exec(select(SupportAction)).one()
    household = session.exec(select(Household).where(Household.code == "HN-01")).one()
    # A press of every button family, carrying the ids of the real record and household.
    real = {"action_id": record.id, "household_id": household.id}
    presses = [cb.encode(dataclasses.replace(action, **{k: v for k, v in real.items() if hasattr(action, k)}))
               for action in SAMPLES]
    private_before = {user.id: len(fake.messages.get(user.id, [])) for user in users.values()}
    audit_before = len(session.exec(select(AuditEntry)).all())
    files_before = len(fake.calls_to("sendDocument")) + len(fake.calls_to("sendPhoto"))
    # Telegram (and PTB's AIORateLimiter) allow about 20 messages a minute per group: each command goes to
    # a group of its own, so the limiter never has to hold a pointer back and the test needs no waiting.
    groups: list[GroupChat] = []

    def a_group() -> GroupChat:
        groups.append(GroupChat(bot=group.bot, chat_id=group.chat_id - len(groups), title=group.title))
        return groups[-1]

    for who, user in users.items():
        for command in command_table():
            arguments = invite.token if command.name == "start" else ARGUMENTS.get(command.name, "")
            text = f"/{command.name} {arguments}".strip()
            _assert_only_the_pointer(await a_group().send(user, text), fake, f"{who}: {text}")
        addressed = f"/totals@{fake.bot_username}"
        _assert_only_the_pointer(await a_group().send(user, addressed), fake, f"{who}: {addressed}")
        for button_text in ("📊 Tổng hợp", "📝 Ghi nhận", "📜 Lịch sử"):
            _assert_only_the_pointer(await a_group().send(user, button_text), fake, f"{who}: {button_text}")
        for chatter in ("gạo 45 hộ 5410kg", "tổng gạo quý này", "/totals@SomeOtherBot", "chào cả nhà"):
            assert await a_group().send(user, chatter) == [], f"{who}: {chatter}"
        csv = f"mã hộ,chủ hộ,thôn,phân loại,năm\nHN-50,{HOUSEHOLD},Thôn 1,hộ nghèo,2026\n".encode()
        assert await a_group().send_document(user, csv, "danh-sach.csv") == [], f"{who}: a file"
        answers, last = len(fake.callback_answers), next(g for g in reversed(groups) if g.messages)
        for data in ("tt:U", *presses):
            assert await last.tap_data(user, last.messages[-1], data) == [], f"{who}: button {data}"
        assert len(fake.callback_answers) == answers + 1 + len(presses)
        assert all(a["text"] == "Vui lòng dùng bot trong tin nhắn riêng." for a in fake.callback_answers[answers:])

    assert all(not any(word in m.text for word in FORBIDDEN) for g in groups for m in g.messages)
    assert len(fake.calls_to("sendDocument")) + len(fake.calls_to("sendPhoto")) == files_before
    assert {user.id: len(fake.messages.get(user.id, [])) for user in users.values()} == private_before
    session.expire_all()
    assert len(session.exec(select(AuditEntry)).all()) == audit_before, "nothing was changed from the group"
    assert session.exec(select(Household).where(Household.code == "HN-77")).first() is None
    assert session.exec(select(ReportingPeriod)).first() is None
    assert len(session.exec(select(SupportAction)).all()) == 1
    assert session.exec(select(Invite).where(Invite.token == invite.token)).one().used_at is None

    newcomer = chat_with(stranger)
    welcome = await newcomer.reply_text(f"/start {invite.token}")
    assert "Chào mừng" in welcome and "xã Chư Gu" in welcome, "the invite still works in private"


async def test_a_menu_in_a_group_is_never_set_and_the_private_chat_still_works(
        people: dict[str, Chat], group: GroupChat, fake: FakeTelegram) -> None:
    reporter = people[Role.REPORTER]
    menus_before = len(fake.calls_to("setMyCommands"))
    _assert_only_the_pointer(await group.send(reporter.user, "/language"), fake, "/language")
    assert len(fake.calls_to("setMyCommands")) == menus_before
    assert HOUSEHOLD in await reporter.reply_text("/household nguyen")
