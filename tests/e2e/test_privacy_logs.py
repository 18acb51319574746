"""Decree 13/2023: a realistic day with every logger at DEBUG, and not one household name nor the bot
token in any log line, in any error reply, or in a group chat.

The capture is a handler on the root logger, set up before the bot starts, with the bot's own
logging set-up (`configure_logging`) run on top, writing text lines or JSON objects (LOG_FORMAT=json, what
compose uses: its formatter must not bring back an exception's message the filter took out); then the root
logger and the python-telegram-bot,
httpx, httpcore, aiohttp and SQLAlchemy loggers are put at DEBUG, the most talkative they can be.
"""

from __future__ import annotations

import io
import logging
from collections.abc import AsyncIterator, Callable, Iterator

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from bot.domain.parsing.text import fold
from bot.main import configure_logging
from bot.ops.log_format import JsonFormatter
from bot.sandbox.fake_api import FakeTelegram, SentMessage
from db.models import AuditEntry, Household
from tests.conftest import TEST_TOKEN
from tests.support.harness import BotUnderTest, Chat

NAMES = ("Kpă Thị Huyền Trang", "Kpă Văn Hùng Dũng", "Y Blông Niê Hrăm", "Rơ Châm Ngọc Điệp")
SECRETS = (*NAMES, *(fold(name) for name in NAMES), TEST_TOKEN, TEST_TOKEN.partition(":")[2])
TALKATIVE = ("telegram", "httpx", "httpcore", "aiohttp", "sqlalchemy", "apscheduler")


class LineCollector(logging.Handler):
    """Keeps every formatted line (message and traceback), as a log file would hold them."""

    def __init__(self, log_format: str) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter() if log_format == "json"
                          else logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.lines: list[str] = []
        self.loggers: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))
        self.loggers.add(record.name.split(".")[0])


@pytest.fixture(params=["text", "json"])
def log_lines(request: pytest.FixtureRequest) -> Iterator[LineCollector]:
    collector = LineCollector(request.param)
    root = logging.getLogger()
    levels = {name: logging.getLogger(name).level for name in ("", *TALKATIVE)}
    root.addHandler(collector)
    configure_logging("DEBUG", TEST_TOKEN)  # what `make run` does: the redacting filter on the root's handlers
    for name in ("", *TALKATIVE):
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield collector
    root.removeHandler(collector)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


@pytest.fixture
async def bot(log_lines: LineCollector, bot: BotUnderTest) -> AsyncIterator[BotUnderTest]:
    """The usual running bot, started only once every logger is captured at DEBUG."""
    yield bot


