"""Service rules of the period-end digest (no Telegram): when a period's digest is due, the age limit, the
on/off switch, who must be there to read it, the once-only claim, what the digest of one period says, and
that the models and the migrations describe the same schema."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import Session, SQLModel, select

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.periods import submissions as reporting
from bot.domain.periods.calendar import Period, covering
from bot.domain.records.action_text import Localised
from bot.domain.reports.digests import (
    CLOSING_MAX_AGE_DAYS,
    build_digest,
    claim_closing_digest,
    closing_moment,
    closing_text,
    due_closing_digests,
    parse_closing_switch,
    schedule_of,
    set_closing_digest,
    set_schedule,
)
from bot.i18n import get_translator
from bot.presentation.render import to_html
from db.models import DigestSchedule, ReportingPeriod, Role, Unit, User
from db.session import make_engine

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
VI = get_translator("vi")


def _at(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    """A local wall-clock time as the aware UTC moment the services take."""
    return datetime(year, month, day, hour, minute, tzinfo=TZ).astimezone(UTC)


def _unit(session: Session, code: str) -> Unit:
    return session.exec(select(Unit).where(Unit.code == code)).one()


def _user(session: Session, *, code: str, role: Role, telegram_id: int) -> User:
    user = User(telegram_id=telegram_id, display_name=f"U{telegram_id}", role=role,
                unit_id=_unit(session, code).id or 0)
    session.add(user)
    session.commit()
    return user


def _half_year(session: Session, supervisor: User, *, name: str = "Báo cáo 6 tháng đầu năm 2027",
               due: date = date(2027, 6, 15)) -> ReportingPeriod:
    period, created = reporting.create_period(session, user=supervisor, name=name, kind="half", start=date(2027, 1, 1),
                                              end=date(2027, 6, 30), due=due, now=_at(2027, 6, 1, 9, 0))
    assert created
    return period


@pytest.mark.parametrize(("start", "end", "kind", "label"), [
    (date(2027, 1, 1), date(2027, 6, 30), "half", "6 tháng đầu năm 2027"),
    (date(2027, 7, 1), date(2027, 9, 30), "quarter", "quý III/2027"),
    (date(2027, 2, 1), date(2027, 2, 28), "month", "tháng 2/2027"),
    (date(2027, 1, 1), date(2027, 12, 31), "year", "năm 2027"),
    (date(2027, 7, 1), date(2027, 8, 15), "range", "từ 1/7/2027 đến 15/8/2027"),
])
def test_a_reporting_periods_dates_read_as_the_calendar_period_they_are(start: date, end: date, kind: str,
                                                                        label: str) -> None:
    period = covering(start, end)
    assert (period.kind, period.start, period.end, period.label(VI)) == (kind, start, end, label)
    assert period.previous().end == start - timedelta(days=1)  # compared with the period just before


def test_closing_moment_is_the_digest_time_on_the_day_after_the_due_date() -> None:
    period = ReportingPeriod(unit_id=1, name="x", kind="half", start=date(2027, 1, 1), end=date(2027, 6, 30),
                             due=date(2027, 6, 15))
    assert closing_moment(period, None, tz=TZ) == _at(2027, 6, 16, 7, 30)
    assert closing_moment(period, DigestSchedule(unit_id=1, at_time="18:05"), tz=TZ) == _at(2027, 6, 16, 18, 5)


@pytest.mark.parametrize(("text", "expected"), [
    ("cuối kỳ tắt", (True, False)), ("cuoi ky tat", (True, False)), ("tắt cuối kỳ", (True, False)),
    ("CUỐI KỲ: BẬT", (True, True)), ("cuoi ky bat", (True, True)), ("cuối kỳ mở", (True, True)),
    ("period end off", (True, False)), ("period-end on", (True, True)), ("end of period off", (True, False)),
    ("cuối kỳ", (True, None)), ("cuối kỳ bật tắt", (True, None)),
    ("tắt", (False, None)), ("thứ 2 7:30", (False, None)), ("off", (False, None)),
])
def test_the_period_end_switch_is_read_with_or_without_diacritics(text: str,
                                                                  expected: tuple[bool, bool | None]) -> None:
    assert parse_closing_switch(text) == expected


def test_due_once_after_the_due_date_within_the_age_limit_when_on_and_someone_reads_it(session: Session) -> None:
    supervisor = _user(session, code="GL-KP", role=Role.SUPERVISOR, telegram_id=1)
    period = _half_year(session, supervisor)

    def ids(now: datetime) -> list[int | None]:
        return [p.id for p in due_closing_digests(session, now=now, tz=TZ)]

    assert ids(_at(2027, 6, 15, 23, 59)) == []  # the due day still belongs to the communes
    assert ids(_at(2027, 6, 16, 7, 29)) == []
    assert ids(_at(2027, 6, 16, 7, 30)) == [period.id]
    assert ids(_at(2027, 6, 15 + CLOSING_MAX_AGE_DAYS, 23, 59)) == [period.id]  # late, after an outage
    assert ids(_at(2027, 6, 16 + CLOSING_MAX_AGE_DAYS, 0, 0)) == []  # too old: never sent

    # The unit's digest time counts; the weekly digest being off does not matter.
    set_schedule(session, unit=_unit(session, "GL-KP"), user=supervisor, weekday=1, at=time(8, 0))
    set_schedule(session, unit=_unit(session, "GL-KP"), user=supervisor, weekday=None, at=None)
    assert ids(_at(2027, 6, 16, 7, 45)) == []
    assert ids(_at(2027, 6, 16, 8, 0)) == [period.id]

    set_closing_digest(session, unit=_unit(session, "GL-KP"), user=supervisor, enabled=False)
    assert ids(_at(2027, 6, 16, 9, 0)) == []
    set_closing_digest(session, unit=_unit(session, "GL-KP"), user=supervisor, enabled=True)
    assert ids(_at(2027, 6, 16, 9, 0)) == [period.id]

    # Nobody left to read it: kept (not claimed) until a supervisor is there again.
    supervisor.active = False
    session.add(supervisor)
    session.commit()
    assert ids(_at(2027, 6, 16, 9, 0)) == []
    _user(session, code="GL-KP", role=Role.ADMIN, telegram_id=2)
    assert ids(_at(2027, 6, 16, 9, 0)) == [period.id]

    now = _at(2027, 6, 16, 9, 0)
    assert claim_closing_digest(session, period_id=period.id or 0, now=now)
    assert not claim_closing_digest(session, period_id=period.id or 0, now=now + timedelta(minutes=5))
    assert ids(now + timedelta(minutes=5)) == []
    session.refresh(period)
    sent_at = period.closing_digest_sent_at
    assert sent_at is not None and (sent_at if sent_at.tzinfo else sent_at.replace(tzinfo=UTC)) == now


def test_switching_the_period_end_digest_never_starts_a_weekly_one(session: Session) -> None:
    supervisor = _user(session, code="GL-KP", role=Role.SUPERVISOR, telegram_id=1)
    names = Localised(load_catalogue_file(), VI)
    assert "đang bật, gửi lúc 07:30" in closing_text(names, None)
    schedule = set_closing_digest(session, unit=_unit(session, "GL-KP"), user=supervisor, enabled=False)
    assert (schedule.enabled, schedule.closing_digest_enabled) == (False, False)
    assert "đang tắt" in closing_text(names, schedule)
    set_schedule(session, unit=_unit(session, "GL-KP"), user=supervisor, weekday=5, at=time(16, 30))
    stored = schedule_of(session, unit_id=_unit(session, "GL-KP").id or 0)
    assert stored is not None and (stored.enabled, stored.closing_digest_enabled) == (True, False)


def test_the_digest_of_one_period_says_who_submitted_was_late_or_did_not(session: Session) -> None:
    supervisor = _user(session, code="GL-KP", role=Role.SUPERVISOR, telegram_id=1)
    ia_rsai = _user(session, code="GL-KP-IARSAI", role=Role.REPORTER, telegram_id=2)
    chu_gu = _user(session, code="GL-KP-CHUGU", role=Role.REPORTER, telegram_id=3)
    half = _half_year(session, supervisor)
    later, _ = reporting.create_period(session, user=supervisor, name="Quý III/2027", kind="quarter",
                                       start=date(2027, 7, 1), end=date(2027, 9, 30), due=date(2027, 10, 10),
                                       now=_at(2027, 6, 1, 9, 0))
    reporting.submit(session, user=ia_rsai, period=half, now=_at(2027, 6, 15, 20, 0), tz=TZ)
    reporting.submit(session, user=chu_gu, period=half, now=_at(2027, 6, 16, 6, 0), tz=TZ)
    names = Localised(load_catalogue_file(), VI)
    district = _unit(session, "GL-KP")
    period = covering(half.start, half.end)
    closing = to_html(build_digest(session, names=names, unit=district, period=period, viewer=supervisor, tz=TZ,
                                   now=_at(2027, 6, 16, 7, 30), reporting_period=half).text)
    assert closing.startswith("<b>📌 Bản tin cuối kỳ: Báo cáo 6 tháng đầu năm 2027, hạn nộp 15/6/2027</b>")
    assert "6 tháng đầu năm 2027, huyện Krông Pa" in closing
    assert "Phải báo cáo 14 · đã nộp 2 · đúng hạn 1 · muộn 1 · chưa nộp 12" in closing
    assert "Nộp đúng hạn: xã Ia Rsai" in closing and "Nộp muộn: xã Chư Gu" in closing
    # Twelve not submitted: ten named, then how many more; the ranked list puts them first.
    assert "Chưa nộp: xã Chư Drăng, " in closing and " và 2 đơn vị khác\n" in closing.split("Chưa nộp: ")[1]
    assert "14 xã, thị trấn: 1 đã nộp, 12 chưa, 1 trễ hạn" in closing
    assert "• xã Chư Drăng: chưa có số liệu — ❌ chưa nộp" in closing
    assert "• xã Ia Rsai" not in closing and "… và 4 đơn vị khác trong tệp Excel." in closing
    assert "Quý III/2027" not in closing  # only the period that closed
    weekly = to_html(build_digest(session, names=names, unit=district,
                                  period=Period("month", date(2027, 6, 1), date(2027, 6, 30)),
                                  viewer=supervisor, tz=TZ, now=_at(2027, 6, 16, 7, 30)).text)
    assert later.name in weekly and "Bản tin cuối kỳ" not in weekly and "✅ đúng hạn" not in weekly


def test_models_and_migrations_describe_the_same_schema(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engine.dispose()
