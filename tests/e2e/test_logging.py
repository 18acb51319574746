"""Logging support actions end to end: guided form for every category, quick entry, the card,
corrections, undo, idempotency (double tap, double delivery), failures, restarts and bad input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session, select

from bot.domain.catalogue.file import load_catalogue_file
from bot.sandbox.fake_api import FakeTelegram
from db.models import ActionStatus, AuditEntry, Category, SupportAction
from tests.support.harness import BotUnderTest, Chat, new_user

CATALOGUE = load_catalogue_file()


def _actions(session: Session) -> list[SupportAction]:
    session.expire_all()
    return list(session.exec(select(SupportAction).order_by(SupportAction.id)).all())


async def _fill_form(chat: Chat) -> None:
    """Answer every step of the guided form the simple way until the card is shown."""
    for _ in range(25):
        last = chat.last
        texts = [b["text"] for b in last.buttons()]
        if "✅ Lưu" in texts:
            return
        if "Nhập số tiền" in last.text:
            await chat.send("1tr5")
        elif "Nhập số" in last.text:
            await chat.send("12")
        elif "Hôm nay" in texts:
            await chat.tap("Hôm nay")
        elif "Đơn vị tính?" in last.text:  # every figure is given here, the quantity's unit too
            await chat.tap(texts[0])
        elif "⏭ Bỏ qua" in texts:
            await chat.tap("⏭ Bỏ qua")
        elif texts:
            await chat.tap(texts[0])
        else:
            break
    transcript = "\n---\n".join(m.text for m in chat.messages[-6:])
    raise AssertionError(f"the form never reached the card; last messages:\n{transcript}")


@pytest.fixture
async def reporter(enroll: Callable[..., object]) -> Chat:
    return await enroll(role="reporter", unit_code="GL-KP-IARSAI", organisation="womens_union",  # type: ignore[misc,no-any-return]
                        name="Ksor H'Lan")


@pytest.mark.parametrize("category", [c.code for c in CATALOGUE.category])
async def test_guided_form_for_every_category(category: str, reporter: Chat, session: Session) -> None:
    spec = CATALOGUE.category_by_code(category)
    assert spec is not None
    await reporter.send("/log")
    assert "Chọn loại hỗ trợ" in reporter.last.text
    await reporter.tap(spec.name_vi)
    await _fill_form(reporter)
    assert spec.name_vi in reporter.last.text
    replies = await reporter.tap("✅ Lưu")
    assert any("Đã lưu" in m.text for m in replies)
    assert any("đã ghi nhận 1 lượt" in m.text for m in replies)
    [action] = _actions(session)
    assert session.get(Category, action.category_id).code == category  # type: ignore[union-attr]
    assert action.status == ActionStatus.CURRENT and action.author_id is not None
    for measure in spec.measures:
        stored = {"households": action.households, "persons": action.persons, "quantity": action.quantity,
                  "value": action.value_dong}[measure.code]
        expected = 1_500_000 if measure.code == "value" else 12
        assert stored == expected, f"{category}.{measure.code}"
    assert action.source_update_id is not None and action.client_key


async def test_quick_entry_rice_line_shows_card_and_saves_with_monthly_total(reporter: Chat, session: Session) -> None:
    replies = await reporter.send("gạo 45 hộ 108 khẩu 5410kg 81,15tr")
    card = replies[-1].text
    for shown in ("Hỗ trợ gạo", "5.410 kg", "45 hộ", "108 khẩu", "81,15 triệu đồng", "Hội LHPN"):
        assert shown in card
    await reporter.tap("✅ Lưu")
    await reporter.send("gao 5 ho 20 khau 600 kg 9tr")
    replies = await reporter.tap("✅ Lưu")
    month = datetime.now(ZoneInfo("Asia/Ho_Chi_Minh"))
    assert f"Tháng {month.month}/{month.year}, xã Ia Rsai đã ghi nhận 2 lượt hỗ trợ gạo" in replies[-1].text
    assert "6.010 kg" in replies[-1].text and "90,15 triệu đồng" in replies[-1].text
    first, second = _actions(session)
    assert (first.households, first.persons, first.quantity, first.value_dong) == (45, 108, Decimal(5410), 81_150_000)
    assert first.quantity_unit and second.value_dong == 9_000_000


async def test_quick_entry_asks_for_a_missing_required_field_and_keeps_the_rest(reporter: Chat,
                                                                               session: Session) -> None:
    await reporter.send("nha o 2 can 80tr")
    assert any("Xây mới" in b["text"] for b in reporter.last.buttons())
    await reporter.tap("Sửa chữa")
    assert "2 căn" in reporter.last.text and "80 triệu đồng" in reporter.last.text
    await reporter.tap("✅ Lưu")
    [action] = _actions(session)
    assert action.subtype == "repair" and action.quantity == 2 and action.value_dong == 80_000_000


@pytest.mark.parametrize(("line", "expected"), [
    ("xin chào", "chưa hiểu"),
    ("gạo -5 hộ", "không được âm"),
    ("gạo 0 kg", "lớn hơn 0"),
    ("gạo 45", "45"),
    ("🙏🙏🙏", "chưa hiểu"),
    ("a" * 4000, "chưa hiểu"),
])
async def test_unreadable_quick_entries_get_an_explanation_with_an_example(reporter: Chat, line: str,
                                                                           expected: str, session: Session) -> None:
    replies = await reporter.send(line)
    assert len(replies) == 1
    assert expected in replies[0].text and "gạo 45 hộ" in replies[0].text
    assert _actions(session) == []


async def test_bad_figures_in_the_form_are_explained_and_nothing_is_lost(reporter: Chat, session: Session) -> None:
    await reporter.send("/log")
    await reporter.tap("Hỗ trợ gạo")
    for bad, message in (("-5", "không được âm"), ("0", "lớn hơn 0"), ("12a", "không phải là số"),
                         ("99999999999999", "quá lớn"), ("🍚", "không phải là số"), ("x" * 4000, "quá dài")):
        replies = await reporter.send(bad)
        assert message in replies[-1].text, bad
    await reporter.send("5.410 kg")
    await reporter.send("45")
    await _fill_form(reporter)
    assert "5.410 kg" in reporter.last.text and "45 hộ" in reporter.last.text
    await reporter.tap("✅ Lưu")
    assert len(_actions(session)) == 1


async def test_double_tap_on_save_stores_one_record(reporter: Chat, fake: FakeTelegram, session: Session) -> None:
    await reporter.send("gạo 45 hộ 5410kg")
    card = reporter.last
    await reporter.tap("✅ Lưu", message=card)
    await reporter.tap_data(card, "log:save")
    assert len(_actions(session)) == 1
    assert fake.callback_answers[-1]["text"] == "Phiếu này đã xử lý xong."


async def test_the_same_update_delivered_twice_is_handled_once(reporter: Chat, fake: FakeTelegram,
                                                               bot: BotUnderTest, session: Session) -> None:
    await reporter.send("gạo 45 hộ 5410kg")
    card = reporter.last
    update_id = fake.inject_callback(reporter.user, card, "log:save")
    duplicate = {"update_id": update_id, "callback_query": {
        "id": "dup-1", "from": reporter.user.to_dict(), "chat_instance": "1", "data": "log:save",
        "message": {"message_id": card.message_id, "date": 0, "chat": {"id": reporter.user.id, "type": "private"},
                    "text": card.text}}}
    fake.inject_raw_update(duplicate)
    await bot.settle(update_id)
    assert len(_actions(session)) == 1


async def test_failure_while_saving_keeps_the_card_for_a_retry(reporter: Chat, session: Session,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.domain.records import log_entry

    real_save = log_entry.save_draft
    calls = {"n": 0}

    def failing_once(*args: object, **kwargs: object) -> object:
        calls["n"] += 1
        if calls["n"] == 1:
            raise RuntimeError("database is locked")
        return real_save(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(log_entry, "save_draft", failing_once)
    await reporter.send("gạo 45 hộ 5410kg")
    replies = await reporter.tap("✅ Lưu")
    assert "Chưa lưu được" in replies[-1].text
    assert _actions(session) == []
    await reporter.tap("✅ Lưu")
    assert len(_actions(session)) == 1


async def test_same_as_last_time_takes_at_most_five_steps(reporter: Chat, session: Session) -> None:
    await reporter.send("gạo 45 hộ 108 khẩu 5410kg 81,15tr hộ nghèo")
    await reporter.tap("✅ Lưu")
    steps = 0
    await reporter.send("/log"); steps += 1  # noqa: E702
    await reporter.tap("🔁"); steps += 1  # noqa: E702
    await reporter.send("6000"); steps += 1  # noqa: E702
    assert "6.000 kg" in reporter.last.text and "45 hộ" in reporter.last.text
    await reporter.tap("✅ Lưu"); steps += 1  # noqa: E702
    assert steps <= 5
    first, second = _actions(session)
    assert second.quantity == 6000 and second.households == 45 and second.beneficiary_class_id == \
        first.beneficiary_class_id


async def test_correction_creates_a_new_version_and_totals_count_it_once(reporter: Chat, session: Session) -> None:
    await reporter.send("gạo 45 hộ 5410kg")
    await reporter.tap("✅ Lưu")
    [original] = _actions(session)
    await reporter.send("/history")
    assert f"#{original.id}" in reporter.last.text
    await reporter.tap(f"✏️ #{original.id}")
    assert f"Sửa bản ghi #{original.id}" in reporter.last.text
    await reporter.tap("✏️ Sửa")
    await reporter.tap("Số hộ")
    await reporter.send("50")
    replies = await reporter.tap("✅ Lưu")
    assert "đã ghi nhận 1 lượt" in replies[-1].text and "50 hộ" in replies[-1].text
    old, new = _actions(session)
    assert old.status == ActionStatus.SUPERSEDED and new.status == ActionStatus.CURRENT
    assert new.supersedes_id == old.id and new.version == 2 and new.households == 50 and old.households == 45
    audit = [a.action for a in session.exec(select(AuditEntry).where(AuditEntry.entity == "support_action"))]
    assert audit == ["create", "correct"]


async def test_undo_voids_the_last_entry_after_confirmation(reporter: Chat, session: Session) -> None:
    await reporter.send("gạo 45 hộ 5410kg")
    await reporter.tap("✅ Lưu")
    await reporter.send("/undo")
    assert "Hủy bản ghi này?" in reporter.last.text
    await reporter.tap("Không, giữ lại")
    assert _actions(session)[0].status == ActionStatus.CURRENT
    await reporter.send("/undo")
    await reporter.tap("🗑 Có, hủy bản ghi")
    assert "Đã hủy bản ghi" in reporter.last.text
    assert _actions(session)[0].status == ActionStatus.VOID
    assert "không có bản ghi" in (await reporter.reply_text("/undo")).lower()


async def test_only_the_author_or_a_supervisor_above_may_correct(reporter: Chat, enroll: Callable[..., object],
                                                                session: Session) -> None:
    await reporter.send("gạo 45 hộ 5410kg")
    await reporter.tap("✅ Lưu")
    [action] = _actions(session)
    colleague: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[misc]
    await colleague.send("/history")
    assert f"#{action.id}" not in colleague.last.text
    await colleague.tap_data(colleague.last, f"hist:void:{action.id}")
    await colleague.tap_data(colleague.last, f"hist:voidok:{action.id}")
    assert _actions(session)[0].status == ActionStatus.CURRENT
    other_commune: Chat = await enroll(role="supervisor", unit_code="GL-KP-CHUGU")  # type: ignore[misc]
    await other_commune.tap_data(other_commune.last, f"hist:voidok:{action.id}")
    assert _actions(session)[0].status == ActionStatus.CURRENT
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[misc]
    await district.send("/history")
    assert f"#{action.id}" in district.last.text
    await district.tap(f"🗑 #{action.id}")
    await district.tap("🗑 Có, hủy bản ghi")
    assert _actions(session)[0].status == ActionStatus.VOID


async def test_half_filled_form_survives_a_restart(reporter: Chat, bot: BotUnderTest, session: Session) -> None:
    await reporter.send("/log")
    await reporter.tap("Hỗ trợ gạo")
    await reporter.send("5410")
    await bot.restart()
    await reporter.send("45")
    await _fill_form(reporter)
    assert "5.410 kg" in reporter.last.text and "45 hộ" in reporter.last.text
    await reporter.tap("✅ Lưu")
    assert len(_actions(session)) == 1


async def test_logging_in_a_group_is_redirected_to_a_private_chat(reporter: Chat, fake: FakeTelegram,
                                                                  bot: BotUnderTest, session: Session) -> None:
    group_id = -100123
    update_id = fake.inject_message(reporter.user, "/log", chat_id=group_id, chat_type="group", chat_title="Xã")
    await bot.settle(update_id)
    assert "tin nhắn riêng" in fake.messages[group_id][-1].text
    chatter = fake.inject_message(reporter.user, "gạo 45 hộ 5410kg", chat_id=group_id, chat_type="group",
                                  chat_title="Xã")
    await bot.settle(chatter)
    assert len(fake.messages[group_id]) == 1
    stranger_update = fake.inject_message(new_user("Ai đó"), "chào cả nhà", chat_id=group_id, chat_type="group",
                                          chat_title="Xã")
    await bot.settle(stranger_update)
    assert len(fake.messages[group_id]) == 1
    assert _actions(session) == []


async def test_photo_and_location_are_attached_to_the_card(reporter: Chat, fake: FakeTelegram, bot: BotUnderTest,
                                                           session: Session) -> None:
    await reporter.send("sửa nhà 1 căn 40tr")
    await bot.settle(fake.inject_photo(reporter.user, b"\x89PNG fake photo"))
    assert "Có ảnh đính kèm" in reporter.last.text
    await bot.settle(fake.inject_location(reporter.user, 13.2, 108.6))
    assert "Có vị trí đính kèm" in reporter.last.text
    await reporter.tap("✅ Lưu")
    [action] = _actions(session)
    assert action.photo_file_id and action.latitude == pytest.approx(13.2)


async def test_household_and_note_via_edit(reporter: Chat, session: Session) -> None:
    await reporter.send("quà tết 1 suất 500k")
    await reporter.tap("✏️ Sửa")
    await reporter.tap("Hộ nhận")
    await reporter.send("Nguyễn Văn A, thôn 3")
    await reporter.tap("✏️ Sửa")
    await reporter.tap("Ghi chú")
    await reporter.send("Trao tại nhà văn hóa")
    assert "Nguyễn Văn A, thôn 3" in reporter.last.text and "Trao tại nhà văn hóa" in reporter.last.text
    await reporter.tap("✅ Lưu")
    [action] = _actions(session)
    assert (action.household_name, action.household_village) == ("Nguyễn Văn A", "thôn 3")
    assert action.details.get("occasion") == "tet"


async def test_an_english_speaking_officer_logs_in_english(enroll: Callable[..., object], session: Session) -> None:
    chat: Chat = await enroll(role="reporter", language_code="en")  # type: ignore[misc]
    await chat.send("/language")
    await chat.tap("English")
    await chat.send("/log")
    assert "What support was given?" in chat.last.text
    await chat.tap("Rice")
    assert "Type a number" in chat.last.text
    assert "Cancelled." in await chat.reply_text("/cancel")
    replies = await chat.send("rice 45 ho 5410kg 81,15tr")
    assert "5,410 kg" in replies[-1].text and "81.15 million VND" in replies[-1].text
    await chat.tap("✅ Save")
    assert len(_actions(session)) == 1


async def test_main_menu_button_opens_the_form(reporter: Chat) -> None:
    welcome = reporter.messages[0]
    assert welcome.reply_markup and welcome.reply_markup["keyboard"][0][0]["text"] == "📝 Ghi nhận"
    await reporter.send("📝 Ghi nhận")
    assert "Chọn loại hỗ trợ" in reporter.last.text