def _register(names: tuple[str, ...]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["Mã hộ", "Họ tên chủ hộ", "Thôn", "Phân loại", "Số nhân khẩu", "Ghi chú"])
    for index, name in enumerate(names, start=1):
        sheet.append([f"KP-{index:02d}", name, f"Buôn {index}", "Hộ nghèo", str(index + 3), f"Gia đình {name}"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _leaks(text: str) -> list[str]:
    return [secret for secret in SECRETS if secret.lower() in text.lower()]


async def test_a_full_day_leaves_no_name_and_no_token_in_logs_errors_or_groups(
        log_lines: LineCollector, enroll: Callable[..., object], fake: FakeTelegram, bot: BotUnderTest,
        session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    errors: list[SentMessage] = []  # every reply to a mistake or a failure, checked at the end
    reporter: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", organisation="womens_union")  # type: ignore[misc]
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[misc]

    # The commune imports its register and adds one more household in chat.
    await bot.settle(fake.inject_document(reporter.user, _register(NAMES[:3]), "ho-ngheo-2026.xlsx"))
    await reporter.tap("✅ Nhập 3 hộ")
    assert "3 hộ mới" in reporter.last.text
    added = await reporter.reply_text(f"/household_add KP-04; {NAMES[3]}; Buôn 4; hộ nghèo; 4")
    assert NAMES[3] in added  # the officer's own private chat: names are fine here

    # Entries naming households: found from the quick entry, picked in the form, typed with a note.
    await reporter.send("gạo 30kg 1 hộ huyen trang")
    assert NAMES[0] in reporter.last.text
    await reporter.tap("✅ Lưu")
    await reporter.send("quà tết 1 suất 500k")
    await reporter.tap("✏️ Sửa")
    await reporter.tap("Hộ nhận")
    await reporter.send("y blong")
    await reporter.tap(f"{NAMES[2]} · Buôn 3 · KP-03")
    await reporter.tap("✏️ Sửa")
    await reporter.tap("Ghi chú")
    await reporter.send(f"Trao tận nhà {NAMES[2]}")

    # The database fails once while saving, with the record's values in the error (as drivers do).
    from bot.domain.records import log_entry

    real_save = log_entry.save_draft
    failures = iter([IntegrityError("INSERT INTO support_action (household_name, note) VALUES (?, ?)",
                                    (NAMES[2], f"Trao tận nhà {NAMES[2]}"), Exception("database is locked"))])

    def failing_once(*args: object, **kwargs: object) -> object:
        failure = next(failures, None)
        if failure is not None:
            raise failure
        return real_save(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(log_entry, "save_draft", failing_once)
    failed = await reporter.tap("✅ Lưu")
    assert "Chưa lưu được" in failed[-1].text
    errors.append(failed[-1])
    saved = await reporter.tap("✅ Lưu")
    assert "1 lượt tặng quà" in saved[-1].text  # the running total, on the saved card

    # Bad input, politely answered.
    errors.extend(await reporter.send("/household_add thiếu"))
    await reporter.send("/log")
    await reporter.tap("Hỗ trợ gạo")
    errors.extend(await reporter.send("mấy bao"))
    assert "không phải là số" in errors[-1].text
    await reporter.send("/cancel")
    errors.extend(await reporter.send("/household_erase KP-01"))
    assert "chỉ cán bộ giám sát" in errors[-1].text

    # Searching, history, drill-down and the export, as the district reads them.
    assert NAMES[0] in await district.reply_text("/household kpa thi huyen")
    await district.send("/history")
    await district.send("/totals")
    await district.tap("🔎 Hỗ trợ gạo")
    assert "1 bản ghi" in district.last.text
    exported = await district.send("/export")
    detail = load_workbook(io.BytesIO(exported[-1].file_bytes or b""))["Chi tiết"]
    assert NAMES[0] in {str(cell) for row in detail.iter_rows(values_only=True) for cell in row}

    # Telegram fails under a button press: the user gets the polite apology, the log the failure.
    await district.send("/household kpa")
    assert "Có nhiều hộ khớp" in district.last.text
    fake.fail_next("editMessageText", status=500)
    errors.extend(await district.tap(NAMES[1][:10]))
    assert "Xin lỗi" in errors[-1].text

    # In a group, the naming commands point to the private chat and show nothing.
    group = -100_555
    await bot.settle(fake.inject_message(district.user, "/household kpa", chat_id=group, chat_type="group",
                                         chat_title="Cán bộ huyện"))
    await bot.settle(fake.inject_message(district.user, "/export", chat_id=group, chat_type="group",
                                         chat_title="Cán bộ huyện"))
    in_group = fake.messages[group]
    assert len(in_group) == 2 and all("nhắn riêng" in m.text and m.kind == "text" for m in in_group)

    # The district erases a household: the confirmation names it (privately), the result does not.
    await district.send("/household_erase KP-03")
    assert NAMES[2] in district.last.text
    done = await district.tap("✅ Xóa")
    assert "Hộ đã xóa thông tin" in done[-1].text and NAMES[2] not in done[-1].text
    session.expire_all()
    erasure = session.exec(select(AuditEntry).where(AuditEntry.action == "erase")).one()
    assert erasure.user_id is not None and not _leaks(str(erasure.details))
    assert session.exec(select(Household).where(Household.code == "KP-03")).one().head_name == ""

    # The verdict: the capture did see the talkative libraries, and none of it holds a name or the token.
    assert {"telegram", "httpx", "sqlalchemy", "handlers"} <= log_lines.loggers, log_lines.loggers
    assert any("‹token›" in line for line in log_lines.lines)
    assert any("message withheld" in line for line in log_lines.lines)
    leaking = [(line[:200], _leaks(line)) for line in log_lines.lines if _leaks(line)]
    assert leaking == []
    assert errors and [(m.text, _leaks(m.text)) for m in errors if _leaks(m.text)] == []
    assert [m.text for m in in_group if _leaks(m.text)] == []
