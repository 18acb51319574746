"""Telegram screens as Zalo text (bot/zalo/screens.py) and the Zalo settings."""

from __future__ import annotations

import pytest

from bot.config import ConfigError, load_settings
from bot.zalo.screens import Choice, choices_from_markup, html_to_text, match_choice, render_screen, split_text

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
