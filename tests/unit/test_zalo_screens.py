"""Telegram screens as Zalo text (bot/zalo/screens.py) and the Zalo settings."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.zalo.inbound import Inbound, ZaloInbound
from bot.zalo.screens import Choice, choices_from_markup, html_to_text, match_choice, render_screen, split_text
from bot.zalo.state import Screen, ZaloState
from db.models_channels import CHANNEL_ID_BASE

CARD = {"inline_keyboard": [[{"text": "✅ Lưu", "callback_data": "s:1"}, {"text": "✏️ Sửa", "callback_data": "e:1"}],
                            [{"text": "❌ Hủy", "callback_data": "c:1"}],
                            [{"text": "Mở bản đồ", "url": "https://example.org/map"}]]}


def _prompt(count: int) -> str:
    return f"Trả lời 1–{count}"


def _words(options: str) -> str:
    return f"Hoặc gõ: {options}"


def test_html_becomes_plain_text_with_links_spelled_out() -> None:
    assert html_to_text("<b>Tổng</b> &amp; <i>gạo</i> &lt;5&gt;") == "Tổng & gạo <5>"
    assert html_to_text('<a href="https://x.org/?a=1&amp;b=2">tệp</a>') == "tệp (https://x.org/?a=1&b=2)"


def test_buttons_become_numbered_choices_and_links() -> None:
    choices = choices_from_markup(CARD)
    text = render_screen("Phiếu", choices, _prompt, _words)
    assert text == ("Phiếu\n\n1. ✅ Lưu\n2. ✏️ Sửa\n\n🔗 Mở bản đồ: https://example.org/map\n"
                    "Trả lời 1–2\nHoặc gõ: ❌ Hủy")
    assert render_screen("Chỉ chữ", choices_from_markup(None), _prompt, _words) == "Chỉ chữ"


def test_under_a_question_numbers_stay_answers() -> None:
    """Skip, cancel and back are taken by their words only: a question's "5" stays five."""
    question = [Choice("⏭ Bỏ qua", data="s"), Choice("❌ Hủy", data="c")]
    assert render_screen("Số hộ? Nhập số.", question, _prompt, _words) == "Số hộ? Nhập số.\nHoặc gõ: ⏭ Bỏ qua · ❌ Hủy"
    assert match_choice("1", question) is None and match_choice("2", question) is None
    assert match_choice("bỏ qua", question) == question[0]
    shortcut = [Choice("Giống lần trước (5)", data="k"), *question]
    assert match_choice("giống lần trước", shortcut) == shortcut[0]
    assert match_choice("giống", shortcut) is None, "too short a part to be sure"
    alone = [Choice("📤 Chốt số liệu", data="sub")]
    assert render_screen("Hạn nộp 15/6.", alone, _prompt, _words) == "Hạn nộp 15/6.\n\n1. 📤 Chốt số liệu\nTrả lời 1–1"
    assert match_choice("1", alone) == alone[0]


@pytest.mark.parametrize(("reply", "expected"), [
    ("1", "s:1"), ("2.", "e:1"), ("lưu", "s:1"), ("LƯU", "s:1"), ("✅ Lưu", "s:1"), ("hủy", "c:1"),
    ("3", None), ("0", None), ("lưu lại đi", None), ("gạo 10kg", None), ("", None), ("🙂", None),
])
def test_a_reply_is_matched_by_number_or_words(reply: str, expected: str | None) -> None:
    choice = match_choice(reply, choices_from_markup(CARD))
    assert (choice.data if choice else None) == expected


def test_two_options_with_the_same_words_need_the_number() -> None:
    choices = [Choice("Gạo", data="a"), Choice("gạo", data="b")]
    assert match_choice("gạo", choices) is None
    assert match_choice("2", choices) == Choice("gạo", data="b")


def test_long_text_is_split_at_line_ends_under_the_limit() -> None:
    lines = [f"{n:03d} " + "y" * 45 for n in range(60)]
    parts = split_text("\n".join(lines))
    assert all(len(part) <= 2000 for part in parts) and len(parts) == 2
    assert "\n".join(parts) == "\n".join(lines)
    assert all(part.split("\n")[0][:3].isdigit() for part in parts), "no line is cut in two"
    one_long_line = "z" * 4500
    assert [len(p) for p in split_text(one_long_line)] == [2000, 2000, 500]
    assert split_text("ngắn") == ["ngắn"]


