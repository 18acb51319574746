"""When the database is down, users still get an answer, and the bot recovers by itself.

The outage is real at the driver level: the bot's engine is pointed at a database that cannot be opened
(SQLite: a path under a regular file; PostgreSQL: a port nobody listens on, after the bot's open
connections were terminated by the server), so every query fails the way it does in production, with
the driver's OperationalError. Then the engine is pointed back and the same users carry on.
"""

from __future__ import annotations

import asyncio
import os
import re
import socket
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, select

from bot.sandbox.fake_api import FakeTelegram
from db.models import SupportAction
from tests.support.databases import REPO
from tests.support.harness import BotUnderTest, Chat, new_user

DOWN_VI = "Hệ thống tạm thời không lưu được, vui lòng thử lại sau ít phút."
DOWN_EN = "The system cannot save right now, please try again in a few minutes."


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _unreachable_url(database_url: str, tmp_path: Path) -> str:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        blocker = tmp_path / "not-a-directory"
        blocker.write_text("")
        return f"sqlite:///{blocker}/chungtay.sqlite3"
    return url.set(port=_free_port()).render_as_string(hide_password=False)


@pytest.fixture
def outage(bot: BotUnderTest, database_url: str, tmp_path: Path) -> Iterator[Callable[[bool], None]]:
    """`outage(True)` takes the database away from the running bot, `outage(False)` gives it back."""
    factory = bot.runtime.session_factory
    real: Engine = factory.engine
    broken = create_engine(_unreachable_url(database_url, tmp_path))

    def switch(down: bool) -> None:
        if down and real.dialect.name == "postgresql":
            # The server drops the bot's open connections, as a restarting server does.
            admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as connection:
                connection.execute(text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"))
            admin.dispose()
        factory.engine = broken if down else real

    yield switch
    factory.engine = real
    broken.dispose()


def _actions(session: Session) -> list[SupportAction]:
    session.expire_all()
    return list(session.exec(select(SupportAction)).all())


async def test_users_get_an_answer_while_the_database_is_down_and_carry_on_after(
        enroll: Callable[..., object], chat_with: Callable[..., Chat], fake: FakeTelegram,
        outage: Callable[[bool], None], session: Session) -> None:
    reporter: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", name="Ksor H'Lan")  # type: ignore[misc]
    english: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", language_code="en")  # type: ignore[misc]
    unknown_language = chat_with(new_user("Người lạ", language_code="fr"))
    await reporter.send("gạo 45 hộ 5410kg")
    card = reporter.last
    edits_before, text_before = card.edits, card.text

    outage(True)
    for command in ("/start", "/me", "gạo 5 hộ 600kg"):
        replies = await reporter.send(command)
        assert [m.text for m in replies] == [DOWN_VI], command
    answers = len(fake.callback_answers)
    assert await reporter.tap("✅ Lưu", message=card) == []
    # the spinner stops, with the message in a dialog the user must close
    assert [(a["text"], a["show_alert"]) for a in fake.callback_answers[answers:]] == [(DOWN_VI, "true")]
    assert (card.edits, card.text) == (edits_before, text_before)  # the card is kept for a retry
    assert "✅ Lưu" in [b["text"] for b in card.buttons()]
    assert [m.text for m in await english.send("/me")] == [DOWN_EN]
    assert [m.text for m in await unknown_language.send("/start")] == [DOWN_VI]  # the default language
    assert _actions(session) == []

    outage(False)
    replies = await reporter.tap("✅ Lưu", message=card)
    assert any("Đã lưu" in m.text for m in replies)
    assert len(_actions(session)) == 1
    assert "Hội" in replies[-1].text or "xã Ia Rsai" in replies[-1].text  # the running total, on the saved card
    me = await reporter.send("/me")
    assert me and DOWN_VI not in me[0].text and "xã Ia Rsai" in me[0].text
    assert [m.text for m in await english.send("/me")] != [DOWN_EN]


async def test_a_form_step_that_could_not_be_stored_is_asked_again(
        enroll: Callable[..., object], outage: Callable[[bool], None], session: Session) -> None:
    reporter: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    await reporter.send("/log")
    await reporter.tap("Hỗ trợ gạo")
    question = reporter.last.text
    assert question.startswith("Số kg gạo")
    outage(True)
    assert [m.text for m in await reporter.send("5410")] == [DOWN_VI]
    outage(False)
    await reporter.send("5410")  # the user types the answer again: it answers the same step
    assert reporter.last.text.startswith("Số hộ")
    await reporter.send("45")
    assert reporter.last.text.startswith("Số khẩu")


async def test_start_up_against_a_stopped_database_prints_one_line_per_try_and_keeps_trying(
        tmp_path: Path) -> None:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "TELEGRAM_BOT_TOKEN": "123456789:TEST-token",
           "TELEGRAM_API_BASE_URL": "http://127.0.0.1:9", "LOG_LEVEL": "INFO",
           "DATABASE_URL": f"postgresql://chungtay:secret-pw@127.0.0.1:{_free_port()}/chungtay",
           "DATABASE_RETRY_BASE_SECONDS": "0.05"}
    process = await asyncio.create_subprocess_exec(sys.executable, "-m", "bot", cwd=REPO, env=env,
                                                   stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT)
    assert process.stdout is not None
    lines: list[str] = []
    try:
        async with asyncio.timeout(60):
            while sum("failed, retrying" in line for line in lines) < 3:
                line = (await process.stdout.readline()).decode()
                assert line, "the bot exited instead of retrying:\n" + "".join(lines)
                lines.append(line)
        assert process.returncode is None  # still trying
    finally:
        process.kill()
        await process.wait()
    assert len(lines) == 3, lines  # one line per try, nothing else
    for number, line in enumerate(lines, start=1):
        assert re.search(rf"database not reachable at 127\.0\.0\.1:\d+/chungtay \(OperationalError\); "
                         rf"try {number} failed, retrying in [\d.]+ s$", line.strip()), line
    assert "secret-pw" not in "".join(lines) and "Traceback" not in "".join(lines)


