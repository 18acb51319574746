"""The core journeys, written once and run on both channels: Telegram (buttons, documents) and Zalo (numbered
text, files by link). One bot process serves both, with its web server on so Zalo gets files by link.

Joining by invite, a quick entry and the guided form saved, corrections (the card's ✏️ and /undo), totals
and a typed question, the ❓ loop across channels, a reminder answered with a submission, and a digest whose
workbook arrives (a document on Telegram, a link that downloads it on Zalo)."""

from __future__ import annotations

import io
import socket
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from docx import Document
from openpyxl import load_workbook
from sqlmodel import Session, select

from bot.config import Settings
from bot.domain.people.access import create_invite
from bot.outbox_sender import plan_now, sender_of
from bot.sandbox.fake_api import FakeTelegram
from bot.sandbox.fake_api.zalo import FakeZalo
from db.models import ActionStatus, Role, SupportAction, User
from db.models_channels import CHANNEL_ID_BASE, ChannelIdentity
from db.queries import get_unit_by_code
from tests.support.harness import BotUnderTest, Chat, new_user
from tests.support.person import Person, TelegramPerson, ZaloPerson
from tests.support.zalo import ZaloChat, new_zalo_user_id, zalo_test_settings

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
CHANNELS = ["telegram", "zalo"]


class _Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now.astimezone(UTC)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def clock() -> _Clock:
    """The bot's clock, movable (reminders); it starts inside a reporting half-year."""
    return _Clock(datetime(2027, 6, 1, 9, 0, tzinfo=TZ))


@pytest.fixture
async def both(database_url: str, fake: FakeTelegram, fake_zalo: FakeZalo, clock: _Clock,
               ) -> AsyncIterator[BotUnderTest]:
    """One bot on both channels, its web server on (DASHBOARD_URL) so files reach Zalo by link."""
    port = _free_port()
    settings: Settings = zalo_test_settings(database_url=database_url, fake=fake, fake_zalo=fake_zalo,
                                            dashboard_url=f"http://127.0.0.1:{port}/", dashboard_port=port,
                                            dashboard_listen="127.0.0.1")
    running = BotUnderTest(settings, fake)
    running.runtime.clock = clock
    await running.start()
    yield running
    await running.stop()
    running.close()


@pytest.fixture(params=CHANNELS)
def channel(request: pytest.FixtureRequest) -> str:
    return str(request.param)


Meet = Callable[..., Coroutine[Any, Any, Person]]


@pytest.fixture
def meet(session: Session, both: BotUnderTest, fake_zalo: FakeZalo, channel: str) -> Meet:
    """A person who joins by `/start <invite token>`, on the test's channel unless `on` says otherwise."""

    async def make(role: str = "reporter", unit_code: str = "GL-KP-IARSAI", name: str = "Siu H'Nga",
                   on: str | None = None) -> Person:
        unit = get_unit_by_code(session, code=unit_code)
        assert unit is not None and unit.id is not None
        invite = create_invite(session, inviter=None, role=Role(role), unit_id=unit.id, organisation_id=None,
                               ttl=timedelta(hours=1), now=both.runtime.clock())
        person: Person
        if (on or channel) == "zalo":
            person = ZaloPerson(ZaloChat(bot=both, fake=fake_zalo, user_id=new_zalo_user_id(), name=name))
        else:
            person = TelegramPerson(Chat(bot=both, user=new_user(name)))
        welcome = "\n".join(await person.send(f"/start {invite.token}"))
        assert "Chào mừng" in welcome, welcome
        return person
    return make


def _actions(session: Session) -> list[SupportAction]:
    session.expire_all()
    return list(session.exec(select(SupportAction).order_by(SupportAction.id)).all())


async def _drain(bot: BotUnderTest) -> None:
    assert bot.application is not None
    await sender_of(bot.application).drain()


async def _saved_entry(person: Person, session: Session) -> SupportAction:
    await person.send("gạo 45 hộ 5410kg")
    saved = "\n".join(await person.choose("Lưu"))
    [action] = _actions(session)
    assert f"Đã lưu, số bản ghi #{action.id}" in saved
    return action


