"""A large or hostile review list never freezes the bot: it is read and written in a worker thread while
other users are answered, with caps on rows and on the unzipped size, and set-based writes."""

from __future__ import annotations

import io
import json
import threading
import zipfile
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from openpyxl import Workbook
from sqlalchemy import event
from sqlmodel import Session, func, select

from bot.domain.households.imports import MAX_ROWS, MAX_UNZIPPED_BYTES
from bot.sandbox.fake_api import FakeTelegram
from db.models import BotState, Household, HouseholdUpload
from handlers import household_import
from tests.support.harness import BotUnderTest, Chat

LIMITS = "tối đa 60.000 dòng và 40 MB khi giải nén"


def _csv(rows: int) -> bytes:
    lines = ["Mã hộ;Họ tên chủ hộ;Thôn;Phân loại;Số nhân khẩu"]
    lines += [f"HN-{i:05d};Nguyễn Văn {i};Thôn {i % 12 + 1};{'hộ nghèo' if i % 3 else 'cận nghèo'};{i % 9 + 1}"
              for i in range(rows)]
    return "\n".join(lines).encode()


class Pause:
    """Holds the worker thread at its first progress report until released (no sleeps: events)."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.release = threading.Event()

    def hold(self) -> None:
        if not self.release.is_set():
            self.reached.set()
            assert self.release.wait(30), "the test never released the worker"


@pytest.fixture
def pause(monkeypatch: pytest.MonkeyPatch) -> Iterator[Pause]:
    hold = Pause()
    original = household_import._Job.progress

    def progress(self: Any, done: int, total: int) -> None:
        original(self, done, total)
        hold.hold()

    monkeypatch.setattr(household_import._Job, "progress", progress)
    yield hold
    hold.release.set()


async def _answered_meanwhile(bot: BotUnderTest, other: Chat) -> bool:
    """Whether another user's /me is answered while the background work is held (ordering, not timing:
    the worker is paused on an event, so an import on the event loop could not let /me through)."""
    assert bot.application is not None
    before = len(other.messages)
    update_id = bot.fake.inject_message(other.user, "/me")
    await bot.fake.wait_consumed(update_id)
    await bot.application.update_queue.join()
    return len(other.messages) > before


async def test_other_users_are_answered_while_a_maximal_list_is_read_and_imported(
        enroll: Callable[..., object], fake: FakeTelegram, bot: BotUnderTest, session: Session,
        pause: Pause) -> None:
    officer: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    other: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    assert bot.application is not None
    await fake.wait_consumed(fake.inject_document(officer.user, _csv(MAX_ROWS), "ca-huyen.csv"))
    assert await _wait(pause.reached)
    assert await _answered_meanwhile(bot, other)
    assert "Các cột nhận được" not in officer.last.text  # the list is provably still being read
    pause.release.set()
    await bot.application.background_idle()
    assert "60000 dòng sẵn sàng" in officer.last.text
    state = json.dumps([row.data for row in session.exec(select(BotState)).all()], ensure_ascii=False)
    assert "HN-00001" not in state and len(state) < 20_000  # the preview waits in household_upload

    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = bot.runtime.session_factory.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        pause.release.clear()
        pause.reached.clear()
        tap = fake.inject_callback(officer.user, officer.last, officer.last.buttons()[0]["callback_data"])
        await fake.wait_consumed(tap)
        assert await _wait(pause.reached)
        assert await _answered_meanwhile(bot, other)
        assert "hộ mới" not in officer.last.text  # the import is provably still running
        pause.release.set()
        await bot.application.background_idle()
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert "60000 hộ mới" in officer.last.text
    assert session.exec(select(func.count()).select_from(Household)).one() == MAX_ROWS
    assert len(statements) < 200, f"{len(statements)} SQL statements for one import"
    assert session.exec(select(func.count()).select_from(HouseholdUpload)).one() == 0


async def _wait(flag: threading.Event) -> bool:
    """Wait for a flag set by the worker thread without blocking the event loop."""
    import asyncio

    return await asyncio.to_thread(flag.wait, 30)


def _zip_bomb() -> bytes:
    """A real workbook plus a member that is small zipped and bigger than the limit unzipped."""
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Mã hộ", "Họ tên chủ hộ", "Phân loại"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/pad.xml", b" " * (MAX_UNZIPPED_BYTES + 1))
    return buffer.getvalue()


async def test_zip_bomb_and_over_cap_list_are_refused_politely(enroll: Callable[..., object], fake: FakeTelegram,
                                                               bot: BotUnderTest, session: Session) -> None:
    officer: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    bomb = _zip_bomb()
    assert len(bomb) < 200_000
    await bot.settle(fake.inject_document(officer.user, bomb, "danh-sach.xlsx"))
    assert "Xin lỗi" in officer.last.text and LIMITS in officer.last.text
    assert not officer.last.buttons()
    await bot.settle(fake.inject_document(officer.user, _csv(MAX_ROWS + 1), "qua-dai.csv"))
    assert LIMITS in officer.last.text and not officer.last.buttons()
    english: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", language_code="en")  # type: ignore[misc]
    await bot.settle(fake.inject_document(english.user, bomb, "list.xlsx"))
    assert "at most 60,000 rows and 40 MB once unzipped" in english.last.text
    assert session.exec(select(func.count()).select_from(Household)).one() == 0
    assert session.exec(select(func.count()).select_from(HouseholdUpload)).one() == 0


async def test_cancel_and_a_second_tap_do_not_import(enroll: Callable[..., object], fake: FakeTelegram,
                                                     bot: BotUnderTest, session: Session) -> None:
    officer: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    await bot.settle(fake.inject_document(officer.user, _csv(3), "ds.csv"))
    preview = officer.last
    stale_import = preview.buttons()[0]["callback_data"]
    await officer.tap("❌")
    assert "Đã hủy" in officer.last.text
    assert session.exec(select(func.count()).select_from(HouseholdUpload)).one() == 0
    await bot.settle(fake.inject_document(officer.user, _csv(3), "ds.csv"))
    await officer.tap("✅ Nhập 3 hộ")
    assert "3 hộ mới" in officer.last.text
    await officer.tap_data(preview, stale_import)
    assert "không còn chờ nhập" in preview.text
    assert session.exec(select(func.count()).select_from(Household)).one() == 3
