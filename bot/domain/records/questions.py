"""Sending a doubtful record back ("❓ Hỏi lại"): a supervisor's question, the author's answer, the close.

Why: a figure that looks wrong is best fixed by the person who typed it, inside the tool, while they
still remember the distribution. So a supervisor above the record's unit asks a short question; the
author gets the record and the question through the outbox (they may be offline; a restart must not
lose it), with buttons to correct it, to confirm it in one tap or to reply. The question stays open,
and is listed in /status and counted in the digest, until it is answered or the record is corrected
or voided (the correction or the void closes it, and the supervisor is told either way).

Rules:
- only a supervisor or admin whose unit is the record's unit or above it may ask, never about their
  own record, only about a current one, and one open question per record at a time;
- only the author or an officer of the record's unit may answer, while the record is within their unit;
- every step is in the audit trail (ids and the outcome only: the texts stay in `record_question`,
  since a question may name a household and audit details never hold names).

When the author has left (deactivated, or moved out of the record's unit) the question goes to the unit's
other active officers instead, and the asker is told who got it; with nobody left to answer it is not
asked at all (NOBODY). A question already open when its author leaves is closed with the reason
(AUTHOR_LEFT) and the asker is told, with whom a new question would reach (`close_for_departed`).

Messages to the other side go through the outbox in the recipient's language, as screens (the author's
three answers are buttons with the verbs "question.fix", "question.confirm" and "question.reply", drawn by
the one renderer when the message is sent). Texts are plain (no HTML).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlmodel import Session, col, select

from bot.domain import audit
from bot.domain.catalogue.file import CatalogueFile
from bot.domain.formatting import format_day
from bot.domain.households.erasure import ERASED_NAME
from bot.domain.outbox.queue import as_utc, enqueue
from bot.domain.permissions import Do, may
from bot.domain.records.action_text import Localised, figures_line
from bot.domain.records.draft import draft_from_action
from bot.domain.screen import Screen, button
from bot.domain.spans import Text
from bot.domain.totals.aggregate import subtree_unit_ids
from bot.domain.units.tree import unit_kind, unit_label
from bot.i18n import Translator, get_translator
from db.models import ActionStatus, SupportAction, Unit, User
from db.queries import get_unit
from db.record_question import QuestionOutcome, QuestionStatus, RecordQuestion

MAX_TEXT = 500
"""Longest question or reply: a question is a sentence or two, and it must fit one Telegram message
together with the record."""


def question_screen(t: Translator, text: str, *, question_id: int, action_id: int) -> Screen:
    """A question in the author's chat, with its three answers: correct the entry, the figures are right,
    write a reply."""
    return Screen(body=Text().add(text), rows=[
        [button("✏️ " + t("Correct the entry"), "question.fix", action_id)],
        [button("✅ " + t("The figures are right"), "question.confirm", question_id)],
        [button("✍️ " + t("Write a reply"), "question.reply", question_id)]])


class QuestionProblem(Exception):
    """Why a question cannot be asked or answered; `reason` is one of the constants below."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


NOT_ALLOWED, NOT_CURRENT, ALREADY_OPEN, NOT_OPEN, EMPTY, TOO_LONG, NOBODY = (
    "not_allowed", "not_current", "already_open", "not_open", "empty", "too_long", "nobody")
AUTHOR_LEFT = "author_left"
"""`RecordQuestion.outcome` of a question closed because its author left before answering."""


@dataclass(frozen=True)
class Asked:
    """A question stored and queued: to the author, or (`author_left`) to the unit's other officers."""

    question: RecordQuestion
    recipients: list[str]
    author_left: bool


@dataclass(frozen=True)
class OpenQuestion:
    """An open question as /status lists it (plain data)."""

    id: int
    action_id: int
    unit_name: str
    asked_on: str
    question: str
    asked_by: str
    author: str