async def test_database_down_while_a_confirmed_household_list_is_imported_keeps_the_list_for_a_retry(
        enroll: Callable[..., object], fake: FakeTelegram, bot: BotUnderTest, outage: Callable[[bool], None],
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """The database goes away just as the import starts (after the ✅ tap was read): the officer is told what
    happened, nothing is half-imported, and the same message offers ✅ again, which works once it is back."""
    from db.models import Household, HouseholdUpload
    from handlers import household_import
    from tests.support.files import xlsx_bytes

    chat: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    rows = [["Mã hộ", "Họ tên chủ hộ", "Phân loại"], ["HN-01", "Nguyễn Văn An", "Hộ nghèo"],
            ["HN-02", "Trần Thị Bình", "cận nghèo"]]
    await bot.settle(fake.inject_document(chat.user, xlsx_bytes(rows), "ds.xlsx"))
    preview = chat.last
    real_import = household_import._import

    def import_while_down(*args: object, **kwargs: object) -> object:
        outage(True)
        return real_import(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(household_import, "_import", import_while_down)
    await chat.tap("✅ Nhập 2 hộ", message=preview)
    assert "Không kết nối được cơ sở dữ liệu" in preview.text and "vẫn được giữ lại" in preview.text, preview.text
    assert "sự cố" not in preview.text
    assert [b["text"] for b in preview.buttons()] == ["✅ Nhập 2 hộ", "❌ Hủy"]

    monkeypatch.setattr(household_import, "_import", real_import)
    outage(False)
    session.expire_all()
    assert session.exec(select(Household)).all() == [] and len(session.exec(select(HouseholdUpload)).all()) == 1
    await chat.tap("✅ Nhập 2 hộ", message=preview)
    assert "2 hộ mới" in preview.text, preview.text
    session.expire_all()
    assert sorted(h.code for h in session.exec(select(Household)).all()) == ["HN-01", "HN-02"]


async def test_database_down_while_a_household_list_is_read_says_so(
        enroll: Callable[..., object], fake: FakeTelegram, bot: BotUnderTest, outage: Callable[[bool], None],
        monkeypatch: pytest.MonkeyPatch) -> None:
    from handlers import household_import
    from tests.support.files import xlsx_bytes

    chat: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    real_read = household_import._read_and_keep

    def read_while_down(*args: object, **kwargs: object) -> object:
        outage(True)
        return real_read(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(household_import, "_read_and_keep", read_while_down)
    rows = [["Mã hộ", "Họ tên chủ hộ", "Phân loại"], ["HN-01", "Nguyễn Văn An", "Hộ nghèo"]]
    await bot.settle(fake.inject_document(chat.user, xlsx_bytes(rows), "ds.xlsx"))
    assert chat.last.text == ("Không kết nối được cơ sở dữ liệu nên chưa xử lý được tệp. Anh/chị vui lòng gửi lại "
                              "tệp sau ít phút.")
    outage(False)
