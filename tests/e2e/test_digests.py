"""Digests end to end: on demand (/digest) and scheduled (the JobQueue job run deterministically),
attachments parsed back and checked cell by cell against the database, never sent twice."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, select

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.periods.calendar import month_of
from bot.domain.records.actions import Draft, save_draft
from bot.domain.reports.digests import claim, missed_run, parse_schedule, scheduled_moment
from bot.domain.totals.aggregate import compute_totals
from bot.outbox_sender import sender_of
from bot.sandbox.fake_api import FakeTelegram, SentMessage
from db.models import DigestSchedule, Role, SupportAction, Unit, User
from db.queries import get_unit_by_code, list_child_units
from tests.support.harness import BotUnderTest, Chat

CATALOGUE = load_catalogue_file()
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _today() -> date:
    return datetime.now(TZ).date()


def _unit(session: Session, code: str) -> Unit:
    unit = get_unit_by_code(session, code=code)
    assert unit is not None
    return unit


@pytest.fixture
def figures(session: Session) -> None:
    today = _today()
    for number, (code, category, figures) in enumerate([
        ("GL-KP-IARSAI", "rice", {"households": 45, "persons": 108, "quantity": "5410", "value_dong": 81_150_000}),
        ("GL-KP-IARSAI", "gift", {"households": 356, "quantity": "571", "value_dong": 192_750_000}),
        ("GL-KP-CHUGU", "housing", {"households": 2, "quantity": "2", "value_dong": 100_000_000,
                                    "fields": {"build_type": "repair"}}),
        ("GL-KP-PHUTUC", "livelihood", {"households": 3, "quantity": "14", "quantity_unit": "head"}),
    ]):
        author = User(telegram_id=8_000_000 + number, display_name=f"Cán bộ {number}", role=Role.REPORTER,
                      unit_id=_unit(session, code).id or 0)
        session.add(author)
        session.commit()
        fields = figures.pop("fields", {})
        draft = Draft(category=category, action_date=today.isoformat(), fields=dict(fields), **figures)  # type: ignore[arg-type]
        save_draft(session, draft=draft, author=author, catalogue=CATALOGUE, today=today)


def _check_workbook(content: bytes, session: Session) -> None:
    """Every summary cell against compute_totals, every detail row against the stored records."""
    workbook = load_workbook(io.BytesIO(content))
    summary, detail = workbook["Tổng hợp"], workbook["Chi tiết"]
    assert summary.freeze_panes == "A2" and detail.freeze_panes == "A2"
    period = month_of(_today())
    district = _unit(session, "GL-KP")
    rows = {(r[0], r[1]): r for r in summary.iter_rows(min_row=2, values_only=True)}
    expected = 0
    units = [*((u, None) for u in list_child_units(session, parent_id=district.id)), (district, "Tổng cộng")]
    for unit, label in units:
        name = label or f"{'thị trấn' if unit.kind == 'town' else 'xã'} {unit.name}"
        for code, total in compute_totals(session, unit=unit, start=period.start, end=period.end).items():
            spec = CATALOGUE.category_by_code(code)
            assert spec is not None
            row = rows[(name, spec.name_vi)]
            expected += 1
            assert row[2:] == (total.records, total.households or None, total.persons or None, total.quantity,
                               "con" if code == "livelihood" else spec.measures[0].unit_vi if total.quantity else "",
                               total.value_dong or None, None), (name, code)  # None: no sum is partial
    assert len(rows) == expected
    actions = session.exec(select(SupportAction).order_by(SupportAction.action_date, SupportAction.id)).all()
    details = list(detail.iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[6], r[10]) for r in details] == [(a.id, a.households, a.value_dong) for a in actions]


def _digest_messages(fake: FakeTelegram, chat_id: int) -> list[SentMessage]:
    return fake.messages.get(chat_id, [])


async def test_digest_on_demand_with_workbook_and_chart(enroll: Callable[..., object], figures: None,
                                                        session: Session) -> None:
    chat: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[assignment]
    replies = await chat.send("/digest")
    text, document, photo = replies[-3:]
    assert "huyện Krông Pa" in text.text and "Tặng 571 suất quà (356 hộ) trị giá 192,75 triệu đồng" in text.text
    assert "Theo đơn vị:" in text.text and "xã Ia Rsai: 2 lượt hỗ trợ, trị giá 273,9 triệu đồng" in text.text
    # Eleven silent units: the first ten by name, then how many more (the workbook has them all).
    assert "Chưa có số liệu: xã Chư Drăng, " in text.text and "xã Phú Cần và 1 đơn vị khác." in text.text
    assert "14 xã, thị trấn: 3 có số liệu, 11 chưa có số liệu" in text.text
    assert document.file_name and document.file_name.endswith(".xlsx") and document.file_bytes
    _check_workbook(document.file_bytes, session)
    assert photo.file_bytes and photo.file_bytes.startswith(b"\x89PNG")


async def test_reporters_get_no_digest(enroll: Callable[..., object], figures: None) -> None:
    chat: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[assignment]
    [reply] = await chat.send("/digest")
    assert "Bản tin dành cho đơn vị giám sát" in reply.text and reply.file_bytes is None


async def test_scheduled_digest_runs_once_for_every_supervisor_and_survives_restart(
        enroll: Callable[..., object], figures: None, session: Session, bot: BotUnderTest, fake: FakeTelegram,
) -> None:
    first: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="A")  # type: ignore[assignment]
    second: Chat = await enroll(role="admin", unit_code="GL-KP", name="B")  # type: ignore[assignment]
    commune: Chat = await enroll(role="supervisor", unit_code="GL-KP-IARSAI", name="C")  # type: ignore[assignment]
    [reply] = await first.send("/digest_schedule thứ 2 7:30")
    assert reply.text.splitlines() == [
        "Bản tin: Thứ 2 hằng tuần lúc 07:30.",
        "Bản tin cuối kỳ: đang bật, gửi lúc 07:30 ngày sau hạn nộp của mỗi kỳ báo cáo "
        "(gõ “/digest_schedule cuối kỳ tắt” để tắt)."]
    district = _unit(session, "GL-KP")
    session.expire_all()
    schedule = session.exec(select(DigestSchedule)).one()
    assert (schedule.unit_id, schedule.weekday, schedule.at_time, schedule.enabled) == (district.id, 1, "07:30", True)
    app = bot.application
    assert app is not None and app.job_queue is not None
    [job] = app.job_queue.get_jobs_by_name(f"digest:{district.id}")
    assert job.job.id == f"digest:{district.id}" and job.job.misfire_grace_time >= 3600
    assert job.next_t is not None and job.next_t.astimezone(TZ).isoweekday() == 1
    assert (job.next_t.astimezone(TZ).hour, job.next_t.astimezone(TZ).minute) == (7, 30)
    before = {c.user.id: len(_digest_messages(fake, c.user.id)) for c in (first, second, commune)}
    await job.run(app)
    await sender_of(app).drain()  # scheduled digests go out through the outbox
    for chat in (first, second):
        new = _digest_messages(fake, chat.user.id)[before[chat.user.id]:]
        assert len(new) == 3 and "huyện Krông Pa" in new[0].text
        assert new[1].file_bytes is not None and new[2].file_bytes is not None
        _check_workbook(new[1].file_bytes, session)
    assert len(_digest_messages(fake, commune.user.id)) == before[commune.user.id]
    await job.run(app)  # a duplicate run (second process, misfire) sends nothing
    await sender_of(app).drain()
    assert len(_digest_messages(fake, first.user.id)) == before[first.user.id] + 3
    await bot.restart()
    app = bot.application
    assert app is not None and app.job_queue is not None
    assert len(app.job_queue.get_jobs_by_name(f"digest:{district.id}")) == 1
    assert not app.job_queue.get_jobs_by_name(f"digest:{district.id}:catch-up")  # it was sent already
    [reply] = await first.send("/digest_schedule tắt")
    assert "chưa đặt lịch" in reply.text
    assert app.job_queue.get_jobs_by_name(f"digest:{district.id}") == [] or \
        all(j.removed for j in app.job_queue.get_jobs_by_name(f"digest:{district.id}"))


def test_schedule_words_missed_runs_and_claims(session: Session) -> None:
    assert parse_schedule("thứ 2 7:30") == (1, datetime(2026, 1, 1, 7, 30).time())
    assert parse_schedule("chu nhat 18h") == (7, datetime(2026, 1, 1, 18, 0).time())
    assert parse_schedule("t6 16h30") == (5, datetime(2026, 1, 1, 16, 30).time())
    assert parse_schedule("some day 25:00") is None
    schedule = DigestSchedule(unit_id=_unit(session, "GL-KP").id or 0, weekday=1, at_time="07:30")
    session.add(schedule)
    session.commit()
    monday_0730 = datetime(2026, 11, 23, 7, 30, tzinfo=TZ)  # a Monday
    assert scheduled_moment(schedule, before=monday_0730 + timedelta(hours=3), tz=TZ) == monday_0730.astimezone(UTC)
    assert missed_run(schedule, now=monday_0730 + timedelta(hours=3), tz=TZ)  # down at 7:30, back at 10:30
    assert not missed_run(schedule, now=monday_0730 + timedelta(days=2), tz=TZ)  # too late: wait for next week
    assert claim(session, schedule_id=schedule.id or 0, now=monday_0730 + timedelta(hours=3))
    assert not claim(session, schedule_id=schedule.id or 0, now=monday_0730 + timedelta(hours=3, minutes=1))
    session.refresh(schedule)
    assert not missed_run(schedule, now=monday_0730 + timedelta(hours=4), tz=TZ)
