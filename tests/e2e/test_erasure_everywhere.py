"""Erasure reaches every stored copy of the name: the ❓ question and the answer notice in the outbox, a
digest workbook queued before the erasure, a household list staged for ✅, a half-filled form in bot state.
After the erasure every table is dumped (and the SQLite file read byte by byte) and the name is nowhere;
the queued digest that goes out afterwards does not carry it either."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import select as sa_select
from sqlalchemy.engine import make_url
from sqlmodel import Session, SQLModel, select

from bot.digest_outbox import enqueue_scheduled_digest
from bot.outbox_sender import OutboxSender, sender_of, stop_outbox
from bot.sandbox.fake_api import FakeTelegram
from db.models import DigestSchedule, OutboxMessage, SupportAction
from db.queries import get_unit_by_code
from tests.support.files import xlsx_bytes
from tests.support.harness import BotUnderTest, Chat

NAME = "Nguyễn Văn Khải"
FOLDED = "nguyen van khai"
ROWS = [["Mã hộ", "Họ tên chủ hộ", "Thôn", "Phân loại", "Số nhân khẩu"],
        ["HN-01", NAME, "Thôn 1", "Hộ nghèo", "5"], ["HN-02", "Trần Thị Bình", "Thôn 2", "cận nghèo", "4"]]


def _texts(value: object) -> str:
    """A cell as text; bytes that are a zip (a workbook) are read member by member."""
    if isinstance(value, bytes):
        try:
            with zipfile.ZipFile(io.BytesIO(value)) as archive:
                return "\n".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
        except zipfile.BadZipFile:
            return value.decode("utf-8", "replace")
    return str(value)


def _everything(session: Session) -> str:
    session.expire_all()
    dump = []
    connection = session.connection()
    for table in SQLModel.metadata.sorted_tables:
        for row in connection.execute(sa_select(table)).all():
            dump.extend(_texts(value) for value in row)
    session.commit()
    return "\n".join(dump)


def _file_bytes(database_url: str) -> bytes:
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite":
        return b""
    path = Path(url.database or "")
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


async def test_after_erasure_the_name_is_in_no_table_no_queued_file_and_not_in_the_database_file(
        enroll: Callable[..., object], fake: FakeTelegram, bot: BotUnderTest, session: Session,
        database_url: str) -> None:
    assert bot.application is not None
    commune: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", organisation="womens_union")  # type: ignore[misc]
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[misc]
    await bot.settle(fake.inject_document(commune.user, xlsx_bytes(ROWS), "ho-ngheo.xlsx"))
    await commune.tap("✅ Nhập 2 hộ")
    await commune.send(f"gạo 1 hộ 30kg {FOLDED}")
    assert f"{NAME}, Thôn 1" in commune.last.text
    await commune.tap("✅ Lưu")
    record = session.exec(select(SupportAction)).one()

    # The district asks about the record; the author answers; the notice to the district waits in the outbox.
    await district.send("/history")
    await district.tap(f"❓ #{record.id}")
    assert "Đã gửi câu hỏi" in await district.reply_text(f"Hộ {NAME} nhận mấy lần?")
    await sender_of(bot.application).drain()
    await commune.tap("✅ Số liệu đúng")
    await sender_of(bot.application).drain()
    await stop_outbox(bot.application)  # what is queued from now on waits until the end of the test
    # A digest queued before the erasure, with the name in its workbook.
    unit = get_unit_by_code(session, code="GL-KP")
    assert unit is not None
    session.add(DigestSchedule(unit_id=unit.id or 0))
    session.commit()
    assert enqueue_scheduled_digest(bot.runtime, unit_id=unit.id or 0)
    # A new list staged for ✅, and a half-filled form naming the household.
    await bot.settle(fake.inject_document(commune.user, xlsx_bytes(ROWS), "ho-ngheo-2.xlsx"))
    assert "2 dòng sẵn sàng" in commune.last.text
    await commune.send(f"gạo 1 hộ 20kg {FOLDED}")
    assert NAME in commune.last.text
    queued = session.exec(select(OutboxMessage).where(OutboxMessage.status == "pending",
                                                      OutboxMessage.filename.endswith(".xlsx"))).all()  # type: ignore[union-attr]
    assert queued and all(NAME in _texts(row.payload) for row in queued)
    before = _everything(session)
    assert before.count(NAME) >= 4, "the copies to erase are all there before"

    await district.send("/household_erase HN-01")
    await district.tap("✅ Xóa")

    after = _everything(session)
    assert NAME not in after and FOLDED not in after.lower()
    assert "Hộ đã xóa thông tin" in after
    raw = _file_bytes(database_url)
    assert NAME.encode() not in raw and FOLDED.encode() not in raw.lower()
    # The queued digest goes out now, without the name; the staged list imports the other household.
    sent_before = {chat: len(messages) for chat, messages in fake.messages.items()}
    await OutboxSender(bot.application.bot, bot.runtime).drain()
    delivered = [m for chat, messages in fake.messages.items() for m in messages[sent_before.get(chat, 0):]]
    assert any(m.file_bytes for m in delivered)
    assert all(NAME not in m.text and NAME not in _texts(m.file_bytes or b"") for m in delivered)
    pending = session.exec(select(OutboxMessage).where(OutboxMessage.status == "pending")).all()
    assert pending == []
    # The half-filled form was emptied of the name: saving it stores no name.
    await commune.tap("✅ Lưu")
    assert NAME not in _everything(session)