def check_text(text: str) -> str:
    """The question or reply as it will be stored, or QuestionProblem(EMPTY / TOO_LONG)."""
    cleaned = text.strip()
    if not cleaned:
        raise QuestionProblem(EMPTY)
    if len(cleaned) > MAX_TEXT:
        raise QuestionProblem(TOO_LONG)
    return cleaned


def answerers(session: Session, *, action: SupportAction, asker_id: int | None) -> tuple[list[User], bool]:
    """Who a question about `action` goes to: its author while they can answer; otherwise the active
    officers of the record's unit (not the asker). The flag says the author has left."""
    author = session.get(User, action.author_id)
    if author is not None and may(author, Do.ANSWER_ABOUT_RECORD, action, session=session):
        return [author], False
    others = session.exec(select(User).where(User.unit_id == action.unit_id, col(User.active).is_(True),
                                             col(User.id) != (asker_id or 0), col(User.id) != action.author_id)
                          .order_by(col(User.id))).all()
    return list(others), True


def open_question_of(session: Session, *, action_id: int) -> RecordQuestion | None:
    return session.exec(select(RecordQuestion).where(RecordQuestion.action_id == action_id,
                                                     RecordQuestion.status == QuestionStatus.OPEN)).first()


def record_summary(session: Session, catalogue: CatalogueFile, t: Translator, action: SupportAction, *,
                   with_household: bool) -> str:
    """"#12 · 30/11/2026 · Hỗ trợ gạo · 5.410 kg, 45 hộ · Hội LHPN · xã Ia Rsai" (plain text), and the
    household on a second line when the reader may see it."""
    names = Localised(catalogue, t).at(unit_kind(session, action.unit_id))
    draft = draft_from_action(action, session)
    spec = catalogue.category_by_code(draft.category or "")
    parts = [f"#{action.id}", format_day(action.action_date, t.locale), names.category(spec) if spec else "?",
             figures_line(names, spec, draft) if spec else "", names.organisation(draft.organisation),
             unit_label(session, t, action.unit_id)]
    text = " · ".join(p for p in parts if p)
    if with_household and action.household_name and not action.household_erased:
        village = f", {action.household_village}" if action.household_village else ""
        text += f"\n{t('Household')}: {action.household_name}{village}"
    return text


def ask(session: Session, *, user: User, action_id: int, text: str, now: datetime,
        catalogue: CatalogueFile) -> Asked:
    """Store the question, queue it (with the author's answer buttons) for the record's author, or for the
    unit's other officers when the author has left, and commit."""
    question_text = check_text(text)
    action = action_to_ask_about(session, user=user, action_id=action_id)
    recipients, author_left = answerers(session, action=action, asker_id=user.id)
    question = RecordQuestion(action_id=action_id, unit_id=action.unit_id, asked_by_id=user.id or 0, asked_at=now,
                              question=question_text)
    session.add(question)
    session.flush()
    audit.record(session, user_id=user.id, action="ask", entity="record_question", entity_id=question.id,
                 details={"action_id": action_id})
    for recipient in recipients:
        t = get_translator(recipient.locale)
        summary = record_summary(session, catalogue, t, action,
                                 with_household=may(recipient, Do.EDIT_RECORD, action, session=session))
        opening = (t("❓ {name} ({unit}) asks about an entry of your unit; the person who logged it no longer "
                     "has access, so you can answer instead:") if author_left else
                   t("❓ {name} ({unit}) asks about your entry:"))
        message = "\n\n".join((
            opening.format(name=user.display_name, unit=unit_label(session, t, user.unit_id)),
            summary, t("Question: {question}").format(question=question_text),
            t("Correct the entry, confirm that the figures are right, or write a reply.")))
        key = f"rq:{question.id}:ask" if not author_left else f"rq:{question.id}:ask:{recipient.id}"
        enqueue(session, key=key, chat_id=recipient.telegram_id, user_id=recipient.id, now=now, purpose="question",
                screen=question_screen(t, message, question_id=question.id or 0, action_id=action_id))
    session.commit()
    return Asked(question, [r.display_name for r in recipients], author_left)


