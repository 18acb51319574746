"""The floor of a database-backed chat path, for `bench/chat_path.py --bots bare+limiter+db`.

The bare bots answer from memory. Chung Tay must not: a logged entry has to survive a crash, the half-filled
entry too, and the reply shows the month's running total. This bot does the least a bot on the same stack
(python-telegram-bot 22 with AIORateLimiter, SQLAlchemy 2 on SQLite in WAL mode through the project's one
engine factory) can do for the same exchange while keeping those promises:

- the typed line: read the user by Telegram id, store the draft (one upsert), commit, reply with the card;
- the ✅ tap: read the user and the draft, insert the record and its audit row, delete the draft, sum the
  unit's month for the category, commit, answer the tap and edit the card into the confirmation.

Core statements built once, no ORM objects, no parsing, no translation, no conversation handler: what is
left between it and Chung Tay is the project's own work, and between it and the bare bot is the stack's
cost of touching a database at all. It exists only to measure that split.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

metadata = MetaData()
floor_user = Table("floor_user", metadata, Column("id", Integer, primary_key=True),
                   Column("telegram_id", BigInteger, unique=True, nullable=False),
                   Column("unit_id", Integer, nullable=False))
floor_record = Table("floor_record", metadata, Column("id", Integer, primary_key=True),
                     Column("unit_id", Integer, nullable=False, index=True),
                     Column("author_id", Integer, nullable=False), Column("category", String(32), nullable=False),
                     Column("action_date", Date, nullable=False), Column("households", Integer),
                     Column("quantity", Numeric(18, 3)), Column("value_dong", BigInteger),
                     Column("created_at", DateTime(timezone=True), nullable=False))
floor_audit = Table("floor_audit", metadata, Column("id", Integer, primary_key=True),
                    Column("at", DateTime(timezone=True), nullable=False), Column("user_id", Integer),
                    Column("record_id", Integer), Column("action", String(16), nullable=False))
floor_draft = Table("floor_draft", metadata, Column("user_id", Integer, primary_key=True),
                    Column("data", String, nullable=False))

READ_USER = select(floor_user.c.id, floor_user.c.unit_id).where(floor_user.c.telegram_id == bindparam("telegram_id"))
_upsert = sqlite_insert(floor_draft).values(user_id=bindparam("user_id"), data=bindparam("data"))
WRITE_DRAFT = _upsert.on_conflict_do_update(index_elements=[floor_draft.c.user_id],
                                            set_={"data": _upsert.excluded.data})
READ_DRAFT = select(floor_draft.c.data).where(floor_draft.c.user_id == bindparam("user_id"))
DROP_DRAFT = delete(floor_draft).where(floor_draft.c.user_id == bindparam("user_id"))
INSERT_RECORD = insert(floor_record).returning(floor_record.c.id)
INSERT_AUDIT = insert(floor_audit)
MONTH_TOTAL = (select(func.count(), func.coalesce(func.sum(floor_record.c.value_dong), 0))
               .where(floor_record.c.unit_id == bindparam("unit_id"), floor_record.c.category == bindparam("category"),
                      floor_record.c.action_date >= bindparam("first")))


def prepare_floor_database(directory: Path, telegram_ids: list[int]) -> str:
    """A fresh SQLite file with the floor bot's four tables and one user per Telegram id."""
    from db.session import make_engine

    url = f"sqlite:///{directory / 'floor.sqlite3'}"
    engine = make_engine(url)
    metadata.create_all(engine)
    with Session(engine) as session:
        session.execute(insert(floor_user), [{"telegram_id": one, "unit_id": 1} for one in telegram_ids])
        session.commit()
    engine.dispose()
    return url


def floor_application(api: str, token: str, database_url: str) -> Any:
    from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
    from telegram.constants import ParseMode
    from telegram.ext import AIORateLimiter, ApplicationBuilder, CallbackQueryHandler, MessageHandler, filters

    from db.session import make_engine

    engine = make_engine(database_url)

    async def on_text(update: Update, _: Any) -> None:
        message, person = update.effective_message, update.effective_user
        assert message is not None and person is not None
        with Session(engine) as session:
            user = session.execute(READ_USER, {"telegram_id": person.id}).one()
            draft = {"category": "rice", "households": 10, "quantity": "300", "value_dong": 4_500_000}
            session.execute(WRITE_DRAFT, {"user_id": user.id, "data": json.dumps(draft)})
            session.commit()
        card = f"<b>Xem lại trước khi lưu</b>\n{message.text}\nGạo · 10 hộ · 300 kg · 4.500.000 đ"
        await message.reply_text(card, parse_mode=ParseMode.HTML, reply_markup=InlineKeyboardMarkup(
            [[InlineKeyboardButton("✅ Lưu", callback_data="save")]]))

    async def on_tap(update: Update, _: Any) -> None:
        query, person = update.callback_query, update.effective_user
        assert query is not None and person is not None
        now = datetime.now(UTC)
        with Session(engine) as session:
            user = session.execute(READ_USER, {"telegram_id": person.id}).one()
            stored = session.execute(READ_DRAFT, {"user_id": user.id}).scalar_one()
            draft = json.loads(stored)
            record_id = session.execute(INSERT_RECORD, {
                "unit_id": user.unit_id, "author_id": user.id, "category": draft["category"],
                "action_date": now.date(), "households": draft["households"], "quantity": draft["quantity"],
                "value_dong": draft["value_dong"], "created_at": now}).scalar_one()
            session.execute(INSERT_AUDIT, {"at": now, "user_id": user.id, "record_id": record_id, "action": "create"})
            session.execute(DROP_DRAFT, {"user_id": user.id})
            records, value = session.execute(MONTH_TOTAL, {"unit_id": user.unit_id, "category": draft["category"],
                                                           "first": date(now.year, now.month, 1)}).one()
            session.commit()
        await query.answer()
        await query.edit_message_text(f"<b>Đã lưu</b> #{record_id}\nGạo · 10 hộ · 300 kg · 4.500.000 đ\n"
                                      f"Tháng này: {records} lượt, {value} đ", parse_mode=ParseMode.HTML)

    builder = (ApplicationBuilder().token(token).base_url(f"{api}/bot").base_file_url(f"{api}/file/bot")
               .rate_limiter(AIORateLimiter(max_retries=3)))
    application = builder.build()
    application.add_handler(MessageHandler(filters.TEXT & ~filters.COMMAND, on_text))
    application.add_handler(CallbackQueryHandler(on_tap))
    return application
