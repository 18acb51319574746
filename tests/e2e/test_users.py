"""People and invites end to end: /users (list, deactivate, reactivate, role, unit), /invites (revoke), the
two kinds of inactive users at /start, the outbox of a deactivated user, and rights that follow a move."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlmodel import Session, col, select

from bot.domain.outbox import queue as outbox
from bot.domain.people.access import create_invite
from bot.outbox_sender import sender_of
from bot.presentation import callbacks as cb
from db.models import (
    AuditEntry,
    Category,
    Invite,
    Organisation,
    OutboxMessage,
    Role,
    SupportAction,
    User,
    utcnow,
)
from db.queries import get_unit_by_code
from tests.support.harness import BotUnderTest, Chat, new_user

Enroll = Callable[..., Any]
REPORTER = "báo cáo viên (cán bộ xã hoặc Hội, Đoàn)"


def _user(session: Session, chat: Chat) -> User:
    session.expire_all()
    return session.exec(select(User).where(User.telegram_id == chat.user.id)).one()


async def _open_person(supervisor: Chat, name: str) -> None:
    await supervisor.send("/users")
    await supervisor.tap(next(b["text"] for b in supervisor.last.buttons() if name in b["text"]))


async def test_users_lists_the_subtree_with_buttons_only_for_people_one_may_change(enroll: Enroll) -> None:
    await enroll(role="admin", unit_code="GL", name="Admin Tỉnh")
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Nguyễn Thị Hoa")
    await enroll(role="admin", unit_code="GL-KP", name="Admin Huyện")
    await enroll(role="reporter", unit_code="GL-KP-IARSAI", organisation="womens_union", name="Ksor H'Lan")
    await enroll(role="reporter", unit_code="GL-KP-CHUGU", name="Rơ Châm Thu")
    await supervisor.send("/users")
    text = supervisor.last.text
    assert "Cán bộ của huyện Krông Pa (4 người)" in text
    assert "Ksor H'Lan — báo cáo viên" in text and "xã Ia Rsai, Hội LHPN" in text and "hoạt động lần cuối" in text
    assert "Rơ Châm Thu" in text and "Nguyễn Thị Hoa" in text and "Admin Huyện" in text
    assert "Admin Tỉnh" not in text, "the province is above the supervisor"
    buttons = [b["text"] for b in supervisor.last.buttons()]
    assert any("Ksor H'Lan" in b for b in buttons) and any("Rơ Châm Thu" in b for b in buttons)
    assert not any("Nguyễn Thị Hoa" in b for b in buttons), "nobody changes themselves"
    assert not any("Admin Huyện" in b for b in buttons), "a supervisor cannot touch an admin"
    group = -100777
    await supervisor.bot.settle(supervisor.fake.inject_message(supervisor.user, "/users", chat_id=group,
                                                               chat_type="group", chat_title="Huyện"))
    assert "tin nhắn riêng" in supervisor.fake.messages[group][-1].text
    assert "Ksor H'Lan" not in supervisor.fake.messages[group][-1].text

    reporter: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Báo cáo viên")
    assert "chỉ cán bộ giám sát và quản trị viên" in await reporter.reply_text("/users")
    assert "chỉ cán bộ giám sát và quản trị viên" in await reporter.reply_text("/invites")


async def test_users_are_paged(enroll: Enroll) -> None:
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP-IARSAI", name="Trưởng")
    for number in range(9):
        await enroll(role="reporter", unit_code="GL-KP-IARSAI", name=f"Cán bộ {number:02d}")
    await supervisor.send("/users")
    assert "(10 người) — trang 1/2" in supervisor.last.text
    await supervisor.tap("Trang sau ›")
    assert "trang 2/2" in supervisor.last.text and "8. Cán bộ 07" not in supervisor.last.text
    assert "9. <b>Cán bộ 08" in supervisor.last.text or "9. Cán bộ 08" in supervisor.last.text


async def test_deactivated_user_gets_no_access_until_a_new_invite(enroll: Enroll, session: Session) -> None:
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Nguyễn Thị Hoa")
    reporter: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Ksor H'Lan")
    await reporter.send("gạo 45 hộ 5410kg")
    await reporter.tap("✅ Lưu")
    await _open_person(supervisor, "Ksor H'Lan")
    assert "Trạng thái: đang hoạt động" in supervisor.last.text
    await supervisor.tap("🚫 Khóa tài khoản")
    assert "Khóa tài khoản của Ksor H'Lan?" in supervisor.last.text
    await supervisor.tap("🚫 Đồng ý khóa")
    assert "Đã khóa tài khoản của Ksor H'Lan" in supervisor.last.text
    assert "Trạng thái: đã bị khóa" in supervisor.last.text

    target = _user(session, reporter)
    assert not target.active and target.deactivated_reason == "removed"
    assert target.deactivated_by_id == _user(session, supervisor).id
    entry = session.exec(select(AuditEntry).where(AuditEntry.action == "deactivate")).one()
    assert entry.user_id == _user(session, supervisor).id and entry.entity_id == target.id
    assert entry.details["before"]["active"] is True and entry.details["after"]["active"] is False
    assert session.exec(select(SupportAction)).one().author_id == target.id, "the record stays, credited"

    for line in ("/start", "/totals", "gạo 10 hộ"):
        text = await reporter.reply_text(line)
        assert "đã được đơn vị quản lý đóng lại" in text and "link mời mới" in text
    assert _user(session, reporter).active is False, "/start does not bring a removed user back"

    unit = get_unit_by_code(session, code="GL-KP-CHUGU")
    assert unit is not None and unit.id is not None
    invite = create_invite(session, inviter=None, role=Role.REPORTER, unit_id=unit.id, organisation_id=None,
                           ttl=timedelta(hours=1), now=reporter.bot.runtime.clock())
    assert "Chào mừng" in await reporter.reply_text(f"/start {invite.token}")
    again = _user(session, reporter)
    assert again.active and again.deactivated_reason is None and again.id == target.id


async def test_reactivate_from_the_card(enroll: Enroll, session: Session) -> None:
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP")
    reporter: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Ksor H'Lan")
    await _open_person(supervisor, "Ksor H'Lan")
    await supervisor.tap("🚫 Khóa tài khoản")
    await supervisor.tap("🚫 Đồng ý khóa")
    await supervisor.tap("✅ Mở lại")
    assert "Tài khoản của Ksor H'Lan đã được mở lại" in supervisor.last.text
    assert _user(session, reporter).active
    assert "Vai trò: báo cáo viên" in await reporter.reply_text("/me")
    actions = [e.action for e in session.exec(select(AuditEntry).where(AuditEntry.entity == "user")
                                              .order_by(col(AuditEntry.id))).all()]
    assert actions[-2:] == ["deactivate", "reactivate"]


async def test_role_and_unit_changes_stay_inside_the_actor_rights(enroll: Enroll, session: Session,
                                                                   bot: BotUnderTest) -> None:
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Nguyễn Thị Hoa")
    admin: Chat = await enroll(role="admin", unit_code="GL-KP", name="Admin Huyện")
    reporter: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Ksor H'Lan")
    target = _user(session, reporter)
    old_unit_id = target.unit_id
    await _open_person(supervisor, "Ksor H'Lan")
    await supervisor.tap("🎭 Đổi vai trò")
    roles = [b["text"] for b in supervisor.last.buttons()]
    assert f"• {REPORTER}" in roles and "cán bộ giám sát" in roles
    assert not any("quản trị viên" in r for r in roles), "a supervisor cannot make admins"
    await supervisor.tap("cán bộ giám sát")
    assert "Đã đổi vai trò" in supervisor.last.text and "Vai trò: cán bộ giám sát" in supervisor.last.text
    assert _user(session, reporter).role == Role.SUPERVISOR
    menus = [c.params for c in bot.fake.calls_to("setMyCommands")
             if str(reporter.user.id) in str(c.params.get("scope"))]
    assert menus and "users" in str(menus[-1]["commands"]), "the new supervisor's menu has /users"

    await supervisor.tap("🏢 Đổi đơn vị")
    units = [b["text"] for b in supervisor.last.buttons()]
    assert "✅ huyện Krông Pa" in units and "xã Chư Gu" in units and not any("Gia Lai" in u for u in units)
    await supervisor.tap("xã Chư Gu")
    assert "Đã đổi đơn vị" in supervisor.last.text and "Đơn vị: xã Chư Gu" in supervisor.last.text
    moved = _user(session, reporter)
    assert moved.unit_id == get_unit_by_code(session, code="GL-KP-CHUGU").id  # type: ignore[union-attr]
    changes = {e.action: e.details for e in session.exec(select(AuditEntry).where(AuditEntry.entity_id == target.id,
                                                                                  AuditEntry.entity == "user"))}
    assert changes["change_role"]["before"]["role"] == "reporter"
    assert changes["change_role"]["after"]["role"] == "supervisor"
    assert changes["change_unit"]["before"]["unit_id"] == old_unit_id
    assert changes["change_unit"]["after"]["unit_id"] == moved.unit_id

    # Forged presses: a role above one's own, a unit above one's subtree, an admin, oneself.
    card = supervisor.last
    province = get_unit_by_code(session, code="GL")
    assert province is not None
    own, admin_user = _user(session, supervisor), _user(session, admin)
    for data in (cb.encode(cb.PeopleSetRole(target.id or 0, "admin", 0)),
                 cb.encode(cb.PeopleSetUnit(target.id or 0, province.id or 0)),
                 cb.encode(cb.PeopleDeactivate(admin_user.id or 0, 0)),
                 cb.encode(cb.PeopleSetRole(admin_user.id or 0, "reporter", 0)),
                 cb.encode(cb.PeopleDeactivate(own.id or 0, 0)), cb.encode(cb.PeopleSetRole(own.id or 0, "admin", 0))):
        answers = len(bot.fake.callback_answers)
        await supervisor.tap_data(card, data)
        assert bot.fake.callback_answers[answers]["show_alert"]
        assert "không có quyền thay đổi" in bot.fake.callback_answers[answers]["text"]
    session.expire_all()
    assert _user(session, reporter).role == Role.SUPERVISOR and _user(session, admin).active
    assert _user(session, supervisor).role == Role.SUPERVISOR and _user(session, supervisor).active


async def test_invites_lists_open_invites_and_revokes_one(enroll: Enroll, session: Session,
                                                          chat_with: Callable[..., Chat]) -> None:
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Nguyễn Thị Hoa")
    assert "không có lời mời nào" in await supervisor.reply_text("/invites")
    inviter = _user(session, supervisor)
    ia_rsai = get_unit_by_code(session, code="GL-KP-IARSAI")
    province = get_unit_by_code(session, code="GL")
    assert ia_rsai and ia_rsai.id and province and province.id
    leaked = create_invite(session, inviter=inviter, role=Role.REPORTER, unit_id=ia_rsai.id, organisation_id=None,
                           ttl=timedelta(hours=72), now=supervisor.bot.runtime.clock())
    create_invite(session, inviter=None, role=Role.REPORTER, unit_id=province.id, organisation_id=None,
                  ttl=timedelta(hours=72), now=supervisor.bot.runtime.clock())  # above the supervisor: not theirs
    create_invite(session, inviter=inviter, role=Role.REPORTER, unit_id=ia_rsai.id, organisation_id=None,
                  ttl=timedelta(hours=1), now=utcnow() - timedelta(hours=2))  # expired
    await supervisor.send("/invites")
    text = supervisor.last.text
    assert "Lời mời còn hiệu lực" in text and "1. báo cáo viên" in text and "xã Ia Rsai" in text
    assert "do Nguyễn Thị Hoa tạo" in text and "2. " not in text
    await supervisor.tap("❌ 1. xã Ia Rsai")
    assert "Đã thu hồi lời mời" in supervisor.last.text and "không có lời mời nào" in supervisor.last.text
    session.expire_all()
    revoked = session.get(Invite, leaked.id)
    assert revoked is not None and revoked.revoked_at is not None and revoked.revoked_by_id == inviter.id
    assert session.exec(select(AuditEntry).where(AuditEntry.action == "revoke")).one().entity_id == leaked.id

    newcomer = chat_with(new_user("Người nhận link"))
    assert "đã bị người tạo thu hồi" in await newcomer.reply_text(f"/start {leaked.token}")
    assert session.exec(select(User).where(User.telegram_id == newcomer.user.id)).first() is None


async def test_blocked_user_comes_back_with_start_but_removed_user_does_not(enroll: Enroll, session: Session,
                                                                            bot: BotUnderTest) -> None:
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP")
    blocker: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Chị Hoa")
    user = _user(session, blocker)
    outbox.enqueue(session, key="test:1", chat_id=blocker.user.id, user_id=user.id, text="Nhắc hạn", now=utcnow())
    session.commit()
    bot.fake.block_user(blocker.user.id)
    assert bot.application is not None
    await sender_of(bot.application).drain()
    blocked = _user(session, blocker)
    assert not blocked.active and blocked.deactivated_reason == "blocked"
    await supervisor.send("/users")
    assert "Chị Hoa" in supervisor.last.text and "đã chặn bot" in supervisor.last.text
    bot.fake.unblock_user(blocker.user.id)
    assert "gửi /start" in (await blocker.reply_text("/totals")).lower()
    assert "Rất vui được gặp lại" in await blocker.reply_text("/start")
    back = _user(session, blocker)
    assert back.active and back.deactivated_reason is None
    assert "gửi /start" not in (await blocker.reply_text("/totals")).lower()


async def test_deactivated_users_queued_messages_are_dropped_and_others_sent(enroll: Enroll, session: Session,
                                                                            bot: BotUnderTest) -> None:
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP")
    leaving: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Người nghỉ")
    staying: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Người ở lại")
    leaving_user, staying_user = _user(session, leaving), _user(session, staying)
    now = utcnow() + timedelta(hours=1)  # not yet due: they wait in the outbox
    for number in range(3):
        for user in (leaving_user, staying_user):
            outbox.enqueue(session, key=f"t:{user.id}:{number}", chat_id=user.telegram_id, user_id=user.id,
                           text=f"Tin {number}", now=now)
    session.commit()
    await _open_person(supervisor, "Người nghỉ")
    await supervisor.tap("🚫 Khóa tài khoản")
    await supervisor.tap("🚫 Đồng ý khóa")
    # A message enqueued after the deactivation (by a planner that read the user before) is dropped too.
    outbox.enqueue(session, key="late", chat_id=leaving_user.telegram_id, user_id=leaving_user.id, text="Muộn",
                   now=utcnow())
    session.commit()
    assert bot.application is not None
    bot.runtime.clock = lambda: now + timedelta(minutes=1)
    before = len(leaving.messages)
    assert await sender_of(bot.application).drain() == 3
    session.expire_all()
    rows = session.exec(select(OutboxMessage)).all()
    assert {r.key: r.status for r in rows if r.user_id == leaving_user.id} == {
        f"t:{leaving_user.id}:{n}": "dropped" for n in range(3)} | {"late": "dropped"}
    assert [r.status for r in rows if r.user_id == staying_user.id] == ["sent"] * 3
    assert len(leaving.messages) == before
    assert [m.text for m in staying.messages[-3:]] == ["Tin 0", "Tin 1", "Tin 2"]


def _record_with_household(session: Session, *, author: User, unit_code: str, today: date) -> SupportAction:
    unit = get_unit_by_code(session, code=unit_code)
    gift = session.exec(select(Category).where(Category.code == "gift")).one()
    org = session.exec(select(Organisation).order_by(col(Organisation.sort))).first()
    assert unit and unit.id and gift.id and org and org.id and author.id
    action = SupportAction(unit_id=unit.id, organisation_id=org.id, category_id=gift.id, action_date=today,
                           households=1, quantity=Decimal(1), subtype="tet", value_dong=500_000,
                           household_name="Nguyễn Văn Bí Mật", household_village="thôn 3", author_id=author.id,
                           details={"occasion": "tet"})
    session.add(action)
    session.commit()
    return action


async def test_moved_reporter_loses_the_old_units_records_and_names(enroll: Enroll, session: Session,
                                                                    bot: BotUnderTest) -> None:
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP")
    reporter: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Ksor H'Lan")
    record = _record_with_household(session, author=_user(session, reporter), unit_code="GL-KP-IARSAI",
                                    today=bot.runtime.today())
    await reporter.send("/history")
    history = reporter.last
    await reporter.tap(f"✏️ #{record.id}")
    card = reporter.last
    assert "Nguyễn Văn Bí Mật" in card.text

    await _open_person(supervisor, "Ksor H'Lan")
    await supervisor.tap("🏢 Đổi đơn vị")
    await supervisor.tap("xã Chư Gu")

    await reporter.tap("✏️ Sửa", message=card)
    await reporter.tap("↩", message=reporter.last)
    assert "Nguyễn Văn Bí Mật" not in reporter.last.text, "the open card forgets a name outside the subtree"
    await reporter.tap("✅ Lưu", message=reporter.last)
    assert "không có quyền sửa" in reporter.last.text
    answers = len(bot.fake.callback_answers)
    await reporter.tap(f"✏️ #{record.id}", message=history)
    assert bot.fake.callback_answers[answers]["show_alert"]
    assert "Nguyễn Văn Bí Mật" not in reporter.last.text
    assert "Chưa có bản ghi" in await reporter.reply_text("/history")
    session.expire_all()
    assert session.get(SupportAction, record.id).status == "current"  # type: ignore[union-attr]

    # Moved up to the district (above the old commune): the record is theirs again.
    await supervisor.tap("🏢 Đổi đơn vị", message=supervisor.last)
    await supervisor.tap("✅ huyện Krông Pa")
    await reporter.send("/history")
    await reporter.tap(f"✏️ #{record.id}")
    assert "Nguyễn Văn Bí Mật" in reporter.last.text


async def test_moved_supervisor_drill_down_follows_the_new_unit(enroll: Enroll, session: Session,
                                                                bot: BotUnderTest) -> None:
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP")
    commune: Chat = await enroll(role="supervisor", unit_code="GL-KP-IARSAI", name="Trưởng xã")
    author: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")
    record = _record_with_household(session, author=_user(session, author), unit_code="GL-KP-IARSAI",
                                    today=bot.runtime.today())
    await commune.send("/totals")
    await commune.tap("🔎")
    listing = commune.last
    assert f"#{record.id}" in listing.text
    await commune.tap(f"✏️ #{record.id}", message=listing)
    assert "Nguyễn Văn Bí Mật" in commune.last.text
    await commune.send("/cancel")

    await _open_person(district, "Trưởng xã")
    await district.tap("🏢 Đổi đơn vị")
    await district.tap("xã Chư Gu")

    answers = len(bot.fake.callback_answers)
    await commune.tap(f"✏️ #{record.id}", message=listing)
    assert bot.fake.callback_answers[answers]["show_alert"], "no correction card outside the new subtree"
    assert "Nguyễn Văn Bí Mật" not in commune.last.text
    answers = len(bot.fake.callback_answers)
    await commune.tap(f"🗑 #{record.id}", message=listing)
    assert bot.fake.callback_answers[answers]["show_alert"]
    [again] = await commune.tap_data(listing, "drill:gift:0")  # the list again: the scope is the CURRENT unit
    assert again.message_id == listing.message_id
    assert f"#{record.id}" not in again.text and "xã Chư Gu" in again.text