def test_zalo_settings_are_checked() -> None:
    base = {"_env_file": None, "telegram_bot_token": "123456789:TEST-token"}
    assert not load_settings(**base).zalo_enabled
    on = load_settings(**base, zalo_bot_token="1234567890:abcDEF_-x")
    assert on.zalo_enabled and on.zalo_api_base_url == "https://bot-api.zaloplatforms.com/bot"
    with pytest.raises(ConfigError, match="ZALO_BOT_TOKEN"):
        load_settings(**base, zalo_bot_token="not a token")
    with pytest.raises(ConfigError, match="ZALO_WEBHOOK_SECRET"):
        load_settings(**base, zalo_bot_token="1234567890:abc", zalo_webhook_url="https://x.org/zalo")
    with pytest.raises(ConfigError, match="ZALO_WEBHOOK_SECRET"):
        load_settings(**base, zalo_bot_token="1234567890:abc", zalo_webhook_url="https://x.org/zalo",
                      zalo_webhook_secret="short")
    hooked = load_settings(**base, zalo_bot_token="1234567890:abc", zalo_webhook_url="https://x.org/zalo",
                           zalo_webhook_secret="s" * 8)
    assert hooked.zalo_uses_webhook


class _FlakyState(ZaloState):
    """Ids from memory; the first look-up fails, as with the database away."""

    def __init__(self) -> None:
        super().__init__(session_factory=None)  # type: ignore[arg-type]
        self.failures = 1

    def internal_id(self, external_id: str) -> int:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("database away")
        return CHANNEL_ID_BASE + int(external_id)

    def screen(self, chat_id: int) -> Screen | None:
        return None

    def acting_id(self, internal_id: int) -> int:
        return internal_id


def _text(message_id: str, text: str = "gạo 10kg") -> dict[str, object]:
    return {"event_name": "message.text.received", "message": {
        "message_id": message_id, "from": {"id": "7"}, "chat": {"id": "7", "chat_type": "PRIVATE"},
        "date": 1_765_000_000_000, "text": text}}


def test_repeats_are_dropped_but_an_update_that_failed_is_taken_again() -> None:
    inbound = ZaloInbound(_FlakyState(), locale="vi")
    with pytest.raises(ConnectionError):
        inbound.convert(_text("m1"))
    first = inbound.convert(_text("m1"))  # Zalo delivers it again: this time it is taken
    assert first.update is not None and first.update["message"]["text"] == "gạo 10kg"
    assert first.update["message"]["date"] == 1_765_000_000
    assert inbound.convert(_text("m1")).update is None  # a repeat of what was taken
    assert inbound.convert(_text("m2")).update is not None
    assert inbound.convert(_text("", "a")).update is not None and inbound.convert(_text("", "b")).update is not None
    group = _text("m3")
    group["message"]["chat"]["chat_type"] = "GROUP"  # type: ignore[index]
    assert inbound.convert(group) == Inbound()
    command = inbound.convert(_text("m4", "/start abc"))
    assert command.update is not None
    assert command.update["message"]["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]


def test_the_sandbox_never_talks_to_the_real_zalo() -> None:
    from bot.sandbox.runner import sandbox_overrides

    settings = load_settings(_env_file=None, zalo_bot_token="1234567890:real-zalo-token")
    assert settings.zalo_enabled
    assert not settings.model_copy(update=sandbox_overrides(settings, "http://127.0.0.1:1")).zalo_enabled


def test_an_option_is_matched_without_its_accents() -> None:
    """Phones without a Vietnamese keyboard: "tra loi" is "✍️ Trả lời", "da" is not "Đúng" (other words)."""
    choices = [Choice("✏️ Sửa bản ghi", data="e"), Choice("✅ Số liệu đúng", data="o"), Choice("✍️ Trả lời", data="r")]
    assert match_choice("tra loi", choices) == choices[2]
    assert match_choice("SUA BAN GHI", choices) == choices[0]
    assert match_choice("so lieu dung", choices) == choices[1]
    assert match_choice("tra", choices) is None
