"""/totals with "📅 Other dates": the button asks for a typed range, a typo is explained and the step and
every other choice are kept, ❌ and /cancel go back, and a valid range shows the totals with the change
against the period of the same length just before. Dates are relative to today, so the test holds any day."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.periods.calendar import custom, month_of
from bot.domain.records.actions import Draft, save_draft
from bot.i18n import get_translator
from db.models import Role, User
from db.queries import get_unit_by_code
from tests.support.harness import BotUnderTest, Chat

CATALOGUE = load_catalogue_file()
VI = get_translator("vi")
RANGE_DAYS = 61
TYPE_PROMPT = "Nhập khoảng ngày cần xem (ngày/tháng/năm), ví dụ:"


def _today() -> date:
    return datetime.now(ZoneInfo("Asia/Ho_Chi_Minh")).date()


def _typed(day: date) -> str:
    return f"{day.day}/{day.month}/{day.year}"


def _start() -> date:
    return _today() - timedelta(days=RANGE_DAYS - 1)


def _author(session: Session, unit_code: str, telegram_id: int) -> User:
    unit = get_unit_by_code(session, code=unit_code)
    assert unit is not None and unit.id is not None
    user = User(telegram_id=telegram_id, display_name="Cán bộ ghi", role=Role.REPORTER, unit_id=unit.id)
    session.add(user)
    session.commit()
    return user


def _log(session: Session, user: User, day: date, *, fields: dict[str, str] | None = None, **figures: Any) -> None:
    draft = Draft(action_date=day.isoformat(), fields=dict(fields or {}), **figures)
    save_draft(session, draft=draft, author=user, catalogue=CATALOGUE, today=_today())


@pytest.fixture
def figures(session: Session) -> None:
    """Rice given by the Women's Union in Ia Rsai inside the range and in the range just before it (half
    the value), plus records each filter must leave out: another organisation, another commune, another
    kind of support, and a day before both ranges."""
    today = _today()
    ia_rsai = _author(session, "GL-KP-IARSAI", 7_100_001)
    chu_gu = _author(session, "GL-KP-CHUGU", 7_100_002)
    _log(session, ia_rsai, today - timedelta(days=10), category="rice", households=45, persons=108, quantity="5410",
         value_dong=81_150_000, organisation="womens_union")
    _log(session, ia_rsai, today - timedelta(days=RANGE_DAYS + 20), category="rice", households=20, quantity="2000",
         value_dong=40_575_000, organisation="womens_union")
    _log(session, ia_rsai, today - timedelta(days=3 * RANGE_DAYS), category="rice", households=99, quantity="9000",
         value_dong=99_000_000, organisation="womens_union")
    _log(session, ia_rsai, today - timedelta(days=5), category="rice", households=5, quantity="600",
         value_dong=9_000_000)
    _log(session, chu_gu, today - timedelta(days=5), category="rice", households=7, quantity="700",
         value_dong=7_000_000, organisation="womens_union")
    _log(session, ia_rsai, today - timedelta(days=5), category="housing", households=1, quantity="1",
         fields={"build_type": "repair"}, value_dong=30_000_000, organisation="womens_union")


@pytest.fixture
async def district(enroll: Callable[..., Awaitable[Chat]], figures: None) -> Chat:
    return await enroll(role="supervisor", unit_code="GL-KP")


async def _choose_ia_rsai_womens_union_rice(chat: Chat) -> None:
    await chat.send("/totals")
    await chat.tap("📍 huyện Krông Pa")
    await chat.tap("· xã Ia Rsai")
    await chat.tap("🏢 Tất cả tổ chức")
    await chat.tap("Hội LHPN")
    await chat.tap("📦 Tất cả loại hỗ trợ")
    await chat.tap("Hỗ trợ gạo")
    assert "tổ chức: Hội LHPN · loại hỗ trợ: Hỗ trợ gạo" in chat.last.text


async def _open_other_dates(chat: Chat) -> None:
    await chat.tap(f"🗓 {month_of(_today()).label(VI)}")
    assert "📅 Khoảng ngày khác" in [b["text"] for b in chat.last.buttons()]
    [prompt] = await chat.tap("📅 Khoảng ngày khác")
    assert TYPE_PROMPT in prompt.text
    assert f"Hoặc bấm ❌ Hủy để giữ nguyên {month_of(_today()).label(VI)}." in prompt.text
    assert [b["text"] for b in prompt.buttons()] == ["❌ Hủy"]


async def test_typos_are_explained_and_a_range_then_shows_the_totals_with_every_choice_kept(district: Chat) -> None:
    await _choose_ia_rsai_womens_union_rice(district)
    await _open_other_dates(district)
    today, start = _today(), _start()
    tomorrow = today + timedelta(days=1)
    for typed, explanation in (
            ("abc", "Xin lỗi, không đọc được “abc” thành khoảng ngày."),
            (f"{_typed(start)} - {_typed(tomorrow)}",
             f"“{_typed(tomorrow)}” là ngày chưa tới (hôm nay là {_typed(today)})"),
            (f"{_typed(today)} - {_typed(start)}", f"Ngày kết thúc “{_typed(start)}” lại trước ngày bắt đầu."),
            (f"31/2/{today.year} - {_typed(today)}", f"“31/2/{today.year}” không phải là ngày hợp lệ."),
            (f"1/1/{today.year - 6} - {_typed(today)}", "Khoảng ngày dài hơn 5 năm"),
    ):
        [reply] = await district.send(typed)
        assert explanation in reply.text, typed
        assert "Vui lòng nhập theo mẫu, ví dụ:" in reply.text and " đến nay\n• " in reply.text
        assert reply.text.endswith(f" - {today.day}/{today.month}")  # the examples end today: they work as typed
        assert [b["text"] for b in reply.buttons()] == ["❌ Hủy"]
    [totals] = await district.send(f"tu {_typed(start)} den nay")
    period = custom(start, today)
    before = period.previous()
    assert f"Tổng hợp {period.label(VI)}, xã Ia Rsai" in totals.text
    assert "tổ chức: Hội LHPN · loại hỗ trợ: Hỗ trợ gạo" in totals.text
    assert "Hỗ trợ gạo cho 45 hộ, 108 khẩu với 5.410 kg, trị giá 81,15 triệu đồng " \
           f"(tăng 100% so với {before.label(VI)})." in totals.text
    assert "Tổng trị giá: 81,15 triệu đồng" in totals.text
    buttons = [b["text"] for b in totals.buttons()]
    assert f"🗓 {period.label(VI)}" in buttons and "📍 xã Ia Rsai" in buttons and "🔎 Hỗ trợ gạo" in buttons
    assert "📥 Tệp Excel" in buttons
    [entry] = await district.send("gạo 45 hộ 5410kg")  # the wait is over: typed text is an entry again
    assert "✅ Lưu" in [b["text"] for b in entry.buttons()]


async def test_a_typed_range_feeds_the_drill_down_and_the_excel_file(district: Chat) -> None:
    await _choose_ia_rsai_womens_union_rice(district)
    await _open_other_dates(district)
    today, start = _today(), _start()
    await district.send(f"{_typed(start)} - {_typed(today)}")
    await district.tap("🔎 Hỗ trợ gạo")
    assert f"Hỗ trợ gạo, {custom(start, today).label(VI)}, xã Ia Rsai: 1 bản ghi" in district.last.text
    await district.tap("↩️ Quay lại tổng hợp")
    await district.tap("📥 Tệp Excel")
    document = district.last
    assert document.file_name == f"tong-hop-gl-kp-iarsai-{start:%Y%m%d}-{today:%Y%m%d}.xlsx"


async def test_cancel_button_and_command_go_back_to_the_totals_unchanged(district: Chat) -> None:
    await _choose_ia_rsai_womens_union_rice(district)
    this_month = month_of(_today()).label(VI)
    await _open_other_dates(district)
    [back] = await district.tap("❌ Hủy")
    assert f"Tổng hợp {this_month}, xã Ia Rsai" in back.text
    assert "tổ chức: Hội LHPN · loại hỗ trợ: Hỗ trợ gạo" in back.text
    await _open_other_dates(district)
    await district.send("không biết")
    [back] = await district.tap("❌ Hủy")  # on the explanation, too
    assert f"Tổng hợp {this_month}, xã Ia Rsai" in back.text
    await _open_other_dates(district)
    cancelled, totals = await district.send("/cancel")
    assert cancelled.text == "Đã hủy."
    assert f"Tổng hợp {this_month}, xã Ia Rsai" in totals.text
    assert "tổ chức: Hội LHPN · loại hỗ trợ: Hỗ trợ gạo" in totals.text
    [entry] = await district.send("gạo 45 hộ 5410kg")
    assert "✅ Lưu" in [b["text"] for b in entry.buttons()]


@pytest.mark.parametrize("leave", ["/log", "📝 Ghi nhận"])
async def test_a_command_or_menu_button_ends_the_wait_so_a_form_gets_its_answers(district: Chat, leave: str) -> None:
    await district.send("/totals")
    await _open_other_dates(district)
    await district.send(leave)
    await district.tap("Hỗ trợ gạo")
    assert district.last.text.startswith("Số kg gạo (kg)?")
    [reply] = await district.send("5410")
    assert reply.text.startswith("Số hộ (hộ)?")


@pytest.mark.parametrize("leave", ["/totals", "/me", "📊 Tổng hợp"])
async def test_after_a_command_or_menu_button_typed_text_is_no_longer_read_as_dates(district: Chat, leave: str,
                                                                                    ) -> None:
    await district.send("/totals")
    await _open_other_dates(district)
    [answer] = await district.send(leave)
    assert TYPE_PROMPT not in answer.text
    [entry] = await district.send("gạo 45 hộ 5410kg")
    assert "✅ Lưu" in [b["text"] for b in entry.buttons()]


async def test_a_range_typed_over_a_half_filled_form_goes_to_the_totals_and_the_form_waits(district: Chat) -> None:
    await district.send("/log")
    await district.tap("Hỗ trợ gạo")
    await district.send("5410")
    assert district.last.text.startswith("Số hộ (hộ)?")
    await district.send("/totals")
    await _open_other_dates(district)
    today, start = _today(), _start()
    [totals] = await district.send(f"{_typed(start)} - {_typed(today)}")
    assert f"Tổng hợp {custom(start, today).label(VI)}, huyện Krông Pa" in totals.text
    [reply] = await district.send("45")  # the form's own question, still open
    assert reply.text.startswith("Số khẩu (khẩu)?")


async def test_other_dates_answers_a_question_that_named_no_period(district: Chat) -> None:
    [reply] = await district.send("tổng gạo hội phụ nữ xã ia rsai?")
    assert "Bạn muốn xem kỳ nào?" in reply.text
    [prompt] = await district.tap("📅 Khoảng ngày khác")
    assert TYPE_PROMPT in prompt.text
    today, start = _today(), _start()
    [totals] = await district.send(f"{_typed(start)} đến {_typed(today)}")
    assert f"Tổng hợp {custom(start, today).label(VI)}, xã Ia Rsai" in totals.text
    assert "tổ chức: Hội LHPN · loại hỗ trợ: Hỗ trợ gạo" in totals.text and "81,15 triệu đồng" in totals.text


async def test_the_wait_survives_a_restart(district: Chat, bot: BotUnderTest) -> None:
    await _choose_ia_rsai_womens_union_rice(district)
    await _open_other_dates(district)
    await bot.restart()  # a deploy while the official is typing
    today, start = _today(), _start()
    [totals] = await district.send(f"từ {_typed(start)}")
    assert f"Tổng hợp {custom(start, today).label(VI)}, xã Ia Rsai" in totals.text
    assert "tổ chức: Hội LHPN · loại hỗ trợ: Hỗ trợ gạo" in totals.text


async def test_in_english(enroll: Callable[..., Awaitable[Chat]], figures: None) -> None:
    chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", language_code="en")
    await chat.send("/totals")
    await chat.tap("🗓 ")
    [prompt] = await chat.tap("📅 Other dates")
    assert "Type the dates of the period (day/month/year), for example:" in prompt.text
    assert " to today\n• " in prompt.text and [b["text"] for b in prompt.buttons()] == ["❌ Cancel"]
    [reply] = await chat.send("next week")
    assert reply.text.startswith("Sorry, I could not read “next week” as dates.\n")
    assert "Please type it like this, for example:" in reply.text
    today, start = _today(), _start()
    [totals] = await chat.send(f"from {_typed(start)} to today")
    assert f"Totals for {custom(start, today).label(get_translator('en'))}, Ia Rsai commune" in totals.text
