"""What the /log form and the quick-entry card need from the database, as plain data.

The form's handlers (handlers/log_form/) read the update, call one function here and render what it
returns; every query the form needs lives here, so the handlers stay Telegram-only and the saved
entry's screen (the stored record, its running total, a possible double count) is read in one place,
after the record is committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlmodel import Session

from bot.domain.catalogue.file import CatalogueFile, CategorySpec
from bot.domain.households.register import search_households
from bot.domain.people.access import AccessDenied
from bot.domain.permissions import Do, may
from bot.domain.records.action_text import Localised, card_text, figures_line, totals_text
from bot.domain.records.actions import (
    Draft,
    ValidationProblem,
    card_view,
    categories_by_use,
    find_by_key,
    month_totals,
    organisation_code_of,
    recent_distinct_templates,
    save_draft,
)
from bot.domain.records.draft import draft_from_action
from bot.domain.records.duplicates import flag_if_duplicate
from bot.domain.records.plausibility import check_draft, warning_lines
from bot.domain.spans import Text
from bot.domain.units.tree import unit_label
from bot.i18n import Translator
from db.models import Household, SupportAction, User
from db.queries import get_unit
from db.session import is_database_unavailable


@dataclass(frozen=True)
class Repeatable:
    """A recent entry offered as "same as last time": its id and how its button reads."""

    action_id: int
    label: str


@dataclass(frozen=True)
class StartMenu:
    """The category picker: recent entries to repeat, then the categories, most used first."""

    repeatable: list[Repeatable]
    categories: list[CategorySpec]


@dataclass(frozen=True)
class CardScreen:
    """The card of a draft as `user` may see it; `draft` is the draft to keep (a new entry loses a
    household its author may no longer see)."""

    text: Text
    draft: Draft


@dataclass(frozen=True)
class SavedEntry:
    """The screen after ✅: the stored record, and the unit's running total of its category this month.
    `duplicate_of` is an earlier record this one may double count (the question is asked separately)."""

    record_id: int
    card: Text
    running_total: Text
    action: SupportAction
    duplicate_of: SupportAction | None
    marked_unusual: bool = False


def names_for(session: Session, *, catalogue: CatalogueFile, t: Translator, user: User | None) -> Localised:
    """Names as the officer's unit says them: organisations as its bodies ("UBND phường Hòa Bình" in a ward)."""
    return Localised(catalogue, t).at_unit(get_unit(session, unit_id=user.unit_id) if user else None)


def start_menu(session: Session, *, user: User, names: Localised) -> StartMenu:
    repeatable: list[Repeatable] = []
    for template in recent_distinct_templates(session, user=user):
        draft = draft_from_action(template, session)
        spec = names.catalogue.category_by_code(draft.category or "")
        if spec is not None:
            label = f"🔁 {names.category(spec)} · {figures_line(names, spec, draft)}"
            repeatable.append(Repeatable(template.id or 0, label[:60]))
    return StartMenu(repeatable, categories_by_use(session, user=user, catalogue=names.catalogue))


def repeat_draft(session: Session, *, user: User, action_id: int) -> Draft | None:
    """A draft copying one of the user's own records for "same as last time": the same figures and
    choices, without what belongs to that one distribution (date, household, note, photo, place).
    None when the record is gone or no longer theirs to copy."""
    action = session.get(SupportAction, action_id)
    if action is None or action.author_id != user.id or not may(user, Do.EDIT_RECORD, action, session=session):
        return None
    draft = draft_from_action(action, session)
    draft.action_date = None
    draft.household_name = draft.household_village = draft.note = draft.photo_file_id = None
    draft.household_id, draft.household_erased = None, False
    draft.latitude = draft.longitude = None
    draft.approximate = False  # the new figure is typed afresh
    return draft


def correction_draft(session: Session, *, action: SupportAction) -> Draft:
    """The card of a stored record (from /history); saving it stores a new version."""
    draft = draft_from_action(action, session)
    draft.corrects_id = action.id
    return draft


def is_saved(session: Session, *, draft: Draft) -> bool:
    """The draft is already a record (its save committed, but a crash left its form open)."""
    return find_by_key(session, key=draft.key) is not None


def households_named(session: Session, *, user: User, text: str) -> Sequence[Household]:
    return search_households(session, user=user, text=text)


def visible_household(session: Session, *, user: User | None, household_id: int) -> Household | None:
    """A register household picked on a button, if it exists and `user` may see it (buttons can be forged)."""
    household = session.get(Household, household_id)
    if household is None or not may(user, Do.SEE_HOUSEHOLD, household, session=session):
        return None
    return household


def unusual_lines(session: Session, *, user: User, draft: Draft, names: Localised, now: datetime) -> list[str]:
    """The card's warning lines when a ratio of the figures is far from the usual (empty: none)."""
    spec = names.catalogue.category_by_code(draft.category or "")
    if spec is None:
        return []
    findings = check_draft(session, spec=spec, unit_id=user.unit_id, draft=draft, now=now)
    return warning_lines(names, spec, findings)


def card_screen(session: Session, *, user: User, draft: Draft, names: Localised, now: datetime) -> CardScreen:
    shown = card_view(session, user=user, draft=draft)
    text = card_text(names, shown, organisation_default=organisation_code_of(session, user),
                     warnings=unusual_lines(session, user=user, draft=shown, names=names, now=now))
    return CardScreen(text, draft)


def save_entry(session: Session, *, draft: Draft, author: User, names: Localised, today: date, now: datetime,
               source_update_id: int | None) -> SavedEntry:
    """Store the draft once (`save_draft`), then read what the user sees: the stored record and the
    running total. Figures the card warned about are saved marked for the supervisor. Raises what
    `save_draft` raises (AccessDenied, ValidationProblem); any other failure rolls the session back
    first, so the caller can answer on a clean session."""
    try:
        unusual = bool(unusual_lines(session, user=author, draft=draft, names=names, now=now))
        result = save_draft(session, draft=draft, author=author, catalogue=names.catalogue, today=today,
                            source_update_id=source_update_id, unusual=unusual)
    except (AccessDenied, ValidationProblem):
        raise
    except Exception as exc:
        if not is_database_unavailable(exc):
            session.rollback()
        raise
    action = result.action
    spec = names.catalogue.category_by_code(draft.category or "")
    assert spec is not None
    card = card_text(names, draft_from_action(action, session), organisation_default=None)
    totals = month_totals(session, unit_id=action.unit_id, category_code=spec.code, day=action.action_date)
    t = names.t
    month = t("Month {month}/{year}").format(month=action.action_date.month, year=action.action_date.year)
    summary = totals_text(names, spec, totals, unit_name=unit_label(session, t, action.unit_id), month=month)
    original = flag_if_duplicate(session, action=action) if result.created and not draft.corrects_id else None
    return SavedEntry(action.id or 0, card, summary, action, original, marked_unusual=action.unusual_confirmed)
