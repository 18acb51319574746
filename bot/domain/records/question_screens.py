"""❓ Hỏi lại in chat as screens: the ❓ button under a record, the prompts for the question and the reply,
what the asker and the author are told once it is sent, why it cannot be, and /status's open questions.

Why here: who may ask or answer, and what each side reads, are rules of the record questions
(bot/domain/records/questions.py, which also queues the notices); the handler
(handlers/record_questions.py) only keeps the one-line wait and renders what these return.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.domain.catalogue.file import CatalogueFile
from bot.domain.permissions import Do, may
from bot.domain.records import questions as service
from bot.domain.records.questions import QuestionProblem
from bot.domain.screen import Button, Screen, button
from bot.domain.spans import Text, text
from bot.i18n import Translator
from db.models import SupportAction, User

ASK, CANCEL = "record.ask", "question.cancel"


def ask_button(session: Session, *, viewer: User | None, action: SupportAction, label: str | None = None,
               ) -> list[Button]:
    """[❓] under a record for a viewer who may send it back ([] otherwise), to add to its row."""
    if viewer is None or action.id is None or not may(viewer, Do.ASK_ABOUT_RECORD, action, session=session):
        return []
    return [button(label or f"❓ #{action.id}", ASK, action.id)]


def problem_text(t: Translator, problem: QuestionProblem) -> str:
    """Why a question cannot be asked or answered, in the reader's words."""
    return {
        service.NOT_ALLOWED: t("Sorry, this is not yours to ask about or answer."),
        service.NOT_CURRENT: t("Sorry, this entry was corrected or voided since. Ask about its current version."),
        service.ALREADY_OPEN: t("A question about this entry is already waiting for an answer."),
        service.NOT_OPEN: t("This question was already answered or closed."),
        service.NOBODY: t("The person who logged this entry no longer has access, and nobody else in its unit uses "
                          "the bot, so nobody could answer. Please contact the unit directly."),
        service.EMPTY: t("The text was empty. Please type it again, or /cancel."),
    }.get(problem.reason, t("Sorry, that is too long: at most {limit} characters. Please shorten it and send it "
                            "again, or /cancel.").format(limit=service.MAX_TEXT))


def keeps_waiting(problem: QuestionProblem) -> bool:
    """A text to type again (empty, too long): the wait goes on."""
    return problem.reason in (service.EMPTY, service.TOO_LONG)


def _cancel(t: Translator) -> list[list[Button]]:
    return [[button("❌ " + t("Cancel"), CANCEL)]]


def problem_screen(t: Translator, problem: QuestionProblem) -> Screen:
    """What was wrong with the typed text; with ❌ when the wait goes on."""
    return Screen(text(problem_text(t, problem)), _cancel(t) if keeps_waiting(problem) else [])


def question_prompt(session: Session, catalogue: CatalogueFile, t: Translator, *, viewer: User,
                    action_id: int) -> tuple[int, Screen]:
    """❓ pressed: (the record asked about, the prompt for the question under the record's summary), or
    QuestionProblem when the viewer may not ask about it."""
    action = service.action_to_ask_about(session, user=viewer, action_id=action_id)
    summary = service.record_summary(session, catalogue, t, action, with_household=True)
    prompt = t("Type the question for the person who logged this entry (at most {limit} characters), or /cancel:"
               ).format(limit=service.MAX_TEXT)
    return action.id or 0, Screen(text(f"{prompt}\n{summary}"), _cancel(t))


def asked_screen(session: Session, catalogue: CatalogueFile, t: Translator, *, viewer: User, action_id: int,
                 typed: str, now: datetime) -> Screen:
    """The typed question sent (to the author, or to the unit's other officers when the author left), or
    QuestionProblem."""
    asked = service.ask(session, user=viewer, action_id=action_id, text=typed, now=now, catalogue=catalogue)
    if asked.author_left:
        return Screen(text(t("❓ The person who logged entry #{id} no longer has access, so your question was sent "
                             "to the other officers of its unit: {names}. The answer will come here.").format(
            id=action_id, names=", ".join(asked.recipients))))
    return Screen(text(t("❓ Your question about entry #{id} was sent to the person who logged it. Their answer will "
                         "come here.").format(id=action_id)))


def reply_prompt(session: Session, t: Translator, *, viewer: User, question_id: int) -> tuple[int, Screen]:
    """✍️ pressed: (the question answered, the prompt for the reply), or QuestionProblem."""
    question = service.question_for_reply(session, user=viewer, question_id=question_id)
    return question.id or 0, Screen(text(t("Type your answer about entry #{id} (at most {limit} characters), or "
                                           "/cancel:").format(id=question.action_id, limit=service.MAX_TEXT)),
                                    _cancel(t))


def answered_screen(session: Session, t: Translator, *, viewer: User, question_id: int, typed: str | None,
                    now: datetime) -> Screen:
    """The reply sent, or (`typed` None: ✅) the figures confirmed; or QuestionProblem."""
    question = service.answer(session, user=viewer, question_id=question_id, reply=typed, now=now)
    if typed is None:
        return Screen(text(t("✅ Thank you: the supervisor was told that the figures of entry #{id} are right.").format(
            id=question.action_id)))
    return Screen(text(t("💬 Thank you: your answer about entry #{id} was sent.").format(id=question.action_id)))


def open_questions_screen(session: Session, t: Translator, *, viewer: User, tz: ZoneInfo) -> Screen | None:
    """/status: the open questions about records of the viewer's unit and below (None when there are none)."""
    count, questions = service.open_for(session, user=viewer, t=t, tz=tz)
    if not count:
        return None
    body = Text().add(t("❓ {count} record(s) waiting for an answer:").format(count=count))
    for q in questions:
        body.add(f"• #{q.action_id} · {q.unit_name} · {q.author} · {q.asked_on}, {q.asked_by}: “{q.question}”")
    if count > len(questions):
        body.add(t("… and {count} more.").format(count=count - len(questions)))
    return Screen(body)