async def test_register_by_invite(meet: Meet, session: Session, channel: str) -> None:
    person = await meet(role="supervisor", unit_code="GL-KP", name="Ksor H'Lan")
    session.expire_all()
    user = session.exec(select(User).where(User.display_name == "Ksor H'Lan")).one()
    assert user.role == Role.SUPERVISOR
    identities = session.exec(select(ChannelIdentity)).all()
    assert [identity.internal_id for identity in identities] == ([user.telegram_id] if channel == "zalo" else [])
    assert (user.telegram_id >= CHANNEL_ID_BASE) == (channel == "zalo")
    assert "xã Ia Rsai" not in (me := "\n".join(await person.send("/me"))) and "Krông Pa" in me


async def test_quick_entry_card_and_save(meet: Meet, session: Session) -> None:
    person = await meet()
    [card] = await person.send("gạo 45 hộ 108 khẩu 5410kg 81,15tr")
    for shown in ("5.410 kg", "45 hộ", "108 khẩu", "81,15 triệu đồng"):
        assert shown in card
    assert _actions(session) == [], "nothing is saved before ✅"
    saved = "\n".join(await person.choose("Lưu"))
    [action] = _actions(session)
    assert f"Đã lưu, số bản ghi #{action.id}" in saved
    assert (action.households, action.persons, action.value_dong) == (45, 108, 81_150_000)


async def test_the_guided_form_to_the_card_and_save(meet: Meet, session: Session) -> None:
    person = await meet()
    assert "Chọn loại hỗ trợ" in "\n".join(await person.send("/log"))
    await person.choose("Hỗ trợ gạo")
    typed = {"Số kg gạo": "5410", "Số hộ": "45", "Số khẩu": "108"}
    asked = []
    while not any("Lưu" in label for label in _choices(person)):
        question = person.last_text.splitlines()[0]
        asked.append(question)
        assert len(asked) < 12, asked
        if "Nhập số tiền" in person.last_text:
            await person.send("81,15tr")
        elif answer := next((value for label, value in typed.items() if question.startswith(label)), None):
            await person.send(answer)
        elif "Hôm nay" in _choices(person):
            await person.choose("Hôm nay")
        else:
            await person.choose(_choices(person)[0])
    assert asked[:3] == ["Số kg gạo (kg)? Nhập số.", "Số hộ (hộ)? Nhập số.", "Số khẩu (khẩu)? Nhập số."]
    for shown in ("5.410 kg", "45 hộ", "108 khẩu", "81,15 triệu đồng"):
        assert shown in person.last_text
    await person.choose("Lưu")
    [action] = _actions(session)
    assert (action.quantity, action.households, action.persons, action.value_dong) == (5410, 45, 108, 81_150_000)


async def test_the_form_skips_a_step_and_is_cancelled(meet: Meet, session: Session) -> None:
    """⏭ and ❌ are controls: taken by their words on Zalo, never by a number that could be a figure."""
    person = await meet()
    await person.send("/log")
    await person.choose("Hỗ trợ gạo")
    await person.send("5410")
    [question] = await person.send("45")
    assert question.startswith("Số khẩu")
    [question] = await person.choose("Bỏ qua")
    assert not question.startswith("Số khẩu") and "Bỏ qua" in question + " ".join(_choices(person))
    cancelled = "\n".join(await person.choose("Hủy"))
    assert cancelled and _actions(session) == []
    await _saved_entry(person, session)


def _choices(person: Person) -> list[str]:
    """The labels offered on the newest screen (buttons on Telegram, numbered lines on Zalo)."""
    if isinstance(person, TelegramPerson):
        return [str(b["text"]) for b in person.chat.last.buttons()]
    lines = person.last_text.splitlines()
    return [line.split(". ", 1)[1] for line in lines if line[:1].isdigit() and ". " in line]


async def test_a_correction_on_the_card_before_saving(meet: Meet, session: Session) -> None:
    person = await meet()
    await person.send("gạo 45 hộ 5410kg")
    await person.choose("Sửa")
    [question] = await person.choose("Số hộ")
    assert "Nhập số" in question
    [card] = await person.send("50")
    assert "50 hộ" in card
    await person.choose("Lưu")
    [action] = _actions(session)
    assert action.households == 50


async def test_undo_voids_the_last_record(meet: Meet, session: Session) -> None:
    person = await meet()
    action = await _saved_entry(person, session)
    await person.send("/undo")
    assert "Đã hủy bản ghi" in "\n".join(await person.choose("Có, hủy bản ghi"))
    session.expire_all()
    session.refresh(action)
    assert action.status == ActionStatus.VOID


