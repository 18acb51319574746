"""A stored screen reaches Zalo as its own words and numbered choices: Zalo's request layer reads the screen
being sent (bot/presentation/sending.py), not the Telegram HTML and keyboard JSON of the call."""

from __future__ import annotations

from typing import Any

from bot.domain.periods.reminders import submit_screen
from bot.i18n import get_translator
from bot.presentation.callbacks import SubmitPeriod
from bot.presentation.sending import sending_screen
from bot.zalo.client import ZaloClient
from bot.zalo.outbound import ZaloOutbound
from bot.zalo.screens import Choice
from bot.zalo.state import ZaloState
from db.session import SessionFactory, make_engine


class RecordingClient(ZaloClient):
    def __init__(self) -> None:
        super().__init__("test-token", base_url="http://127.0.0.1:9")  # never called: send_message is recorded
        self.sent: list[tuple[str, str]] = []

    async def send_message(self, chat_id: str, text: str) -> dict[str, Any]:
        self.sent.append((chat_id, text))
        return {}


async def test_a_stored_screen_reaches_zalo_with_its_own_words_and_choices(database_url: str) -> None:
    engine = make_engine(database_url)
    state = ZaloState(SessionFactory(engine))
    chat_id = state.internal_id("zalo-person-1")
    client = RecordingClient()
    outbound = ZaloOutbound(client, state, locale="vi")
    screen = submit_screen(get_translator("vi"), "⏰ Báo cáo <Quý 2> hạn 15/6", period_id=7)
    with sending_screen(screen):  # the call itself carries no buttons and other words
        await outbound.handle("sendMessage", {"chat_id": chat_id, "text": "<b>—</b>", "parse_mode": "HTML",
                                              "reply_markup": {"inline_keyboard": []}})
    assert client.sent == [("zalo-person-1", "⏰ Báo cáo <Quý 2> hạn 15/6\n\n1. 📤 Chốt số liệu\n"
                                             "Trả lời 1 (gõ số hoặc chữ của lựa chọn).")]
    current = state.screen(chat_id)
    assert current is not None and current.choices == [Choice("📤 Chốt số liệu", data=SubmitPeriod(7).data)]
    await client.close()
    engine.dispose()
