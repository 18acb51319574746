"""Erasing a household's personal details, as screens: the 🗑 under the /household card, the question
with ✅ / ❌, the choice when several units share a code, and the answer once erased.

The rules (what is erased, what stays, who may) are in bot/domain/households/erasure.py; this says them
to the supervisor.
"""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from bot.domain.households.erasure import (
    ERASED_NAME,
    ErasureResult,
    erasable_household,
    erase_household,
    households_by_code,
    records_naming,
)
from bot.domain.households.erasure_copies import ErasedNames
from bot.domain.permissions import Do, may
from bot.domain.screen import Button, Screen, button, screen_of
from bot.domain.spans import Text, bold, fill
from bot.domain.units.tree import unit_label
from bot.i18n import Translator
from db.models import Household, User


def erase_button(session: Session, *, viewer: User, t: Translator, household: Household) -> Button | None:
    """🗑 under the /household card, for the supervisors who may erase this household."""
    if household.erased_at is not None or household.id is None \
            or not may(viewer, Do.ERASE_HOUSEHOLD, household, session=session):
        return None
    return button("🗑 " + t("Erase personal details"), "household.erase", household.id)


def refusal(t: Translator, reason: str) -> str:
    if reason == "already_erased":
        return t("This household's personal details are already erased.")
    return t("Only a supervisor of the household's unit or a unit above it can erase its details.")


def erase_question_screen(session: Session, *, t: Translator, household: Household) -> Screen:
    """"Erase the personal details of household HN-07 (xã Ia Rsai): **Nguyễn Văn A**?" with what stays."""
    records = len(records_naming(session, household=household))
    unit = unit_label(session, t, household.unit_id)
    body = Text().add(*fill(t("Erase the personal details of household {code} ({unit}): {name}?"),
                            code=household.code, unit=unit, name=bold(household.head_name)))
    body.add().add(t(
        "The head of household's name and the notes are erased, and so are the name, note, photo and "
        "location in the {count} record(s) that name this household. The records and their figures stay, "
        "and the household code stays. This cannot be undone.").format(count=records))
    household_id = household.id or 0
    return Screen(body, [[button("✅ " + t("Erase"), "household.erase.yes", household_id),
                          button("❌ " + t("Cancel"), "household.erase.no", household_id)]])


def erase_command_screen(session: Session, *, viewer: User, t: Translator, code: str) -> Screen:
    """/household_erase CODE: the question, or which household when units under the viewer's share the
    code, or why not."""
    if not code:
        return screen_of(t("Write the household code, e.g. /household_erase HN-07"))
    found = households_by_code(session, user=viewer, code=code)
    if not found:
        return screen_of(t("No household with code “{code}” in your unit's register.").format(code=code[:40]))
    open_ones = [h for h in found if h.erased_at is None]
    if not open_ones:
        return screen_of(refusal(t, "already_erased"))
    if len(open_ones) == 1:
        return erase_question_screen(session, t=t, household=open_ones[0])
    return screen_of(t("Several units have a household with this code; choose one:"), rows=[
        [button(f"{h.code} · {unit_label(session, t, h.unit_id)}"[:60], "household.erase", h.id or 0)]
        for h in open_ones])


def erased_screen(session: Session, *, t: Translator, result: ErasureResult) -> Screen:
    """What is left once erased."""
    unit = unit_label(session, t, result.unit_id)
    return screen_of(t(
        "Household {code} ({unit}): personal details erased. Its {count} record(s) keep their figures; where "
        "the name was shown, it now reads “{erased}”.").format(
            code=result.code, unit=unit, count=result.records, erased=t(ERASED_NAME)))


def ask_erase_screen(session: Session, *, t: Translator, viewer: User, household_id: int) -> Screen:
    """🗑 pressed: the confirmation question, if the viewer may erase this household now (else
    `ErasureRefused`, which the handler answers with `refusal`)."""
    household = erasable_household(session, user=viewer, household_id=household_id)
    return erase_question_screen(session, t=t, household=household)


def erase_screen(session: Session, *, t: Translator, viewer: User, household_id: int,
                 now: datetime) -> tuple[ErasedNames | None, Screen]:
    """✅ pressed: erase (one transaction), and what is left; with the names erased, which the handler also
    scrubs from the chat state kept in memory (else `ErasureRefused`)."""
    result = erase_household(session, user=viewer, household_id=household_id, now=now)
    return result.erased, erased_screen(session, t=t, result=result)

