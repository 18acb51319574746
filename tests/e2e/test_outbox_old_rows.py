"""A message queued before the outbox stored screens (rendered text, parse mode and Telegram keyboard JSON)
still goes out after the upgrade, as it was queued: words, emphasis and buttons; and a stored screen
queued after it goes out drawn by the renderer. A stored screen this version cannot draw (a button verb
it no longer knows) is given up at once instead of being retried, and the chat's next message goes on."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from alembic import command
from sqlmodel import Session, select

from bot.config import Settings
from bot.domain.outbox import queue as outbox
from bot.domain.periods.reminders import submit_screen
from bot.domain.screen import Screen, button
from bot.domain.spans import Text
from bot.i18n import get_translator
from bot.outbox_sender import sender_of
from bot.presentation.callbacks import SubmitPeriod, decode
from bot.sandbox.fake_api import FakeTelegram
from db.migrate import alembic_config, upgrade_to_head
from db.models import OutboxMessage, utcnow
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


async def test_a_screen_that_cannot_be_drawn_is_given_up_and_the_chat_goes_on(session: Session, bot: BotUnderTest,
                                                                              fake: FakeTelegram) -> None:
    now = bot.runtime.clock()
    outbox.enqueue(session, key="odd", chat_id=CHAT, now=now, purpose="test",
                   screen=Screen(body=Text().add("Nút lạ"), rows=[[button("?", "no.such.verb", 1)]]))
    outbox.enqueue(session, key="next", chat_id=CHAT, now=now, purpose="test", text="Tin sau")
    session.commit()
    assert bot.application is not None
    await sender_of(bot.application).drain()
    assert [m.text for m in fake.messages[CHAT]] == ["Tin sau"]
    session.expire_all()
    rows = {row.key: row for row in session.exec(select(OutboxMessage)).all()}
    assert (rows["odd"].status, rows["odd"].attempts) == (outbox.FAILED, 1)
    assert rows["odd"].last_error == "undrawable screen: KeyError"
    assert rows["next"].status == outbox.SENT
