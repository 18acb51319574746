"""People and invites services: who may change whom, the outbox of inactive users, revoking, and the CLI."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import Session, col, select

from bot.cli import main
from bot.domain.outbox import queue as outbox
from bot.domain.people import directory as people
from bot.domain.people import invites
from bot.domain.people.access import AccessDenied, RedeemOutcome, create_invite, redeem_invite
from bot.domain.permissions import Do, may
from bot.domain.records.actions import Draft, card_view
from db.models import (
    AuditEntry,
    Category,
    Household,
    Invite,
    Organisation,
    OutboxMessage,
    Role,
    SupportAction,
    User,
    utcnow,
)
from db.queries import get_unit_by_code

_telegram_ids = iter(range(7_000_001, 7_100_000))


def _user(session: Session, role: Role, unit_code: str, name: str = "Cán bộ") -> User:
    unit = get_unit_by_code(session, code=unit_code)
    assert unit is not None and unit.id is not None
    user = User(telegram_id=next(_telegram_ids), display_name=name, role=role, unit_id=unit.id)
    session.add(user)
    session.commit()
    return user


def _unit_id(session: Session, code: str) -> int:
    unit = get_unit_by_code(session, code=code)
    assert unit is not None and unit.id is not None
    return unit.id


def test_who_may_change_whom(session: Session) -> None:
    district_admin = _user(session, Role.ADMIN, "GL-KP")
    supervisor = _user(session, Role.SUPERVISOR, "GL-KP")
    commune_supervisor = _user(session, Role.SUPERVISOR, "GL-KP-IARSAI")
    reporter = _user(session, Role.REPORTER, "GL-KP-IARSAI")
    other_commune = _user(session, Role.REPORTER, "GL-KP-CHUGU")
    province_admin = _user(session, Role.ADMIN, "GL")
    assert may(supervisor, Do.MANAGE_PERSON, reporter, session=session)
    assert may(supervisor, Do.MANAGE_PERSON, commune_supervisor, session=session)
    assert not may(supervisor, Do.MANAGE_PERSON, supervisor, session=session), "not oneself"
    assert not may(supervisor, Do.MANAGE_PERSON, district_admin, session=session), "not an admin"
    assert not may(supervisor, Do.MANAGE_PERSON, province_admin, session=session)
    assert not may(commune_supervisor, Do.MANAGE_PERSON, other_commune, session=session), "another commune"
    assert not may(commune_supervisor, Do.MANAGE_PERSON, supervisor, session=session), "above"
    assert not may(reporter, Do.MANAGE_PERSON, other_commune, session=session)
    assert may(district_admin, Do.MANAGE_PERSON, supervisor, session=session)
    assert not may(district_admin, Do.MANAGE_PERSON, province_admin, session=session)
    assert people.roles_for(session, actor=supervisor, target=reporter) == [Role.REPORTER, Role.SUPERVISOR]
    assert Role.ADMIN in people.roles_for(session, actor=district_admin, target=reporter)
    with pytest.raises(AccessDenied):
        people.change_role(session, actor=supervisor, target_id=reporter.id or 0, role=Role.ADMIN, now=utcnow())
    with pytest.raises(AccessDenied):
        people.deactivate(session, actor=supervisor, target_id=supervisor.id or 0, now=utcnow())
    with pytest.raises(AccessDenied):
        people.change_role(session, actor=district_admin, target_id=district_admin.id or 0, role=Role.REPORTER,
                           now=utcnow())
    with pytest.raises(AccessDenied):
        people.change_unit(session, actor=commune_supervisor, target_id=reporter.id or 0,
                           unit_id=_unit_id(session, "GL-KP-CHUGU"), now=utcnow())
    supervisor.active = False
    assert not may(supervisor, Do.MANAGE_PERSON, reporter, session=session), "inactive managers manage nobody"
    assert session.exec(select(AuditEntry).where(col(AuditEntry.entity) == "user")).all() == []


def test_changes_are_audited_with_before_and_after_and_no_ops_are_not(session: Session) -> None:
    admin = _user(session, Role.ADMIN, "GL-KP")
    reporter = _user(session, Role.REPORTER, "GL-KP-IARSAI")
    people.change_role(session, actor=admin, target_id=reporter.id or 0, role=Role.SUPERVISOR, now=utcnow())
    people.change_role(session, actor=admin, target_id=reporter.id or 0, role=Role.SUPERVISOR, now=utcnow())
    people.change_unit(session, actor=admin, target_id=reporter.id or 0, unit_id=_unit_id(session, "GL-KP-CHUGU"),
                       now=utcnow())
    people.deactivate(session, actor=admin, target_id=reporter.id or 0, now=utcnow())
    people.deactivate(session, actor=admin, target_id=reporter.id or 0, now=utcnow())
    people.reactivate(session, actor=admin, target_id=reporter.id or 0, now=utcnow())
    entries = session.exec(select(AuditEntry).where(col(AuditEntry.entity) == "user")
                           .order_by(col(AuditEntry.id))).all()
    assert [e.action for e in entries] == ["change_role", "change_unit", "deactivate", "reactivate"]
    assert all(e.user_id == admin.id and e.entity_id == reporter.id for e in entries)
    assert entries[0].details["before"]["role"] == "reporter" and entries[0].details["after"]["role"] == "supervisor"
    assert entries[2].details["after"] == {"active": False, "reason": "removed", "role": "supervisor",
                                           "unit_id": _unit_id(session, "GL-KP-CHUGU")}


def test_only_a_blocked_user_comes_back_by_themselves(session: Session) -> None:
    admin = _user(session, Role.ADMIN, "GL-KP")
    blocked = _user(session, Role.REPORTER, "GL-KP-IARSAI")
    blocked.active, blocked.deactivated_reason = False, people.BLOCKED
    removed = _user(session, Role.REPORTER, "GL-KP-IARSAI")
    people.deactivate(session, actor=admin, target_id=removed.id or 0, now=utcnow())
    assert people.welcome_back(session, user=blocked, now=utcnow())
    assert blocked.active and blocked.deactivated_reason is None
    assert not people.welcome_back(session, user=removed, now=utcnow())
    assert not removed.active and removed.deactivated_reason == people.REMOVED


def test_deactivation_drops_only_that_users_queued_messages(session: Session) -> None:
    admin = _user(session, Role.ADMIN, "GL-KP")
    leaving = _user(session, Role.REPORTER, "GL-KP-IARSAI")
    staying = _user(session, Role.REPORTER, "GL-KP-IARSAI")
    now = utcnow()
    for user in (leaving, staying):
        for number in range(2):
            outbox.enqueue(session, key=f"m:{user.id}:{number}", chat_id=user.telegram_id, user_id=user.id,
                           text="Nhắc", now=now)
    outbox.enqueue(session, key="group", chat_id=-100123, text="Nhóm", now=now)
    session.commit()
    people.deactivate(session, actor=admin, target_id=leaving.id or 0, now=now)
    statuses = {row.key: row.status for row in session.exec(select(OutboxMessage)).all()}
    assert statuses == {f"m:{leaving.id}:0": "dropped", f"m:{leaving.id}:1": "dropped",
                        f"m:{staying.id}:0": "pending", f"m:{staying.id}:1": "pending", "group": "pending"}


def test_claim_skips_inactive_recipients_even_when_a_whole_batch_is_theirs(session: Session) -> None:
    gone = _user(session, Role.REPORTER, "GL-KP-IARSAI")
    here = _user(session, Role.REPORTER, "GL-KP-IARSAI")
    now = utcnow()
    for number in range(5):
        outbox.enqueue(session, key=f"gone:{number}", chat_id=gone.telegram_id, user_id=gone.id, text="x",
                       now=now - timedelta(minutes=10 - number))
    outbox.enqueue(session, key="here", chat_id=here.telegram_id, user_id=here.id, text="y", now=now)
    gone.active, gone.deactivated_reason = False, people.REMOVED
    session.add(gone)
    session.commit()
    claimed = outbox.claim_due(session, holder="t", now=now, limit=2)
    assert [message.key for message in claimed] == ["here"]
    session.expire_all()
    assert {row.key: row.status for row in session.exec(select(OutboxMessage)).all()} == {
        **{f"gone:{n}": "dropped" for n in range(5)}, "here": "sending"}


def test_revoked_invites_refuse_to_register_and_used_ones_cannot_be_revoked(session: Session) -> None:
    supervisor = _user(session, Role.SUPERVISOR, "GL-KP")
    unit_id = _unit_id(session, "GL-KP-IARSAI")
    invite = create_invite(session, inviter=supervisor, role=Role.REPORTER, unit_id=unit_id, organisation_id=None,
                           ttl=timedelta(hours=1), now=datetime.now(UTC))
    admin_invite = create_invite(session, inviter=None, role=Role.ADMIN, unit_id=unit_id, organisation_id=None,
                                 ttl=timedelta(hours=1), now=datetime.now(UTC))
    listed = [found.id for found, _ in invites.open_invites(session, actor=supervisor, now=utcnow())]
    assert listed == [invite.id], "an admin invite is not a supervisor's to see or revoke"
    with pytest.raises(AccessDenied):
        invites.revoke_invite(session, actor=supervisor, invite_id=admin_invite.id or 0, now=utcnow())
    invites.revoke_invite(session, actor=supervisor, invite_id=invite.id or 0, now=utcnow())
    result = redeem_invite(session, token=invite.token, telegram_id=next(_telegram_ids), display_name="X",
                           locale="vi", now=datetime.now(UTC))
    assert result.outcome is RedeemOutcome.REVOKED
    used = create_invite(session, inviter=supervisor, role=Role.REPORTER, unit_id=unit_id, organisation_id=None,
                         ttl=timedelta(hours=1), now=datetime.now(UTC))
    assert redeem_invite(session, token=used.token, telegram_id=next(_telegram_ids), display_name="Y",
                         locale="vi", now=datetime.now(UTC)).outcome is RedeemOutcome.REGISTERED
    with pytest.raises(AccessDenied):
        invites.revoke_invite(session, actor=supervisor, invite_id=used.id or 0, now=utcnow())


def test_find_user_refuses_a_number_that_names_two_people(session: Session) -> None:
    first = _user(session, Role.REPORTER, "GL-KP-IARSAI")
    second = _user(session, Role.REPORTER, "GL-KP-IARSAI")
    second.telegram_id = first.id or 0
    session.add(second)
    session.commit()
    with pytest.raises(LookupError, match="tg:"):
        people.find_user(session, reference=str(first.id))
    assert people.find_user(session, reference=f"id:{first.id}").id == first.id
    assert people.find_user(session, reference=f"tg:{first.id}").id == second.id
    assert people.find_user(session, reference=str(first.telegram_id)).id == first.id
    with pytest.raises(LookupError):
        people.find_user(session, reference="abc")


def test_cli_lists_deactivates_and_revokes(database_url: str, session: Session, monkeypatch: pytest.MonkeyPatch,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    reporter = _user(session, Role.REPORTER, "GL-KP-IARSAI", name="Ksor H'Lan")
    _user(session, Role.REPORTER, "GL-KP-CHUGU", name="Rơ Châm Thu")
    assert main(["users", "list", "--unit", "GL-KP-IARSAI"]) == 0
    listing = capsys.readouterr().out
    assert "Ksor H'Lan" in listing and "GL-KP-IARSAI" in listing and "Rơ Châm Thu" not in listing
    assert main(["users", "list"]) == 0
    assert "Rơ Châm Thu" in capsys.readouterr().out
    assert main(["users", "list", "--unit", "NOPE"]) == 1
    assert main(["users", "deactivate", str(reporter.telegram_id)]) == 0
    session.expire_all()
    gone = session.get(User, reporter.id)
    assert gone is not None and not gone.active and gone.deactivated_reason == "removed"
    entry = session.exec(select(AuditEntry).where(col(AuditEntry.action) == "deactivate")).one()
    assert entry.user_id is None and entry.details["by"] == "cli"
    assert main(["users", "deactivate", "999999999"]) == 1

    invite = create_invite(session, inviter=None, role=Role.REPORTER, unit_id=_unit_id(session, "GL-KP-IARSAI"),
                           organisation_id=None, ttl=timedelta(hours=1), now=datetime.now(UTC))
    other = create_invite(session, inviter=None, role=Role.REPORTER, unit_id=_unit_id(session, "GL-KP-IARSAI"),
                          organisation_id=None, ttl=timedelta(hours=1), now=datetime.now(UTC))
    capsys.readouterr()
    assert main(["invites", "revoke", f"https://t.me/bot?start={invite.token}"]) == 0
    assert main(["invites", "revoke", str(other.id)]) == 0
    assert main(["invites", "revoke", "no-such-token"]) == 1
    session.expire_all()
    assert all(session.get(Invite, i.id).revoked_at is not None for i in (invite, other))  # type: ignore[union-attr]



def test_cli_deactivate_says_how_many_unused_invites_it_revoked(
        database_url: str, session: Session, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    supervisor = _user(session, Role.SUPERVISOR, "GL-KP", name="Phòng LĐTBXH")
    reporter = _user(session, Role.REPORTER, "GL-KP-IARSAI", name="Ksor H'Lan")
    for _ in range(2):
        create_invite(session, inviter=supervisor, role=Role.REPORTER, unit_id=_unit_id(session, "GL-KP-IARSAI"),
                      organisation_id=None, ttl=timedelta(hours=1), now=datetime.now(UTC))
    capsys.readouterr()
    assert main(["users", "deactivate", f"id:{supervisor.id}"]) == 0
    said = capsys.readouterr().out.splitlines()
    assert said == [f"User {supervisor.id} ({supervisor.telegram_id}) is deactivated (2 unused invites revoked); "
                    "their queued messages are dropped."]
    entry = session.exec(select(AuditEntry).where(col(AuditEntry.action) == "deactivate")).one()
    assert entry.details["revoked_invites"] == 2
    assert main(["users", "deactivate", f"id:{reporter.id}"]) == 0
    assert "(0 unused invites revoked)" in capsys.readouterr().out

def test_a_card_never_shows_a_household_outside_the_viewers_current_subtree(session: Session) -> None:
    admin = _user(session, Role.ADMIN, "GL-KP")
    reporter = _user(session, Role.REPORTER, "GL-KP-IARSAI")
    household = Household(unit_id=_unit_id(session, "GL-KP-IARSAI"), code="HN-01", head_name="Nguyễn Văn A",
                          head_folded="nguyen van a", classification="poor", year=2026)
    session.add(household)
    session.commit()
    new_entry = Draft(category="gift", household_id=household.id, household_name="Nguyễn Văn A")
    assert card_view(session, user=reporter, draft=new_entry) is new_entry
    assert new_entry.household_name == "Nguyễn Văn A"
    organisation = session.exec(select(Organisation)).first()
    category = session.exec(select(Category).where(col(Category.code) == "gift")).one()
    assert organisation is not None and organisation.id and category.id
    record = SupportAction(unit_id=household.unit_id, organisation_id=organisation.id, category_id=category.id,
                           action_date=date(2026, 11, 2),
                           household_id=household.id, household_name="Nguyễn Văn A", author_id=reporter.id or 0)
    session.add(record)
    session.commit()
    correction = Draft(category="gift", household_id=household.id, household_name="Nguyễn Văn A",
                       corrects_id=record.id)

    people.change_unit(session, actor=admin, target_id=reporter.id or 0, unit_id=_unit_id(session, "GL-KP-CHUGU"),
                       now=utcnow())
    shown = card_view(session, user=reporter, draft=correction)
    assert shown.household_name is None and shown.household_id is None
    assert correction.household_name == "Nguyễn Văn A", "the record's household stays in the stored draft"
    assert card_view(session, user=reporter, draft=new_entry) is new_entry
    assert new_entry.household_name is None and new_entry.household_id is None, "no longer theirs to record"
    assert card_view(session, user=admin, draft=correction) is correction, "the district still sees it"
