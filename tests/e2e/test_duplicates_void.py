"""A distribution two organisations reported stays counted once, never zero times, whatever happens to
the record that was kept (void, correction), and stale answers to the double-count question are refused."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, col, select

from bot.domain.totals.aggregate import compute_totals
from bot.domain.totals.rollup import rollup_differences
from db.models import ActionStatus, SupportAction
from db.queries import get_unit_by_code
from tests.support.harness import BotUnderTest, Chat

SAME, OTHER = "Cùng đợt — không cộng thêm", "Đợt khác"


@pytest.fixture
async def women(enroll: Callable[..., object]) -> Chat:
    chat: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", organisation="womens_union")  # type: ignore[misc]
    return chat


@pytest.fixture
async def committee(enroll: Callable[..., object]) -> Chat:
    chat: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", organisation="commune_pc")  # type: ignore[misc]
    return chat


def _records(session: Session) -> list[SupportAction]:
    session.expire_all()
    return list(session.exec(select(SupportAction).order_by(col(SupportAction.id))).all())


def _rice(session: Session, bot: BotUnderTest, organisation: str | None = None) -> tuple[int, int]:
    """(households, records) of rice in the district this month, as /totals reads them; the rollup in step."""
    session.expire_all()
    unit = get_unit_by_code(session, code="GL-KP")
    assert unit is not None
    today = bot.runtime.today()
    totals = compute_totals(session, unit=unit, start=today.replace(day=1), end=today, organisation_code=organisation)
    assert rollup_differences(session) == []
    rice = totals.get("rice")
    return (rice.households, rice.records) if rice else (0, 0)


async def _log(chat: Chat, line: str = "gạo 45 hộ 5410kg") -> list[str]:
    await chat.send(line)
    return [m.text for m in await chat.tap("✅ Lưu")]


async def _void_last(chat: Chat) -> None:
    await chat.send("/undo")
    await chat.tap("🗑 Có, hủy bản ghi")
    assert "Đã hủy bản ghi" in chat.last.text


async def test_voided_original_hands_over_to_its_confirmed_duplicate(women: Chat, committee: Chat,
                                                                       session: Session, bot: BotUnderTest) -> None:
    await _log(women)
    await _log(committee)
    question = committee.last
    other = next(b["callback_data"] for b in question.buttons() if b["text"] == OTHER)
    await committee.tap(SAME)
    assert _rice(session, bot) == (45, 1)
    await committee.tap_data(question, other)  # the same question pressed again (a second device, a copy)
    assert "đã được trả lời trước đó: cùng một đợt" in committee.last.text
    assert _records(session)[1].duplicate_status == "confirmed"
    await _void_last(women)
    original, duplicate = _records(session)
    assert original.status == ActionStatus.VOID
    assert (duplicate.duplicate_status, duplicate.duplicate_of_id) == (None, None)
    assert _rice(session, bot) == (45, 1)
    assert _rice(session, bot, "commune_pc") == (45, 1) and _rice(session, bot, "womens_union") == (0, 0)
    assert "45 hộ" in await committee.reply_text("/totals")


async def test_the_newest_confirmed_duplicate_becomes_the_original(women: Chat, committee: Chat,
                                                                    enroll: Callable[..., object],
                                                                    session: Session, bot: BotUnderTest) -> None:
    red_cross: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI", organisation="red_cross")  # type: ignore[misc]
    await _log(women)
    await _log(committee)
    await committee.tap(SAME)
    await _log(red_cross)
    await red_cross.tap(SAME)
    assert _rice(session, bot) == (45, 1)
    await _void_last(women)
    _, older, newest = _records(session)
    assert newest.duplicate_status is None and newest.duplicate_of_id is None
    assert (older.duplicate_status, older.duplicate_of_id) == ("confirmed", newest.id)
    assert _rice(session, bot) == (45, 1)


async def test_a_suspect_of_a_voided_record_is_counted_and_same_is_refused(women: Chat, committee: Chat,
                                                                           enroll: Callable[..., object],
                                                                           session: Session,
                                                                           bot: BotUnderTest) -> None:
    await _log(women)
    await _log(committee)  # the question is left unanswered
    await _void_last(women)
    suspect = _records(session)[1]
    assert suspect.duplicate_status is None
    await committee.tap(SAME)
    text = committee.last.text
    assert f"#{suspect.id} không còn là bản ghi nghi trùng" in text and "được tính vào tổng" in text
    assert _rice(session, bot) == (45, 1)
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[misc]
    assert "Không có bản ghi nào nghi trùng" in await district.reply_text("/suspects")


async def test_answer_about_a_voided_suspect_is_refused(women: Chat, committee: Chat, session: Session,
                                                        bot: BotUnderTest) -> None:
    await _log(women)
    await _log(committee)
    await _void_last(committee)
    [answer] = await committee.tap(SAME)
    assert "đã bị hủy hoặc sửa nên không cần trả lời nữa" in answer.text and not answer.buttons()
    assert _rice(session, bot) == (45, 1)


async def _correct_households(chat: Chat, record_id: int, households: str) -> None:
    await chat.send("/history")
    await chat.tap(f"✏️ #{record_id}")
    await chat.tap("✏️ Sửa")
    await chat.tap("Số hộ")
    await chat.send(households)
    await chat.tap("✅ Lưu")


async def test_correcting_the_original_asks_again_about_its_duplicate(women: Chat, committee: Chat,
                                                                      enroll: Callable[..., object],
                                                                      session: Session, bot: BotUnderTest) -> None:
    await _log(women)
    await _log(committee)
    await committee.tap(SAME)
    original, duplicate = _records(session)
    await _correct_households(women, original.id or 0, "50")
    _, duplicate, corrected = _records(session)
    assert corrected.households == 50 and corrected.status == ActionStatus.CURRENT
    assert (duplicate.duplicate_status, duplicate.duplicate_of_id) == ("suspect", corrected.id)
    assert _rice(session, bot) == (95, 2)  # counted again until someone answers
    district: Chat = await enroll(role="supervisor", unit_code="GL-KP")  # type: ignore[misc]
    replies = await district.send("/suspects")
    assert "Có 1 bản ghi nghi trùng" in replies[0].text and "50 hộ" in replies[1].text
    await district.tap(SAME)
    assert _rice(session, bot) == (50, 1)
    await _void_last(women)
    assert _rice(session, bot) == (45, 1)


async def test_a_correction_that_still_matches_keeps_the_duplicate_counted_once(
        women: Chat, committee: Chat, session: Session, bot: BotUnderTest) -> None:
    await _log(women)
    await _log(committee)
    await committee.tap(SAME)
    original, _ = _records(session)
    await women.send("/history")
    await women.tap(f"✏️ #{original.id}")
    await women.tap("✏️ Sửa")
    await women.tap("Ghi chú")
    await women.send("phát tại nhà văn hóa thôn")
    await women.tap("✅ Lưu")
    _, duplicate, corrected = _records(session)
    assert corrected.note == "phát tại nhà văn hóa thôn"
    assert (duplicate.duplicate_status, duplicate.duplicate_of_id) == ("confirmed", corrected.id)
    assert _rice(session, bot) == (45, 1)
    await _correct_households(committee, duplicate.id or 0, "45")  # the duplicate corrected, same figures
    *_, again = _records(session)
    assert (again.duplicate_status, again.duplicate_of_id) == ("confirmed", corrected.id)
    assert _rice(session, bot) == (45, 1)
    await _correct_households(committee, again.id or 0, "40")  # now different figures: asked again, counted
    *_, changed = _records(session)
    assert (changed.duplicate_status, changed.duplicate_of_id) == ("suspect", corrected.id)
    assert _rice(session, bot) == (85, 2)
