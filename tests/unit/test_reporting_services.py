"""Service rules of the reporting cycle: reminder days, quiet hours, DHIS2 rates, lock and reopen, targets,
and the outbox's keys, claims and lease (no Telegram)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.domain.outbox import queue as outbox
from bot.domain.people.access import AccessDenied
from bot.domain.periods import submissions as reporting
from bot.domain.periods.reminders import due_messages, in_quiet_hours, reminder_kind
from bot.outbox_sender import plan_reminders
from db.models import OutboxMessage, ReportingPeriod, Role, Unit, User

TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _at(*local: int) -> datetime:
    return datetime(*local, tzinfo=TZ).astimezone(UTC)  # type: ignore[misc]


def _user(session: Session, *, code: str, role: Role, telegram_id: int) -> User:
    unit = session.exec(select(Unit).where(Unit.code == code)).one()
    user = User(telegram_id=telegram_id, display_name=f"U{telegram_id}", role=role, unit_id=unit.id or 0)
    session.add(user)
    session.commit()
    return user


def test_quiet_hours_wrap_midnight() -> None:
    assert in_quiet_hours(time(21, 0)) and in_quiet_hours(time(23, 59)) and in_quiet_hours(time(6, 29))
    assert not in_quiet_hours(time(6, 30)) and not in_quiet_hours(time(20, 59))
    assert in_quiet_hours(time(12, 30), start=time(12, 0), end=time(13, 0))
    assert not in_quiet_hours(time(13, 0), start=time(12, 0), end=time(13, 0))


@pytest.mark.parametrize(("day", "kind"), [
    (date(2027, 6, 11), None), (date(2027, 6, 12), "d3"), (date(2027, 6, 14), "d3"), (date(2027, 6, 15), "d0"),
    (date(2027, 6, 16), "overdue"), (date(2027, 6, 29), "overdue"), (date(2027, 6, 30), None)])
def test_reminder_kind_by_local_day(day: date, kind: str | None) -> None:
    period = ReportingPeriod(unit_id=1, name="x", kind="half", start=date(2027, 1, 1), end=date(2027, 6, 30),
                             due=date(2027, 6, 15), remind_days=[3, 0])
    assert reminder_kind(period, today=datetime(day.year, day.month, day.day, 9, tzinfo=TZ)) == kind


def test_percent_and_rates() -> None:
    assert reporting.percent(1, 14) == Decimal("7.1")
    assert reporting.percent(2, 14) == Decimal("14.3")
    assert reporting.percent(0, 0) == Decimal(0)


def test_cycle_lock_reopen_late_and_targets(session: Session) -> None:
    supervisor = _user(session, code="GL-KP", role=Role.SUPERVISOR, telegram_id=1)
    officer = _user(session, code="GL-KP-IARSAI", role=Role.REPORTER, telegram_id=2)
    with pytest.raises(AccessDenied):
        reporting.create_period(session, user=officer, name="x", kind="half", start=date(2027, 1, 1),
                                end=date(2027, 6, 30), due=date(2027, 6, 15), now=_at(2027, 6, 1, 9, 0))
    with pytest.raises(reporting.ReportingError):
        reporting.create_period(session, user=supervisor, name="x", kind="half", start=date(2027, 7, 1),
                                end=date(2027, 6, 30), due=date(2027, 6, 15), now=_at(2027, 6, 1, 9, 0))
    period, created = reporting.create_period(session, user=supervisor, name="6 tháng 2027", kind="half",
                                              start=date(2027, 1, 1), end=date(2027, 6, 30), due=date(2027, 6, 15),
                                              now=_at(2027, 6, 1, 9, 0))
    assert created and len(reporting.expected_unit_ids(session, period_id=period.id or 0)) == 14
    # Submitted at 23:59 local on the due day: on time; the period is then locked for the unit.
    first = reporting.submit(session, user=officer, period=period, now=_at(2027, 6, 15, 23, 59), tz=TZ)
    assert not first.late
    with pytest.raises(reporting.ReportingError, match="locked"):
        reporting.submit(session, user=officer, period=period, now=_at(2027, 6, 16, 0, 1), tz=TZ)
    ia_rsai = session.get(Unit, officer.unit_id)
    assert ia_rsai is not None
    with pytest.raises(reporting.ReportingError, match="reason"):
        reporting.reopen(session, user=supervisor, period=period, unit=ia_rsai, reason=" ", now=_at(2027, 6, 17, 9, 0))
    reporting.reopen(session, user=supervisor, period=period, unit=ia_rsai, reason="thiếu", now=_at(2027, 6, 17, 9, 0))
    status = reporting.period_status(session, period=period)
    assert (status.expected, status.submitted, len(status.missing)) == (14, 0, 14)
    second = reporting.submit(session, user=officer, period=period, now=_at(2027, 6, 18, 9, 0), tz=TZ)
    assert (second.version, second.late) == (2, False)
    status = reporting.period_status(session, period=period)
    assert (status.submitted, status.on_time, status.late, status.completeness) == (1, 1, 0, Decimal("7.1"))
    reporting.set_target(session, user=supervisor, period=period, unit=ia_rsai, category_code="housing",
                         measure="quantity", target=Decimal(4), now=_at(2027, 6, 18, 9, 0))
    [progress] = reporting.target_progress(session, period=period)
    assert (progress.target, progress.achieved, progress.percent) == (Decimal(4), Decimal(0), Decimal(0))
    with pytest.raises(AccessDenied):
        reporting.set_target(session, user=officer, period=period, unit=ia_rsai, category_code="housing",
                             measure="quantity", target=Decimal(4), now=_at(2027, 6, 18, 9, 0))


def test_a_late_first_submission_is_late(session: Session) -> None:
    supervisor = _user(session, code="GL-KP", role=Role.SUPERVISOR, telegram_id=11)
    officer = _user(session, code="GL-KP-CHUGU", role=Role.REPORTER, telegram_id=12)
    period, _ = reporting.create_period(session, user=supervisor, name="Năm 2027", kind="year",
                                        start=date(2027, 1, 1), end=date(2027, 12, 31), due=date(2027, 12, 15),
                                        now=_at(2027, 12, 1, 9, 0))
    assert reporting.submit(session, user=officer, period=period, now=_at(2027, 12, 16, 0, 0), tz=TZ).late


def test_planner_keys_are_deterministic_and_skip_quiet_hours_and_submitters(session: Session) -> None:
    supervisor = _user(session, code="GL-KP", role=Role.SUPERVISOR, telegram_id=21)
    done = _user(session, code="GL-KP-IARSAI", role=Role.REPORTER, telegram_id=22)
    waiting = _user(session, code="GL-KP-CHUGU", role=Role.REPORTER, telegram_id=23)
    period, _ = reporting.create_period(session, user=supervisor, name="6 tháng", kind="half",
                                        start=date(2027, 1, 1), end=date(2027, 6, 30), due=date(2027, 6, 15),
                                        now=_at(2027, 6, 1, 9, 0))
    reporting.submit(session, user=done, period=period, now=_at(2027, 6, 10, 9, 0), tz=TZ)
    assert due_messages(session, now=_at(2027, 6, 12, 21, 0), tz=TZ) == []
    assert plan_reminders(session, now=_at(2027, 6, 12, 8, 0), tz=TZ) == 1
    assert plan_reminders(session, now=_at(2027, 6, 13, 8, 0), tz=TZ) == 0  # the d3 reminder went once
    assert plan_reminders(session, now=_at(2027, 6, 16, 8, 0), tz=TZ) == 2  # overdue + escalation
    keys = sorted(r.key for r in session.exec(select(OutboxMessage)).all())
    chu_gu = _unit(session, "GL-KP-CHUGU")
    assert keys == [f"escalate:{period.id}:{supervisor.id}", f"remind:{period.id}:{chu_gu}:{waiting.id}:d3",
                    f"remind:{period.id}:{chu_gu}:{waiting.id}:overdue"]


def _unit(session: Session, code: str) -> int:
    return session.exec(select(Unit).where(Unit.code == code)).one().id or 0


def test_outbox_keys_claims_and_sqlite_lease(session: Session) -> None:
    now = _at(2027, 6, 12, 9, 0)
    assert outbox.enqueue(session, key="k1", chat_id=1, text="a", now=now)
    assert not outbox.enqueue(session, key="k1", chat_id=1, text="b", now=now)
    assert outbox.enqueue(session, key="k2", chat_id=2, text="c", now=now, not_before=now + timedelta(hours=1))
    session.commit()
    if not outbox.is_postgresql(session):
        assert outbox.hold_lease(session, holder="a", now=now)
        assert not outbox.hold_lease(session, holder="b", now=now)
        assert outbox.hold_lease(session, holder="b", now=now + outbox.SENDER_LEASE + timedelta(seconds=1))
    claimed = outbox.claim_due(session, holder="a", now=now)
    assert [m.key for m in claimed] == ["k1"]
    assert outbox.claim_due(session, holder="b", now=now) == []  # claimed rows are not claimed twice
    # A claim that expired (the process died) is claimed again; the first holder can no longer mark it.
    later = now + outbox.CLAIM_LEASE + timedelta(seconds=1)
    assert [m.key for m in outbox.claim_due(session, holder="b", now=later)] == ["k1"]
    outbox.mark_sent(session, message_id=claimed[0].id, holder="a", now=later)
    session.expire_all()
    assert session.exec(select(OutboxMessage).where(OutboxMessage.key == "k1")).one().status == "sending"
    outbox.mark_sent(session, message_id=claimed[0].id, holder="b", now=later)
    session.expire_all()
    assert session.exec(select(OutboxMessage).where(OutboxMessage.key == "k1")).one().status == "sent"