async def test_a_saved_record_corrected_from_history(meet: Meet, session: Session) -> None:
    """✏️ on /history: the record is replaced by its corrected version, the old one kept as superseded."""
    person = await meet()
    original = await _saved_entry(person, session)
    await person.send("/history")
    await person.choose(f"✏️ #{original.id}")
    await person.choose("Sửa")
    await person.choose("Số hộ")
    assert "50 hộ" in "\n".join(await person.send("50"))
    await person.choose("Lưu")
    first, second = _actions(session)
    assert (first.id, first.status, first.households) == (original.id, ActionStatus.SUPERSEDED, 45)
    assert (second.status, second.households, second.quantity) == (ActionStatus.CURRENT, 50, 5410)


async def test_totals_and_a_typed_question(meet: Meet, session: Session) -> None:
    person = await meet()
    record = await _saved_entry(person, session)
    totals = "\n".join(await person.send("/totals"))
    assert "Hỗ trợ gạo cho 45 hộ với 5.410 kg" in totals
    records = "\n".join(await person.choose("🔎 Hỗ trợ gạo"))
    assert f"#{record.id}" in records and "5.410 kg" in records, records
    back = "\n".join(await person.choose("Quay lại tổng hợp"))
    assert "Hỗ trợ gạo cho 45 hộ với 5.410 kg" in back, back
    assert "Chọn kỳ báo cáo" in "\n".join(await person.choose("🗓"))
    quarter = "\n".join(await person.choose("quý II/2027"))
    assert "Tổng hợp quý II/2027" in quarter and "45 hộ" in quarter, quarter
    answer = "\n".join(await person.send("tổng gạo tháng này?"))
    assert "Tổng hợp" in answer and "45 hộ" in answer and "5.410 kg" in answer, answer


async def test_a_telegram_supervisor_asks_and_the_author_answers(
        meet: Meet, both: BotUnderTest, session: Session) -> None:
    """The ❓ loop: the question reaches the author (on the test's channel) through the outbox, and the typed
    answer reaches the supervisor on Telegram."""
    author = await meet()
    record = await _saved_entry(author, session)
    supervisor = await meet(role="supervisor", unit_code="GL-KP", name="Phòng LĐTBXH", on="telegram")
    await supervisor.send("/history")
    await supervisor.choose(f"❓ #{record.id}")
    before = len(author.texts)
    assert "Đã gửi câu hỏi" in "\n".join(await supervisor.send("Sao 45 hộ mà 5.410 kg?"))
    await _drain(both)
    [card] = author.texts[before:]
    assert "Sao 45 hộ mà 5.410 kg?" in card and f"#{record.id}" in card
    assert "Nhập câu trả lời" in "\n".join(await author.choose("Trả lời"))
    assert "đã gửi câu trả lời" in "\n".join(await author.send("Đúng, 45 hộ nhận 5.410 kg.")).lower()
    await _drain(both)
    assert "Đúng, 45 hộ nhận 5.410 kg." in supervisor.last_text


async def test_a_supervisor_asks_and_a_telegram_author_answers(
        meet: Meet, both: BotUnderTest, session: Session) -> None:
    author = await meet(on="telegram")
    record = await _saved_entry(author, session)
    supervisor = await meet(role="supervisor", unit_code="GL-KP", name="Phòng LĐTBXH")
    await supervisor.send("/history")
    await supervisor.choose(f"❓ #{record.id}")
    assert "Đã gửi câu hỏi" in "\n".join(await supervisor.send("Sao 45 hộ mà 5.410 kg?"))
    await _drain(both)
    assert "Sao 45 hộ mà 5.410 kg?" in author.last_text
    await author.choose("Trả lời")
    before = len(supervisor.texts)
    await author.send("Đúng, 45 hộ nhận 5.410 kg.")
    await _drain(both)
    assert any("Đúng, 45 hộ nhận 5.410 kg." in text for text in supervisor.texts[before:])