def close_for_departed(session: Session, *, author: User, now: datetime) -> int:
    """`author` has left (deactivated, or moved out of the unit): each open question about their records
    that they can no longer answer is closed with the reason, and its asker is told who a new question
    would reach. Part of the caller's unit of work (no commit); returns how many were closed."""
    questions = session.exec(select(RecordQuestion).join(SupportAction, col(SupportAction.id) ==
                                                         RecordQuestion.action_id)
                             .where(RecordQuestion.status == QuestionStatus.OPEN,
                                    SupportAction.author_id == author.id)).all()
    closed = 0
    for question in questions:
        action = session.get(SupportAction, question.action_id)
        if action is None or may(author, Do.ANSWER_ABOUT_RECORD, action, session=session):
            continue
        question.status, question.outcome = QuestionStatus.CLOSED, AUTHOR_LEFT
        question.answered_at = now
        session.add(question)
        audit.record(session, user_id=None, action="close", entity="record_question", entity_id=question.id,
                     details={"action_id": question.action_id, "outcome": AUTHOR_LEFT})
        asker = session.get(User, question.asked_by_id)
        if asker is not None and asker.active:
            t = get_translator(asker.locale)
            others, _ = answerers(session, action=action, asker_id=asker.id)
            body = t("👋 {name}, who logged entry #{record}, no longer has access to it, so your question was closed "
                     "without an answer.").format(name=author.display_name, record=question.action_id)
            body += "\n" + (t("Ask again from /history to reach the other officers of {unit}: {names}.").format(
                unit=unit_label(session, t, action.unit_id), names=", ".join(o.display_name for o in others))
                if others else t("Nobody else in {unit} uses the bot yet, so nobody can answer it there.").format(
                    unit=unit_label(session, t, action.unit_id)))
            body += "\n" + t("Your question was: {question}").format(question=question.question or t(ERASED_NAME))
            enqueue(session, key=f"rq:{question.id}:left", chat_id=asker.telegram_id, user_id=asker.id, text=body,
                    now=now, purpose="question")
        closed += 1
    return closed


def answer(session: Session, *, user: User, question_id: int, reply: str | None, now: datetime) -> RecordQuestion:
    """The figures are right (`reply` None) or a typed reply: close the question, tell the asker, commit."""
    reply_text = check_text(reply) if reply is not None else None
    question = session.get(RecordQuestion, question_id)
    if question is None or not may(user, Do.ANSWER_ABOUT_RECORD, question, session=session):
        raise QuestionProblem(NOT_ALLOWED)
    if question.status != QuestionStatus.OPEN:
        raise QuestionProblem(NOT_OPEN)
    outcome = QuestionOutcome.CONFIRMED if reply_text is None else QuestionOutcome.REPLIED
    question.status, question.outcome, question.answer = QuestionStatus.ANSWERED, outcome, reply_text
    question.answered_by_id, question.answered_at = user.id, now
    session.add(question)
    audit.record(session, user_id=user.id, action="answer", entity="record_question", entity_id=question.id,
                 details={"action_id": question.action_id, "outcome": outcome.value})
    _tell_asker(session, question, by=user, now=now)
    session.commit()
    return question


def close_for_record(session: Session, *, previous: SupportAction, successor: SupportAction | None, user: User,
                     now: datetime) -> None:
    """A correction (`successor`, the new version) or a void of `previous` closes its open question and
    tells the asker. Part of the caller's unit of work (no commit)."""
    question = open_question_of(session, action_id=previous.id or 0)
    if question is None:
        return
    outcome = QuestionOutcome.CORRECTED if successor is not None else QuestionOutcome.VOIDED
    question.status, question.outcome = QuestionStatus.CLOSED, outcome
    question.answered_by_id, question.answered_at = user.id, now
    question.corrected_action_id = successor.id if successor is not None else None
    session.add(question)
    audit.record(session, user_id=user.id, action="close", entity="record_question", entity_id=question.id,
                 details={"action_id": question.action_id, "outcome": outcome.value,
                          "successor_id": question.corrected_action_id})
    _tell_asker(session, question, by=user, now=now)


