"""A message queued before the outbox stored screens (rendered text, parse mode and Telegram keyboard JSON)
still goes out after the upgrade, as it was queued: words, emphasis and buttons; and a stored screen
queued after it goes out drawn by the renderer."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import command

from bot.config import Settings
from bot.domain.outbox import queue as outbox
from bot.domain.periods.reminders import submit_screen
from bot.i18n import get_translator
from bot.outbox_sender import sender_of
from bot.presentation.callbacks import SubmitPeriod, decode
from bot.sandbox.fake_api import FakeTelegram
from db.migrate import alembic_config, upgrade_to_head
from db.models import utcnow
from db.session import SessionFactory, make_engine
from tests.support.harness import BotUnderTest

CHAT = 9_200_001
OLD_TABLE = sa.table("outbox_message", sa.column("key", sa.String), sa.column("chat_id", sa.BigInteger),
                     sa.column("purpose", sa.String), sa.column("text", sa.String), sa.column("parse_mode", sa.String),
                     sa.column("reply_markup", sa.JSON), sa.column("kind", sa.String), sa.column("status", sa.String),
                     sa.column("attempts", sa.Integer), sa.column("next_attempt_at", sa.DateTime(timezone=True)),
                     sa.column("created_at", sa.DateTime(timezone=True)))


async def test_a_row_queued_before_the_upgrade_still_sends_with_its_buttons(database_url: str, settings: Settings,
                                                                           fake: FakeTelegram) -> None:
    command.downgrade(alembic_config(database_url), "0028")  # the schema before screens were stored
    engine = make_engine(database_url)
    queued = utcnow() - timedelta(minutes=5)
    with engine.begin() as connection:
        connection.execute(OLD_TABLE.insert().values(
            key="remind:old", chat_id=CHAT, purpose="d3", kind="text", status="pending", attempts=0,
            text="⏰ Báo cáo <b>Quý 2</b> sắp đến hạn &amp; chưa nộp", parse_mode="HTML",
            reply_markup={"inline_keyboard": [[{"text": "📤 Nộp số liệu", "callback_data": SubmitPeriod(7).data}]]},
            next_attempt_at=queued, created_at=queued))
    upgrade_to_head(database_url)
    with SessionFactory(engine)() as session:
        outbox.enqueue(session, key="remind:new", chat_id=CHAT, now=utcnow() - timedelta(minutes=1), purpose="d0",
                       screen=submit_screen(get_translator("vi"), "⏰ Hôm nay đến hạn <Quý 2>", period_id=8))
        session.commit()
    engine.dispose()

    running = BotUnderTest(settings, fake)
    await running.start()
    try:
        assert running.application is not None
        await sender_of(running.application).drain()  # after the running sender's round, if it had begun
    finally:
        await running.stop()
        running.close()
    old, new = fake.messages[CHAT]
    assert old.text == "⏰ Báo cáo Quý 2 sắp đến hạn & chưa nộp" and ("b", 10, 15) in old.entities
    assert [(b["text"], decode(b["callback_data"])) for b in old.buttons()] == [("📤 Nộp số liệu", SubmitPeriod(7))]
    assert new.text == "⏰ Hôm nay đến hạn <Quý 2>"
    assert [(b["text"], decode(b["callback_data"])) for b in new.buttons()] == [("📤 Chốt số liệu", SubmitPeriod(8))]
