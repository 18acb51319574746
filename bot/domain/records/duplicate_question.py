"""The question asked about a suspected double count, as a screen (plain data), /suspects, and what an
answer is told.

Asked after saving, in /suspects and at the end of a digest; the renderer (bot/presentation/render.py) makes
the two answer buttons through the one callback codec.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.domain.formatting import format_day
from bot.domain.lookup import with_originals
from bot.domain.people.access import AccessDenied
from bot.domain.records.action_text import Localised, figures_line
from bot.domain.records.draft import draft_from_action
from bot.domain.records.duplicates import AnswerRefused, resolve, unresolved
from bot.domain.records.question_screens import ask_button
from bot.domain.screen import Screen, button
from bot.domain.spans import text as one_line
from bot.i18n import Translator
from db.models import SupportAction, User
from db.queries import get_unit

MAX_LISTED = 20


def duplicate_question(names: Localised, session: Session, *, action: SupportAction,
                       original: SupportAction) -> Screen:
    """"Hội LHPN đã ghi hỗ trợ gạo 45 hộ, 5.410 kg ngày 20/11/2026: cùng một đợt?" with the two answers."""
    t = names.t
    earlier = draft_from_action(original, session)
    spec = names.catalogue.category_by_code(earlier.category or "")
    what = f"{names.category(spec).lower()} {figures_line(names, spec, earlier)}" if spec else "?"
    question = t("{organisation} already logged {what} on {date}: is this the same distribution?").format(
        organisation=names.at_unit(get_unit(session, unit_id=original.unit_id)).organisation(earlier.organisation),
        what=what, date=format_day(original.action_date, t.locale))
    return Screen(one_line(f"⚠️ #{action.id}: {question}"), [
        [button(t("Same distribution — do not add it again"), "duplicate", "same", action.id or 0)],
        [button(t("A different distribution"), "duplicate", "other", action.id or 0)]])


def suspects_screens(session: Session, names: Localised, *, viewer: User, quiet_when_none: bool) -> list[Screen]:
    """/suspects: how many suspects wait in the viewer's unit and below, then each with its two answers (and
    ❓ to ask its author, for whoever may); nothing at all when there are none and `quiet_when_none` (/status)."""
    t = names.t
    suspects = unresolved(session, user=viewer)
    if not suspects:
        return [] if quiet_when_none else [Screen(one_line(t("No suspected double counts to resolve.")))]
    screens = [Screen(one_line(t("{count} suspected double count(s) to resolve:").format(count=len(suspects))))]
    for action, original in with_originals(session, suspects[:MAX_LISTED]):
        screen = duplicate_question(names, session, action=action, original=original)
        ask = ask_button(session, viewer=viewer, action=action, label="❓ " + t("Ask the author"))
        if ask:
            screen.rows.append(ask)
        screens.append(screen)
    return screens


def answer_screen(session: Session, t: Translator, *, viewer: User, action_id: int, same: bool) -> Screen | None:
    """The answer taken (the same distribution, counted once; or a different one, counted), or why not
    (the question is stale); None when the viewer may not answer about this record."""
    try:
        action = resolve(session, action_id=action_id, same=same, user=viewer)
    except (AccessDenied, LookupError, ValueError):
        return None
    except AnswerRefused as refused:
        return Screen(one_line(refusal_text(t, refused)))
    if same:
        return Screen(one_line(t("Noted: #{id} is the same distribution and is counted once.").format(id=action.id)))
    return Screen(one_line(t("Noted: #{id} is a different distribution and is counted.").format(id=action.id)))


def refusal_text(t: Translator, refused: AnswerRefused) -> str:
    """Why an answer was not taken, and what the record counts as now (the question it came from is stale)."""
    record_id = refused.action.id
    if refused.reason == "answered":
        if refused.previous == "confirmed":
            said = t("#{id} was already answered: the same distribution, counted once.")
        else:
            said = t("#{id} was already answered: a different distribution, counted.")
        return said.format(id=record_id) + " " + t("To change it, correct or void the record in /history.")
    if refused.reason == "not_suspect":
        return t("Sorry, #{id} is no longer a suspected double count: the earlier record was voided or corrected, "
                 "so #{id} is counted.").format(id=record_id)
    if refused.reason == "record_changed":
        return t("Sorry, #{id} was voided or corrected meanwhile: there is nothing to answer.").format(id=record_id)
    return t("Sorry, the earlier record #{original} was voided or corrected, so #{id} cannot be counted as the same "
             "distribution; #{id} stays counted.").format(original=refused.action.duplicate_of_id, id=record_id)
