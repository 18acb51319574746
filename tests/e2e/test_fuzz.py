"""Property-based end-to-end tests: random callback data and random Unicode text, sent to the running bot.

Hypothesis cannot drive an async test with function-scoped fixtures directly, so `examples()` lets it
generate a bounded list of inputs first (a synchronous @given function that only collects; with the
derandomized profile of conftest.py the list is the same on every run), and the test then sends each one
to the one running bot. For every input: no generic error, every tap answered, every typed line answered,
and nothing stored from invalid input.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, func, select

from bot.i18n import get_translator
from bot.presentation import callbacks as cb
from bot.sandbox.fake_api import FakeTelegram, SentMessage
from db.models import Household, SupportAction
from tests.support.harness import Chat

T = TypeVar("T")
GENERIC_ERRORS = [get_translator(locale)("Sorry, something went wrong on our side. Please try again in a moment.")
                  for locale in ("vi", "en")]
E2E_EXAMPLES = 40


def examples(strategy: st.SearchStrategy[T], count: int = E2E_EXAMPLES) -> list[T]:
    found: list[T] = []

    @settings(max_examples=count, phases=[Phase.generate], suppress_health_check=list(HealthCheck))
    @given(strategy)
    def collect(value: T) -> None:
        found.append(value)

    collect()
    return found


def _no_generic_error(messages: list[SentMessage]) -> bool:
    return not any(error in m.text for m in messages for error in GENERIC_ERRORS)


def _count(session: Session, model: Any) -> int:
    session.expire_all()
    return int(session.exec(select(func.count()).select_from(model)).one())


# ------------------------------------------------------------------ callback data

_PIECES = st.sampled_from(["hist", "void", "voidok", "fix", "keep", "tot", "p", "u", "o", "c", "b", "x", "R", "P",
                           "rp", "sub", "ok", "no", "preset", "h1", "year", "inv", "org", "page", "unit", "none",
                           "log", "set", "save", "editf", "field", "drill", "dup", "same", "hh", "view", "lang",
                           "vi", "*", "", "0", "1", "2", "2027", "9999", "²", "-1", str(2**31), str(2**63), "q0",
                           "rice", " 1", "٣", "１"])
_NEAR_MISSES = st.builds(":".join, st.lists(_PIECES, min_size=1, max_size=4))


def _valid_actions() -> st.SearchStrategy[str]:
    """Readable data with arbitrary ids and values: stale records, other units, unknown codes."""
    def values(kind: cb.Field) -> st.SearchStrategy[Any]:
        if isinstance(kind, cb.Number):
            return st.integers(kind.low, min(kind.high, 10**6)) | st.just(kind.high)
        if isinstance(kind, cb.Choice):
            return st.sampled_from(sorted(kind.values))
        if isinstance(kind, cb.OrNone):
            return st.none() | values(kind.inner)
        return st.sampled_from(["rice", "housing", "womens_union", "today", "no_such_code", "field:occasion"])

    def build(cls: type[cb.Action]) -> st.SearchStrategy[str]:
        fields = st.tuples(*(values(kind) for _, kind in cls.FIELDS))
        return fields.map(lambda v: cls(*v)).filter(lambda a: cb.decode(":".join(
            [a.TAG, *(k.format(getattr(a, n)) for n, k in a.FIELDS)])) == a).map(cb.encode)

    exclude = (cb.PeriodPreset, cb.SetLanguage)  # valid and harmless, but they change state for later examples
    return st.one_of(*(build(cls) for cls in cb.registered() if cls not in exclude))


CALLBACK_DATA = st.text(min_size=1, max_size=70) | _NEAR_MISSES | _valid_actions()


@pytest.fixture
async def supervisor(enroll: Callable[..., object]) -> Chat:
    chat: Chat = await enroll(role="supervisor", unit_code="GL-KP", name="Giám sát")  # type: ignore[assignment]
    return chat


async def test_random_callback_data_is_always_answered_and_never_an_error(supervisor: Chat, fake: FakeTelegram,
                                                                          session: Session) -> None:
    await supervisor.send("/totals")
    message = supervisor.last
    for data in examples(CALLBACK_DATA, 60):
        replies = await supervisor.tap_data(message, data)
        assert _no_generic_error(replies), data
        assert fake.unanswered_queries() == [], data
    assert _no_generic_error(supervisor.messages)
    assert _count(session, SupportAction) == 0
    assert _count(session, Household) == 0


# ------------------------------------------------------------------ free text

TRICKY = ["<b>", "</i>", "&amp;", "a < b", "gạo 45 hộ <script>", "%", "_", "²", "gạo ² hộ", "1/7/2026 - ²/11/2026",
          "tu 1/1/0001", "1/7/9999 - 2/7/9999", "quý V/2025", "gạo 1e400 kg", "gạo 99999999999999999999 kg",
          "nhà ở 2 căn 1,5 tỷ tỷ", "vay vốn -5 hộ", "📝", "📊 tổng", "\u200b", "ạ" * 300, "0/0", "31/2"]
TEXT = (st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1, max_size=80)
        | st.sampled_from(TRICKY)).map(str.strip).filter(lambda t: bool(t) and not t.startswith("/"))
ARGUMENTS = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), max_size=80) \
    | st.sampled_from([*TRICKY, "GL-KP-IARSAI nhà ở ²", "GL-KP-IARSAI gạo 1e9", "x; 1/1/9999; 2/1/9999; 3/1/9999",
                       "HN-1; A; thôn; hộ nghèo; ²", "HN-1; <b>; ; hộ nghèo; 3", "a;b;c;d;e;f"])


@pytest.fixture
async def reporter(enroll: Callable[..., object]) -> Chat:
    chat: Chat = await enroll(role="reporter", unit_code="GL-KP-IARSAI")  # type: ignore[assignment]
    return chat


async def _answered(chat: Chat, text: str) -> list[SentMessage]:
    replies = await chat.send(text)
    assert replies, f"no answer to {text!r}"
    assert _no_generic_error(replies), text
    return replies


async def test_random_quick_entries_are_answered_and_store_nothing(reporter: Chat, session: Session) -> None:
    for text in examples(TEXT):
        await _answered(reporter, text)  # a quick entry, or an answer to the question it opened
    assert _count(session, SupportAction) == 0


async def test_random_answers_to_the_log_form_are_answered_and_store_nothing(reporter: Chat,
                                                                             session: Session) -> None:
    for index, text in enumerate(examples(TEXT)):
        if index % 6 == 0:
            await reporter.send("/log")
            await reporter.tap("Hỗ trợ gạo" if index % 12 == 0 else "Hỗ trợ nhà ở")
        await _answered(reporter, text)
    assert _count(session, SupportAction) == 0


async def test_random_date_ranges_under_totals_are_answered(reporter: Chat, fake: FakeTelegram) -> None:
    await reporter.send("/totals")
    message = reporter.last
    for text in examples(TEXT):
        await reporter.tap_data(message, "tot:R")
        await _answered(reporter, text)
    assert fake.unanswered_queries() == []


async def test_random_command_arguments_are_answered(reporter: Chat, supervisor: Chat, session: Session) -> None:
    households = _count(session, Household)
    for args in examples(ARGUMENTS):
        await _answered(reporter, f"/household {args}".strip())
        await _answered(supervisor, f"/period {args}".strip())
        await _answered(supervisor, f"/target {args}".strip())
    for args in examples(ARGUMENTS):
        replies = await _answered(reporter, f"/household_add {args}".strip())
        if not any(m.text.startswith(("Đã thêm hộ", "Đã cập nhật hộ")) for m in replies):
            assert _count(session, Household) == households, args  # refused: nothing stored
        households = _count(session, Household)


# ------------------------------------------------------------------ every step of the form, every command, ❓ texts

FORM_LINES = ("gạo 45 hộ 5410kg", "vay vốn 5 hộ 200tr", "quà tết 10 suất 5tr", "tập huấn 2 buổi 30 người",
              "con giống 3 con bò 30tr")
"""Quick entries whose cards, between them, offer every kind of step of the form (figures, money, the
category's own fields, organisation, class, source, date, household, note, photo, location)."""


def _form_message(chat: Chat) -> SentMessage:
    """The newest message carrying the form's buttons."""
    return next(m for m in reversed(chat.messages)
                if any((b.get("callback_data") or "").startswith("log:") for b in m.buttons()))


async def test_random_text_at_every_step_of_the_form_is_answered_and_stores_nothing(
        reporter: Chat, fake: FakeTelegram, session: Session) -> None:
    texts = examples(TEXT, 60)
    used = 0
    for line in FORM_LINES:
        await reporter.send(line)
        await reporter.tap_data(_form_message(reporter), "log:edit")
        steps = [b["callback_data"] for b in _form_message(reporter).buttons()
                 if (b.get("callback_data") or "").startswith("log:editf:")]
        assert len(steps) >= 10, steps
        await reporter.send("/cancel")
        for step in steps:
            for _ in range(2):
                text = texts[used % len(texts)]
                used += 1
                await reporter.send(line)
                await reporter.tap_data(_form_message(reporter), "log:edit")
                await reporter.tap_data(_form_message(reporter), step)
                await _answered(reporter, text)
                await reporter.send("/cancel")
    assert fake.unanswered_queries() == []
    assert _no_generic_error(reporter.messages)
    assert _count(session, SupportAction) == 0


async def test_random_arguments_to_every_command_are_answered(supervisor: Chat, fake: FakeTelegram) -> None:
    """Every command of the table, with random arguments, from a supervisor (who may use them all but /start,
    which then reads the arguments as an invite link)."""
    from handlers.registry import command_table

    texts = examples(ARGUMENTS, 8)
    for command in command_table():
        for args in texts:
            await _answered(supervisor, f"/{command.name} {args}".strip())
            await supervisor.send("/cancel")
    assert fake.unanswered_queries() == []


async def test_random_questions_and_replies_about_a_record_are_answered(reporter: Chat, supervisor: Chat,
                                                                        session: Session) -> None:
    from bot.outbox_sender import sender_of
    from db.record_question import QuestionStatus, RecordQuestion

    await reporter.send("gạo 45 hộ 5410kg")
    await reporter.tap("✅ Lưu")
    record = session.exec(select(SupportAction)).one()
    application = supervisor.bot.application
    assert application is not None
    for index, text in enumerate(examples(TEXT, 20)):
        asked = _count(session, RecordQuestion)
        await supervisor.tap_data(supervisor.last, f"rq:ask:{record.id}")
        await _answered(supervisor, text if index % 2 else "Số kg đúng không?")
        session.expire_all()
        [question] = session.exec(select(RecordQuestion).where(RecordQuestion.status == QuestionStatus.OPEN)).all()
        assert _count(session, RecordQuestion) == asked + 1
        assert question.question == (text if index % 2 else "Số kg đúng không?"), "stored as typed"
        await sender_of(application).drain()
        await reporter.tap_data(reporter.last, f"rq:reply:{question.id}")
        await _answered(reporter, text)
        session.refresh(question)
        assert question.status == QuestionStatus.ANSWERED and question.answer == text
    for text in ("x" * 501, "\u3000 \u2003"):  # too long, blank: explained, the wait goes on, nothing stored
        await supervisor.tap_data(supervisor.last, f"rq:ask:{record.id}")
        await _answered(supervisor, text)
        await _answered(supervisor, text)
        await supervisor.send("/cancel")
    session.expire_all()
    assert session.exec(select(RecordQuestion).where(RecordQuestion.status == QuestionStatus.OPEN)).all() == []
    assert _count(session, SupportAction) == 1


REVIEW_LINES = st.builds(lambda head, body: f"{head} {body}", st.sampled_from(
    ["rà soát", "ra soat 2026:", "rà soát quý 1 2026:", "rà soát GL-KP-CHUDRANG 2026:", "Rà soát 2099"]),
    TEXT | st.sampled_from(["1.240 hộ, nghèo -3, cận nghèo 131", "nghèo 1,5, nghèo 2", "0 hộ, nghèo 0, cận nghèo 0",
                            "1.240 hộ, nghèo 96, cận nghèo 131, thoát nghèo 999999999", "², ٣, １ hộ"]))


async def test_random_review_lines_and_form_answers_are_answered(reporter: Chat, session: Session) -> None:
    """A "rà soát" line or an answer at any step of /review's form: always a polite answer, and nothing saved
    from figures that do not add up."""
    from db.models_outcomes import PovertyReview

    for index, (line, answer) in enumerate(zip(examples(REVIEW_LINES), examples(TEXT), strict=True)):
        await _answered(reporter, line)
        if index % 5 == 0:
            await reporter.send("/review")
            await reporter.send("1.240")
        await _answered(reporter, answer)
    assert _count(session, PovertyReview) == 0
