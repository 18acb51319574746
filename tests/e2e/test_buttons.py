"""Every button press gets an answer: unreadable or stale callback data gets a short polite answer (never
the generic error), a double tap that changes nothing is fine, and a tap answered too late (after a
restart) still does what was asked."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlmodel import Session, select

from bot.i18n import get_translator
from bot.sandbox.fake_api import FakeTelegram
from db.models import ReportingPeriod, SupportAction, User
from tests.support.harness import Chat

VI = get_translator("vi")
GENERIC_ERROR = VI("Sorry, something went wrong on our side. Please try again in a moment.")
UNREADABLE = VI("This button no longer works. Please start again with the menu or a command.")
OUT_OF_DATE = VI("This button is out of date; nothing was changed.")
CANNOT_CHANGE = VI("You cannot change this record.")


def no_generic_error(chat: Chat) -> bool:
    return all(GENERIC_ERROR not in m.text for m in chat.messages)


@pytest.fixture
async def supervisor(enroll: Callable[..., object]) -> Chat:
    chat: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Giám sát")  # type: ignore[assignment]
    return chat


# Payloads that made handlers crash before the codec: non-ASCII digits that pass str.isdigit(), ids too
# large for the database, years Python's date cannot hold, wrong arity, unknown values.
UNREADABLE_PAYLOADS = [
    "hist:void:²", "hist:voidok:²", "hist:fix:٣", f"hist:void:{2**63}", f"hist:voidok:{2**40}", "hh:view:²",
    "dup:same:²", "dup:same:", "rp:preset:h1:0", "rp:preset:h1:9999", "rp:preset:year:²", "rp:sub:²",
    "rp:ok:-1", "tot:u:²", "tot:u:99999999999999999999", "tot:p:q9", "tot:b:village", "drill:rice:²",
    "inv:page:1:²", "lang:fr", "hist:keep:now", "nonsense", "", "x" * 64 + "y",
]


async def test_unreadable_buttons_get_a_polite_answer(supervisor: Chat, fake: FakeTelegram) -> None:
    await supervisor.send("/totals")
    totals = supervisor.last
    for data in UNREADABLE_PAYLOADS:
        before = len(fake.callback_answers)
        replies = await supervisor.tap_data(totals, data)
        assert [a["text"] for a in fake.callback_answers[before:]] == [UNREADABLE], data
        assert all(GENERIC_ERROR not in m.text for m in replies), data
    assert fake.unanswered_queries() == []
    assert no_generic_error(supervisor)


async def test_stale_buttons_say_so_and_change_nothing(supervisor: Chat, fake: FakeTelegram,
                                                       session: Session) -> None:
    await supervisor.send("/totals")
    totals = supervisor.last
    expected = {f"hist:void:{2**31 - 1}": CANNOT_CHANGE, "hist:voidok:424242": CANNOT_CHANGE,
                "rp:sub:424242": OUT_OF_DATE, "rp:ok:424242": OUT_OF_DATE, "drill:no_such_kind:0": OUT_OF_DATE,
                "tot:o:no_such_org": OUT_OF_DATE, "log:save": VI("This form is already closed."),
                "inv:unit:1": UNREADABLE}  # an invite form that is not open
    for data, text in expected.items():
        before = len(fake.callback_answers)
        await supervisor.tap_data(totals, data)
        assert [a["text"] for a in fake.callback_answers[before:]] == [text], data
    assert fake.unanswered_queries() == []
    assert no_generic_error(supervisor)
    assert session.exec(select(SupportAction)).all() == []
    assert session.exec(select(ReportingPeriod)).all() == []


async def test_the_same_totals_choice_tapped_twice_is_not_an_error(supervisor: Chat, fake: FakeTelegram) -> None:
    await supervisor.send("/totals")
    totals = supervisor.last
    first = await supervisor.tap_data(totals, "tot:b:org")
    assert first and first[0].message_id == totals.message_id
    edits = totals.edits
    await supervisor.tap_data(totals, "tot:p:m0")  # the period already shown: Telegram says "not modified"
    await supervisor.tap_data(totals, "tot:p:m0")
    assert totals.edits == edits  # nothing to change, nothing changed
    assert fake.unanswered_queries() == []
    assert no_generic_error(supervisor)


async def test_a_tap_answered_too_late_still_does_what_was_asked(supervisor: Chat, fake: FakeTelegram,
                                                                 session: Session) -> None:
    await supervisor.send("/language")
    fake.expire_next_queries()
    replies = await supervisor.tap("English")
    assert any(m.text == "Language set to English." for m in replies)
    user = session.exec(select(User).where(User.telegram_id == supervisor.user.id)).one()
    session.refresh(user)
    assert user.locale == "en"
    assert no_generic_error(supervisor)


async def test_a_forged_choice_in_an_open_form_is_refused_and_the_form_kept(enroll: Callable[..., object],
                                                                           fake: FakeTelegram) -> None:
    reporter: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[assignment]
    await reporter.send("/log")
    await reporter.tap("Hỗ trợ gạo")
    question = reporter.last
    asked, edits = question.text, question.edits
    for data in ("log:set:womens_union", "log:set:today", "log:set:no_such_code", "log:hh:424242", "log:hhtyped"):
        before = len(fake.callback_answers)
        await reporter.tap_data(question, data)
        assert [a["text"] for a in fake.callback_answers[before:]] == [OUT_OF_DATE], data
        assert (reporter.last.message_id, question.text, question.edits) == (question.message_id, asked, edits)
    replies = await reporter.send("5.410 kg")
    assert replies and no_generic_error(reporter)
    assert fake.unanswered_queries() == []