async def test_a_reminder_is_delivered_and_the_figures_submitted(
        meet: Meet, both: BotUnderTest, session: Session, clock: _Clock) -> None:
    supervisor = await meet(role="supervisor", unit_code="GL-KP", name="Phòng LĐTBXH")
    reporter = await meet()
    await _saved_entry(reporter, session)
    await supervisor.send("/period")
    assert "Đã tạo kỳ báo cáo" in "\n".join(await supervisor.choose("6 tháng đầu năm 2027"))
    clock.now = datetime(2027, 6, 12, 6, 30, tzinfo=TZ)
    before = len(reporter.texts)
    assert both.application is not None
    assert await plan_now(both.application) >= 1
    await _drain(both)
    [reminder] = [text for text in reporter.texts[before:] if "còn 3 ngày" in text]
    assert "15/6/2027" in reminder
    confirm = "\n".join(await reporter.choose("Chốt số liệu"))
    assert "45 hộ" in confirm and "5.410 kg" in confirm
    assert "Đã chốt số liệu" in "\n".join(await reporter.choose("Chốt số liệu"))
    assert "không có báo cáo nào cần chốt" in "\n".join(await reporter.send("/submit"))


async def test_submit_typed_without_a_reminder(meet: Meet, both: BotUnderTest, session: Session) -> None:
    supervisor = await meet(role="supervisor", unit_code="GL-KP", name="Phòng LĐTBXH")
    reporter = await meet()
    await _saved_entry(reporter, session)
    await supervisor.send("/period")
    await supervisor.choose("6 tháng đầu năm 2027")
    confirm = "\n".join(await reporter.send("/submit"))
    assert "45 hộ" in confirm and "5.410 kg" in confirm
    assert "Đã chốt số liệu" in "\n".join(await reporter.choose("Chốt số liệu"))


async def test_a_digest_with_its_workbook(meet: Meet, session: Session) -> None:
    reporter = await meet()
    record = await _saved_entry(reporter, session)
    supervisor = await meet(role="supervisor", unit_code="GL-KP", name="Phòng LĐTBXH")
    assert await supervisor.files() == [] and await supervisor.pictures() == []
    text = "\n".join(await supervisor.send("/digest"))
    assert "huyện Krông Pa" in text and "xã Ia Rsai" in text
    [content] = await supervisor.files()
    workbook = load_workbook(io.BytesIO(content))
    detail = list(workbook["Chi tiết"].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[6]) for row in detail] == [(record.id, 45)]
    [chart] = await supervisor.pictures()
    assert chart.startswith(b"\x89PNG")


async def test_a_scheduled_digest_goes_out_with_its_files(meet: Meet, both: BotUnderTest, session: Session) -> None:
    """The weekly digest goes through the outbox, not as a reply: its workbook and chart still arrive."""
    reporter = await meet()
    record = await _saved_entry(reporter, session)
    supervisor = await meet(role="supervisor", unit_code="GL-KP", name="Phòng LĐTBXH")
    assert "Thứ 2 hằng tuần lúc 07:30" in "\n".join(await supervisor.send("/digest_schedule thứ 2 7:30"))
    district = get_unit_by_code(session, code="GL-KP")
    app = both.application
    assert district is not None and app is not None and app.job_queue is not None
    [job] = app.job_queue.get_jobs_by_name(f"digest:{district.id}")
    before = len(supervisor.texts)
    await job.run(app)
    await _drain(both)
    assert any("huyện Krông Pa" in text for text in supervisor.texts[before:])
    [content] = await supervisor.files()
    detail = list(load_workbook(io.BytesIO(content))["Chi tiết"].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[6]) for row in detail] == [(record.id, 45)]
    [chart] = await supervisor.pictures()
    assert chart.startswith(b"\x89PNG")


async def test_the_draft_report_and_the_export_arrive_as_files(meet: Meet, session: Session) -> None:
    """/report's DOCX and /export's workbook: documents on Telegram, links that download them on Zalo."""
    person = await meet()
    record = await _saved_entry(person, session)
    await person.send("/report tháng này")
    await person.send("/export")
    report, export = await person.files()
    text = "\n".join(paragraph.text for paragraph in Document(io.BytesIO(report)).paragraphs)
    assert "xã Ia Rsai" in text and "5.410 kg" in text, text
    detail = list(load_workbook(io.BytesIO(export)).worksheets[0].iter_rows(values_only=True))
    assert any(row[0] == record.id for row in detail), detail
