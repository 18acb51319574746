"""Onboarding end to end: strangers, invites, registration, /me, /help, /language, menus."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlmodel import Session, select

from bot.domain.people.access import create_invite
from bot.sandbox.fake_api import FakeTelegram, FakeUser
from db.models import AuditEntry, Invite, Role, User
from db.queries import get_unit_by_code
from tests.support.harness import BotUnderTest, Chat, new_user


async def test_stranger_without_invite_gets_a_polite_explanation(stranger: Chat) -> None:
    text = await stranger.reply_text("/start")
    assert "chưa được cấp quyền" in text
    assert "link mời" in text


async def test_stranger_with_english_telegram_is_answered_in_english(
        chat_with: Callable[[FakeUser], Chat]) -> None:
    chat = chat_with(new_user("Visitor", language_code="en"))
    text = await chat.reply_text("/start")
    assert "You do not have access yet" in text


async def test_stranger_cannot_use_other_commands_and_sees_no_data(stranger: Chat) -> None:
    for command in ("/me", "/invite", "/help", "hello"):
        text = await stranger.reply_text(command)
        assert "chưa được cấp quyền" in text
        assert "Ia Rsai" not in text


async def test_invalid_and_used_and_expired_links(session: Session, enroll: Callable[..., object],
                                                  chat_with: Callable[[FakeUser], Chat]) -> None:
    assert "không hợp lệ" in await chat_with(new_user()).reply_text("/start not-a-real-token")
    unit = get_unit_by_code(session, code="GL-KP-CHUGU")
    assert unit is not None and unit.id is not None
    invite = create_invite(session, inviter=None, role=Role.REPORTER, unit_id=unit.id, organisation_id=None,
                           ttl=timedelta(hours=1), now=datetime.now(UTC))
    first = chat_with(new_user("Người thứ nhất"))
    assert "Chào mừng" in await first.reply_text(f"/start {invite.token}")
    second = chat_with(new_user("Người thứ hai"))
    assert "đã được sử dụng" in await second.reply_text(f"/start {invite.token}")
    expired = create_invite(session, inviter=None, role=Role.REPORTER, unit_id=unit.id, organisation_id=None,
                            ttl=timedelta(hours=1), now=datetime.now(UTC) - timedelta(hours=2))
    assert "hết hạn" in await second.reply_text(f"/start {expired.token}")
    session.expire_all()
    users = session.exec(select(User).where(User.unit_id == unit.id)).all()
    assert [u.display_name for u in users] == ["Người thứ nhất"]


async def test_supervisor_invites_a_reporter_who_registers(session: Session, enroll: Callable[..., object],
                                                          chat_with: Callable[[FakeUser], Chat],
                                                          fake: FakeTelegram) -> None:
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Nguyễn Thị Hoa")  # type: ignore[misc]
    assert "cán bộ giám sát" in supervisor.last.text
    await supervisor.send("/invite")
    assert "Chọn vai trò" in supervisor.last.text
    role_buttons = [b["text"] for b in supervisor.last.buttons()]
    assert not any("quản trị" in b for b in role_buttons), "supervisors cannot create admins"
    await supervisor.tap("báo cáo viên (cán bộ xã hoặc Hội, Đoàn)")
    unit_buttons = [b["text"] for b in supervisor.last.buttons()]
    assert "✅ huyện Krông Pa" in unit_buttons
    assert "xã Ia Rsai" in unit_buttons
    assert not any("Gia Lai" in b for b in unit_buttons), "the province is above the supervisor"
    await supervisor.tap("xã Ia Rsai")
    assert "thuộc tổ chức nào" in supervisor.last.text
    await supervisor.tap("Hội LHPN")
    card = supervisor.last
    assert "Đã tạo lời mời" in card.text and "xã Ia Rsai" in card.text
    link = next(b["url"] for b in card.buttons() if b.get("url"))
    assert link.startswith(f"https://t.me/{fake.bot_username}?start=")
    token = link.split("start=", 1)[1]

    newcomer = chat_with(new_user("Ksor H'Lan"))
    text = await newcomer.reply_text(f"/start {token}")
    assert "Chào mừng Ksor H'Lan" in text
    assert "báo cáo viên" in text and "xã Ia Rsai" in text and "Hội LHPN" in text
    me = await newcomer.reply_text("/me")
    assert "xã Ia Rsai" in me and "Hội LHPN" in me and "Tiếng Việt" in me
    user = session.exec(select(User).where(User.telegram_id == newcomer.user.id)).one()
    assert user.role == Role.REPORTER
    invite = session.exec(select(Invite).where(Invite.token == token)).one()
    assert invite.used_by_id == user.id and invite.used_at is not None
    actions = {a.action for a in session.exec(select(AuditEntry)).all()}
    assert {"create", "register"} <= actions


async def test_forged_unit_button_outside_the_subtree_is_refused(session: Session,
                                                                 enroll: Callable[..., object]) -> None:
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    await supervisor.send("/invite")
    await supervisor.tap("báo cáo viên (cán bộ xã hoặc Hội, Đoàn)")
    other = get_unit_by_code(session, code="GL-KP-CHUGU")
    assert other is not None
    picker = supervisor.last
    await supervisor.tap_data(picker, f"inv:unit:{other.id}")
    assert "thuộc tổ chức nào" not in supervisor.last.text
    assert session.exec(select(Invite).where(Invite.unit_id == other.id)).first() is None


async def test_reporter_cannot_invite_and_help_follows_the_role(enroll: Callable[..., object]) -> None:
    reporter: Chat = await enroll(role="reporter")  # type: ignore[misc]
    assert "Chỉ cán bộ giám sát" in await reporter.reply_text("/invite")
    assert "/invite" not in await reporter.reply_text("/help")
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[misc]
    assert "/invite" in await supervisor.reply_text("/help")


async def test_cancel_leaves_the_invite_form(enroll: Callable[..., object], session: Session) -> None:
    admin: Chat = await enroll(role="admin", unit_code="GL")  # type: ignore[misc]
    await admin.send("/invite")
    assert any(b["text"] == "quản trị viên" for b in admin.last.buttons())
    await admin.tap("❌ Hủy")
    assert admin.last.text == "Đã hủy."
    assert session.exec(select(Invite).where(Invite.created_by_id.is_not(None))).first() is None  # type: ignore[union-attr]


async def test_language_switch_is_remembered_across_restart(enroll: Callable[..., object], bot: BotUnderTest,
                                                            fake: FakeTelegram) -> None:
    chat: Chat = await enroll(role="reporter")  # type: ignore[misc]
    await chat.send("/language")
    assert chat.last.text == "Chọn ngôn ngữ:"
    await chat.tap("English")
    assert chat.last.text == "Language set to English."
    assert "Role: reporter" in await chat.reply_text("/me")
    menus = [c.params for c in fake.calls_to("setMyCommands")
             if (c.params.get("scope") or {}).get("chat_id") == chat.user.id]
    assert menus and menus[-1]["commands"][0]["description"] == "What the bot can do"
    await bot.restart()
    assert "commune Ia Rsai" not in await chat.reply_text("/me")
    assert "Ia Rsai commune" in await chat.reply_text("/me")
    await chat.send("/language")
    await chat.tap("Tiếng Việt")
    assert "Vai trò" in await chat.reply_text("/me")


async def test_default_command_menus_in_both_languages(bot: BotUnderTest, fake: FakeTelegram) -> None:
    defaults = {c.params.get("language_code"): c.params["commands"] for c in fake.calls_to("setMyCommands")
                if not c.params.get("scope")}
    assert set(defaults) == {None, "en"}
    assert {c["command"] for c in defaults[None]} == {"start", "help"}
    assert defaults[None][1]["description"] == "Bot làm được gì"
    assert defaults["en"][1]["description"] == "What the bot can do"
