"""The screens of the poverty review, of ❓ questions about a record and of suspected double counts, as
plain data (no Telegram): their words, their buttons' verbs and values, and that each draws."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import Session

from bot.domain.catalogue.file import load_catalogue_file
from bot.domain.outcomes.chat import outcome_answer_screen, sheet_import_screen
from bot.domain.outcomes.screens import card, form_question_screen, form_start, not_a_count_screen, saved_screen
from bot.domain.parsing.review_line import parse_review_line
from bot.domain.records import question_screens
from bot.domain.records.action_text import Localised
from bot.domain.records.actions import Draft, save_draft
from bot.domain.records.duplicate_question import answer_screen, suspects_screens
from bot.domain.records.duplicates import flag_if_duplicate
from bot.domain.records.questions import QuestionProblem, open_question_of
from bot.domain.screen import Screen
from bot.i18n import get_translator
from bot.presentation.render import render
from db.models import Role, SupportAction, User
from db.queries import get_unit_by_code

CATALOGUE = load_catalogue_file()
EN = get_translator("en")
NAMES = Localised(CATALOGUE, EN)
TODAY = date(2026, 11, 23)
NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


def _user(session: Session, code: str, telegram_id: int, role: Role = Role.REPORTER) -> User:
    unit = get_unit_by_code(session, code=code)
    assert unit is not None
    user = User(telegram_id=telegram_id, display_name=f"Officer {telegram_id}", role=role, unit_id=unit.id or 0,
                locale="en")
    session.add(user)
    session.commit()
    return user


def _presses(screen: Screen) -> list[tuple[str, tuple[object, ...]]]:
    return [(b.press.verb, b.press.values) for row in screen.rows for b in row]


def _save(session: Session, author: User, **figures: Any) -> SupportAction:
    draft = Draft(action_date="2026-11-10", category="rice", households=45, quantity="5410", **figures)
    return save_draft(session, draft=draft, author=author, catalogue=CATALOGUE, today=TODAY).action


# ----------------------------------------------------------------------------- the poverty review


def test_the_form_starts_asks_and_explains(session: Session) -> None:
    officer = _user(session, "GL-KP-IARSAI", 1)
    start = form_start(session, EN, viewer=officer, line=parse_review_line("rà soát"), today=TODAY)
    assert start.unit_id == officer.unit_id and start.year == 2026
    assert start.screen.body.plain().startswith("Poverty review 2026, ")
    first = form_question_screen(EN, 0)
    assert first.body.plain().startswith("1/7: how many ") and _presses(first) == [("review.cancel", ())]
    optional = form_question_screen(EN, 3)
    assert _presses(optional) == [("review.skip", ()), ("review.cancel", ())]
    assert "“-” to skip" in not_a_count_screen(EN, 3).body.plain()
    assert "skip" not in not_a_count_screen(EN, 0).body.plain()
    above = form_start(session, EN, viewer=_user(session, "GL-KP", 2, Role.SUPERVISOR),
                       line=parse_review_line("rà soát"), today=TODAY)
    assert above.unit_id is None and above.screen.body.plain().startswith("The review figures are entered per commune")


def test_the_card_saves_only_figures_that_add_up(session: Session) -> None:
    officer = _user(session, "GL-KP-IARSAI", 1)
    unreadable = card(session, EN, viewer=officer, line=parse_review_line("rà soát 2026: 1.240 hộ, mèo 3"),
                      today=TODAY, source="line")
    assert unreadable.draft is None
    assert unreadable.screen.body.plain().startswith("I could not read “") and not unreadable.screen.rows
    good = card(session, EN, viewer=officer, today=TODAY, source="line",
                line=parse_review_line("rà soát 2026: 1.240 hộ, nghèo 96, cận nghèo 131"))
    assert good.draft is not None and good.draft["figures"] == {"total_households": 1240, "poor": 96,
                                                                 "near_poor": 131}
    assert _presses(good.screen) == [("review.save", ()), ("review.cancel", ())]
    render(good.screen)
    saved = saved_screen(session, EN, viewer=officer, draft=good.draft, now=NOW)
    assert saved is not None and saved.body.plain().startswith("✅ Saved.")
    again = saved_screen(session, EN, viewer=officer, draft=good.draft, now=NOW)
    assert again is not None and again.body.plain().startswith("These figures were already saved.")
    answer = outcome_answer_screen(session, NAMES, viewer=officer, typed="tỷ lệ hộ nghèo năm 2026?", today=TODAY)
    assert answer.body.plain().startswith("Poverty reduction results 2026, ")


def test_an_unreadable_sheet_is_explained(session: Session) -> None:
    officer = _user(session, "GL-KP-IARSAI", 1)
    screen = sheet_import_screen(session, EN, telegram_id=officer.telegram_id, content=b"\x00\x01not a table",
                                 filename="ra-soat.xlsx", year=2026, now=NOW)
    assert screen.body.plain().startswith("Sorry, this file cannot be read")
    gone = sheet_import_screen(session, EN, telegram_id=999, content=b"", filename="x.csv", year=2026, now=NOW)
    assert gone.body.plain() == "Cancelled."


# ----------------------------------------------------------------------------- ❓ about a record


def test_a_question_is_asked_and_answered_through_screens(session: Session) -> None:
    officer = _user(session, "GL-KP-IARSAI", 1)
    boss = _user(session, "GL-KP", 2, Role.SUPERVISOR)
    record = _save(session, officer)
    assert question_screens.ask_button(session, viewer=officer, action=record) == []
    assert [(b.press.verb, b.press.values) for b in question_screens.ask_button(session, viewer=boss, action=record)] \
        == [("record.ask", (record.id,))]
    action_id, prompt = question_screens.question_prompt(session, CATALOGUE, EN, viewer=boss,
                                                         action_id=record.id or 0)
    assert action_id == record.id and prompt.body.plain().startswith("Type the question for the person")
    assert f"#{record.id} · " in prompt.body.plain() and _presses(prompt) == [("question.cancel", ())]
    with pytest.raises(QuestionProblem) as empty:
        question_screens.asked_screen(session, CATALOGUE, EN, viewer=boss, action_id=action_id, typed="  ",
                                      now=NOW)
    waiting = question_screens.problem_screen(EN, empty.value)
    assert waiting.body.plain().startswith("The text was empty.") and _presses(waiting) == [("question.cancel", ())]
    asked = question_screens.asked_screen(session, CATALOGUE, EN, viewer=boss, action_id=action_id,
                                          typed="Sao 45 hộ <mà> 5.410 kg?", now=NOW)
    assert asked.body.plain().startswith(f"❓ Your question about entry #{record.id} was sent")
    listed = question_screens.open_questions_screen(session, EN, viewer=boss, tz=TZ)
    assert listed is not None and listed.body.plain().startswith("❓ 1 record(s) waiting for an answer:")
    assert "&lt;mà&gt;" in render(listed)[0]
    with pytest.raises(QuestionProblem) as already:
        question_screens.question_prompt(session, CATALOGUE, EN, viewer=boss, action_id=record.id or 0)
    refused = question_screens.problem_screen(EN, already.value)
    assert refused.body.plain().startswith("A question about this entry is already") and not refused.rows
    question_id, reply = question_screens.reply_prompt(session, EN, viewer=officer,
                                                       question_id=_open_question(session, record))
    assert reply.body.plain().startswith(f"Type your answer about entry #{record.id}")
    done = question_screens.answered_screen(session, EN, viewer=officer, question_id=question_id, typed=None, now=NOW)
    assert done.body.plain().startswith("✅ Thank you: the supervisor was told")
    assert question_screens.open_questions_screen(session, EN, viewer=boss, tz=TZ) is None


def _open_question(session: Session, record: SupportAction) -> int:
    question = open_question_of(session, action_id=record.id or 0)
    assert question is not None and question.id is not None
    return question.id


# ----------------------------------------------------------------------------- suspected double counts


def test_suspects_are_listed_and_answered_once(session: Session) -> None:
    officer = _user(session, "GL-KP-IARSAI", 1)
    boss = _user(session, "GL-KP", 2, Role.SUPERVISOR)
    assert suspects_screens(session, NAMES, viewer=boss, quiet_when_none=True) == []
    none = suspects_screens(session, NAMES, viewer=boss, quiet_when_none=False)
    assert [s.body.plain() for s in none] == ["No suspected double counts to resolve."]
    _save(session, officer, organisation="womens_union")
    second = _save_again(session, officer)
    assert flag_if_duplicate(session, action=second) is not None
    shown = suspects_screens(session, NAMES, viewer=boss, quiet_when_none=True)
    assert shown[0].body.plain() == "1 suspected double count(s) to resolve:"
    assert _presses(shown[1]) == [("duplicate", ("same", second.id)), ("duplicate", ("other", second.id)),
                                  ("record.ask", (second.id,))]
    render(shown[1])
    taken = answer_screen(session, EN, viewer=boss, action_id=second.id or 0, same=True)
    assert taken is not None and taken.body.plain() == f"Noted: #{second.id} is the same distribution and is " \
        "counted once."
    stale = answer_screen(session, EN, viewer=boss, action_id=second.id or 0, same=False)
    assert stale is not None and stale.body.plain().startswith(f"#{second.id} was already answered")
    assert answer_screen(session, EN, viewer=boss, action_id=10**6, same=True) is None


def _save_again(session: Session, officer: User) -> SupportAction:
    draft = Draft(action_date="2026-11-12", category="rice", households=45, quantity="5410",
                  organisation="fatherland_front")
    return save_draft(session, draft=draft, author=officer, catalogue=CATALOGUE, today=TODAY).action