def _tell_asker(session: Session, question: RecordQuestion, *, by: User, now: datetime) -> None:
    asker = session.get(User, question.asked_by_id)
    if asker is None:
        return
    t = get_translator(asker.locale)
    record = f"#{question.action_id}"
    if question.outcome == QuestionOutcome.CONFIRMED:
        text = t("✅ {name} answered your question about entry {record}: the figures are right.")
    elif question.outcome == QuestionOutcome.REPLIED:
        text = t("💬 {name} answered your question about entry {record}: {answer}")
    elif question.outcome == QuestionOutcome.CORRECTED:
        text = t("✏️ {name} corrected entry {record} after your question; the corrected entry is #{new}.")
    else:
        text = t("🗑 {name} voided entry {record} after your question.")
    body = text.format(name=by.display_name, record=record, answer=question.answer or "",
                       new=question.corrected_action_id or "")
    body += "\n" + t("Your question was: {question}").format(question=question.question or t(ERASED_NAME))
    enqueue(session, key=f"rq:{question.id}:done", chat_id=asker.telegram_id, user_id=asker.id, text=body, now=now,
            purpose="question")


def open_in(session: Session, *, unit: Unit) -> Sequence[RecordQuestion]:
    """Open questions about records of `unit` and below, oldest first (digests, /status)."""
    return session.exec(select(RecordQuestion).where(
        RecordQuestion.status == QuestionStatus.OPEN,
        col(RecordQuestion.unit_id).in_(subtree_unit_ids(session, root=unit)))
        .order_by(col(RecordQuestion.id))).all()


def open_for(session: Session, *, user: User, t: Translator, tz: ZoneInfo,
             limit: int = 20) -> tuple[int, list[OpenQuestion]]:
    """(how many, the oldest `limit`) open questions in the user's unit and below, for /status."""
    own = get_unit(session, unit_id=user.unit_id)
    questions = list(open_in(session, unit=own)) if own is not None else []
    shown: list[OpenQuestion] = []
    for question in questions[:limit]:
        asker = session.get(User, question.asked_by_id)
        action = session.get(SupportAction, question.action_id)
        author = session.get(User, action.author_id) if action is not None else None
        shown.append(OpenQuestion(
            id=question.id or 0, action_id=question.action_id, unit_name=unit_label(session, t, question.unit_id),
            asked_on=format_day(as_utc(question.asked_at).astimezone(tz).date(), t.locale),
            question=question.question or t(ERASED_NAME),
            asked_by=asker.display_name if asker else "?", author=author.display_name if author else "?"))
    return len(questions), shown


def question_for_reply(session: Session, *, user: User, question_id: int) -> RecordQuestion:
    """The open question `user` may answer (before asking them to type the reply)."""
    question = session.get(RecordQuestion, question_id)
    if question is None or not may(user, Do.ANSWER_ABOUT_RECORD, question, session=session):
        raise QuestionProblem(NOT_ALLOWED)
    if question.status != QuestionStatus.OPEN:
        raise QuestionProblem(NOT_OPEN)
    return question


def action_to_ask_about(session: Session, *, user: User, action_id: int) -> SupportAction:
    """The record `user` may ask about (before asking them to type the question)."""
    action = session.get(SupportAction, action_id)
    if action is None or not may(user, Do.ASK_ABOUT_RECORD, action, session=session):
        raise QuestionProblem(NOT_CURRENT if action is not None and action.status != ActionStatus.CURRENT
                              else NOT_ALLOWED)
    if open_question_of(session, action_id=action_id) is not None:
        raise QuestionProblem(ALREADY_OPEN)
    if not answerers(session, action=action, asker_id=user.id)[0]:
        raise QuestionProblem(NOBODY)  # the author left and nobody else in the unit could answer
    return action
