"""Lines written the way reports write them, end to end through the fake Bot API: two actions in one line
give two cards and two records; a line with figures but no known kind of support gets the category
buttons with its figures kept; a figure the report did not give can be skipped; the reports' own words
(health care, "hỗ trợ sản xuất"); plausibility defaults that fit real figures; approximate figures (≈)
on the card, in /history and in the export."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator

import pytest
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from bot.domain.records import plausibility
from bot.sandbox.fake_api import FakeTelegram
from db.models import Category, SupportAction
from tests.support.harness import BotUnderTest, Chat


@pytest.fixture(autouse=True)
def _no_cached_history() -> Iterator[None]:
    plausibility.forget_history()
    yield
    plausibility.forget_history()


@pytest.fixture
async def reporter(enroll: Callable[..., object]) -> Chat:
    return await enroll(role="reporter", unit_code="GL-KP-IARSAI", organisation="womens_union",  # type: ignore[misc,no-any-return]
                        name="Ksor H'Lan")


def _actions(session: Session) -> list[SupportAction]:
    session.expire_all()
    return list(session.exec(select(SupportAction).order_by(col(SupportAction.id))).all())


def _category(session: Session, action: SupportAction) -> str:
    category = session.get(Category, action.category_id)
    assert category is not None
    return category.code


def _buttons(chat: Chat) -> list[str]:
    return [b["text"] for b in chat.last.buttons()]


async def test_two_actions_in_one_line_are_two_cards_and_two_records(reporter: Chat, session: Session,
                                                                    fake: FakeTelegram) -> None:
    intro, card = await reporter.send("xây mới 60 căn, sửa chữa 25 căn nhà")
    assert "2 ghi nhận riêng" in intro.text and "1. Hỗ trợ nhà ở · 60 căn" in intro.text
    assert "2. Hỗ trợ nhà ở · 25 căn" in intro.text
    assert card.text.startswith("(1/2)") and "60 căn" in card.text and "Xây mới" in card.text
    assert "25 căn" not in card.text  # never one merged record
    replies = await reporter.tap("✅ Lưu")
    saved, second = replies[-2], replies[-1]
    assert "Đã lưu" in saved.text and "60 căn" in saved.text
    assert second.message_id != saved.message_id and second.text.startswith("(2/2)")
    assert "25 căn" in second.text and "Sửa chữa" in second.text
    await reporter.tap("✅ Lưu")
    new, repair = _actions(session)
    assert (new.quantity, new.subtype, repair.quantity, repair.subtype) == (60, "new", 25, "repair")
    assert _category(session, new) == _category(session, repair) == "housing"
    assert fake.unanswered_queries() == []


async def test_two_kinds_in_one_line_share_who_received_them(reporter: Chat, session: Session) -> None:
    intro, card = await reporter.send("tặng 50 suất quà và 200 kg gạo cho hộ nghèo")
    assert "1. Tặng quà · 50 suất" in intro.text and "2. Hỗ trợ gạo · 200 kg" in intro.text
    assert "Hộ nghèo" in card.text
    await reporter.tap("✅ Lưu")
    assert "(2/2)" in reporter.last.text and "200 kg" in reporter.last.text and "Hộ nghèo" in reporter.last.text
    await reporter.tap("✅ Lưu")
    gift, rice = _actions(session)
    assert (_category(session, gift), gift.quantity, _category(session, rice), rice.quantity) == \
        ("gift", 50, "rice", 200)
    assert gift.beneficiary_class_id is not None and gift.beneficiary_class_id == rice.beneficiary_class_id


async def test_cancelling_one_card_of_a_line_keeps_the_other(reporter: Chat, session: Session) -> None:
    await reporter.send("quà 100 suất và gạo 500 kg")
    await reporter.tap("❌ Hủy")
    assert "(2/2)" in reporter.last.text and "500 kg" in reporter.last.text
    await reporter.tap("✅ Lưu")
    [rice] = _actions(session)
    assert _category(session, rice) == "rice" and rice.quantity == 500


async def test_a_total_of_both_actions_is_not_split_by_guessing(reporter: Chat, session: Session) -> None:
    replies = await reporter.send("xây mới 6 căn, sửa chữa 2 căn, tổng kinh phí 400 triệu")
    intro, card = replies
    assert "“tổng kinh phí 400 triệu” là tổng của tất cả" in intro.text
    assert "400" not in card.text
    await reporter.tap("✅ Lưu")
    await reporter.tap("✅ Lưu")
    assert [a.value_dong for a in _actions(session)] == [None, None]


async def test_a_line_with_figures_but_no_known_kind_gets_the_categories_and_keeps_its_figures(
        reporter: Chat, session: Session, fake: FakeTelegram) -> None:
    [picker] = await reporter.send("hỗ trợ 27 hộ nghèo 81.269.900 đồng")
    assert "27 hộ" in picker.text and "81.269.900 đồng" in picker.text and "loại hỗ trợ" in picker.text
    assert "Hỗ trợ sinh kế" in [b["text"] for b in picker.buttons()]
    [question] = await reporter.tap("Hỗ trợ sinh kế")
    assert "đơn vị" in question.text.lower() and "⏭ Bỏ qua" in [b["text"] for b in question.buttons()]
    [card] = await reporter.tap("⏭ Bỏ qua")  # the report gave no head count: skipped, not invented
    assert "27 hộ" in card.text and "81.269.900 đồng" in card.text and "Hộ nghèo" in card.text
    await reporter.tap("✅ Lưu")
    [action] = _actions(session)
    assert _category(session, action) == "livelihood"
    assert (action.households, action.value_dong, action.quantity, action.quantity_unit) == \
        (27, 81_269_900, None, None)
    assert fake.unanswered_queries() == []


async def test_a_figure_a_category_does_not_count_is_kept_in_the_note(reporter: Chat, session: Session) -> None:
    await reporter.send("hỗ trợ 12 hộ 40 khẩu 6tr")
    await reporter.tap("Cho vay vốn ưu đãi")  # counts households and money, not persons
    assert "Ghi chú: hỗ trợ 12 hộ 40 khẩu 6tr" in reporter.last.text
    await reporter.tap("✅ Lưu")
    [loan] = _actions(session)
    assert (loan.households, loan.persons, loan.value_dong, loan.note) == (12, None, 6_000_000,
                                                                           "hỗ trợ 12 hộ 40 khẩu 6tr")


async def test_a_line_without_figures_gets_the_examples_and_log(reporter: Chat, session: Session) -> None:
    [reply] = await reporter.send("hôm nay trời đẹp quá")
    assert "gạo 45 hộ" in reply.text and "/log" in reply.text
    assert _actions(session) == []


async def test_a_livelihood_entry_in_the_reports_words_saves_without_a_quantity(reporter: Chat,
                                                                               session: Session) -> None:
    [question] = await reporter.send("hỗ trợ sản xuất cho 27 hộ nghèo, 81.269.900 đồng")
    assert "Hỗ trợ sinh kế" not in question.text or "⏭ Bỏ qua" in [b["text"] for b in question.buttons()]
    assert "⏭ Bỏ qua" in [b["text"] for b in question.buttons()]
    await reporter.tap("⏭ Bỏ qua")
    assert "📋 Hỗ trợ sinh kế" in reporter.last.text and "Số lượng" not in reporter.last.text
    await reporter.tap("✅ Lưu")
    [action] = _actions(session)
    assert _category(session, action) == "livelihood" and action.quantity is None and action.households == 27


async def test_a_required_figure_cannot_be_skipped_when_it_is_the_only_one(reporter: Chat) -> None:
    await reporter.send("/log")
    await reporter.tap("Cấp thẻ bảo hiểm y tế")
    assert "⏭ Bỏ qua" not in _buttons(reporter)
    await reporter.send("/log")
    await reporter.tap("Hỗ trợ sinh kế")  # households and value are still to be asked: the unit may be skipped
    assert "⏭ Bỏ qua" in _buttons(reporter)
    await reporter.tap("⏭ Bỏ qua")
    await reporter.tap("⏭ Bỏ qua")  # households
    assert "Trị giá" in reporter.last.text and "⏭ Bỏ qua" not in _buttons(reporter)  # the last figure left


async def test_a_health_care_line_is_logged(reporter: Chat, session: Session) -> None:
    [card] = await reporter.send("khám chữa bệnh 30 lượt người nghèo 15tr")
    assert "📋 Hỗ trợ khám chữa bệnh" in card.text and "30 lượt người" in card.text
    assert "15 triệu đồng" in card.text and "⚠️" not in card.text
    await reporter.tap("✅ Lưu")
    [action] = _actions(session)
    assert _category(session, action) == "health_care" and (action.persons, action.value_dong) == (30, 15_000_000)
    assert action.details == {"kind": "treatment"}


async def test_plausibility_defaults_fit_tet_rice_and_catch_a_tenfold_gift(reporter: Chat) -> None:
    [card] = await reporter.send("gạo tết 30 hộ 120 khẩu 300kg 4,5tr")  # 2,5 kg a person: ordinary for Tết
    assert "300 kg" in card.text and "⚠️" not in card.text
    await reporter.tap("❌ Hủy")
    [card] = await reporter.send("quà tết 50 suất 50 hộ 250tr")  # 5 triệu a gift
    assert "⚠️" in card.text and "≈5 triệu đồng/suất, thường 0,05–3 triệu đồng/suất" in card.text


async def test_an_approximate_record_shows_its_mark_in_history_the_card_and_the_export(
        reporter: Chat, enroll: Callable[..., object], session: Session) -> None:
    await reporter.send("vay vốn 5 hộ 190tr nhcsxh")
    await reporter.tap("✅ Lưu")
    [loan] = _actions(session)
    loan.approximate = True  # as the reader marks "hơn 190 triệu"
    session.add(loan)
    session.commit()
    await reporter.send("/history")
    assert f"#{loan.id} " in reporter.last.text and "≈ 5 hộ, 190 triệu đồng" in reporter.last.text
    await reporter.tap(f"✏️ #{loan.id}")
    assert "≈ Số liệu ước tính" in reporter.last.text
    await reporter.tap("✅ Lưu")
    old, new = _actions(session)
    assert new.supersedes_id == old.id and new.approximate is True
    await reporter.send("/history")
    await reporter.tap(f"✏️ #{new.id}")
    await reporter.tap("✏️ Sửa")
    await reporter.tap("≈ Số liệu chính xác (bỏ ≈)")
    assert "📋 Cho vay vốn ưu đãi" in reporter.last.text and "Số liệu ước tính" not in reporter.last.text
    await reporter.tap("✏️ Sửa")
    await reporter.tap("≈ Số liệu ước tính (đánh dấu ≈)")
    assert "≈ Số liệu ước tính" in reporter.last.text
    await reporter.tap("✅ Lưu")
    assert _actions(session)[-1].approximate is True
    supervisor: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Phòng LĐ")  # type: ignore[assignment]
    exported = await supervisor.send("/export")
    detail = load_workbook(io.BytesIO(exported[-1].file_bytes or b""))["Chi tiết"]
    rows = list(detail.iter_rows(values_only=True))
    column = list(rows[0]).index("Ước tính (≈)")
    assert [row[column] for row in rows[1:]] == ["≈"]


async def test_a_line_of_two_actions_typed_over_an_open_card_is_offered_whole(reporter: Chat,
                                                                              session: Session) -> None:
    await reporter.send("gạo 10 hộ 300kg")
    [offer] = await reporter.send("quà 100 suất và gạo 500 kg")
    assert [b["text"] for b in offer.buttons()] == ["🔄 Thay bằng dòng này", "↩ Giữ phiếu đang nhập"]
    replies = await reporter.tap("🔄 Thay bằng dòng này")
    assert "2 ghi nhận riêng" in replies[0].text and replies[-1].text.startswith("(1/2)")
    await reporter.tap("✅ Lưu")
    await reporter.tap("✅ Lưu")
    assert [(_category(session, a), a.quantity) for a in _actions(session)] == [("gift", 100), ("rice", 500)]


async def test_editing_a_line_whose_first_action_is_saved_does_not_save_it_twice(
        reporter: Chat, session: Session, fake: FakeTelegram) -> None:
    await reporter.send("quà 100 suất và gạo 500 kg")
    line_id = fake.last_user_message_id(reporter.user.id)
    await reporter.tap("✅ Lưu")
    [explained] = await reporter.edit("quà 120 suất và gạo 500 kg", message_id=line_id)
    assert "đã được lưu, số bản ghi #" in explained.text
    await reporter.send("xin chào")  # the second card is still open
    assert "(2/2)" in reporter.last.text and "500 kg" in reporter.last.text
    await reporter.tap("✅ Lưu", message=reporter.last)
    assert [(_category(session, a), a.quantity) for a in _actions(session)] == [("gift", 100), ("rice", 500)]


async def test_the_waiting_action_of_a_line_survives_a_restart(reporter: Chat, bot: BotUnderTest,
                                                               session: Session) -> None:
    [_intro, first] = await reporter.send("xây mới 60 căn, sửa chữa 25 căn nhà")
    await bot.restart()  # a new Application on the same database, as after a deploy
    await reporter.tap("✅ Lưu", message=first)
    assert "(2/2)" in reporter.last.text and "25 căn" in reporter.last.text
    await reporter.tap("✅ Lưu")
    assert [(a.quantity, a.subtype) for a in _actions(session)] == [(60, "new"), (25, "repair")]
