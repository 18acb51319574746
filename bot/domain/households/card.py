"""The household register in chat, as screens: the card of one household with everything it received,
/household's search, and /household_add's answer.

Why a service: the card shows personal data to the people entitled to it, and the same card will be
reached from other channels; which households a person finds and who gets 🗑 are rules of the domain.
"""

from __future__ import annotations

from sqlmodel import Session

from bot.domain.formatting import format_day
from bot.domain.households.erase_screens import erase_button
from bot.domain.households.erasure import household_name
from bot.domain.households.register import classify, household_history, search_households, upsert_household
from bot.domain.lookup import visible_household
from bot.domain.parsing.numbers import ascii_int
from bot.domain.records.action_text import Localised, figures_line
from bot.domain.records.draft import draft_from_action
from bot.domain.screen import Screen, button, screen_of
from bot.domain.spans import Text, bold
from db.models import Household, User
from db.queries import get_unit


def class_name(names: Localised, code: str) -> str:
    """A beneficiary class ("hộ nghèo") in the reader's language; unknown codes as stored."""
    spec = next((b for b in names.catalogue.beneficiary_class if b.code == code), None)
    return (spec.name_vi if names.vi else spec.name_en) if spec else code


def card_text(session: Session, names: Localised, household: Household) -> Text:
    """The household and everything it received, from every organisation, by date."""
    t = names.t
    head = " · ".join(p for p in (household.code, household.village) if p)
    body = Text().add(bold(household_name(t, household)), f" ({head})")
    body.add(t("{classification} ({year}), {members} member(s)").format(
        classification=class_name(names, household.classification), year=household.year,
        members=household.members if household.members is not None else "?"))
    history = household_history(session, household=household)
    if not history:
        body.add(t("Has not received any support yet."))
    for action in history:
        draft = draft_from_action(action, session)
        spec = names.catalogue.category_by_code(draft.category or "")
        what = f"{names.category(spec)}: {figures_line(names, spec, draft)}" if spec else "?"
        organisation = names.at_unit(get_unit(session, unit_id=action.unit_id)).organisation(draft.organisation)
        body.add(f"• {format_day(action.action_date, t.locale)} · {organisation} · {what}")
    return body


def household_screen(session: Session, *, viewer: User, names: Localised, household: Household) -> Screen:
    """The card, with 🗑 for a supervisor who may erase the household's personal details."""
    erase = erase_button(session, viewer=viewer, t=names.t, household=household)
    return Screen(card_text(session, names, household), [[erase]] if erase else [])


def view_screen(session: Session, *, viewer: User, names: Localised, household_id: int) -> Screen | None:
    """A household chosen from the matches: its card, or None when the viewer may not see it."""
    household = visible_household(session, user=viewer, household_id=household_id)
    return household_screen(session, viewer=viewer, names=names, household=household) if household else None


def search_screen(session: Session, *, viewer: User, names: Localised, text: str) -> Screen:
    """/household <part of the name or the code>: the card of the one match, or the matches to choose from."""
    t = names.t
    if not text:
        return screen_of(t("Type part of the head of household's name or the household code, "
                           "e.g. /household nguyen van a"))
    matches = search_households(session, user=viewer, text=text)
    if not matches:
        return screen_of(t("No household in your unit's register matches “{text}”.").format(text=text[:40]))
    if len(matches) == 1:
        return household_screen(session, viewer=viewer, names=names, household=matches[0])
    return screen_of(t("Several households match; choose one:"), rows=[
        [button(" · ".join(p for p in (household_name(t, h), h.village, h.code) if p)[:60], "household.view",
                h.id or 0)]
        for h in matches])


def add_household_screen(session: Session, *, viewer: User, names: Localised, line: str, year: int) -> Screen:
    """/household_add code; head of household; village; classification; members — adds or edits, and
    shows the card (or how to write the line)."""
    t = names.t
    parts = [p.strip() for p in line.split(";")]
    usage = t("Write: /household_add code; head of household; village; classification; members\n"
              "e.g. /household_add HN-07; Nguyễn Văn A; thôn 3; hộ nghèo; 5")
    if len(parts) < 4 or not parts[0] or not parts[1]:
        return screen_of(usage)
    classification = classify(parts[3], names.catalogue)
    members_text = parts[4] if len(parts) > 4 else ""
    members = ascii_int(members_text, low=1, high=99)
    if classification is None or (members_text and members is None):
        return screen_of(t("I could not read the classification or the number of members.") + "\n" + usage)
    unit = get_unit(session, unit_id=viewer.unit_id)
    assert unit is not None
    household, created, restored = upsert_household(
        session, user=viewer, unit=unit, code=parts[0][:64], head_name=parts[1][:200],
        village=parts[2][:200] or None, classification=classification, year=year, members=members)
    heading = t("Household added:") if created else t("Household updated:")
    if restored:
        heading = t("Household updated. Its personal details had been erased; the name you typed is stored "
                    "again.")
    return Screen(Text().add(heading).extend(card_text(session, names, household)))
