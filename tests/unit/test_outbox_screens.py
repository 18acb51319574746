"""A message sent later is stored as a screen (plain JSON) and drawn by the one renderer when it is sent:
the stored screen comes back with the same words, emphasis and buttons, through JSON and through the
outbox table."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from sqlmodel import Session

from bot.domain.outbox import queue as outbox
from bot.domain.outbox.stored import screen_from_json, screen_to_json
from bot.domain.screen import Screen, button
from bot.domain.spans import Text, bold, italic
from bot.presentation.callbacks import ConfirmFigures, FixRecord, SubmitPeriod, decode
from bot.presentation.render import choices, render, render_stored

NOW = datetime(2027, 6, 12, 8, 0, tzinfo=UTC)


def _screen() -> Screen:
    body = Text().add("⏰ Báo cáo ", bold("“Quý 2 <2027>”"), " đến hạn ").add(italic("Hộ A & B"))
    return Screen(body=body, rows=[[button("📤 Nộp số liệu", "submit", 7)],
                                   [button("✏️ Sửa", "question.fix", 12), button("✅ Đúng", "question.confirm", 3)]],
                  limit=4000, overflow=Text().add("…"))


def test_a_stored_screen_round_trips_through_json_with_its_buttons() -> None:
    screen = _screen()
    stored = json.loads(json.dumps(screen_to_json(screen)))  # what the JSON column gives back
    assert screen_from_json(stored) == screen
    text, markup = render_stored(stored)
    assert (text, markup) == render(screen)
    assert text == "⏰ Báo cáo <b>“Quý 2 &lt;2027&gt;”</b> đến hạn \n<i>Hộ A &amp; B</i>"
    pressed = [[decode(item.callback_data) for item in row] for row in markup.inline_keyboard]
    assert pressed == [[SubmitPeriod(7)], [FixRecord(12), ConfirmFigures(3)]]
    assert [item.text for row in markup.inline_keyboard for item in row] == ["📤 Nộp số liệu", "✏️ Sửa", "✅ Đúng"]
    assert choices(screen) == [("📤 Nộp số liệu", SubmitPeriod(7).data), ("✏️ Sửa", FixRecord(12).data),
                               ("✅ Đúng", ConfirmFigures(3).data)]


def test_a_screen_without_buttons_renders_without_a_keyboard() -> None:
    text, markup = render_stored(json.loads(json.dumps(screen_to_json(Screen(body=Text().add("a < b"))))))
    assert text == "a &lt; b" and markup is None


def test_the_outbox_keeps_the_screen_and_hands_it_to_the_sender(session: Session) -> None:
    assert outbox.enqueue(session, key="screen:1", chat_id=42, now=NOW, screen=_screen(), purpose="test")
    assert outbox.enqueue(session, key="plain:1", chat_id=43, now=NOW, text="Nhắc <hạn>")
    session.commit()
    claimed = {message.key: message for message in outbox.claim_due(session, holder="me", now=NOW)}
    stored = claimed["screen:1"]
    assert stored.text == "⏰ Báo cáo “Quý 2 <2027>” đến hạn \nHộ A & B"  # the words, for search and erasure
    assert stored.screen is not None and stored.reply_markup is None and stored.parse_mode is None
    assert render_stored(stored.screen) == render(_screen())
    plain = claimed["plain:1"].screen
    assert plain is not None and render_stored(plain) == ("Nhắc &lt;hạn&gt;", None)
