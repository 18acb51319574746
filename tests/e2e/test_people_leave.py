"""People who leave: their unused invites stop working (and the change says how many), a removal is
reversed only at the level that decided it or above, and a deactivated person's /help is refused like
everything else."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sqlmodel import Session, select

from bot.domain.people import directory as people
from bot.domain.people.access import create_invite
from bot.presentation import callbacks as cb
from db.models import Invite, Role, User
from db.queries import get_unit_by_code
from tests.support.harness import Chat, new_user

Enroll = Callable[..., Any]


def _user(session: Session, chat: Chat) -> User:
    session.expire_all()
    return session.exec(select(User).where(User.telegram_id == chat.user.id)).one()


def _invite(session: Session, chat: Chat, *, maker: User | None, role: Role, unit_code: str) -> Invite:
    unit = get_unit_by_code(session, code=unit_code)
    assert unit is not None and unit.id is not None
    return create_invite(session, inviter=maker, role=role, unit_id=unit.id, organisation_id=None,
                         ttl=timedelta(days=3), now=chat.bot.runtime.clock())


async def _open_person(manager: Chat, name: str) -> None:
    await manager.send("/users")
    await manager.tap(next(b["text"] for b in manager.last.buttons() if name in b["text"]))


async def _newcomer_opens(chat_with: Callable[..., Chat], invite: Invite, name: str) -> str:
    return await chat_with(new_user(name)).reply_text(f"/start {invite.token}")


async def test_deactivating_a_supervisor_revokes_the_invites_they_made_and_says_how_many(
        enroll: Enroll, session: Session, chat_with: Callable[..., Chat]) -> None:
    admin: Chat = await enroll(role="admin", unit_code="GL", name="Admin Tỉnh")
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Trưởng phòng")
    maker = _user(session, district)
    first = _invite(session, district, maker=maker, role=Role.REPORTER, unit_code="GL-KP-IARSAI")
    second = _invite(session, district, maker=maker, role=Role.SUPERVISOR, unit_code="GL-KP")
    await _open_person(admin, "Trưởng phòng")
    await admin.tap("🚫 Khóa tài khoản")
    await admin.tap("🚫 Đồng ý khóa")
    assert "Đã thu hồi 2 link mời chưa dùng do người này tạo" in admin.last.text
    session.expire_all()
    assert all(session.get(Invite, i.id).revoked_at is not None for i in (first, second))  # type: ignore[union-attr]
    reply = await _newcomer_opens(chat_with, second, "Người lạ")
    assert "Chào mừng" not in reply and "thu hồi" in reply
    assert session.exec(select(User).where(User.display_name == "Người lạ")).first() is None


async def test_an_invite_is_checked_against_its_maker_when_opened(
        enroll: Enroll, session: Session, chat_with: Callable[..., Chat]) -> None:
    """An invite left open (made before the revocation existed, or in a race) is refused at /start."""
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Trưởng phòng")
    maker = _user(session, district)
    invite = _invite(session, district, maker=maker, role=Role.SUPERVISOR, unit_code="GL-KP")
    maker.active, maker.deactivated_reason = False, "removed"  # as an older release left it: invite still open
    session.add(maker)
    session.commit()
    reply = await _newcomer_opens(chat_with, invite, "Người lạ")
    assert "người tạo link không còn quyền mời" in reply
    assert session.exec(select(User).where(User.display_name == "Người lạ")).first() is None


async def test_demoting_or_moving_revokes_only_the_invites_beyond_the_new_rights(
        enroll: Enroll, session: Session, chat_with: Callable[..., Chat]) -> None:
    admin: Chat = await enroll(role="admin", unit_code="GL", name="Admin Tỉnh")
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Trưởng phòng")
    maker = _user(session, district)
    ia_rsai = _invite(session, district, maker=maker, role=Role.REPORTER, unit_code="GL-KP-IARSAI")
    chu_gu = _invite(session, district, maker=maker, role=Role.REPORTER, unit_code="GL-KP-CHUGU")
    await _open_person(admin, "Trưởng phòng")
    await admin.tap("🎭 Đổi vai trò")
    await admin.tap(next(b["text"] for b in admin.last.buttons() if "báo cáo viên" in b["text"]))
    assert "Đã thu hồi 2 link mời" in admin.last.text  # a reporter invites nobody
    assert "Chào mừng" not in await _newcomer_opens(chat_with, ia_rsai, "Người A")

    commune: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Phó phòng")
    deputy = _user(session, commune)
    stays = _invite(session, commune, maker=deputy, role=Role.REPORTER, unit_code="GL-KP-IARSAI")
    goes = _invite(session, commune, maker=deputy, role=Role.REPORTER, unit_code="GL-KP-CHUGU")
    people.change_unit(session, actor=_user(session, admin), target_id=deputy.id or 0,
                       unit_id=get_unit_by_code(session, code="GL-KP-IARSAI").id or 0,  # type: ignore[union-attr]
                       now=commune.bot.runtime.clock())
    assert "Chào mừng" not in await _newcomer_opens(chat_with, goes, "Người B")
    assert "Chào mừng" in await _newcomer_opens(chat_with, stays, "Người C")
    assert chu_gu.id is not None


async def test_a_district_cannot_reopen_an_account_closed_by_the_province_or_the_operator(
        enroll: Enroll, session: Session) -> None:
    admin: Chat = await enroll(role="admin", unit_code="GL", name="Admin Tỉnh")
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Trưởng phòng")
    by_province: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Ksor H'Lan")
    by_operator: Chat = await enroll(role="reporter", unit_code="GL-KP-CHUGU", name="Rơ Châm Thu")
    await _open_person(admin, "Ksor H'Lan")
    await admin.tap("🚫 Khóa tài khoản")
    await admin.tap("🚫 Đồng ý khóa")
    people.deactivate(session, actor=None, target_id=_user(session, by_operator).id or 0,
                      now=district.bot.runtime.clock())  # what `chungtay people deactivate` does

    for name, person in (("Ksor H'Lan", by_province), ("Rơ Châm Thu", by_operator)):
        await _open_person(district, name)
        card = district.last
        assert "Tài khoản do cấp trên khóa" in card.text
        assert not [b for b in card.buttons() if "Mở lại" in b["text"]]
        forged = cb.encode(cb.PeopleReactivate(_user(session, person).id or 0, 0))
        answers = len(district.fake.callback_answers)
        await district.tap_data(card, forged)
        assert district.fake.callback_answers[answers]["show_alert"]
        assert not _user(session, person).active
        # Nor by the district's own new invite to the same person.
        invite = _invite(session, district, maker=_user(session, district), role=Role.REPORTER,
                         unit_code="GL-KP-IARSAI")
        assert "khóa ở cấp cao hơn" in await person.reply_text(f"/start {invite.token}")
        assert not _user(session, person).active

    # The province reopens what it closed.
    await _open_person(admin, "Ksor H'Lan")
    await admin.tap("✅ Mở lại")
    assert _user(session, by_province).active


async def test_a_deactivated_persons_help_is_refused_like_everything_else(enroll: Enroll, session: Session) -> None:
    reporter: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Ksor H'Lan")
    assert "/log" in await reporter.reply_text("/help")
    people.deactivate(session, actor=None, target_id=_user(session, reporter).id or 0,
                      now=reporter.bot.runtime.clock())
    refusal = await reporter.reply_text("/totals")
    helped = await reporter.reply_text("/help")
    assert helped == refusal and "đã được đơn vị quản lý đóng lại" in helped and "/log" not in helped
